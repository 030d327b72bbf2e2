package session_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// awaitLimit bounds every wait of these tests: generous, since the
// machine running them may be busy.
const awaitLimit = 60 * time.Second

// t0 is the manual clock's start in these tests.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// live is a session on a manual clock shared with its mock, every event
// it reports collected.
type live struct {
	mock   *mockpodio.Server
	clock  *mockpodio.ManualClock
	client *podio.Client
	calls  *calls
	app    *switchApp
	s      *session.Session
	cancel context.CancelFunc
	done   chan error

	mu     sync.Mutex // guards events
	events []session.Event
	added  chan struct{}
}

// switchApp is a local app whose behaviour a test changes as it goes.
type switchApp struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex // guards got
	got    []string   // bodies received (hook.verify excluded)
	onBody func(body string)
}

func (a *switchApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost && !strings.HasPrefix(string(b), "type=hook.verify") {
		a.mu.Lock()
		a.got = append(a.got, string(b))
		a.mu.Unlock()
		if a.onBody != nil {
			a.onBody(string(b))
		}
	}
	w.WriteHeader(int(a.status.Load()))
}

// newLive starts a mock on a manual clock and an app answering status,
// without a session yet.
func newLive(t *testing.T, status int) *live {
	t.Helper()
	l := &live{clock: mockpodio.NewManualClock(t0), added: make(chan struct{}, 1), done: make(chan error, 1)}
	mock, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	if mock.Seed, err = mockpodio.ParseSeed(fixtures.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	mock.Clock = l.clock
	if err := mock.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mock.Close)
	l.mock = mock
	l.calls = &calls{next: http.DefaultTransport}
	l.client = &podio.Client{BaseURL: mock.URL, HTTPClient: &http.Client{Transport: l.calls, Timeout: 10 * time.Second}}
	if err := l.client.Authenticate(t.Context(), podio.Credentials{ClientID: "devhook", ClientSecret: podio.NewSecret("devhook-secret"),
		AppID: 42, AppToken: podio.NewSecret("tok")}); err != nil {
		t.Fatal(err)
	}
	l.app = &switchApp{}
	l.app.status.Store(int32(status))
	l.app.srv = httptest.NewServer(l.app)
	t.Cleanup(l.app.srv.Close)
	return l
}

// run starts the session with cfg (its client, clock, tunnel and target
// filled in when unset) on one item.create hook on app 42 unless cfg
// names hooks, and waits until it is ready.
func (l *live) run(t *testing.T, cfg session.Config) session.Ready {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = l.client
	}
	if cfg.Clock == nil {
		cfg.Clock = l.clock
	}
	if cfg.Tunnel == nil {
		tun, err := tunnel.ListenLocal("")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Tunnel = tun
	}
	if cfg.Target == nil {
		cfg.Target, _ = url.Parse(l.app.srv.URL + "/hook")
	}
	if len(cfg.Hooks) == 0 {
		cfg.Hooks = []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}}
	}
	if cfg.Inspect == "" {
		cfg.Inspect = "false"
	}
	cfg.Sink = func(ev session.Event) {
		l.mu.Lock()
		l.events = append(l.events, ev)
		l.mu.Unlock()
		select {
		case l.added <- struct{}{}:
		default:
		}
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.s = s
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go func() { l.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-l.done
		l.done <- nil
	})
	ready, _ := awaitEv(t, l, 0, func(r session.Ready) bool { return true })
	l.calls.take()
	return ready
}

// awaitEv waits for the first event of type T from index from on that
// matches ok, and returns it and the index after it.
func awaitEv[T session.Event](t *testing.T, l *live, from int, ok func(T) bool) (T, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitLimit)
	defer cancel()
	for {
		l.mu.Lock()
		for ; from < len(l.events); from++ {
			if v, is := l.events[from].(T); is && ok(v) {
				l.mu.Unlock()
				return v, from + 1
			}
		}
		l.mu.Unlock()
		select {
		case <-l.added:
		case err := <-l.done:
			l.done <- err
			var zero T
			t.Fatalf("session ended (%v) before a %T; events:\n%s", err, zero, l.dump())
		case <-ctx.Done():
			var zero T
			t.Fatalf("no %T; events:\n%s", zero, l.dump())
		}
	}
}

