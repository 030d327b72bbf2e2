package mockpodio

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// The default seed's objects and credentials, as [DefaultSeed] holds them:
// sign in with [Server.Token], or with these in a client under test.
const (
	DefaultClientID     = "devhook"
	DefaultClientSecret = "devhook-secret"
	DefaultUserID       = 1001
	DefaultUsername     = "dev@example.com"
	DefaultPassword     = "devhook"
	DefaultSpaceID      = 2001
	// DefaultAppID is the app "Bugs", reachable with DefaultAppToken.
	DefaultAppID    = 3001
	DefaultAppToken = "devhook-app-token"
	// The Bugs app's fields: title (text), status (category: 1 Open,
	// 2 In progress, 3 Closed) and priority (number).
	DefaultTitleFieldID    = 4001
	DefaultStatusFieldID   = 4002
	DefaultPriorityFieldID = 4003
)

// DefaultSeed returns a fresh copy of the default seed: one OAuth client,
// two users, the org "Devhook", its space "Devhook Sandbox" (the first
// user its admin) and the app "Bugs" there, with the ids
// and credentials of the Default* constants. It is the seed of
// [NewTestServer] and of `devhook mock`.
func DefaultSeed() *Seed {
	sd, err := ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		panic("mockpodio: the default seed does not parse: " + err.Error()) // TestDefaultSeed keeps it parsing
	}
	return sd
}

// An Option configures a test server before it starts. Any function that
// sets a [Server]'s exported fields is one; the With* functions cover the
// usual ones.
type Option func(*Server)

// WithClock makes the server read c, typically a [ManualClock].
func WithClock(c Clock) Option { return func(s *Server) { s.Clock = c } }

// WithSeed makes the server start from sd instead of [DefaultSeed]. nil
// means empty.
func WithSeed(sd *Seed) Option { return func(s *Server) { s.Seed = sd } }

// WithStrict makes credentials and objects exact: only the seed's exist
// (see Server.Strict).
func WithStrict() Option { return func(s *Server) { s.Strict = true } }

// WithDeliveryTimeout sets how long a receiver has to answer, on the
// server's clock (see Server.DeliveryTimeout).
func WithDeliveryTimeout(d time.Duration) Option {
	return func(s *Server) { s.DeliveryTimeout = d }
}

// WithTokenLifetime sets how long an access token lives (see
// Server.TokenLifetime).
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.TokenLifetime = d }
}

// WithQueueDelay delays every delivery by delay plus a random part up to
// jitter, drawn from the fault seed (see Server.QueueDelay).
func WithQueueDelay(delay, jitter time.Duration) Option {
	return func(s *Server) { s.QueueDelay, s.QueueJitter = delay, jitter }
}

// WithHookConcurrency sets how many deliveries to one hook may be in
// flight at once; 1 delivers each hook's events strictly in the order they
// fired (see Server.HookConcurrency).
func WithHookConcurrency(n int) Option { return func(s *Server) { s.HookConcurrency = n } }

// WithFaultSeed seeds the random choices of queue jitter and injected
// faults, so a run can be reproduced (see Server.FaultSeed).
func WithFaultSeed(seed uint64) Option { return func(s *Server) { s.FaultSeed = seed } }

// InMemory makes the server listen on nothing: [Server.Client] and the
// Go methods serve every call in memory, and deliveries reach only the
// receivers of [NewReceiver] made for it, also in memory. URL is then
// "http://mockpodio.invalid", a name that never resolves.
func InMemory() Option { return func(s *Server) { s.kit.inMemory = true } }

// inMemoryURL is the URL of an in-memory server.
const inMemoryURL = "http://mockpodio.invalid"

// NewTestServer starts a server for the test tb and closes it when the
// test ends. Unless an option says otherwise it starts from
// [DefaultSeed], permissive, on a loopback port, on the wall clock, and
// logs through tb.Logf. A server that cannot start fails the test.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{AllowAnyPort: true, Seed: DefaultSeed(), Logf: tb.Logf}
	for _, o := range opts {
		o(s)
	}
	if s.kit.inMemory {
		s.initMemory()
	} else {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("mockpodio: listen: %v", err)
		}
		s.Listener = l
	}
	if err := s.Start(); err != nil {
		if s.Listener != nil {
			s.Listener.Close()
		}
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// initMemory prepares an in-memory server: its URL, and a delivery client
// that reaches the in-memory receivers.
func (s *Server) initMemory() {
	s.URL = inMemoryURL
	if s.HTTPClient == nil {
		s.HTTPClient = &http.Client{Transport: &s.kit.hosts}
	}
}

// Ref names an object hooks, comments and tasks can be attached to, as
// Podio's {ref_type}/{ref_id} path segments do.
type Ref struct {
	// Type is Podio's ref_type, e.g. "app", "app_field", "space" or
	// "item".
	Type string
	// ID is the object's id.
	ID int64
}

// String returns "type id", e.g. "app 3001".
func (r Ref) String() string { return fmt.Sprintf("%s %d", r.Type, r.ID) }

// AppRef refers to the app id.
func AppRef(id int64) Ref { return Ref{fixtures.RefApp, id} }

// AppFieldRef refers to the app field id.
func AppFieldRef(id int64) Ref { return Ref{fixtures.RefAppField, id} }

// SpaceRef refers to the space id.
func SpaceRef(id int64) Ref { return Ref{fixtures.RefSpace, id} }

// ItemRef refers to the item id, for comments and tasks.
func ItemRef(id int64) Ref { return Ref{"item", id} }

// kitState is what the test kit adds to a [Server].
type kitState struct {
	inMemory bool
	started  bool // an in-memory server has started
	hosts    memHosts

	clientMu  sync.Mutex // guards apiClient
	apiClient *http.Client
}

// client returns s's API client, creating it on first use.
func (k *kitState) client(s *Server) *http.Client {
	k.clientMu.Lock()
	defer k.clientMu.Unlock()
	if k.apiClient == nil {
		if k.inMemory {
			k.apiClient = &http.Client{Transport: s.Transport()}
		} else {
			k.apiClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 30 * time.Second}
		}
	}
	return k.apiClient
}

// close closes the idle connections of the API client.
func (k *kitState) close() {
	k.clientMu.Lock()
	defer k.clientMu.Unlock()
	if k.apiClient != nil {
		k.apiClient.CloseIdleConnections()
	}
}
