// Package mockpodio is a faithful mock of the Podio API and its webhook
// delivery engine, usable from Go tests like net/http/httptest and as the
// engine behind `devhook mock`.
//
// It speaks Podio's wire format (https://developers.podio.com/doc): OAuth,
// hooks with the hook.verify handshake, items, comments, tasks and apps
// whose writes fire form-encoded events to every active hook, Podio's
// error JSON and rate-limit headers. Time comes from an injectable
// [Clock], so tests can move through token expiry and the suspension rules
// without sleeping.
//
// A test starts a mock with [NewTestServer] (closed when the test ends)
// and a webhook receiver with [NewReceiver]; it arranges state in Go with
// [Server.Token], [Server.CreateItem], [Server.CreateHook] and their
// kin, steers deliveries with [Receiver.Respond] or [Server.OnDeliver],
// moves a [ManualClock] with [Server.Advance], and waits with
// [Receiver.AwaitEvent], [Server.AwaitDelivery] and [Server.AwaitHook],
// which fail only when their context ends. [NewServer] and
// [NewUnstartedServer] serve code without a testing.TB; [ControlClient]
// drives a mock running as a separate process.
package mockpodio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/bodybudget"
	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/outbox"
)

// Defaults of the [Server] configuration fields.
const (
	DefaultTokenLifetime   = 8 * time.Hour
	DefaultRefreshLifetime = 28 * 24 * time.Hour
	DefaultMaxBodyBytes    = 4 << 20
	DefaultMaxDeliveries   = 100_000
	// DefaultDeliveryTimeout is Podio's: a receiver has 15 s to answer.
	DefaultDeliveryTimeout = hookrules.DeliveryTimeout
	// DefaultRateLimitCeiling is what X-Rate-Limit-Limit reports when no
	// rate limit is configured: Podio's general limit per hour.
	DefaultRateLimitCeiling = 1000
	// DefaultHookConcurrency is how many deliveries to one hook are in
	// flight at once when HookConcurrency is 0. Podio says nothing about
	// order: its webhook tutorial says calls go through a low-priority
	// queue, and receivers report item.create and file.change for one item arriving as
	// separate, unordered POSTs. Podio's Workflow Automation, a receiver
	// of Podio's hooks, allows "a maximum of 100 concurrently processing
	// Podio hook events for any single app", and its plans page sets
	// "Concurrent Podio Trigger Events: 10" per application
	// (https://docs.sharefile.com/en-us/podio/using-podio/workflow-automation/understanding-the-hook-event):
	// Podio evidently sends one app's events in parallel, and a receiver
	// should expect about 10 at once. The README's Performance section
	// has what 1 and 10 cost.
	DefaultHookConcurrency = 10
)

