package session_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/tunnel"
)

// TestOwnListenerRefused: a forward target that is devhook's own relay
// or the embedded mock is refused before any hook is created.
func TestOwnListenerRefused(t *testing.T) {
	l := newLive(t, 200)
	mockURL, _ := url.Parse(l.mock.URL + "/")
	for _, tt := range []struct {
		name   string
		target func(tun tunnel.Tunnel) *url.URL
		own    []string
		want   string
	}{
		{"relay", func(tun tunnel.Tunnel) *url.URL { u, _ := url.Parse(tun.URL() + "/hook"); return u }, nil, "devhook's own relay"},
		{"embedded mock", func(tunnel.Tunnel) *url.URL { return mockURL }, []string{mockURL.Host}, "devhook's own embedded mock"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tun, err := tunnel.ListenLocal("")
			if err != nil {
				t.Fatal(err)
			}
			s, err := session.New(session.Config{Client: l.client, Tunnel: tun, Target: tt.target(tun), OwnAddrs: tt.own, Inspect: "false", NoLog: true,
				Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}}, Clock: l.clock})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			if err := s.Run(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want %q", err, tt.want)
			}
			if n := l.calls.count("POST /hook/"); n != 0 {
				t.Errorf("%d hooks created", n)
			}
		})
	}
}

// TestStopWaitsForDeliveries: stopping with a delivery in flight reports
// it (one delivery, up to the delivery timeout), waits for it, and ends
// cleanly.
func TestStopWaitsForDeliveries(t *testing.T) {
	l := newLive(t, 200)
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			arrived <- struct{}{}
			<-release
		}
	}))
	t.Cleanup(slow.Close)
	target, _ := url.Parse(slow.URL)
	l.run(t, session.Config{Target: target, DeliveryTimeout: 13 * time.Second})
	if _, err := l.mock.FireEvent("app", 42, "item.create", nil); err != nil {
		t.Fatal(err)
	}
	<-arrived
	at := l.n()
	l.cancel()
	w, _ := awaitEv(t, l, at, func(session.Waiting) bool { return true })
	if w.N != 1 || w.UpTo <= 0 || w.UpTo > 13*time.Second {
		t.Errorf("waiting = %+v, want 1 delivery, up to 13 s", w)
	}
	close(release)
	awaitEv(t, l, at, func(d session.Delivery) bool { return d.Record.Type == "item.create" && d.Record.Status == 200 })
	if err := <-l.done; err != nil {
		t.Errorf("Run = %v", err)
	}
	l.done <- nil
}

// TestStreamLine: the --json stream's two kinds of line, with stable keys.
func TestStreamLine(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 27, 0, 0, time.UTC)
	until := at.Add(15 * time.Minute)
	req := deliverylog.Request{Method: "POST", Path: "/", Body: []byte("type=item.create&hook_id=101&item_id=7")}
	tests := []struct {
		name string
		ev   session.Event
		want string // "" means not in the stream
	}{
		{"verify", session.Delivery{Record: deliverylog.Record{ID: "r-1", Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 101, Status: 200, Outcome: deliverylog.OutcomeVerified}},
			`{"kind":"delivery","time":"2026-11-25T10:27:00Z","id":"r-1","type":"hook.verify","hook_id":101,"status":200,"outcome":"verified","latency_ms":0,"request":{},"response":{}}`},
		{"queued", session.Delivery{Record: deliverylog.Record{ID: "r-2", Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 101, IDs: []string{"item_id=7"}, Status: 200, Outcome: deliverylog.OutcomeQueued,
			Error: "local app not reachable", Target: "http://127.0.0.1:3000/", Request: req}},
			`{"kind":"delivery","time":"2026-11-25T10:27:00Z","id":"r-2","type":"item.create","hook_id":101,"ids":["item_id=7"],"status":200,"outcome":"queued","queued":true,"latency_ms":0,"error":"local app not reachable","forwarded_to":"http://127.0.0.1:3000/","request":{"body":"type=item.create&hook_id=101&item_id=7","method":"POST","path":"/"},"response":{}}`},
		{"suspended", session.HookState{Time: at, HookID: 101, State: session.StateSuspended, Until: until, Reason: "16 failures in 15 min (16× 500 from your app)"},
			`{"kind":"hook_state","time":"2026-11-25T10:27:00Z","hook_id":101,"state":"suspended","until":"2026-11-25T10:42:00Z","reason":"16 failures in 15 min (16× 500 from your app)"}`},
		{"flushed", session.HookState{Time: at, HookID: 101, State: session.StateFlushed, Count: 3},
			`{"kind":"hook_state","time":"2026-11-25T10:27:00Z","hook_id":101,"state":"flushed","count":3}`},
		{"rejected", session.Delivery{Record: deliverylog.Record{Kind: deliverylog.KindRejected, Status: 404}}, ""},
		{"warning", session.Warning{Text: "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := session.StreamLine(tt.ev)
			if tt.want == "" {
				if ok {
					t.Errorf("in the stream: %s", got)
				}
				return
			}
			if !ok || !json.Valid(got) {
				t.Fatalf("StreamLine = %s, %v", got, ok)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("line (-want +got):\n%s", diff)
			}
		})
	}
}
