package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// defaultAppEvents are the events registered on --app when no --event is
// given.
var defaultAppEvents = []string{"item.create", "item.update", "item.delete"}

// Bounds of the start-up steps.
const (
	defaultConnectFor = 20 * time.Second // ngrok must connect, and the public URL answer, within this
	cleanupTimeout    = 15 * time.Second // deleting hooks on exit
	defaultVerifyFor  = 20 * time.Second // a hook must become active within this
	defaultMockAddr   = "127.0.0.1:8080" // where up --mock's mock listens, so trigger --mock finds it
)

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
	mockHookConc  int // --hook-concurrency of the embedded mock; 0 means its default
}

func upCommand(e *env) *cli.Command {
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "mock", Usage: "run fully offline against an embedded mock of Podio (no account, no network)"},
		&cli.StringFlag{Name: "mock-addr", Value: defaultMockAddr, Usage: "with --mock: where the embedded mock listens (a free port if this one is taken)"},
		hookConcurrencyFlag("with --mock: deliveries to one hook in flight at once (`N`; 1 keeps each hook's events in order)"),
		&cli.IntFlag{Name: "port", Aliases: []string{"p"}, Usage: "forward deliveries to http://localhost:`PORT`/ (default 3000)"},
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
		&cli.StringFlag{Name: "ngrok-connect-url", Hidden: true, Usage: "ngrok agent ingress host:port (tests)"},
		&cli.StringFlag{Name: "ngrok-ca", Hidden: true, Usage: "PEM file of CAs for --ngrok-connect-url (tests)"},
		&cli.BoolFlag{Name: "probe", Value: true, Hidden: true, Usage: "check the public URL reaches devhook before creating hooks (tests turn it off)"},
		&cli.BoolFlag{Name: "forward-verify", Usage: "forward hook.verify to the local app too (devhook answers it either way)"},
		&cli.BoolFlag{Name: "ack", Usage: "answer Podio 200 at once and forward in the background"},
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object per delivery instead of a line"},
		&cli.BoolFlag{Name: "keep", Usage: "leave the hooks registered on exit"},
		inspectFlag(),
		&cli.DurationFlag{Name: "connect-timeout", Value: defaultConnectFor, Usage: "how long the tunnel has to connect and the public URL to answer"},
		&cli.DurationFlag{Name: "verify-timeout", Value: defaultVerifyFor, Usage: "how long each hook has to become active"},
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
				mockHookConc: c.Int("hook-concurrency"),
			}, e.stdout, e.stderr)
		},
	}
}

// hookSpec is one hook to register.
type hookSpec struct {
	refType string
	refID   int64
	event   string
}

