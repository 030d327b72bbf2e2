// Package inspector serves devhook's local web inspector: one page that shows
// the public URL, each hook with its status (and, for the mock, its
// suspension state and clock) and the deliveries live, newest first, each
// expandable to its request and response, with a Replay button.
//
// The page is server-rendered HTML plus a small script and style sheet,
// embedded in the binary: nothing is built and nothing is fetched from
// anywhere but the inspector itself. The script follows GET /api/stream
// (Server-Sent Events) to add deliveries as [Server.Publish] announces them
// and to refresh the hooks every [StateInterval].
//
// Routes:
//
//	GET  /                   the page
//	GET  /api/state          the [State] as JSON
//	GET  /api/deliveries     the records as JSON, oldest first by time: the newest that
//	                         fit in [DefaultPageBytes] (?limit=N: at most the newest N;
//	                         ?before=ID: older than record ID; X-Next-Before names the
//	                         next page)
//	GET  /api/stream         events "delivery" (a record) and "state" (the State)
//	POST /api/replay/{id}    replay a record; answers the new record. A JSON
//	                         body {"header": {...}, "body": "..."} replaces the
//	                         request's headers and body first (an [Edit]).
//	GET  /assets/...         the embedded script and style sheet
//
// The inspector shows webhook payloads and can re-send them, so it belongs on
// loopback ([Listen]). It refuses requests whose Host is a domain name other
// than localhost (DNS rebinding) and cross-origin POSTs.
package inspector

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/headercheck"
	"github.com/devhookhq/devhook/internal/httpguard"
)

// StateInterval is how often an open stream sends the [State] again.
const StateInterval = 2 * time.Second

// streamBuffer is how many records a stream may have waiting before a
// [Server.Publish] gives up on it and ends it; the page then reconnects and
// fetches what it missed.
const streamBuffer = 64

// ErrUnknownRecord is what a [Source.Replay] returns (or wraps) for an id it
// does not know; the replay route answers 404 for it.
var ErrUnknownRecord = errors.New("inspector: unknown record")

// ErrNoReplay is the error of the replay route when [Source.Replay] is nil
// (501).
var ErrNoReplay = errors.New("inspector: replay not available")

//go:embed assets
var assets embed.FS

// ErrVerifyReplay is the error of the replay route for a hook.verify record
// (409): Podio sends hook.verify once, when a hook is created, with a code
// that validates it once (see "Validate hook verification" in Podio's API
// reference), so there is nothing to re-send. The text is shown on the
// page as it is.
var ErrVerifyReplay = errors.New("a hook.verify is not replayed: Podio sends it once, when the hook is created, " +
	"and its code validates the hook only once. Replay re-sends event deliveries such as item.create; " +
	"to see a new hook.verify, create the hook again")

// maxEditBody bounds the JSON body of an edited replay.
const maxEditBody = 1 << 20

// Edit is what the page changes in a request before replaying it.
type Edit struct {
	// Header replaces the recorded request headers; nil keeps them.
	Header http.Header `json:"header"`
	// Body replaces the recorded request body; nil keeps it.
	Body *string `json:"body"`
}

