package session_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
)

// downApp is an address where nothing listens yet, and the app that
// later comes up there.
type downApp struct {
	addr   string
	target *url.URL
}

func newDownApp(t *testing.T) *downApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	u, _ := url.Parse("http://" + addr + "/hook")
	return &downApp{addr: addr, target: u}
}

// up starts a on its address, serving h.
func (a *downApp) up(t *testing.T, h http.Handler) {
	t.Helper()
	ln, err := net.Listen("tcp", a.addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
}

// advanceUntil steps the clock until cond holds, bounded.
func advanceUntil(t *testing.T, l *live, step time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitLimit)
	defer cancel()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("condition not met; events:\n%s", l.dump())
		}
		l.clock.Advance(step)
		for range 200 {
			if cond() {
				return
			}
			runtime.Gosched()
		}
	}
}

// TestBufferWhileAppDown: while the app refuses connections Podio gets
// 200 at once and the events are held (in the delivery log); Podio's
// rules see successes, so nothing is suspended. When the app comes back
// the held events reach it in arrival order, each logged as the delivery
// of its queued record.
func TestBufferWhileAppDown(t *testing.T) {
	t.Setenv(deliverylog.StateDirEnv, t.TempDir())
	l := newLive(t, 200)
	app := newDownApp(t)
	id := l.run(t, session.Config{Target: app.target}).Hooks[0].ID

	at := 0
	var queuedIDs []string
	for i := range 20 {
		d, next := l.fire(t, int64(100+i), at)
		if d.Record.Status != 200 || d.Record.Outcome != deliverylog.OutcomeQueued || d.Record.ID == "" {
			t.Fatalf("delivery %d = %+v", i, d.Record)
		}
		queuedIDs = append(queuedIDs, d.Record.ID)
		hs, n := awaitEv(t, l, next, func(h session.HookState) bool { return h.State == session.StateQueued })
		if hs.Count != i+1 || hs.HookID != id {
			t.Errorf("queued state %+v, want count %d", hs, i+1)
		}
		at = n
	}
	mh := awaitMock(t, l, id, func(h mockpodio.Hook) bool { return true })
	if mh.Failures15m != 0 || mh.SuspendedUntil != nil || mh.Status != "active" {
		t.Errorf("Podio saw failures: %+v", mh)
	}
	recs, err := deliverylog.Read(mustDir(t))
	if err != nil || countOutcome(recs, deliverylog.OutcomeQueued) != 20 {
		t.Errorf("log holds %d queued records (%v), want 20", countOutcome(recs, deliverylog.OutcomeQueued), err)
	}
	// The log keeps what Podio sent, not who sent it; the reported
	// record keeps the sender's address for the terminal.
	for _, r := range recs {
		if r.Request.RemoteAddr != "" || r.Source != "up" {
			t.Errorf("logged record %s: source %q, remote address %q, want up and none", r.ID, r.Source, r.Request.RemoteAddr)
		}
	}
	if d := all[session.Delivery](l)[1]; d.Record.Request.RemoteAddr == "" {
		t.Errorf("reported record without the sender's address: %+v", d.Record)
	}

	got := make(chan string, 100)
	app.up(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		r.Body.Read(b)
		got <- string(b)
	}))
	advanceUntil(t, l, 30*time.Second, func() bool { return len(all[session.HookState](l)) > 20 })
	fl, _ := awaitEv(t, l, at, func(h session.HookState) bool { return h.State == session.StateFlushed })
	if fl.Count != 20 || fl.HookID != id {
		t.Errorf("flushed = %+v", fl)
	}
	var order []string
	for range 20 {
		body := <-got
		order = append(order, body[strings.Index(body, "item_id="):strings.Index(body, "&item_revision")])
	}
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("item_id=%d", 100+i))
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("order the app got (-want +got):\n%s", diff)
	}
	var replayOf []string
	for _, d := range all[session.Delivery](l)[21:] {
		if d.Record.Status != 200 || d.Record.Outcome == deliverylog.OutcomeQueued {
			t.Errorf("flushed delivery %+v", d.Record)
		}
		replayOf = append(replayOf, d.Record.ReplayOf)
	}
	if diff := cmp.Diff(queuedIDs, replayOf); diff != "" {
		t.Errorf("flushed records' replay_of (-queued +flushed):\n%s", diff)
	}
}

