package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/asyncwriter"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/internal/upprint"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// defaultMockAddr is where up --mock's mock listens, so trigger --mock
// finds it.
const defaultMockAddr = "127.0.0.1:8080"

// upOptions are up's flags: the session's configuration, and what the
// command builds for it (the Podio client, the tunnel, the mock).
type upOptions struct {
	podio     podioOptions
	refs      session.Refs
	port      int
	forwardTo string
	tunnel    session.TunnelOptions
	json      bool
	session   session.Config // the options that are the session's as they are
	mock      bool
	mockAddr  string
	mockSet   bool // --mock-addr given: no fallback to a free port
	mockConc  int  // --hook-concurrency of the embedded mock
	mockClock string
}

func upCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "mock", Usage: "run fully offline against an embedded mock of Podio (no account, no network)"},
		&cli.StringFlag{Name: "mock-addr", Value: defaultMockAddr, EnvVars: []string{"DEVHOOK_MOCK_ADDR"}, Usage: "with --mock: where the embedded mock listens (a free port if this one is taken)"},
		hookConcurrencyFlag("with --mock: deliveries to one hook in flight at once (`N`; 1 keeps each hook's events in order)"),
		&cli.IntFlag{Name: "port", Aliases: []string{"p"}, DefaultText: "3000", Usage: "forward deliveries to http://localhost:`PORT`/"},
		&cli.StringFlag{Name: "forward-to", Usage: "forward deliveries to this local `URL`, e.g. http://localhost:3000/podio/hook"},
		&cli.Int64SliceFlag{Name: "app", Usage: "register hooks on app `ID` (events default to item.create, item.update, item.delete)"},
		&cli.Int64SliceFlag{Name: "field", Usage: "register app_field hooks on field `ID` (item.* events)"},
		&cli.Int64SliceFlag{Name: "space", Usage: "register hooks on space `ID` (give --event, e.g. task.create)"},
		&cli.StringSliceFlag{Name: "event", Aliases: []string{"e"}, Usage: "event `TYPE` to register (repeatable)"},
		&cli.StringFlag{Name: "public-url", Usage: "use a tunnel you run yourself (cloudflared, a reverse proxy) that reaches --listen"},
		&cli.StringFlag{Name: "listen", Value: "127.0.0.1:0", Usage: "local address the relay listens on with --public-url"},
		&cli.StringFlag{Name: "secret", EnvVars: []string{"DEVHOOK_SECRET"}, Usage: "fixed secret path segment, so a stable --domain URL can reuse its hooks (default: random)"},
		&cli.StringFlag{Name: "ngrok-authtoken", EnvVars: []string{"NGROK_AUTHTOKEN"}, Usage: "ngrok authtoken (prefer the environment variable)"},
		&cli.StringFlag{Name: "domain", Usage: "reserved ngrok domain, for a stable public URL"},
		&cli.StringFlag{Name: "ngrok-connect-url", Hidden: true, EnvVars: []string{"DEVHOOK_NGROK_CONNECT_URL"}, Usage: "ngrok agent ingress host:port (tests)"},
		&cli.StringFlag{Name: "ngrok-ca", Hidden: true, EnvVars: []string{"DEVHOOK_NGROK_CA"}, Usage: "PEM file of CAs for --ngrok-connect-url (tests)"},
		&cli.BoolFlag{Name: "probe", Value: true, Hidden: true, EnvVars: []string{"DEVHOOK_PROBE"}, Usage: "check the public URL reaches devhook before creating hooks (tests turn it off)"},
		&cli.BoolFlag{Name: "forward-verify", Usage: "forward hook.verify to the local app too (devhook answers it either way)"},
		&cli.BoolFlag{Name: "ack", Usage: "answer Podio 200 at once and forward in the background"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object per delivery instead of a line"},
		&cli.BoolFlag{Name: "keep", Usage: "leave the hooks registered on exit"},
		inspectFlag(),
		allowHostFlag(),
		&cli.DurationFlag{Name: "connect-timeout", Value: session.DefaultConnectTimeout, Usage: "how long the tunnel has to connect and the public URL to answer"},
		&cli.DurationFlag{Name: "verify-timeout", Value: session.DefaultVerifyTimeout, Usage: "how long each hook has to become active"},
		&cli.BoolFlag{Name: "buffer", Value: true, Usage: "while your app is down, answer Podio 200 and hold the events for it (--buffer=false: Podio gets 502)"},
		&cli.BoolFlag{Name: "reverify", Value: true, Usage: "have a hook Podio made inactive verified again once your app answers"},
		&cli.DurationFlag{Name: "delivery-timeout", Value: hookrules.DeliveryTimeout, Usage: "how long Podio waits for your app (Podio's rule); with --mock the mock's timeout too"},
		&cli.StringFlag{Name: "mock-clock", Value: "real", Usage: "with --mock: `real` or manual (moved with POST /_mock/clock/advance at --mock-addr)"},
	}
	return &cli.Command{
		Name:  "up",
		Usage: "tunnel Podio webhooks to a local app: register, verify, forward, clean up",
		Description: `Opens a public tunnel (ngrok, or --public-url), registers the hooks you ask
for against it, answers Podio's hook.verify itself, forwards every delivery
to your local app byte for byte and prints one line per delivery. Ctrl-C
deletes the hooks it created and exits; a second Ctrl-C exits at once.

With --mock everything runs offline against an embedded mock of Podio.`,
		Flags: append(flags, podioFlags()...),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("up takes no arguments, got %q (events go in --event)", c.Args().First())
			}
			po, err := podioOptionsFrom(c)
			if err != nil {
				return err
			}
			if err := checkHookConcurrency(c.Int("hook-concurrency")); err != nil {
				return err
			}
			return runUp(c.Context, upOptions{
				podio: po, port: c.Int("port"), forwardTo: c.String("forward-to"), json: c.Bool("json"),
				refs: session.Refs{Apps: c.Int64Slice("app"), Fields: c.Int64Slice("field"), Spaces: c.Int64Slice("space"), Events: c.StringSlice("event")},
				tunnel: session.TunnelOptions{PublicURL: c.String("public-url"), Listen: c.String("listen"), SkipProbe: !c.Bool("probe"),
					Ngrok: tunnel.NgrokOptions{Authtoken: c.String("ngrok-authtoken"), Domain: c.String("domain"),
						ConnectURL: c.String("ngrok-connect-url"), ConnectTimeout: c.Duration("connect-timeout")},
					NgrokCAFile: c.String("ngrok-ca")},
				session: session.Config{Secret: c.String("secret"), ForwardVerify: c.Bool("forward-verify"), Ack: c.Bool("ack"), Keep: c.Bool("keep"),
					SkipProbe: !c.Bool("probe"), ConnectTimeout: c.Duration("connect-timeout"), VerifyTimeout: c.Duration("verify-timeout"),
					Inspect: c.String("inspect"), AllowedHosts: c.StringSlice("allow-host"), DeliveryTimeout: c.Duration("delivery-timeout"),
					NoBuffer: !c.Bool("buffer"), NoReverify: !c.Bool("reverify")},
				mock: c.Bool("mock"), mockAddr: c.String("mock-addr"), mockSet: c.IsSet("mock-addr"),
				mockConc: c.Int("hook-concurrency"), mockClock: c.String("mock-clock"),
			}, e.stdout, e.stderr)
		},
	}
}