// Server is a mock Podio API. Create one with [NewServer] or
// [NewUnstartedServer]; set its exported fields before [Server.Start].
// Server is also an [http.Handler], and its zero value is usable as one.
type Server struct {
	// URL is the base URL of the started server, e.g.
	// "http://127.0.0.1:53172", with no trailing slash.
	URL string
	// Listener is where the server listens. NewUnstartedServer sets it to
	// a loopback listener; it may be replaced before Start.
	Listener net.Listener

	// Clock is the mock's time. nil means the wall clock.
	Clock Clock
	// DeliveryTimeout is how long a receiver has to answer 2xx, measured
	// on Clock from the start of the request. 0 means 15 s.
	DeliveryTimeout time.Duration
	// AllowAnyPort accepts hook URLs on ports other than 80 and 443.
	// false means Podio's rule: only 80 and 443. NewServer and
	// NewUnstartedServer set it, since test receivers listen on random
	// loopback ports.
	AllowAnyPort bool
	// Strict makes credentials and objects exact: only the seeded OAuth
	// clients, app tokens, users, apps and fields exist. false means
	// permissive: any client, and an app grant for an unknown app creates
	// the app.
	Strict bool
	// Seed is the state the server starts (and resets) with. nil means
	// empty.
	Seed *Seed
	// TokenLifetime is how long an access token lives. 0 means 8 h.
	TokenLifetime time.Duration
	// RateLimit is the number of API calls allowed per token per hour,
	// after which every call gets 420. 0 means no limit.
	RateLimit int
	// MaxBodyBytes caps request bodies; larger ones get 413. 0 means 4 MiB.
	MaxBodyBytes int64
	// MaxFileBytes caps the file of an upload (POST /file/); a larger one
	// gets 413. 0 means DefaultMaxFileBytes (10 MiB).
	MaxFileBytes int64
	// MaxBodyBytesInFlight bounds the request body bytes held at once
	// across all API and control requests; a request whose body does not
	// fit gets 503 in Podio's error shape, unread, and changes nothing.
	// 0 means [DefaultMaxBodyBytesInFlight] (64 MiB).
	MaxBodyBytesInFlight int64
	// QueueDelay delays every delivery by this much, plus a random part up
	// to QueueJitter, to emulate Podio's queue at peak times. 0 means none.
	QueueDelay time.Duration
	// QueueJitter is the random part of the queue delay. 0 means none.
	QueueJitter time.Duration
	// MaxDeliveries caps the recorded deliveries; the oldest are dropped
	// and counted. 0 means 100,000.
	MaxDeliveries int
	// HookConcurrency is how many deliveries to one hook may be in flight
	// at once. 0 means [DefaultHookConcurrency]. 1 attempts each hook's
	// deliveries strictly in the order its events fired (unless a reorder
	// fault says otherwise), for deterministic tests.
	HookConcurrency int
	// HTTPClient's Transport sends deliveries (nil meaning
	// http.DefaultTransport); the rest of the client is not used: no
	// redirect is followed, DeliveryTimeout bounds each exchange, no
	// cookies are kept. nil means a transport of the mock's own with
	// keep-alive connections.
	HTTPClient *http.Client
	// Logf receives one line per API call and per delivery. nil means no
	// log. Like OnDelivery it runs outside the server's lock, on a
	// goroutine of the server's, one call at a time and in order.
	Logf func(format string, args ...any)
	// OnDelivery is called with every recorded delivery, in the order they
	// are recorded. It runs outside the server's lock, on a goroutine of
	// the server's, one call at a time together with Logf, so a slow
	// callback holds up neither the API nor the deliveries; it may call
	// the Server's methods. Up to [outbox.DefaultLimit] calls wait for it
	// before API calls and deliveries wait for room. Close returns after
	// the last call. nil means no call.
	OnDelivery func(Delivery)
	// OnDeliveries, when set, is called instead of OnDelivery, with the
	// deliveries recorded while the last call ran: the same deliveries in
	// the same order, for a callback that does better with several at once
	// (devhook mock writes them to its delivery log in one write). It runs
	// as OnDelivery does, before the Logf lines queued with those
	// deliveries; the slice is the callback's to keep.
	OnDeliveries func([]Delivery)
	// FaultSeed seeds the random choices of queue jitter and delivery
	// faults, so a run can be reproduced. 0 means 1.
	FaultSeed uint64
	// StateFile is a file the state survives restarts in: Start loads it
	// when it exists (instead of Seed; a manual Clock is set to its saved
	// reading) and the server saves it after every change, replacing it
	// atomically. See [Server.SaveState]. Deliveries queued or in flight
	// are not saved. Empty means no persistence.
	StateFile string
	// AllowedHosts are host names, besides localhost and IP addresses,
	// that requests through the Listener may be addressed to (the Host
	// header), such as a container's name. Any other name is refused with
	// 403, so a web page whose domain is rebound to this machine cannot
	// reach the mock. Calls through [Server.Transport] or ServeHTTP are
	// not checked.
	AllowedHosts []string
	// OnDeliver steers deliveries in the manner of tailscale's
	// testcontrol: it is called, outside the server's lock, with each
	// delivery about to be attempted (a hook.verify too; ID, outcome and
	// status not yet set, changes to it ignored) and returns how it is
	// answered. The zero [Response] sends it to its hook URL as usual; any
	// other answers it without a receiver: Status (0 meaning 200) after
	// Delay on Clock, or Drop, a connection closed without an answer,
	// with the delivery timeout and the rules applied as to a real
	// answer. It may be called for several deliveries at once. nil means
	// every delivery is sent.
	OnDeliver func(*Delivery) Response
	// OnLoop is called with every [LoopSignal]: a write without
	// hook=false to an object while a delivery about it is open. It runs
	// like OnDelivery, outside the lock and in order. nil means no call
	// (the log still has a line).
	OnLoop func(LoopSignal)

	srv       *http.Server
	limits    httpguard.Limits // the listener's timeouts; zero means httpguard's defaults (tests set others)
	initOnce  sync.Once
	wg        sync.WaitGroup // counts queued and running deliveries
	closing   chan struct{}  // closed by Close: waits on the clock end early
	closeOnce sync.Once
	connMu    sync.Mutex // guards conns
	conns     map[net.Conn]http.ConnState

	saveMu       sync.Mutex  // guards the fields down to saverDone; held while writing StateFile
	stateLoaded  bool        // StateFile was loaded (or found missing): saving may replace it
	journal      stateWriter // StateFile's journal, open and locked
	journalSize  int64       // bytes of complete lines in journal
	snapshotSize int64       // bytes of the snapshot last written
	seq          int64       // the journal's last line
	savedIDs     stateIDs    // the id counters on disk
	savedClock   *time.Time  // the manual clock's reading on disk
	stateBroken  error       // set when a failed save could not be undone: writes are refused
	saverDone    chan struct{}
	rollbacks    atomic.Int64                  // failed saves undone
	compactAt    int64                         // journal size that triggers compaction; 0 means DefaultCompactBytes (tests)
	wrapFile     func(stateWriter) stateWriter // wraps the files the state is written to (tests)

	mu         sync.Mutex // guards everything below
	gen        int        // bumped by Reset: deliveries of an older generation are not recorded
	ids        ids
	clients    map[string]*oauthClient
	users      map[int64]*user
	spaces     map[int64]*space
	apps       map[int64]*app
	fields     map[int64]*field
	items      map[int64]*item
	comments   map[int64]*comment
	tasks      map[int64]*task
	files      map[int64]*file
	linkHost   atomic.Pointer[string] // the last API request's Host, for links when URL is empty
	statuses   map[int64]*status
	forms      map[int64]*form
	orgs       map[int64]*org
	members    map[int64]map[int64]*member // space id -> user id -> membership
	hooks      map[int64]*hook
	tokens     map[string]*token       // by access token
	refreshes  map[string]*token       // by refresh token
	authCodes  map[string]int64        // authorization code -> user id
	calls      map[rateKey]*rateWindow // API calls in the last hour, per token holder
	hooksByRef map[target][]int64
	events     int64 // events fired
	recorded   int64 // deliveries recorded, including those since dropped
	counts     map[Outcome]int
	// The counts split: first copies of events other than hook.verify,
	// hook.verify deliveries, duplicate copies.
	eventCounts, verifyCounts, dupCounts map[Outcome]int
	verifyEvents                         int64 // hook.verify events sent
	targeted                             int64 // (event, hook) pairs of the other events
	deliveries                           []Delivery
	dropped                              int // deliveries dropped from the record by MaxDeliveries
	changed                              chan struct{}
	faults                               faultSet
	apiFaults                            atomic.Int64        // len(faults.api), read without mu
	rng                                  *mrand.Rand         // API fault rates
	hookRands                            map[*hook]*hookRand // each hook's random streams
	delivClient                          *http.Client
	callbacks                            outbox.Outbox                  // runs Logf and OnDelivery outside mu, in order
	lines                                outbox.Batch[callback]         // Logf lines and deliveries for OnDelivery(ies), on callbacks
	dirty                                map[string]map[string]struct{} // rows changed since the last save, by kind; nil without a StateFile
	fullSave                             bool                           // the next save writes a whole snapshot (after a reset or a load)

	kit   kitState  // the test kit's state: testkit.go
	loops loopState // open deliveries by object, for loop signals: loops.go

	bodies bodybudget.Budget // request body bytes held, against MaxBodyBytesInFlight: inflight.go
}