// all returns the events of type T so far.
func all[T session.Event](l *live) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []T
	for _, ev := range l.events {
		if v, ok := ev.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func (l *live) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

func (l *live) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, ev := range l.events {
		if d, ok := ev.(session.Delivery); ok {
			fmt.Fprintf(&b, "  delivery %s\n", render.Line(d.Record))
			continue
		}
		fmt.Fprintf(&b, "  %T %+v\n", ev, ev)
	}
	return b.String()
}

// fire makes the mock fire item.create on app 42 for item id, and waits
// for the session to report its delivery (from index from on).
func (l *live) fire(t *testing.T, item int64, from int) (session.Delivery, int) {
	t.Helper()
	if _, err := l.mock.FireEvent("app", 42, "item.create", map[string]string{"item_id": fmt.Sprint(item)}); err != nil {
		t.Fatal(err)
	}
	d, next := awaitEv(t, l, from, func(d session.Delivery) bool {
		return d.Record.Type == "item.create" && strings.Contains(string(d.Record.Request.Body), fmt.Sprintf("item_id=%d&", item))
	})
	// The mock delivers up to HookConcurrency events at once and applies
	// each outcome when its exchange ends: wait for this one, so that the
	// next event's outcome cannot be applied before it.
	awaitMockDelivery(t, l, func(md mockpodio.Delivery) bool {
		return md.Type == "item.create" && md.Params["item_id"] == fmt.Sprint(item) && md.Outcome != ""
	})
	return d, next
}

// awaitMock waits until the mock's record of hook id satisfies ok.
func awaitMock(t *testing.T, l *live, id int64, ok func(mockpodio.Hook) bool) mockpodio.Hook {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitLimit)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		h, _ := l.mock.Hook(id)
		if ok(h) {
			return h
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mock hook %d: %+v", id, h)
		case <-tick.C:
		}
	}
}

// TestSuspensionPredicted: 16 answers of 500 within 15 minutes. The
// session reports the suspension the moment the mock (Podio) applies it,
// with the same end and the reason from the record; an event during it is
// lost; once the clock passes the end and the app is fixed, the session
// reports the recovery and deliveries flow again.
func TestSuspensionPredicted(t *testing.T) {
	l := newLive(t, 500)
	ready := l.run(t, session.Config{})
	id := ready.Hooks[0].ID
	at := 0
	for i := range 16 {
		_, at = l.fire(t, int64(1000+i), at)
		if i == 14 {
			if got := all[session.HookState](l); len(got) != 0 {
				t.Fatalf("after 15 failures: %+v, want no state change (15 is not more than 15)", got)
			}
		}
	}
	hs, _ := awaitEv(t, l, 0, func(h session.HookState) bool { return h.State == session.StateSuspended })
	mh := awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.SuspendedUntil != nil })
	if !hs.Until.Equal(*mh.SuspendedUntil) || !hs.Until.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("predicted until %v, the mock says %v", hs.Until, mh.SuspendedUntil)
	}
	wantLine := fmt.Sprintf("hook %d suspended by Podio until 10:15 — 16 failures in 15 min (16× 500 from your app); events until then are lost", id)
	if hs.Line != wantLine || hs.Reason != "16 failures in 15 min (16× 500 from your app)" {
		t.Errorf("line %q\nwant %q", hs.Line, wantLine)
	}
	st := l.s.InspectorState()
	if len(st.Hooks) != 1 || st.Hooks[0].SuspendedUntil == nil || !st.Hooks[0].SuspendedUntil.Equal(hs.Until) || st.Hooks[0].Failures15m != 16 || st.MockClock == nil {
		t.Errorf("inspector state = %+v", st)
	}

	if _, err := l.mock.FireEvent("app", 42, "item.create", map[string]string{"item_id": "2000"}); err != nil {
		t.Fatal(err)
	}
	awaitMockDelivery(t, l, func(d mockpodio.Delivery) bool { return d.Outcome == mockpodio.OutcomeDroppedSuspended })

	l.app.status.Store(200)
	at = l.n()
	l.clock.Advance(15 * time.Minute)
	rec, at := awaitEv(t, l, at, func(h session.HookState) bool { return h.HookID == id })
	if rec.State != session.StateActive || !strings.Contains(rec.Line, "suspension ended at 10:15") {
		t.Errorf("recovery = %+v", rec)
	}
	d, _ := l.fire(t, 3000, at)
	if d.Record.Status != 200 {
		t.Errorf("after the recovery: %+v", d.Record)
	}
}