func runUp(ctx context.Context, opts upOptions, stdout, stderr io.Writer) error {
	// One line per delivery: written from a goroutine of its own, in
	// batches under load, so a burst costs a copy per line rather than a
	// system call; closed last, so every line is printed. Whatever goes
	// to stderr waits for the lines before it.
	out := asyncwriter.New(stdout, 0)
	defer out.Close()
	stdout, stderr = out, flushFirst{stderr, out}
	target, err := session.ForwardTarget(opts.forwardTo, opts.port)
	if err != nil {
		return usageError{err}
	}
	var mock *mockpodio.Server
	var sess atomic.Pointer[session.Session] // for the mock's loop signals
	if opts.mock {
		onLoop := func(l mockpodio.LoopSignal) {
			if s := sess.Load(); s != nil {
				s.LoopSeen(l.Advice())
			}
		}
		if mock, err = startUpMock(opts, onLoop, stderr); err != nil {
			return err
		}
		defer mock.Close() // after the session, whose cleanup calls it
		opts = opts.onMock(mock)
	}
	specs, err := opts.refs.HookSpecs()
	if err != nil {
		return usageError{err}
	}
	client, err := opts.podio.SignIn(ctx)
	if err != nil {
		return err
	}
	p := &upprint.Printer{Stdout: stdout, Stderr: stderr, JSON: opts.json, Command: selfCommand()}
	tun, err := session.OpenTunnel(ctx, opts.tunnel, p.Out())
	if err != nil {
		return fmt.Errorf("open tunnel: %w", err)
	}
	cfg := opts.session
	cfg.Client, cfg.Tunnel, cfg.Target, cfg.Hooks, cfg.Sink, cfg.Command = client, tun, target, specs, p.Print, selfCommand()
	if mock != nil {
		p.MockURL = mock.URL
		p.MockToken = func() string {
			if tok, ok := client.Token(); ok {
				return tok.AccessToken.Reveal()
			}
			return ""
		}
		cfg.OwnAddrs = []string{mock.Listener.Addr().String()}
		if mc, ok := mock.Clock.(*mockpodio.ManualClock); ok {
			cfg.Clock = mc
		}
	}
	s, err := session.New(cfg)
	if err != nil {
		tun.Close()
		return err
	}
	sess.Store(s)
	return s.Run(ctx)
}

