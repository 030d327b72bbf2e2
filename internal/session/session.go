// Package session is one run of `devhook up`: given a signed-in Podio
// client, a tunnel and the local app's URL, it serves the relay behind the
// tunnel, checks the public URL reaches it, registers the hooks (reusing
// those already there), waits for Podio to verify them, forwards every
// delivery, feeds the delivery log and the inspector, and on exit deletes
// the hooks it created.
//
// Everything the session has to say goes to [Config.Sink] as an [Event];
// it prints nothing itself. Time comes from [Config.Clock], so tests can
// drive the waits.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/clock"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/feed"
	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/internal/outbox"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/tunnel"
)

// Defaults of the bounds in [Config].
const (
	DefaultConnectTimeout = 20 * time.Second // the public URL must answer the probe within this
	DefaultVerifyTimeout  = 20 * time.Second // every hook must become active within this
	DefaultCleanupTimeout = 15 * time.Second // deleting the hooks on exit
)

// HookSpec is one hook to register: an event type on a reference (an app,
// an app field or a space).
type HookSpec struct {
	RefType string // "app", "app_field" or "space"
	RefID   int64
	Event   string // e.g. "item.create"
}

// Config configures a [Session].
type Config struct {
	// Client is signed in to Podio (or a mock). Required.
	Client *podio.Client
	// Tunnel carries Podio's deliveries to this machine. Required. The
	// session serves on it and closes it when Run returns.
	Tunnel tunnel.Tunnel
	// Target is the local app's webhook URL. Required.
	Target *url.URL
	// Hooks are the hooks to register. At least one is required.
	Hooks []HookSpec
	// Secret is the path segment that keeps strangers off the relay;
	// empty means a random one.
	Secret string
	// ForwardVerify forwards hook.verify to the local app too.
	ForwardVerify bool
	// Ack answers Podio 200 at once and forwards in the background.
	Ack bool
	// Keep leaves the hooks this run created registered on exit.
	Keep bool
	// SkipProbe skips checking that the public URL reaches the relay
	// before hooks are created.
	SkipProbe bool
	// PublicClient makes the requests to the tunnel's public URL that
	// check it reaches the relay (at start, and after the tunnel's
	// session was restored). Nil means a client with a 5 s timeout.
	PublicClient *http.Client
	// ConnectTimeout bounds the probe; zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// VerifyTimeout bounds the wait for every hook to become active; zero
	// means DefaultVerifyTimeout.
	VerifyTimeout time.Duration
	// CleanupTimeout bounds deleting the hooks on exit; zero means
	// DefaultCleanupTimeout.
	CleanupTimeout time.Duration
	// Inspect is the loopback address of the web inspector; values that
	// [feed.InspectDisabled] accepts turn it off.
	Inspect string
	// NoLog turns the delivery log off.
	NoLog bool
	// AllowedHosts are host names, besides localhost, IP addresses and
	// the tunnel's own host, that requests to the relay and the inspector
	// may be addressed to (--allow-host, for containers and proxies that
	// rewrite Host).
	AllowedHosts []string
	// listenLimits are the relay listener's timeouts and header cap; zero
	// means httpguard's (tests set shorter ones).
	listenLimits httpguard.Limits
	// Clock is the session's time: the wait for verification and the time
	// stamped on deliveries read it (the probe of the public URL waits on
	// the network, so on the wall clock). It is the mock's clock type, so
	// one mockpodio.ManualClock can move both. Nil means the wall clock.
	Clock clock.Clock
	// DeliveryTimeout is how long Podio waits for an answer (its rules
	// count a slower one as a failure); it also bounds background
	// forwards with Ack. Zero means Podio's 15 s.
	DeliveryTimeout time.Duration
	// NoBuffer turns off holding events while the app is down: Podio then
	// gets 502 for them.
	NoBuffer bool
	// BufferEvents and BufferBytes bound the events held while the app is
	// down; zero means DefaultBufferEvents and DefaultBufferBytes.
	BufferEvents, BufferBytes int
	// QueueBytes bounds the records waiting to be logged and reported
	// (queue.go); zero means DefaultQueueBytes.
	QueueBytes int64
	// NoReverify turns off asking Podio to verify a hook it made inactive
	// once the app answers again.
	NoReverify bool
	// CheckEvery is how often each reference's hooks are listed to check
	// them against Podio's view; zero means DefaultCheckEvery.
	CheckEvery time.Duration
	// OwnAddrs are other listeners of this devhook (the embedded mock's
	// address): a forward target among them is refused.
	OwnAddrs []string
	// Sink receives the session's events, one call at a time. Nil drops
	// them.
	Sink Sink
	// Command is how hints name devhook, as the user started it ("go run
	// ./cmd/devhook", "devhook"); empty means "devhook".
	Command string
}

