package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/asyncwriter"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/internal/termsafe"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// defaultAppEvents are the events registered on --app when no --event is
// given.
var defaultAppEvents = []string{"item.create", "item.update", "item.delete"}

// defaultMockAddr is where up --mock's mock listens, so trigger --mock
// finds it.
const defaultMockAddr = "127.0.0.1:8080"

type upOptions struct {
	podio         podioOptions
	mock          bool
	port          int
	forwardTo     string
	apps          []int64
	fields        []int64
	spaces        []int64
	events        []string
	publicURL     string
	listen        string
	secret        string
	ngrokToken    string
	domain        string
	ngrokConnect  string
	ngrokCAFile   string
	forwardVerify bool
	ack           bool
	json          bool
	keep          bool
	verifyTimeout time.Duration
	skipProbe     bool
	connectFor    time.Duration
	inspect       string
	mockAddr      string
	mockAddrSet   bool
	allowHosts    []string
	mockHookConc  int // --hook-concurrency of the embedded mock
	mockClock     string
	deliveryTO    time.Duration
	noBuffer      bool
	noReverify    bool
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
				podio: po, mock: c.Bool("mock"), port: c.Int("port"), forwardTo: c.String("forward-to"),
				apps: c.Int64Slice("app"), fields: c.Int64Slice("field"), spaces: c.Int64Slice("space"),
				events: c.StringSlice("event"), publicURL: c.String("public-url"), listen: c.String("listen"),
				secret: c.String("secret"), ngrokToken: c.String("ngrok-authtoken"), domain: c.String("domain"),
				ngrokConnect: c.String("ngrok-connect-url"), ngrokCAFile: c.String("ngrok-ca"),
				forwardVerify: c.Bool("forward-verify"), ack: c.Bool("ack"), json: c.Bool("json"), keep: c.Bool("keep"),
				verifyTimeout: c.Duration("verify-timeout"), skipProbe: !c.Bool("probe"),
				connectFor: c.Duration("connect-timeout"), inspect: c.String("inspect"),
				mockAddr: c.String("mock-addr"), mockAddrSet: c.IsSet("mock-addr"),
				allowHosts:   c.StringSlice("allow-host"),
				mockHookConc: c.Int("hook-concurrency"),
				mockClock:    c.String("mock-clock"), deliveryTO: c.Duration("delivery-timeout"),
				noBuffer: !c.Bool("buffer"), noReverify: !c.Bool("reverify"),
			}, e.stdout, e.stderr)
		},
	}
}

// hookSpecs expands --app/--field/--space and --event into the hooks to
// register, checking each event against the reference type.
func (o upOptions) hookSpecs() ([]session.HookSpec, error) {
	var out []session.HookSpec
	add := func(refType string, ids []int64, events []string) error {
		for _, id := range ids {
			if id <= 0 {
				return usagef("--%s wants a positive id, not %d", flagOf(refType), id)
			}
			for _, ev := range events {
				if !fixtures.Allowed(refType, ev) {
					return usagef("event %q cannot be registered on --%s: it takes %s", ev, flagOf(refType), strings.Join(allowedOn(refType), ", "))
				}
				out = append(out, session.HookSpec{RefType: refType, RefID: id, Event: ev})
			}
		}
		return nil
	}
	itemEvents := o.events
	if len(itemEvents) == 0 {
		itemEvents = defaultAppEvents
	}
	if len(o.spaces) > 0 && len(o.events) == 0 {
		return nil, usagef("--space needs --event (one of %s)", strings.Join(allowedOn(fixtures.RefSpace), ", "))
	}
	if err := add(fixtures.RefApp, o.apps, filterAllowedOrAll(fixtures.RefApp, itemEvents, len(o.fields)+len(o.spaces) > 0)); err != nil {
		return nil, err
	}
	if err := add(fixtures.RefAppField, o.fields, filterAllowedOrAll(fixtures.RefAppField, itemEvents, len(o.apps)+len(o.spaces) > 0)); err != nil {
		return nil, err
	}
	if err := add(fixtures.RefSpace, o.spaces, filterAllowedOrAll(fixtures.RefSpace, o.events, len(o.apps)+len(o.fields) > 0)); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, usagef("no hooks to register: give --app ID (and --event TYPE), --field ID or --space ID --event TYPE")
	}
	return out, nil
}