// NewServer starts and returns a Server listening on a loopback port. The
// caller must Close it.
func NewServer() (*Server, error) {
	s, err := NewUnstartedServer()
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewUnstartedServer returns a Server listening on a loopback port but not
// yet serving, so its fields can be set before [Server.Start].
func NewUnstartedServer() (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mockpodio: listen: %w", err)
	}
	return &Server{Listener: l, AllowAnyPort: true}, nil
}

// Start serves on s.Listener. A Seed that does not hold together is an
// error wrapping [ErrBadSeed], as [ParseSeed] reports it.
func (s *Server) Start() error {
	if s.Listener == nil && !s.kit.inMemory {
		return errors.New("mockpodio: start: no listener")
	}
	if s.srv != nil || s.kit.started {
		return errors.New("mockpodio: start: already started")
	}
	if s.Seed != nil {
		if err := s.Seed.check(); err != nil {
			return fmt.Errorf("%w: %v", ErrBadSeed, err)
		}
	}
	s.init()
	if err := s.startState(); err != nil {
		return err
	}
	s.kit.started = true
	if s.kit.inMemory {
		s.URL = inMemoryURL
		return nil
	}
	s.URL = "http://" + s.Listener.Addr().String()
	s.srv = httpguard.Server(s.guard(s.persistingHandler()), s.limits)
	s.srv.ConnState = s.trackConn
	go s.srv.Serve(s.Listener)
	return nil
}