// awaitMockDelivery waits for a delivery the mock recorded.
func awaitMockDelivery(t *testing.T, l *live, ok func(mockpodio.Delivery) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitLimit)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		for _, d := range l.mock.Deliveries() {
			if ok(d) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no such delivery in %+v", l.mock.Deliveries())
		case <-tick.C:
		}
	}
}

// unverify makes 51 consecutive failures a minute apart (never more than
// 15 in 15 minutes, so no suspension) and returns the inactive state.
func unverify(t *testing.T, l *live, id int64) session.HookState {
	t.Helper()
	at := 0
	for i := range 51 {
		if i > 0 {
			l.clock.Advance(time.Minute)
		}
		_, at = l.fire(t, int64(1000+i), at)
		// the mock applies its rules once the answer is in: wait for that
		// before moving the clock
		awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.ConsecutiveFailures == i+1 || h.Status == "inactive" })
	}
	hs, _ := awaitEv(t, l, 0, func(h session.HookState) bool { return h.State == session.StateInactive })
	awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.Status == "inactive" })
	for _, h := range all[session.HookState](l) {
		if h.State == session.StateSuspended {
			t.Errorf("suspended on the way: %+v", h)
		}
	}
	return hs
}

// TestInactiveThenReverified: more than 50 consecutive failures make the
// hook inactive, as in the mock; once the app answers again the session
// asks Podio to verify the hook, answers hook.verify itself, and says so.
func TestInactiveThenReverified(t *testing.T) {
	l := newLive(t, 500)
	id := l.run(t, session.Config{}).Hooks[0].ID
	hs := unverify(t, l, id)
	if want := "51 consecutive failures (51× 500 from your app)"; hs.Reason != want {
		t.Errorf("reason %q, want %q", hs.Reason, want)
	}
	if st := l.s.InspectorState(); st.Hooks[0].Status != "inactive" || st.Hooks[0].InactiveReason != hs.Reason {
		t.Errorf("inspector = %+v", st.Hooks[0])
	}
	l.app.status.Store(200)
	at := l.n()
	// The re-verification looks at the app after 5 s: once its timer and
	// the monitor's heartbeat are pending, move the clock 5 s.
	awaitPending(t, l.clock, 2)
	l.clock.Advance(5 * time.Second)
	rv, _ := awaitEv(t, l, at, func(h session.HookState) bool { return h.State == session.StateReverified })
	if rv.HookID != id || !strings.Contains(rv.Line, "re-verified") {
		t.Errorf("reverified = %+v", rv)
	}
	if n := l.calls.count(fmt.Sprintf("POST /hook/%d/verify/request", id)); n != 1 {
		t.Errorf("%d verification requests, want 1", n)
	}
	d, _ := l.fire(t, 9000, at)
	if d.Record.Status != 200 {
		t.Errorf("after re-verification: %+v", d.Record)
	}
}

// awaitQuiet lets the goroutines woken by a clock step run for a few
// scheduler rounds.
func awaitQuiet() {
	for range 50 {
		runtime.Gosched()
	}
}

// TestNoReverify: with NoReverify an inactive hook stays inactive and
// Podio is never asked to verify it.
func TestNoReverify(t *testing.T) {
	l := newLive(t, 500)
	id := l.run(t, session.Config{NoReverify: true}).Hooks[0].ID
	hs := unverify(t, l, id)
	if strings.Contains(hs.Line, "re-verifies") {
		t.Errorf("line %q promises a re-verification", hs.Line)
	}
	l.app.status.Store(200)
	for range 20 {
		l.clock.Advance(30 * time.Second)
		awaitQuiet()
	}
	if n := l.calls.count(fmt.Sprintf("POST /hook/%d/verify/request", id)); n != 0 {
		t.Errorf("%d verification requests with NoReverify", n)
	}
	if mh, _ := l.mock.Hook(id); mh.Status != "inactive" {
		t.Errorf("mock hook %+v", mh)
	}
}