// Hook is one hook as the page shows it. The suspension fields matter for
// the mock only.
type Hook struct {
	HookID  int64  `json:"hook_id"`
	RefType string `json:"ref_type"`
	RefID   int64  `json:"ref_id"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	// Status is "active" or "inactive", as Podio lists it.
	Status string `json:"status"`
	// InactiveReason says why an inactive hook is inactive.
	InactiveReason string `json:"inactive_reason,omitempty"`
	// SuspendedUntil is when the current suspension ends; nil means not
	// suspended.
	SuspendedUntil *time.Time `json:"suspended_until"`
	// Failures15m and Failures7d count failures within the suspension and
	// disabling windows; ConsecutiveFailures counts them since the last
	// success.
	Failures15m         int `json:"failures_15m"`
	Failures7d          int `json:"failures_7d"`
	ConsecutiveFailures int `json:"consecutive_failures"`
}

// State is what the page's header and hooks table show.
type State struct {
	// Title names the page; empty means "devhook".
	Title string `json:"title"`
	// PublicURL is where Podio delivers; Target is where devhook forwards.
	PublicURL string `json:"public_url"`
	Target    string `json:"target"`
	Hooks     []Hook `json:"hooks"`
	// MockClock is the mock's current time; nil means there is no mock
	// clock, and the page then leaves out the suspension columns.
	MockClock *time.Time `json:"mock_clock"`
	// ClockManual says the mock clock moves only when advanced.
	ClockManual bool `json:"clock_manual"`
}

// Source is where a [Server] gets what it shows. Its functions are called
// from request goroutines, concurrently: they must be safe for that.
type Source struct {
	// State returns the current state. Nil means an empty state.
	State func() State
	// Records returns the delivery records in the order they came; the
	// inspector shows them by time, newest first. Nil means none.
	Records func() []deliverylog.Record
	// Replay re-sends the record with the given id, changed by edit when
	// edit is not nil, and returns the new record; an unknown id should
	// give an error wrapping [ErrUnknownRecord]. Nil means the page has no
	// Replay button. The replay route never calls it for a hook.verify
	// record ([ErrVerifyReplay]).
	Replay func(ctx context.Context, id string, edit *Edit) (deliverylog.Record, error)
	// AllowedHosts are host names, besides localhost and IP addresses,
	// the page may be addressed to (--allow-host, for containers).
	AllowedHosts []string
}

// Server is the inspector, an [http.Handler]. Create it with [New]; its zero
// value serves an empty page.
type Server struct {
	src Source

	initOnce sync.Once
	handler  http.Handler

	maxPageBytes int // 0 means DefaultPageBytes: pagebound.go

	mu      sync.Mutex               // guards streams, closed
	streams map[chan []byte]struct{} // one per open /api/stream
	closed  bool
}

// New returns an inspector that shows what src gives it.
func New(src Source) *Server {
	return &Server{src: src}
}

// ServeHTTP serves the page and its API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.initOnce.Do(s.init)
	s.handler.ServeHTTP(w, r)
}

func (s *Server) init() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.HandleFunc("GET /api/state", s.serveState)
	mux.HandleFunc("GET /api/deliveries", s.serveDeliveries)
	mux.HandleFunc("GET /api/stream", s.serveStream)
	mux.HandleFunc("POST /api/replay/{id}", s.serveReplay)
	mux.Handle("GET /assets/", serveAssets())
	s.handler = checkHost(http.NewCrossOriginProtection().Handler(mux), s.src.AllowedHosts)
}

// Publish announces a new record to every open page. It never blocks: a
// stream that has fallen behind by more than a few dozen records is ended,
// and its page reconnects and fetches the records again. Publish after
// [Server.Close] does nothing.
func (s *Server) Publish(r deliverylog.Record) {
	s.mu.Lock()
	idle := len(s.streams) == 0
	s.mu.Unlock()
	if idle {
		return // no page is open: nothing to encode (a page fetches the records when it opens)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return // a Record always marshals
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.streams {
		select {
		case ch <- b:
		default:
			delete(s.streams, ch)
			close(ch)
		}
	}
}

// Close ends every open stream and makes later ones end at once (with 204,
// which tells the page's EventSource not to reconnect). The page and API
// routes keep working. Close does not wait for the stream handlers to
// return; the [http.Server] that runs them does.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for ch := range s.streams {
		delete(s.streams, ch)
		close(ch)
	}
}

// subscribe registers a stream; ok is false after Close.
func (s *Server) subscribe() (ch chan []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	if s.streams == nil {
		s.streams = make(map[chan []byte]struct{})
	}
	ch = make(chan []byte, streamBuffer)
	s.streams[ch] = struct{}{}
	return ch, true
}

func (s *Server) unsubscribe(ch chan []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streams, ch) // Publish or Close may have closed it already
}

func (s *Server) state() State {
	var st State
	if s.src.State != nil {
		st = s.src.State()
	}
	if st.Title == "" {
		st.Title = "devhook"
	}
	if st.Hooks == nil {
		st.Hooks = []Hook{}
	}
	return st
}

func (s *Server) records() []deliverylog.Record {
	var recs []deliverylog.Record
	if s.src.Records != nil {
		recs = s.src.Records()
	}
	if recs == nil {
		recs = []deliverylog.Record{}
	}
	return recs
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.state())
}

// parseCount parses a count: a whole number, 0 or more.
func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad count %q", v)
	}
	return n, nil
}

// serveAssets serves the embedded script and style sheet with their types
// set here, not from the machine's MIME tables: the page sends nosniff.
func serveAssets() http.Handler {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(static))
	types := map[string]string{
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".html": "text/html; charset=utf-8",
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := types[path.Ext(r.URL.Path)]; ok {
			w.Header().Set("Content-Type", t)
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request) {
	if s.src.Replay == nil {
		writeError(w, http.StatusNotImplemented, ErrNoReplay)
		return
	}
	id := r.PathValue("id")
	for _, rec := range s.records() {
		if rec.ID == id && rec.Kind == "verify" {
			writeError(w, http.StatusConflict, ErrVerifyReplay)
			return
		}
	}
	edit, err := readEdit(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	rec, err := s.src.Replay(r.Context(), id, edit)
	switch {
	case errors.Is(err, ErrUnknownRecord):
		writeError(w, http.StatusNotFound, err)
		return
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.Publish(rec)
	writeJSON(w, http.StatusOK, rec)
}

// readEdit reads the optional JSON [Edit] of a replay; nil when the request
// has no body.
func readEdit(w http.ResponseWriter, r *http.Request) (*Edit, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEditBody))
	if err != nil {
		return nil, fmt.Errorf("inspector: read the edit: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	var e Edit
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("inspector: the edit is not JSON like {\"header\": {...}, \"body\": \"...\"}: %w", err)
	}
	for name, values := range e.Header {
		if !headercheck.ValidName(name) {
			return nil, fmt.Errorf("header name %q is not valid: letters, digits and - only", name)
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				return nil, fmt.Errorf("header %s: a value cannot hold a line break", name)
			}
		}
	}
	return &e, nil
}

// serveStream follows the deliveries and the state as Server-Sent Events:
// "state" at once and every StateInterval, "delivery" for each published
// record.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	ch, ok := s.subscribe()
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	defer s.unsubscribe(ch)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	send := func(event string, data []byte) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	sendState := func() bool {
		b, err := json.Marshal(s.state())
		return err == nil && send("state", b)
	}

	// retry: how long the page's EventSource waits before reconnecting.
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
		return
	}
	if !sendState() {
		return
	}
	ticker := time.NewTicker(StateInterval)
	defer ticker.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case b, ok := <-ch:
			if !ok || !send("delivery", b) {
				return
			}
		case <-ticker.C:
			if !sendState() {
				return
			}
		}
	}
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, errorBody{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: err.Error()}) // a string always marshals
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// checkHost refuses requests addressed to a domain name other than
// localhost: a page on such a name that resolves to loopback (DNS
// rebinding) must not read the deliveries. IP literals are fine.
func checkHost(next http.Handler, names []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := httpguard.CheckHost(r, names); err != nil {
			writeError(w, http.StatusForbidden, fmt.Errorf("inspector: %w", err))
			return
		}
		next.ServeHTTP(w, r)
	})
}