// Close stops the server and blocks until every API request in flight and
// every queued or running delivery has finished. Deliveries still waiting
// out a queue delay or an injected delay are abandoned unrecorded, and
// calls waiting out an injected latency get 503, so Close never waits on a
// manual clock nobody advances.
func (s *Server) Close() {
	s.init()
	s.closeOnce.Do(func() { close(s.closing) })
	if s.srv != nil {
		// Like httptest: stop accepting, close the connections that carry
		// no request (Shutdown would wait 5 s for fresh ones), then wait
		// for the requests in flight.
		s.Listener.Close()
		s.srv.SetKeepAlivesEnabled(false)
		s.connMu.Lock()
		for c, st := range s.conns {
			if st == http.StateNew || st == http.StateIdle {
				c.Close()
			}
		}
		s.connMu.Unlock()
		s.srv.Shutdown(context.Background())
	}
	s.wg.Wait()
	s.closeState()
	s.callbacks.Wait()
	if s.delivClient != nil {
		s.delivClient.CloseIdleConnections()
	}
	s.kit.close()
}

// trackConn remembers each API connection's state, for Close.
func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]http.ConnState{}
	}
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	default:
		s.conns[c] = st
	}
}

// Client returns an HTTP client configured for making requests to the
// server, like httptest.Server.Client: always the same one, its idle
// connections closed by [Server.Close]. An [InMemory] server's client
// serves every request in memory, whatever its host.
func (s *Server) Client() *http.Client {
	return s.kit.client(s)
}

// Transport returns a RoundTripper that serves every request in memory
// through s, whatever its host: hermetic tests need no socket.
func (s *Server) Transport() http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		in := r.Clone(r.Context()) // as a server sees it
		if in.Body == nil {
			in.Body = http.NoBody
		}
		in.RequestURI = r.URL.RequestURI()
		in.RemoteAddr = "127.0.0.1:1"
		rec := httptest.NewRecorder()
		s.persistingHandler().ServeHTTP(rec, in)
		res := rec.Result()
		res.Request = r
		return res, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		seed := s.faultSeed()
		s.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		s.changed = make(chan struct{})
		s.closing = make(chan struct{})
		s.lines = outbox.Batch[callback]{Outbox: &s.callbacks, Run: s.runCallbacks}
		s.delivClient = s.HTTPClient
		if s.delivClient == nil {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			// Many busy hooks on one host: keep their connections (a smaller pool
			// makes net/http fail rare requests, golang/go#42650).
			tr.MaxIdleConns = 0
			tr.MaxIdleConnsPerHost = 4096
			// Plain-HTTP hooks go through formpost's Transport: no goroutines
			// per connection to hand each delivery between.
			s.delivClient = &http.Client{Transport: &formpost.Transport{Fallback: tr, MaxIdlePerHost: tr.MaxIdleConnsPerHost}}
		}
		s.resetLocked()
	})
}