// Session is one run. Create it with [New] and run it once with
// [Session.Run].
type Session struct {
	cfg   Config
	clock clock.Clock

	sinkMu sync.Mutex // serialises Sink calls
	// records runs the feed and the Sink for each relayed request after
	// the relay has answered, in order, so the next request on the
	// connection does not wait for the log, the inspector or the terminal.
	records     outbox.Outbox
	relayBatch  outbox.Batch[relayed] // on records: runRelayed
	relayedOnce sync.Once
	queue       queueBytes // the bytes of the records waiting in records: queue.go

	feed    *feed.Feed
	relay   *relay.Handler
	http    *http.Server
	hookURL string
	probe   string // path the probe answers on

	verifyMu sync.Mutex       // guards verified
	verified map[int64]string // hook id -> "" when validated, else the error
	verifyCh chan struct{}    // signalled on every verify event

	hooksMu sync.Mutex // guards hooks, created, and each hook's live state
	hooks   []*hookState
	created []int64 // hooks this run created (deleted on exit)

	runCtx context.Context // Run's context, for background work
	bg     sync.WaitGroup  // background work (monitor, flush, re-verify)
	mark   string          // the relay's forwarding mark
	secret string          // the relay's secret path segment
	buffer *buffer         // nil with NoBuffer

	monMu   sync.Mutex        // guards urgent
	urgent  map[ref]time.Time // references to check soon, and when
	monKick chan struct{}     // wakes the monitor

	loopMu     sync.Mutex // guards loops, loopWarned
	loops      map[string]*loopTrack
	loopWarned bool
}

// New checks cfg and returns a session ready to run.
func New(cfg Config) (*Session, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("session: no Podio client")
	case cfg.Tunnel == nil:
		return nil, errors.New("session: no tunnel")
	case cfg.Target == nil:
		return nil, errors.New("session: no target")
	case len(cfg.Hooks) == 0:
		return nil, errors.New("session: no hooks to register")
	}
	s := &Session{cfg: cfg, clock: cfg.Clock, verified: map[int64]string{}, verifyCh: make(chan struct{}, 1), monKick: make(chan struct{}, 1)}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	return s, nil
}

// Run runs the session until ctx is done: it starts the relay, probes the
// public URL, registers the hooks, waits until Podio has verified them and
// reports [Ready], then forwards deliveries. When ctx is done it reports
// [Stopping], deletes the hooks it created (unless Keep) and closes
// everything, the tunnel included. It returns an error when the start
// fails or the cleanup does; a run stopped by ctx after Ready returns nil.
func (s *Session) Run(ctx context.Context) (err error) {
	s.feed = feed.Open(feed.Options{InspectAddr: s.cfg.Inspect, State: s.InspectorState, NoLog: s.cfg.NoLog, Warn: warnWriter{s},
		AllowedHosts: s.cfg.AllowedHosts,
		OnReplay:     func(r deliverylog.Record) { s.emit(Replayed{Record: r}) }})
	defer func() {
		if cerr := s.shutdown(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// Background work ends with the run, also when the start fails.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.runCtx = ctx
	if err := checkTarget(s.cfg.Target, s.ownListeners()); err != nil {
		return err
	}
	if err := s.startRelay(); err != nil {
		return err
	}
	s.startBuffer(ctx)
	if !s.cfg.SkipProbe {
		if err := s.probePublicURL(ctx); err != nil {
			return err
		}
	}
	hooks, err := s.register(ctx)
	if err != nil {
		return err
	}
	if err := s.awaitActive(ctx, hooks); err != nil {
		return err
	}
	s.goLive()
	readyAt := s.clock.Now()
	s.emit(Ready{HookURL: s.hookURL, Target: s.cfg.Target.String(), InspectorURL: s.feed.InspectorURL(), Hooks: s.Hooks()})
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.monitor(ctx, readyAt)
	}()
	if rt, ok := s.cfg.Tunnel.(tunnel.Reconnecting); ok {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			s.watchTunnel(ctx, rt)
		}()
	}
	<-ctx.Done()
	s.emit(Stopping{})
	s.reportInFlight()
	return nil
}