func mustDir(t *testing.T) string {
	t.Helper()
	dir, err := deliverylog.Dir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func countOutcome(recs []deliverylog.Record, outcome deliverylog.Outcome) int {
	n := 0
	for _, r := range recs {
		if r.Outcome == outcome {
			n++
		}
	}
	return n
}

// TestBufferSurvivesRestart: events held when the session stops are
// listed, stay in the delivery log, and the next session to the same app
// delivers them first.
func TestBufferSurvivesRestart(t *testing.T) {
	t.Setenv(deliverylog.StateDirEnv, t.TempDir())
	l := newLive(t, 200)
	app := newDownApp(t)
	l.run(t, session.Config{Target: app.target})
	at := 0
	for i := range 2 {
		_, at = l.fire(t, int64(200+i), at)
	}
	l.cancel()
	left, _ := awaitEv(t, l, at, func(u session.Undelivered) bool { return true })
	if len(left.Records) != 2 || left.IDs[0] == "" || left.IDs[1] == "" {
		t.Fatalf("undelivered = %+v", left)
	}
	l.done <- <-l.done // Run returned; the cleanup reads it again

	got := make(chan string, 10)
	app.up(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, r.ContentLength)
		r.Body.Read(b)
		got <- string(b)
	}))
	l2 := &live{mock: l.mock, clock: l.clock, client: l.client, calls: l.calls, app: l.app, added: make(chan struct{}, 1), done: make(chan error, 1)}
	l2.run(t, session.Config{Target: app.target})
	var bodies []string
	for len(bodies) < 2 {
		b := <-got
		if !strings.HasPrefix(b, "type=hook.verify") {
			bodies = append(bodies, b)
		}
	}
	for i, b := range bodies {
		if !strings.Contains(b, fmt.Sprintf("item_id=%d&", 200+i)) {
			t.Errorf("body %d = %q", i, b)
		}
	}
	fl, _ := awaitEv(t, l2, 0, func(h session.HookState) bool { return h.State == session.StateFlushed })
	if fl.Count != 2 {
		t.Errorf("flushed %+v", fl)
	}
	w, _ := awaitEv(t, l2, 0, func(w session.Warning) bool { return strings.Contains(w.Text, "earlier run") })
	if !strings.Contains(w.Text, "2 events") {
		t.Errorf("warning %q", w.Text)
	}
}

// TestBufferBoundsAndOff: past its bound, or with NoBuffer, an event for
// a down app gets Podio the 502, which Podio counts as a failure.
func TestBufferBoundsAndOff(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  session.Config
		kept int
	}{
		{"full", session.Config{BufferEvents: 1}, 1},
		{"off", session.Config{NoBuffer: true}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLive(t, 200)
			app := newDownApp(t)
			tt.cfg.Target = app.target
			tt.cfg.NoLog = true
			id := l.run(t, tt.cfg).Hooks[0].ID
			at := 0
			var status []int
			for i := range 2 {
				var d session.Delivery
				d, at = l.fire(t, int64(300+i), at)
				status = append(status, d.Record.Status)
			}
			want := []int{502, 502}
			for i := range tt.kept {
				want[i] = 200
			}
			if diff := cmp.Diff(want, status); diff != "" {
				t.Errorf("Podio got (-want +got):\n%s", diff)
			}
			awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.ConsecutiveFailures == 2-tt.kept })
			if tt.kept > 0 {
				awaitEv(t, l, 0, func(w session.Warning) bool { return strings.Contains(w.Text, "buffer is full") })
			}
		})
	}
}