// filterAllowedOrAll keeps the events allowed on refType when several kinds
// of reference share one --event list; with one kind, every event must be
// allowed, so a typo is an error rather than silently skipped.
func filterAllowedOrAll(refType string, events []string, mixed bool) []string {
	if !mixed {
		return events
	}
	var out []string
	for _, ev := range events {
		if fixtures.Allowed(refType, ev) {
			out = append(out, ev)
		}
	}
	return out
}

func flagOf(refType string) string {
	if refType == fixtures.RefAppField {
		return "field"
	}
	return refType
}

func allowedOn(refType string) []string {
	var out []string
	for _, s := range fixtures.Specs() {
		if slices.Contains(s.RefTypes, refType) {
			out = append(out, s.Type)
		}
	}
	return out
}

// target returns the local URL deliveries are forwarded to.
func (o upOptions) target() (*url.URL, error) {
	if o.forwardTo != "" && o.port != 0 {
		return nil, usagef("give --port or --forward-to, not both")
	}
	raw := o.forwardTo
	if raw == "" {
		port := o.port
		if port == 0 {
			port = 3000
		}
		if port < 1 || port > 65535 {
			return nil, usagef("--port must be 1 to 65535, not %d", port)
		}
		raw = "http://localhost:" + strconv.Itoa(port) + "/"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--forward-to must be an http(s) URL such as http://localhost:3000/hook, not %q", raw)
	}
	return u, nil
}