// HookURL is the URL the hooks are registered on: the tunnel's URL and
// the secret path segment. It is empty until Run has started the relay.
func (s *Session) HookURL() string {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	return s.hookURL
}

// Hooks returns the hooks registered so far and their state.
func (s *Session) Hooks() []Hook {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	out := make([]Hook, 0, len(s.hooks))
	for _, h := range s.hooks {
		out = append(out, h.public())
	}
	return out
}

// InspectorState is what the inspector shows of the run.
func (s *Session) InspectorState() inspector.State {
	st := inspector.State{Title: "devhook up", PublicURL: s.HookURL(), Target: s.cfg.Target.String()}
	st.Hooks = s.liveHooks(st.PublicURL)
	// The clock the suspensions are measured on: the page counts down to
	// a suspension's end against it.
	now := s.clock.Now()
	st.MockClock = &now
	return st
}

func (s *Session) emit(ev Event) {
	if s.cfg.Sink == nil {
		return
	}
	if hs, ok := ev.(HookState); ok && hs.Time.IsZero() {
		hs.Time = s.clock.Now()
		ev = hs
	}
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	s.cfg.Sink(ev)
}

// warnWriter turns the feed's warning lines into Warning events.
type warnWriter struct{ s *Session }

func (w warnWriter) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		w.s.emit(Warning{Text: line})
	}
	return len(p), nil
}

var _ io.Writer = warnWriter{}

func (s *Session) startRelay() error {
	secret := s.cfg.Secret
	var err error
	if secret == "" {
		if secret, err = relay.NewSecret(); err != nil {
			return fmt.Errorf("make secret: %w", err)
		}
	}
	if s.mark, err = relay.NewSecret(); err != nil {
		return fmt.Errorf("make mark: %w", err)
	}
	rc := relay.Config{
		Secret: secret, Target: s.cfg.Target, ForwardVerify: s.cfg.ForwardVerify, Ack: s.cfg.Ack,
		Validate: s.cfg.Client.ValidateHook,
		Now:      s.clock.Now,
		OnEvent:  s.onRelayEvent,
		Timeout:  s.deliveryTimeout(),
		Mark:     s.mark,
	}
	if !s.cfg.NoBuffer {
		s.buffer = newBuffer(s)
		rc.Buffer = s.buffer
	}
	h, err := relay.New(rc)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	nonce, err := relay.NewSecret()
	if err != nil {
		return fmt.Errorf("make probe: %w", err)
	}
	s.relay = h
	s.hooksMu.Lock()
	s.hookURL = strings.TrimSuffix(s.cfg.Tunnel.URL(), "/") + "/" + secret
	s.secret = secret
	s.hooksMu.Unlock()
	s.probe = "/.devhook-probe/" + nonce
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+s.probe, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, nonce) })
	mux.Handle("/", h)
	// The relay answers only requests addressed to the tunnel's host, to
	// this machine, or to a name allowed: not a page's own domain rebound
	// to loopback.
	// The tunnel's host is read per request: it changes when the tunnel
	// moves to a new URL (see watchTunnel).
	allowed := slices.Clone(s.cfg.AllowedHosts)
	s.http = httpguard.Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts := append(allowed[:len(allowed):len(allowed)], tunnelHost(s.cfg.Tunnel.URL()))
		if err := httpguard.CheckHost(r, hosts); err != nil {
			http.Error(w, "devhook relay: "+err.Error(), http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	}), s.cfg.listenLimits)
	go s.http.Serve(s.cfg.Tunnel)
	return nil
}

// onRelayEvent records and reports one request the relay handled, and
// notes the outcome of each hook.verify.
func (s *Session) onRelayEvent(ev deliverylog.Record) {
	verified := ev.Kind == deliverylog.KindVerify && ev.Outcome == deliverylog.OutcomeVerified
	// After the relay has answered; in order, so the rules see the
	// deliveries as they came and the lines follow them.
	s.records.WaitRoom()
	ev, size, notice := s.queue.admit(ev, s.cfg.QueueBytes)
	s.relayedOnce.Do(func() { s.relayBatch = outbox.Batch[relayed]{Outbox: &s.records, Run: s.runRelayed} })
	s.relayBatch.Add(relayed{ev: ev, size: size, notice: notice, verified: verified})
	if ev.Kind == deliverylog.KindVerify && ev.HookID != 0 {
		s.verifyMu.Lock()
		if verified {
			s.verified[ev.HookID] = ""
		} else {
			s.verified[ev.HookID] = cmp.Or(ev.Error, "validate failed")
		}
		s.verifyMu.Unlock()
		select {
		case s.verifyCh <- struct{}{}:
		default:
		}
	}
}