// hookSpecs expands --app/--field/--space and --event into the hooks to
// register, checking each event against the reference type.
func (o upOptions) hookSpecs() ([]hookSpec, error) {
	var out []hookSpec
	add := func(refType string, ids []int64, events []string) error {
		for _, id := range ids {
			if id <= 0 {
				return usagef("--%s must be a positive id, not %d", flagOf(refType), id)
			}
			for _, ev := range events {
				if !fixtures.Allowed(refType, ev) {
					return usagef("event %q cannot be registered on --%s: it takes %s", ev, flagOf(refType), strings.Join(allowedOn(refType), ", "))
				}
				out = append(out, hookSpec{refType, id, ev})
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

// up is one run of `devhook up`: what it opened, so it can close it.
type up struct {
	opts   upOptions
	stdout io.Writer
	stderr io.Writer
	outMu  sync.Mutex // serialises output lines

	mock    *mockpodio.Server
	client  *podio.Client
	tun     tunnel.Tunnel
	relay   *relay.Handler
	http    *http.Server
	hookURL string
	probe   string // path the probe answers on

	verifyMu sync.Mutex       // guards verified
	verified map[int64]string // hook id -> "" when validated, else the error
	verifyCh chan struct{}    // signalled on every verify event

	created []int64 // hooks this run created (deleted on exit)
	feed    *feed   // delivery log and inspector

	hooksMu sync.Mutex // guards hooks
	hooks   []*hookState
	target  *url.URL
}

func runUp(ctx context.Context, opts upOptions, stdout, stderr io.Writer) (err error) {
	u := &up{opts: opts, stdout: stdout, stderr: stderr, verified: map[int64]string{}, verifyCh: make(chan struct{}, 1)}
	target, err := opts.target()
	if err != nil {
		return err
	}
	if opts.mock {
		if err := u.startMock(); err != nil {
			return err
		}
	}
	specs, err := u.opts.hookSpecs()
	if err != nil {
		u.closeAll()
		return err
	}
	u.target = target
	u.feed = newFeed(opts.inspect, u.inspectorState, stderr)
	defer func() {
		if cerr := u.shutdown(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if u.client, err = u.opts.podio.signIn(ctx); err != nil {
		return err
	}
	if err := u.openTunnel(ctx); err != nil {
		return err
	}
	if err := u.startRelay(target); err != nil {
		return err
	}
	if !u.opts.skipProbe {
		if err := u.probePublicURL(ctx); err != nil {
			return err
		}
	}
	hooks, err := u.registerHooks(ctx, specs)
	if err != nil {
		return err
	}
	if err := u.awaitActive(ctx, hooks); err != nil {
		return err
	}
	u.hooksMu.Lock()
	u.hooks = hooks
	u.hooksMu.Unlock()
	u.printReady(ctx, hooks, target)
	<-ctx.Done()
	u.printf("\ndevhook: shutting down\n")
	return nil
}

// startMock starts the embedded mock and points the Podio options at it,
// with the default seed's credentials unless others were given.
func (u *up) startMock() error {
	seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		return fmt.Errorf("default seed: %w", err)
	}
	l, err := net.Listen("tcp", u.opts.mockAddr)
	if err != nil && !u.opts.mockAddrSet {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return fmt.Errorf("start mock on %s: %w", u.opts.mockAddr, err)
	}
	if warn := exposureWarning(l.Addr()); warn != "" {
		fmt.Fprintln(u.stderr, warn)
	}
	// The local tunnel listens on a random loopback port: allow it.
	s := &mockpodio.Server{Listener: l, AllowAnyPort: true, Seed: seed, HookConcurrency: u.opts.mockHookConc}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start mock: %w", err)
	}
	u.mock = s
	// The embedded mock is signed in to with its own seed's throwaway
	// credentials; the user's PODIO_* ones are for real Podio and are
	// neither needed nor sent.
	o := &u.opts
	o.podio = podioOptions{
		url: s.URL, clientID: seed.Clients[0].ClientID, clientSecret: podio.NewSecret(seed.Clients[0].ClientSecret),
		appID: seed.Apps[0].AppID, appToken: podio.NewSecret(seed.Apps[0].AppToken),
	}
	if len(o.apps) == 0 && len(o.fields) == 0 && len(o.spaces) == 0 {
		o.apps = []int64{seed.Apps[0].AppID}
	}
	return nil
}

func (u *up) openTunnel(ctx context.Context) error {
	tun, err := u.listen(ctx)
	if err != nil {
		return fmt.Errorf("open tunnel: %w", err)
	}
	u.tun = tun
	return nil
}

// listen opens the tunnel the options ask for: local with --mock, the
// user's own with --public-url, else ngrok.
func (u *up) listen(ctx context.Context) (tunnel.Tunnel, error) {
	switch {
	case u.opts.mock && u.opts.publicURL == "" && u.opts.ngrokToken == "" && u.opts.ngrokConnect == "":
		return tunnel.ListenLocal("")
	case u.opts.publicURL != "":
		return tunnel.ListenStatic(u.opts.listen, u.opts.publicURL)
	default:
		no := tunnel.NgrokOptions{Authtoken: u.opts.ngrokToken, Domain: u.opts.domain, ConnectURL: u.opts.ngrokConnect, ConnectTimeout: u.opts.connectFor}
		if u.opts.ngrokCAFile != "" {
			pem, err := os.ReadFile(u.opts.ngrokCAFile)
			if err != nil {
				return nil, fmt.Errorf("read --ngrok-ca: %w", err)
			}
			no.ConnectCAs = x509.NewCertPool()
			if !no.ConnectCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--ngrok-ca %s: no PEM certificate in it", u.opts.ngrokCAFile)
			}
		}
		if no.Authtoken == "" {
			return nil, fmt.Errorf("%w; set NGROK_AUTHTOKEN or --ngrok-authtoken (https://dashboard.ngrok.com/get-started/your-authtoken), use --public-url with a tunnel of your own, or try --mock", tunnel.ErrAuthtokenMissing)
		}
		u.printf("Connecting to ngrok...\n")
		return tunnel.ListenNgrok(ctx, no)
	}
}

func (u *up) startRelay(target *url.URL) error {
	secret := u.opts.secret
	if secret == "" {
		var err error
		if secret, err = relay.NewSecret(); err != nil {
			return fmt.Errorf("make secret: %w", err)
		}
	}
	h, err := relay.New(relay.Config{
		Secret: secret, Target: target, ForwardVerify: u.opts.forwardVerify, Ack: u.opts.ack,
		Validate: func(ctx context.Context, hookID int64, code string) error {
			return u.client.ValidateHook(ctx, hookID, code)
		},
		OnEvent: u.onEvent,
	})
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	u.relay = h
	u.hookURL = strings.TrimSuffix(u.tun.URL(), "/") + "/" + secret
	nonce, err := relay.NewSecret()
	if err != nil {
		return fmt.Errorf("make probe: %w", err)
	}
	u.probe = "/.devhook-probe/" + nonce
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+u.probe, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, nonce) })
	mux.Handle("/", h)
	u.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go u.http.Serve(u.tun)
	return nil
}