func runUp(ctx context.Context, opts upOptions, stdout, stderr io.Writer) error {
	// One line per delivery: written from a goroutine of its own, in
	// batches under load, so a burst costs a copy per line rather than a
	// system call; closed last, so every line is printed. Whatever goes
	// to stderr waits for the lines before it.
	out := asyncwriter.New(stdout, 0)
	defer out.Close()
	stdout, stderr = out, flushFirst{stderr, out}
	target, err := opts.target()
	if err != nil {
		return err
	}
	var mock *mockpodio.Server
	if opts.mock {
		if mock, err = startUpMock(opts, stderr); err != nil {
			return err
		}
		defer mock.Close() // after the session, whose cleanup calls it
		opts = opts.onMock(mock)
	}
	specs, err := opts.hookSpecs()
	if err != nil {
		return err
	}
	client, err := opts.podio.signIn(ctx)
	if err != nil {
		return err
	}
	banner := stdout
	if opts.json {
		banner = stderr // stdout carries only the JSON stream
	}
	tun, err := opts.openTunnel(ctx, banner)
	if err != nil {
		return fmt.Errorf("open tunnel: %w", err)
	}
	p := &upPrinter{stdout: stdout, stderr: stderr, json: opts.json, mock: mock, client: client}
	cfg := session.Config{
		Client: client, Tunnel: tun, Target: target, Hooks: specs,
		Secret: opts.secret, ForwardVerify: opts.forwardVerify, Ack: opts.ack, Keep: opts.keep,
		SkipProbe: opts.skipProbe, ConnectTimeout: opts.connectFor, VerifyTimeout: opts.verifyTimeout,
		Inspect: opts.inspect, Sink: p.print, Command: selfCommand(), AllowedHosts: opts.allowHosts,
		DeliveryTimeout: opts.deliveryTO, NoBuffer: opts.noBuffer, NoReverify: opts.noReverify,
	}
	if mock != nil {
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
	return s.Run(ctx)
}

// startUpMock starts up --mock's embedded mock: the default seed, any
// port allowed for hook URLs (the local tunnel listens on a random one),
// quiet, on --mock-addr or, when the default address is taken, a free
// port.
func startUpMock(opts upOptions, stderr io.Writer) (*mockpodio.Server, error) {
	if opts.mockClock != "real" && opts.mockClock != "manual" {
		return nil, usagef("--mock-clock must be real or manual, not %q", opts.mockClock)
	}
	s, err := newMockServer(mockOptions{allowAnyPort: true, quiet: true, hookConcurrency: opts.mockHookConc,
		clock: opts.mockClock, deliveryTimeout: opts.deliveryTO, allowHosts: opts.allowHosts}, io.Discard)
	if err != nil {
		return nil, err
	}
	if err := startMockServer(s, opts.mockAddr, "mock-addr", !opts.mockAddrSet, stderr); err != nil {
		return nil, err
	}
	return s, nil
}

// onMock points the Podio options at the embedded mock, signed in with its
// seed's throwaway credentials: the user's PODIO_* ones are for real Podio
// and are neither needed nor sent. Without --app, --field or --space it
// registers on the seed's first app.
func (o upOptions) onMock(s *mockpodio.Server) upOptions {
	seed := s.Seed
	o.podio = podioOptions{
		url: s.URL, clientID: seed.Clients[0].ClientID, clientSecret: podio.NewSecret(seed.Clients[0].ClientSecret),
		appID: seed.Apps[0].AppID, appToken: podio.NewSecret(seed.Apps[0].AppToken),
	}
	if len(o.apps) == 0 && len(o.fields) == 0 && len(o.spaces) == 0 {
		o.apps = []int64{seed.Apps[0].AppID}
	}
	return o
}

// openTunnel opens the tunnel the options ask for: local with --mock, the
// user's own with --public-url, else ngrok.
func (o upOptions) openTunnel(ctx context.Context, stdout io.Writer) (tunnel.Tunnel, error) {
	switch {
	case o.mock && o.publicURL == "" && o.ngrokToken == "" && o.ngrokConnect == "":
		return tunnel.ListenLocal("")
	case o.publicURL != "":
		tun, err := tunnel.ListenStatic(o.listen, o.publicURL)
		if err != nil {
			return nil, err
		}
		if !o.skipProbe {
			fmt.Fprintf(stdout, "Waiting for %s to reach devhook: your tunnel must forward it to http://%s (--listen)\n", tun.URL(), tun.Addr())
		}
		return tun, nil
	default:
		no := tunnel.NgrokOptions{Authtoken: o.ngrokToken, Domain: o.domain, ConnectURL: o.ngrokConnect, ConnectTimeout: o.connectFor}
		if o.ngrokCAFile != "" {
			pem, err := os.ReadFile(o.ngrokCAFile)
			if err != nil {
				return nil, fmt.Errorf("read --ngrok-ca: %w", err)
			}
			no.ConnectCAs = x509.NewCertPool()
			if !no.ConnectCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--ngrok-ca %s: no PEM certificate in it", o.ngrokCAFile)
			}
		}
		if no.Authtoken == "" {
			return nil, fmt.Errorf("%w; set NGROK_AUTHTOKEN or --ngrok-authtoken (https://dashboard.ngrok.com/get-started/your-authtoken), use --public-url with a tunnel of your own, or try --mock", tunnel.ErrAuthtokenMissing)
		}
		fmt.Fprintf(stdout, "Connecting to ngrok...\n")
		return tunnel.ListenNgrok(ctx, no)
	}
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

// upPrinter prints a session's events: deliveries and the banner on
// stdout, warnings on stderr.
type upPrinter struct {
	stdout, stderr io.Writer
	json           bool
	mock           *mockpodio.Server // nil unless --mock
	client         *podio.Client
}

func (p *upPrinter) print(ev session.Event) {
	if p.json {
		if line, ok := session.StreamLine(ev); ok {
			fmt.Fprintf(p.stdout, "%s\n", line)
			return
		}
	}
	switch ev := ev.(type) {
	case session.Warning:
		fmt.Fprintln(p.stderr, safeLines(ev.Text))
	case session.Delivery:
		fmt.Fprintln(p.out(), render.Line(ev.Record))
	case session.HookState:
		if ev.State == session.StateQueued && ev.Count > 1 {
			return // the delivery line says queued; the first one explains
		}
		fmt.Fprintf(p.out(), "devhook: %s\n", safeLines(ev.Line))
	case session.Replayed:
		if p.json {
			if b, err := readableJSON(ev.Record); err == nil {
				fmt.Fprintf(p.stdout, "%s\n", b)
			}
			return
		}
		fmt.Fprintln(p.stdout, render.Line(ev.Record))
	case session.Ready:
		p.ready(ev)
	case session.Stopping:
		fmt.Fprintf(p.out(), "\ndevhook: shutting down\n")
	case session.Waiting:
		fmt.Fprintf(p.stderr, "devhook: waiting for %d %s (up to %d s); Ctrl-C again to quit now\n",
			ev.N, plural(ev.N, "delivery", "deliveries"), int(ev.UpTo/time.Second))
	case session.Undelivered:
		p.undelivered(ev)
	case session.HooksKept:
		fmt.Fprintf(p.out(), "Keeping hooks %s (--keep).\n", joinIDs(ev.IDs))
	case session.HooksDeleted:
		fmt.Fprintf(p.out(), "Deleted hooks %s.\n", joinIDs(ev.IDs))
	}
}

// out is where the human-readable lines go: stdout, or stderr when stdout
// carries the --json stream.
func (p *upPrinter) out() io.Writer {
	if p.json {
		return p.stderr
	}
	return p.stdout
}

// undelivered lists the held events that never reached the app.
func (p *upPrinter) undelivered(ev session.Undelivered) {
	w := p.stderr
	fmt.Fprintf(w, "devhook: %d %s held while your app was down %s not delivered:\n", len(ev.Records),
		plural(len(ev.Records), "event", "events"), plural(len(ev.Records), "was", "were"))
	logged := false
	for i, e := range ev.Records {
		id := ev.IDs[i]
		if id != "" {
			logged = true
			id = "  " + id
		}
		fmt.Fprintf(w, "  %s  %s  hook %d  %s%s\n", e.Time.Format("15:04:05"), termsafe.String(e.Type), e.HookID, termsafe.String(strings.Join(e.IDs, " ")), termsafe.String(id))
	}
	if logged {
		fmt.Fprintf(w, "They stay in the delivery log: `%s replay ID` sends one, and the next `%s up` to the same app delivers them.\n", selfCommand(), selfCommand())
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (p *upPrinter) ready(ev session.Ready) {
	w := p.out()
	fmt.Fprintf(w, "Forwarding  %s -> %s\n", termsafe.String(ev.HookURL), termsafe.String(ev.Target))
	if p.mock != nil {
		fmt.Fprintf(w, "Podio       embedded mock at %s (offline)\n", p.mock.URL)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOOK\tREF\tEVENT\tSTATUS")
	for _, h := range ev.Hooks {
		status := "active"
		if h.Reused {
			status += " (reused)"
		}
		fmt.Fprintf(tw, "%d\t%s %d\t%s\t%s\n", h.ID, h.RefType, h.RefID, termsafe.String(h.Event), termsafe.String(status))
	}
	tw.Flush()
	if p.mock != nil {
		if tok, ok := p.client.Token(); ok {
			app := int64(0)
			for _, h := range ev.Hooks {
				if h.RefType == fixtures.RefApp {
					app = h.RefID
					break
				}
			}
			if app != 0 {
				fmt.Fprintf(w, "Fire an event (the mock's own throwaway token):\n  curl -s -H 'Authorization: OAuth2 %s' -d '{\"fields\":{\"title\":\"Hello from devhook\"}}' %s/item/app/%d/\n",
					tok.AccessToken.Reveal(), p.mock.URL, app)
				fmt.Fprintf(w, "  or: %s trigger item.create --mock %s --app %d\n", selfCommand(), p.mock.URL, app)
			}
		}
	}
	if ev.InspectorURL != "" {
		fmt.Fprintf(w, "Inspector   %s\n", ev.InspectorURL)
	}
	fmt.Fprintln(w, "Waiting for events. Ctrl-C removes the hooks and exits.")
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