// relayed is a request the relay handled, waiting in records.
type relayed struct {
	ev       deliverylog.Record
	size     int64  // its bytes in queue
	notice   string // a warning to print before it
	verified bool
}

// runRelayed logs and reports the requests relayed in a row, in order.
// The records of a stretch not held for the buffer are logged together
// (one write), then reported one by one; a held one is logged by the
// buffer, between the stretches around it, so the log keeps their order.
func (s *Session) runRelayed(rs []relayed) {
	for len(rs) > 0 {
		n := 0
		for n < len(rs) && !s.held(rs[n].ev) {
			n++
		}
		if n == 0 {
			s.report(rs[0], rs[0].ev)
			rs = rs[1:]
			continue
		}
		logged := make([]deliverylog.Record, n)
		for i, r := range rs[:n] {
			logged[i] = r.ev
			logged[i].Request.RemoteAddr = "" // not logged
		}
		s.feed.AddAll(logged)
		for i, r := range rs[:n] {
			ev := r.ev
			ev.ID = logged[i].ID
			s.report(r, ev)
		}
		rs = rs[n:]
	}
}

// held reports whether ev waits in the buffer for the local app.
func (s *Session) held(ev deliverylog.Record) bool {
	return ev.Outcome == deliverylog.OutcomeQueued && s.buffer != nil
}

// report prints r's notice and reports r, whose record is ev (logged
// already unless held), then feeds it to the rules.
func (s *Session) report(r relayed, ev deliverylog.Record) {
	defer s.queue.release(r.size)
	if r.notice != "" {
		s.emit(Warning{Text: r.notice})
	}
	if s.held(ev) {
		id, count := s.buffer.add(ev, func() string { return s.logRecord(ev).ID })
		ev.ID = id
		s.emit(Delivery{Record: ev})
		s.emit(queuedState(ev.HookID, count))
	} else {
		s.emit(Delivery{Record: ev})
	}
	s.observe(ev)
	s.watchLoop(ev)
	if r.verified {
		s.verifiedAgain(ev.HookID)
	}
}

// shutdown deletes the hooks this run created (unless Keep), then closes
// everything. It runs on its own deadline: the run's context is already
// done by then.
func (s *Session) shutdown() error {
	var errs []error
	s.hooksMu.Lock()
	created := append([]int64(nil), s.created...)
	s.hooksMu.Unlock()
	if len(created) > 0 {
		if s.cfg.Keep {
			s.emit(HooksKept{IDs: created})
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(s.cfg.CleanupTimeout, DefaultCleanupTimeout))
			var deleted []int64
			for _, id := range created {
				if err := s.cfg.Client.DeleteHook(ctx, id); err != nil && !errors.Is(err, podio.ErrNotFound) {
					errs = append(errs, fmt.Errorf("delete hook %d: %w", id, err))
					continue
				}
				deleted = append(deleted, id)
			}
			cancel()
			if len(deleted) > 0 {
				s.emit(HooksDeleted{IDs: deleted})
			}
		}
	}
	if s.http != nil {
		// Podio hangs up on a delivery after its timeout, so that bounds
		// the wait for the deliveries in flight.
		ctx, cancel := context.WithTimeout(context.Background(), s.deliveryTimeout()+time.Second)
		s.http.Shutdown(ctx)
		cancel()
	}
	if s.relay != nil {
		s.relay.Close()
	}
	s.records.Wait() // every relayed request logged and reported
	if notice := s.queue.summary(); notice != "" {
		s.emit(Warning{Text: notice})
	}
	s.bg.Wait()
	if s.buffer != nil {
		if left := s.buffer.left(); len(left) > 0 {
			s.emit(Undelivered{Records: left, IDs: s.buffer.leftIDs()})
		}
	}
	s.feed.Close() // after the relay: Close waits for acked forwards, which log
	s.cfg.Tunnel.Close()
	return errors.Join(errs...)
}

// tunnelHost returns the host of the tunnel's public URL, or "".
func tunnelHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