// startUpMock starts up --mock's embedded mock: the default seed, any
// port allowed for hook URLs (the local tunnel listens on a random one),
// quiet, on --mock-addr or, when the default address is taken, a free
// port. onLoop receives its loop signals.
func startUpMock(opts upOptions, onLoop func(mockpodio.LoopSignal), stderr io.Writer) (*mockpodio.Server, error) {
	if opts.mockClock != "real" && opts.mockClock != "manual" {
		return nil, usagef("--mock-clock must be real or manual, not %q", opts.mockClock)
	}
	s, err := newMockServer(mockOptions{allowAnyPort: true, quiet: true, hookConcurrency: opts.mockConc,
		clock: opts.mockClock, deliveryTimeout: opts.session.DeliveryTimeout, allowHosts: opts.session.AllowedHosts}, io.Discard)
	if err != nil {
		return nil, err
	}
	s.OnLoop = onLoop
	if err := s.StartOn(opts.mockAddr, "mock-addr", !opts.mockSet, stderr); err != nil {
		return nil, err
	}
	return s, nil
}

// onMock points the options at the embedded mock: signed in with its
// seed's throwaway credentials (the user's PODIO_* ones are for real Podio
// and are neither needed nor sent), through a loopback tunnel unless
// another is asked for, and without --app, --field or --space on the
// seed's first app.
func (o upOptions) onMock(s *mockpodio.Server) upOptions {
	seed := s.Seed
	o.podio = podioOptions{
		URL: s.URL, Credentials: podio.Credentials{ClientID: seed.Clients[0].ClientID, ClientSecret: podio.NewSecret(seed.Clients[0].ClientSecret),
			AppID: seed.Apps[0].AppID, AppToken: podio.NewSecret(seed.Apps[0].AppToken)},
	}
	if len(o.refs.Apps) == 0 && len(o.refs.Fields) == 0 && len(o.refs.Spaces) == 0 {
		o.refs.Apps = []int64{seed.Apps[0].AppID}
	}
	o.tunnel.Local = o.tunnel.PublicURL == "" && o.tunnel.Ngrok.Authtoken == "" && o.tunnel.Ngrok.ConnectURL == ""
	return o
}

// flushFirst writes to w once everything written to before has been
// written, so lines on two streams keep their order.
type flushFirst struct {
	w      io.Writer
	before interface{ Flush() }
}

func (f flushFirst) Write(p []byte) (int, error) {
	f.before.Flush()
	return f.w.Write(p)
}
