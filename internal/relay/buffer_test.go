package relay

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// fakeBuffer records what the relay keeps.
type fakeBuffer struct {
	mu      sync.Mutex
	holding bool
	full    bool
	kept    []deliverylog.Record
}

func (b *fakeBuffer) Holding() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.holding
}

func (b *fakeBuffer) Keep(ev deliverylog.Record) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.full {
		return false
	}
	b.kept = append(b.kept, ev)
	return true
}

// deadURL is a local URL where nothing listens: connections are refused.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/hook"
}

// TestBufferKeepsWhatTheAppCannotTake: with a Buffer, a delivery to an app
// that refuses connections gets 200 and is kept; so is every delivery
// while the buffer holds events (arrival order); a full buffer gets 502;
// the app's own answers, 5xx included, pass unchanged; hook.verify is
// never kept.
func TestBufferKeepsWhatTheAppCannotTake(t *testing.T) {
	tests := []struct {
		name       string
		target     func(t *testing.T) string
		holding    bool
		full       bool
		body       string
		wantStatus int
		wantKept   int
		wantQueued bool
	}{
		{"app down", deadURL, false, false, itemCreate, 200, 1, true},
		{"buffer full", deadURL, false, true, itemCreate, 502, 0, false},
		{"app answers 500", func(t *testing.T) string {
			srv, _ := startApp(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
			return srv.URL
		}, false, false, itemCreate, 500, 0, false},
		{"earlier events held", func(t *testing.T) string {
			srv, _ := startApp(t, nil)
			return srv.URL
		}, true, false, itemCreate, 200, 1, true},
		{"hook.verify to a down app without Validate", deadURL, false, false, "type=hook.verify&hook_id=12&code=c", 502, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := &fakeBuffer{holding: tt.holding, full: tt.full}
			_, srv, events := startRelay(t, Config{Target: mustParseURL(t, tt.target(t)), Buffer: buf})
			got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, tt.body, nil)
			ev := recv(t, events)
			if got.Status != tt.wantStatus || (ev.Outcome == deliverylog.OutcomeQueued) != tt.wantQueued || len(buf.kept) != tt.wantKept {
				t.Errorf("status %d outcome %s kept %d, want %d queued %v %d (event %+v)", got.Status, ev.Outcome, len(buf.kept), tt.wantStatus, tt.wantQueued, tt.wantKept, ev)
			}
			if tt.wantKept == 1 && string(buf.kept[0].Request.Body) != tt.body {
				t.Errorf("kept %+v", buf.kept[0])
			}
		})
	}
}

// TestRedeliver sends a kept event to the app, which gets the same body
// and path; while the app is still down Redeliver says so.
func TestRedeliver(t *testing.T) {
	app, reqs := startApp(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	h, _, _ := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook")})
	kept := deliverylog.Record{Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, Outcome: deliverylog.OutcomeQueued,
		Request: deliverylog.Request{Method: "POST", Path: "/x", Query: "a=1", Header: http.Header{"Content-Type": {formType}, "Content-Length": {"3"}}, Body: []byte(itemCreate)}}
	ev, err := h.Redeliver(t.Context(), kept)
	if err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	ar := recv(t, reqs)
	if diff := cmp.Diff(appRequest{Method: "POST", Path: "/hook/x", Query: "a=1", Body: itemCreate}, ar,
		cmp.FilterPath(func(p cmp.Path) bool { s := p.String(); return s == "Host" || s == "Header" }, cmp.Ignore())); diff != "" {
		t.Errorf("app got (-want +got):\n%s", diff)
	}
	if ar.Header.Get(MarkHeader) != testMark {
		t.Errorf("no forwarding mark: %v", ar.Header)
	}
	if ev.Status != 503 || ev.Outcome != deliverylog.OutcomeFailed || ev.Error != "" {
		t.Errorf("event %+v", ev)
	}

	down, _, _ := startRelay(t, Config{Target: mustParseURL(t, deadURL(t))})
	if _, err := down.Redeliver(t.Context(), kept); err == nil {
		t.Error("Redeliver to a down app: no error")
	}
}

// TestMarkRefused: a request that carries this relay's forwarding mark
// came back from it, and is refused with 508 instead of forwarded again.
func TestMarkRefused(t *testing.T) {
	app, reqs := startApp(t, nil)
	_, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL)})
	got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, http.Header{MarkHeader: {testMark}})
	ev := recv(t, events)
	if got.Status != http.StatusLoopDetected || ev.Kind != deliverylog.KindRejected {
		t.Errorf("status %d, event %+v", got.Status, ev)
	}
	select {
	case r := <-reqs:
		t.Errorf("forwarded: %+v", r)
	default:
	}
	// Another devhook's mark is not this one's: forwarded.
	got = send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, http.Header{MarkHeader: {"other"}})
	recv(t, events)
	recv(t, reqs)
	if got.Status != 200 {
		t.Errorf("other mark: %d", got.Status)
	}
}

// TestAckForwardBounded: with Ack, a background forward to an app that
// never answers ends after Timeout, so Close does not hang.
func TestAckForwardBounded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	app, _ := startApp(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	h, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL), Ack: true, Timeout: 100 * time.Millisecond})
	got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, nil)
	if got.Status != 200 {
		t.Fatalf("ack status %d", got.Status)
	}
	if n, _ := h.InFlight(); n != 1 {
		t.Errorf("in flight %d, want 1", n)
	}
	ev := recv(t, events)
	if ev.Status != http.StatusOK || !ev.Acked || ev.Outcome != deliverylog.OutcomeFailed || ev.Error == "" {
		t.Errorf("event %+v", ev)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	closed := make(chan struct{})
	go func() { h.Close(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close hangs on a forward past Timeout")
	}
	if n, _ := h.InFlight(); n != 0 {
		t.Errorf("in flight %d after Close", n)
	}
}