// onEvent prints one line per request the relay handled and notes the
// outcome of each hook.verify.
func (u *up) onEvent(ev relay.Event) {
	u.feed.add(recordFromRelay(ev))
	if ev.Kind == relay.KindVerify && ev.HookID != 0 {
		u.verifyMu.Lock()
		if ev.Verified {
			u.verified[ev.HookID] = ""
		} else {
			u.verified[ev.HookID] = orDefault(ev.Err, "validate failed")
		}
		u.verifyMu.Unlock()
		select {
		case u.verifyCh <- struct{}{}:
		default:
		}
	}
	if u.opts.json {
		b, err := relay.FormatJSON(ev)
		if err == nil {
			u.printf("%s\n", b)
		}
		return
	}
	u.printf("%s\n", relay.FormatLine(ev))
}

func (u *up) printf(format string, args ...any) {
	u.outMu.Lock()
	defer u.outMu.Unlock()
	fmt.Fprintf(u.stdout, format, args...)
}

// probePublicURL checks the public URL reaches the relay end to end before
// any hook is created: Podio sends hook.verify at once, and new ngrok
// endpoints can answer 404 for a moment.
func (u *up) probePublicURL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(u.opts.connectFor, defaultConnectFor))
	defer cancel()
	probeURL := strings.TrimSuffix(u.tun.URL(), "/") + u.probe
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, probeURL, nil)
		if err != nil {
			return fmt.Errorf("probe %s: %w", u.tun.URL(), err)
		}
		res, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
			res.Body.Close()
			if res.StatusCode == http.StatusOK && strings.HasSuffix(u.probe, string(body)) {
				return nil
			}
			last = fmt.Sprintf("answered %d", res.StatusCode)
		} else {
			last = err.Error()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err()
			}
			return fmt.Errorf("public URL %s does not reach devhook (%s): check the tunnel forwards to this machine", u.tun.URL(), last)
		case <-t.C:
		}
	}
}

// hookState is a registered hook and whether this run made it.
type hookState struct {
	spec    hookSpec
	id      int64
	reused  bool
	active  bool
	problem string
}

// registerHooks creates each hook, or reuses one with the same URL and
// type.
func (u *up) registerHooks(ctx context.Context, specs []hookSpec) ([]*hookState, error) {
	existing := map[[2]string][]podio.Hook{}
	var out []*hookState
	for _, sp := range specs {
		key := [2]string{sp.refType, strconv.FormatInt(sp.refID, 10)}
		list, ok := existing[key]
		if !ok {
			var err error
			if list, err = u.client.ListHooks(ctx, sp.refType, sp.refID); err != nil {
				return out, fmt.Errorf("list hooks on %s %d: %w", sp.refType, sp.refID, err)
			}
			existing[key] = list
		}
		st := &hookState{spec: sp}
		for _, h := range list {
			if h.URL == u.hookURL && h.Type == sp.event {
				st.id, st.reused, st.active = h.HookID, true, h.Status == podio.HookActive
			}
		}
		if st.reused {
			if !st.active {
				if err := u.client.RequestVerification(ctx, st.id); err != nil {
					return out, fmt.Errorf("verify hook %d: %w", st.id, err)
				}
			}
			out = append(out, st)
			continue
		}
		id, err := u.client.CreateHook(ctx, sp.refType, sp.refID, u.hookURL, sp.event)
		if err != nil {
			if errors.Is(err, podio.ErrBadRequest) && countType(list, sp.event) >= mockpodio.MaxHooksPerType {
				return out, fmt.Errorf("create %s hook on %s %d: it already has %d, Podio's limit; delete some with `devhook hooks delete`: %w", sp.event, sp.refType, sp.refID, mockpodio.MaxHooksPerType, err)
			}
			return out, fmt.Errorf("create %s hook on %s %d: %w", sp.event, sp.refType, sp.refID, err)
		}
		st.id = id
		u.created = append(u.created, id)
		out = append(out, st)
	}
	return out, nil
}

func countType(list []podio.Hook, event string) int {
	n := 0
	for _, h := range list {
		if h.Type == event {
			n++
		}
	}
	return n
}

