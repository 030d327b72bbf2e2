package mockpodio

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// Event is one request a [Receiver] got: an event or a hook.verify, as
// the mock posted it.
type Event struct {
	// Type is the event type, e.g. "item.create" or "hook.verify".
	Type string
	// HookID is the hook it was delivered for.
	HookID int64
	// Params are the form parameters, the first value of each.
	Params map[string]string
	// Body is the form-encoded body as received.
	Body string
	// Method, Path and Query are the request's method, URL path and raw
	// query string: the mock posts to the hook URL's path, its query
	// pairs moved into the body.
	Method, Path, Query string
	// Header is the request's header.
	Header http.Header
}

// Response is how a delivery is answered, by a [Receiver] or by
// [Server.OnDeliver]. From a Receiver the zero Response answers 200 at
// once; from OnDeliver it sends the delivery to its receiver as usual.
type Response struct {
	// Status is the status answered; 0 means 200.
	Status int
	// Delay holds the answer back this long on the server's clock; past
	// the delivery timeout the delivery fails as a timeout.
	Delay time.Duration
	// Drop closes the connection without answering (after Delay).
	Drop bool
	// Body is the body a Receiver answers with, as text/plain; empty
	// means none. [Server.OnDeliver] does not send it: a delivery records
	// no answer's body.
	Body string
}

// maxEventBytes bounds the body a Receiver reads.
const maxEventBytes = 1 << 20

// Receiver is a webhook receiver on a loopback port for tests, in the
// manner of httptest.Server: it answers hook.verify by validating the
// code through the server's API (unless told to [Receiver.IgnoreVerify]),
// records every request as an [Event], whatever its path, and answers as
// steered, 200 by default. It closes each connection after
// answering, so a dropped connection fails exactly one attempt. Create one
// with [NewReceiver]; register it with [Server.CreateHook].
type Receiver struct {
	// URL is the receiver's base URL, e.g. "http://127.0.0.1:53173", with
	// no trailing slash: a hook URL is URL or URL followed by a path.
	URL string

	srv     *Server
	tb      testing.TB
	hs      *httptest.Server // nil for an in-memory server's receiver
	host    string           // the in-memory host, if hs is nil
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex // guards events, steer, changed, noVerify
	events   []Event
	steer    func(Event) Response
	changed  chan struct{}
	noVerify bool
}

// NewReceiver starts a receiver for hooks of srv and closes it when the
// test ends. For an [InMemory] server the receiver listens on nothing
// either: srv delivers to it in memory.
func NewReceiver(tb testing.TB, srv *Server) *Receiver {
	tb.Helper()
	r := &Receiver{srv: srv, tb: tb, closing: make(chan struct{}), changed: make(chan struct{})}
	if srv.kit.inMemory {
		r.host = srv.kit.hosts.add(http.HandlerFunc(r.serve))
		r.URL = "http://" + r.host
	} else {
		r.hs = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
		r.hs.Config.SetKeepAlivesEnabled(false)
		r.hs.Start()
		r.URL = r.hs.URL
	}
	tb.Cleanup(r.Close)
	return r
}

// Respond makes the receiver answer every later request with resp: for
// example rcv.Respond(mockpodio.Response{Status: 500}).
func (r *Receiver) Respond(resp Response) {
	r.Steer(func(Event) Response { return resp })
}

// Steer makes the receiver answer each later request with what f returns
// for its event. f runs in the request's goroutine, after a hook.verify
// has been validated. nil means 200 for every request.
func (r *Receiver) Steer(f func(Event) Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steer = f
}

// IgnoreVerify makes the receiver answer every later hook.verify as
// steered without validating it, as a receiver that ignores the handshake
// does: its hooks stay inactive.
func (r *Receiver) IgnoreVerify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noVerify = true
}

// Events returns every request received so far, in order of arrival.
func (r *Receiver) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// AwaitEvent blocks until the receiver has got an event that satisfies
// match and returns it; it looks at the events already received too, and
// a nil match takes any. It fails only when ctx ends.
func (r *Receiver) AwaitEvent(ctx context.Context, match func(Event) bool) (Event, error) {
	seen := 0
	for {
		r.mu.Lock()
		evs, ch := r.events[seen:], r.changed
		seen = len(r.events)
		r.mu.Unlock()
		for _, ev := range evs {
			if match == nil || match(ev) {
				return ev, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("mockpodio: receiver %s: await event: %w", r.URL, context.Cause(ctx))
		}
	}
}

// Close stops the receiver: requests held by a Delay end without an
// answer, and later deliveries find nothing listening.
func (r *Receiver) Close() {
	r.once.Do(func() {
		close(r.closing)
		if r.hs != nil {
			r.hs.Close()
		} else {
			r.srv.kit.hosts.remove(r.host)
		}
	})
}

// serve handles one delivery.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxEventBytes))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ev := Event{Type: form.Get("type"), Params: make(map[string]string, len(form)), Body: string(raw),
		Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Header: req.Header.Clone()}
	for k, v := range form {
		ev.Params[k] = v[0]
	}
	ev.HookID, _ = strconv.ParseInt(form.Get("hook_id"), 10, 64)
	r.mu.Lock()
	validate := !r.noVerify
	r.mu.Unlock()
	if ev.Type == fixtures.VerifyEvent && validate {
		if err := r.srv.validate(req.Context(), ev.HookID, ev.Params["code"]); err != nil {
			r.tb.Logf("mockpodio: receiver %s: validate hook %d: %v", r.URL, ev.HookID, err)
		}
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	close(r.changed)
	r.changed = make(chan struct{})
	steer := r.steer
	r.mu.Unlock()

	var resp Response
	if steer != nil {
		resp = steer(ev)
	}
	if resp.Delay > 0 && !r.srv.holdFor(req.Context(), resp.Delay, r.closing) {
		panic(http.ErrAbortHandler)
	}
	if resp.Drop {
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	}
	if resp.Body != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(cmp.Or(resp.Status, http.StatusOK))
	io.WriteString(w, resp.Body)
}

// holdFor waits d on the server's clock and reports true, or false when
// ctx ends, stop closes or the server closes first.
func (s *Server) holdFor(ctx context.Context, d time.Duration, stop <-chan struct{}) bool {
	done := make(chan struct{})
	t := s.clock().AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-stop:
	case <-s.closing:
	}
	t.Stop()
	return false
}