// resetLocked empties the state and loads the seed.
func (s *Server) resetLocked() {
	s.ids = newIDs()
	s.clients = map[string]*oauthClient{}
	s.users = map[int64]*user{}
	s.spaces = map[int64]*space{}
	s.apps = map[int64]*app{}
	s.fields = map[int64]*field{}
	s.items = map[int64]*item{}
	s.comments = map[int64]*comment{}
	s.tasks = map[int64]*task{}
	s.files = map[int64]*file{}
	s.statuses = map[int64]*status{}
	s.forms = map[int64]*form{}
	s.orgs = map[int64]*org{}
	s.members = map[int64]map[int64]*member{}
	s.hooks = map[int64]*hook{}
	s.tokens = map[string]*token{}
	s.refreshes = map[string]*token{}
	s.authCodes = map[string]int64{}
	s.calls = map[rateKey]*rateWindow{}
	s.hooksByRef = map[target][]int64{}
	s.events = 0
	s.recorded = 0
	s.counts = map[Outcome]int{}
	s.eventCounts, s.verifyCounts, s.dupCounts = map[Outcome]int{}, map[Outcome]int{}, map[Outcome]int{}
	s.verifyEvents, s.targeted = 0, 0
	s.deliveries = nil
	s.dropped = 0
	s.faults = faultSet{}
	s.apiFaults.Store(0)
	s.hookRands = map[*hook]*hookRand{}
	if s.Seed != nil {
		s.loadSeedLocked(s.Seed)
	}
	s.fullSave = true
	s.notifyLocked()
}

func (s *Server) clock() Clock {
	if s.Clock == nil {
		return clock.Real()
	}
	return s.Clock
}

func (s *Server) now() time.Time { return s.clock().Now().UTC() }

// logf queues a line for Logf; args must not change afterwards. It never
// blocks, so it may be called under mu.
func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.lines.Add(callback{format: format, args: args})
	}
}

func (s *Server) hookConcurrency() int {
	if s.HookConcurrency > 0 {
		return s.HookConcurrency
	}
	return DefaultHookConcurrency
}

func (s *Server) faultSeed() uint64 {
	if s.FaultSeed != 0 {
		return s.FaultSeed
	}
	return 1
}

func (s *Server) deliveryTimeout() time.Duration {
	if s.DeliveryTimeout > 0 {
		return s.DeliveryTimeout
	}
	return DefaultDeliveryTimeout
}

func (s *Server) tokenLifetime() time.Duration {
	if s.TokenLifetime > 0 {
		return s.TokenLifetime
	}
	return DefaultTokenLifetime
}

func (s *Server) maxBodyBytes() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (s *Server) maxDeliveries() int {
	if s.MaxDeliveries > 0 {
		return s.MaxDeliveries
	}
	return DefaultMaxDeliveries
}

// notifyLocked wakes everyone waiting for a change.
func (s *Server) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// podioTime formats t as Podio does: UTC, no zone suffix.
func podioTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// validEventType reports whether name is a catalogued event type.
func validEventType(name string) bool {
	_, ok := fixtures.Lookup(name)
	return ok
}

// parseID parses a path id: a positive int64.
func parseID(s string) (int64, bool) {
	var n int64
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, n > 0
}

// falsy reports whether a query flag means false: "false", "0" or "no" in
// any case.
func falsy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "0", "no":
		return true
	}
	return false
}