// awaitActive waits until every hook is active, with a diagnosis for those
// that are not within the verify timeout.
func (u *up) awaitActive(ctx context.Context, hooks []*hookState) error {
	timeout := u.opts.verifyTimeout
	if timeout <= 0 {
		timeout = defaultVerifyFor
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		pending := 0
		u.verifyMu.Lock()
		for _, h := range hooks {
			if problem, seen := u.verified[h.id]; seen && !h.active {
				h.active, h.problem = problem == "", problem
			}
			if !h.active {
				pending++
			}
		}
		u.verifyMu.Unlock()
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-u.verifyCh:
		case <-poll.C:
			// Podio's own word, in case the verify went to another
			// devhook sharing this URL.
			for _, h := range hooks {
				if !h.active && h.problem == "" {
					if list, err := u.client.ListHooks(ctx, h.spec.refType, h.spec.refID); err == nil {
						for _, l := range list {
							if l.HookID == h.id && l.Status == podio.HookActive {
								h.active = true
							}
						}
					}
				}
			}
		case <-deadline.C:
			var msgs []string
			for _, h := range hooks {
				switch {
				case h.active:
				case h.problem != "":
					msgs = append(msgs, fmt.Sprintf("hook %d (%s): hook.verify arrived but validation failed: %s", h.id, h.spec.event, h.problem))
				default:
					msgs = append(msgs, fmt.Sprintf("hook %d (%s): Podio's hook.verify never arrived at %s within %s: is the tunnel reachable from the internet?", h.id, h.spec.event, u.hookURL, timeout))
				}
			}
			return errors.New("hooks not active: " + strings.Join(msgs, "; "))
		}
	}
}

func (u *up) printReady(ctx context.Context, hooks []*hookState, target *url.URL) {
	u.outMu.Lock()
	defer u.outMu.Unlock()
	w := u.stdout
	fmt.Fprintf(w, "Forwarding  %s -> %s\n", u.hookURL, target)
	if u.mock != nil {
		fmt.Fprintf(w, "Podio       embedded mock at %s (offline)\n", u.mock.URL)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOOK\tREF\tEVENT\tSTATUS")
	for _, h := range hooks {
		status := "active"
		if h.reused {
			status += " (reused)"
		}
		fmt.Fprintf(tw, "%d\t%s %d\t%s\t%s\n", h.id, h.spec.refType, h.spec.refID, h.spec.event, status)
	}
	tw.Flush()
	if u.mock != nil {
		if tok, ok := u.client.Token(); ok {
			app := int64(0)
			for _, h := range hooks {
				if h.spec.refType == fixtures.RefApp {
					app = h.spec.refID
					break
				}
			}
			if app != 0 {
				fmt.Fprintf(w, "Fire an event (the mock's own throwaway token):\n  curl -s -H 'Authorization: OAuth2 %s' -d '{\"fields\":{\"title\":\"Hello from devhook\"}}' %s/item/app/%d/\n",
					tok.AccessToken.Reveal(), u.mock.URL, app)
				fmt.Fprintf(w, "  or: devhook trigger item.create --mock %s --app %d\n", u.mock.URL, app)
			}
		}
	}
	if insp := u.feed.inspectorURL(); insp != "" {
		fmt.Fprintf(w, "Inspector   %s\n", insp)
	}
	fmt.Fprintln(w, "Waiting for events. Ctrl-C removes the hooks and exits.")
}

// shutdown deletes the hooks this run created (unless --keep), then
// closes everything. It runs on its own deadline: the run's context is
// already cancelled by then.
func (u *up) shutdown() error {
	var errs []error
	if u.client != nil && len(u.created) > 0 {
		if u.opts.keep {
			u.printf("Keeping hooks %s (--keep).\n", joinIDs(u.created))
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
			var deleted []int64
			for _, id := range u.created {
				if err := u.client.DeleteHook(ctx, id); err != nil && !errors.Is(err, podio.ErrNotFound) {
					errs = append(errs, fmt.Errorf("delete hook %d: %w", id, err))
					continue
				}
				deleted = append(deleted, id)
			}
			cancel()
			if len(deleted) > 0 {
				u.printf("Deleted hooks %s.\n", joinIDs(deleted))
			}
		}
	}
	u.closeAll()
	return errors.Join(errs...)
}

func (u *up) closeAll() {
	if u.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		u.http.Shutdown(ctx)
		cancel()
	}
	if u.relay != nil {
		u.relay.Close()
	}
	u.feed.close() // after the relay: Close waits for acked forwards, which log
	if u.tun != nil {
		u.tun.Close()
	}
	if u.mock != nil {
		u.mock.Close()
	}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// inspectorState is what the inspector shows of this run.
func (u *up) inspectorState() inspector.State {
	st := inspector.State{Title: "devhook up", PublicURL: u.hookURL}
	if u.target != nil {
		st.Target = u.target.String()
	}
	u.hooksMu.Lock()
	defer u.hooksMu.Unlock()
	for _, h := range u.hooks {
		status := "inactive"
		if h.active {
			status = "active"
		}
		st.Hooks = append(st.Hooks, inspector.Hook{HookID: h.id, RefType: h.spec.refType, RefID: h.spec.refID,
			Type: h.spec.event, URL: u.hookURL, Status: status})
	}
	return st
}
