package session_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/fakeedge"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// edgeLive is a live session whose Podio mock reaches the tunnel through
// the fake ngrok edge, and its ngrok tunnel.
func edgeLive(t *testing.T, configure func(*fakeedge.Server)) (*live, *fakeedge.Server, *tunnel.Ngrok) {
	t.Helper()
	edge := fakeedge.NewUnstartedServer()
	edge.Authtoken = "good-token"
	if configure != nil {
		configure(edge)
	}
	if err := edge.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(edge.Close)

	l := &live{clock: mockpodio.NewManualClock(t0), added: make(chan struct{}, 1), done: make(chan error, 1)}
	mock, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	if mock.Seed, err = mockpodio.ParseSeed(fixtures.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	mock.Clock = l.clock
	mock.HTTPClient = edge.Client() // Podio reaches the tunnel's public URL through the edge
	if err := mock.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mock.Close)
	base := newLive(t, 200) // its app and signed-in client shape; the mock is ours
	l.mock, l.app, l.calls = mock, base.app, base.calls
	l.client = clientFor(t, mock, l.calls)

	tun, err := tunnel.ListenNgrok(t.Context(), tunnel.NgrokOptions{Authtoken: "good-token", ConnectURL: edge.Addr, ConnectCAs: edge.CAs, ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return l, edge, tun
}

// TestTunnelDropResumes: the fake ngrok edge drops the agent's session
// mid-run; the agent reconnects, the session checks the URL still
// reaches it, and Podio's next event reaches the app on the same hook.
func TestTunnelDropResumes(t *testing.T) {
	l, edge, tun := edgeLive(t, nil)
	ready := l.run(t, session.Config{Tunnel: tun, PublicClient: edge.Client()})
	d, at := l.fire(t, 1, 0)
	if d.Record.Status != 200 {
		t.Fatalf("before the drop: %+v", d.Record)
	}
	edge.DropSessions()
	w, at := awaitEv(t, l, at, func(w session.Warning) bool { return strings.Contains(w.Text, "reconnected") })
	if want := tun.URL() + " still reaches devhook"; !strings.Contains(w.Text, want) {
		t.Errorf("warning %q lacks %q", w.Text, want)
	}
	d, _ = l.fire(t, 2, at)
	if d.Record.Status != 200 || d.Record.HookID != ready.Hooks[0].ID {
		t.Errorf("after the drop: %+v", d.Record)
	}
	if got := all[session.Retunneled](l); len(got) != 0 {
		t.Errorf("retunneled although the URL stayed: %+v", got)
	}
}

// TestTunnelDropNewURL: after the drop the edge binds the endpoint on a
// new URL and the old one is offline. The session notices, the tunnel
// binds a new endpoint, the hooks are registered on its URL (verified
// through the edge) and the old ones deleted; events flow again.
func TestTunnelDropNewURL(t *testing.T) {
	l, edge, tun := edgeLive(t, func(e *fakeedge.Server) { e.NewURLOnRebind = true })
	ready := l.run(t, session.Config{Tunnel: tun, PublicClient: edge.Client()})
	oldURL, old := tun.URL(), ready.Hooks[0].ID
	_, at := l.fire(t, 1, 0)

	edge.DropSessions()
	w, at := awaitEv(t, l, at, func(w session.Warning) bool { return strings.Contains(w.Text, "reconnected") })
	if want := oldURL + " no longer reaches devhook: the endpoint is offline (answered 404 " + fakeedge.OfflineCode + ")"; !strings.Contains(w.Text, want) {
		t.Errorf("warning %q lacks %q", w.Text, want)
	}
	rt, at := awaitEv(t, l, at, func(session.Retunneled) bool { return true })
	newURL := tun.URL()
	if newURL == oldURL || !strings.HasPrefix(rt.HookURL, newURL+"/") {
		t.Fatalf("hook URL %s, tunnel URL %s (old %s)", rt.HookURL, newURL, oldURL)
	}
	if len(rt.Hooks) != 1 || rt.Hooks[0].ID == old || len(rt.Deleted) != 1 || rt.Deleted[0] != old {
		t.Fatalf("retunneled = %+v", rt)
	}
	hooks := l.mock.Hooks()
	if len(hooks) != 1 || hooks[0].HookID != rt.Hooks[0].ID || hooks[0].URL != rt.HookURL || hooks[0].Status != "active" {
		t.Errorf("the mock's hooks: %+v", hooks)
	}
	d, _ := l.fire(t, 2, at)
	if d.Record.Status != 200 || d.Record.HookID != rt.Hooks[0].ID {
		t.Errorf("after the move: %+v", d.Record)
	}
}

// failAfter is a transport that works until fail is set, then fails every
// request, as a network that cannot reach the public URL does.
type failAfter struct {
	next http.RoundTripper
	fail atomic.Bool
}

func (f *failAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.fail.Load() {
		return nil, errors.New("test: no route to the public URL")
	}
	return f.next.RoundTrip(r)
}

// TestTunnelDropUncheckable: after the drop the public URL cannot be
// checked at all (no answer, not ngrok's "offline"): the session says so
// and keeps the URL and its hooks, for a new URL would not help; and with
// probes off it does not check.
func TestTunnelDropUncheckable(t *testing.T) {
	tests := []struct {
		name      string
		skipProbe bool
		want      string
	}{
		{"no answer", false, "devhook: warning: the tunnel reconnected, but checking %s failed (test: no route to the public URL); keeping it"},
		{"probes off", true, "devhook: the tunnel reconnected; deliveries resume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, edge, tun := edgeLive(t, func(e *fakeedge.Server) { e.NewURLOnRebind = true })
			tr := &failAfter{next: edge.Client().Transport}
			ready := l.run(t, session.Config{Tunnel: tun, PublicClient: &http.Client{Transport: tr}, SkipProbe: tt.skipProbe, ConnectTimeout: time.Second})
			tr.fail.Store(true)
			old := tun.URL()
			edge.DropSessions()
			w, _ := awaitEv(t, l, 0, func(w session.Warning) bool { return strings.Contains(w.Text, "reconnected") })
			want := tt.want
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, old)
			}
			if w.Text != want {
				t.Errorf("warning %q, want %q", w.Text, want)
			}
			if tun.URL() != old || l.s.HookURL() != ready.HookURL {
				t.Errorf("moved: tunnel %s (was %s), hooks on %s", tun.URL(), old, l.s.HookURL())
			}
			if hooks := l.mock.Hooks(); len(hooks) != 1 || hooks[0].HookID != ready.Hooks[0].ID {
				t.Errorf("the mock's hooks: %+v", hooks)
			}
		})
	}
}

// urlTunnel is a loopback tunnel whose public URL a test changes, as a
// random ngrok domain changes after a reconnect.
type urlTunnel struct {
	net.Listener
	mu  sync.Mutex
	url string
}

func (u *urlTunnel) URL() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.url
}

func (u *urlTunnel) set(url string) {
	u.mu.Lock()
	u.url = url
	u.mu.Unlock()
}

// TestTunnelURLChanges: when the tunnel's public URL changes, the session
// registers its hooks on the new URL (Podio verifies them through the
// relay) and deletes the old ones; events flow on the new hooks.
func TestTunnelURLChanges(t *testing.T) {
	l := newLive(t, 200)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	tun := &urlTunnel{Listener: ln, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	old := l.run(t, session.Config{Tunnel: tun}).Hooks[0].ID

	tun.set(fmt.Sprintf("http://localhost:%d", port))
	awaitPending(t, l.clock, 1)
	l.clock.Advance(10 * time.Second) // the monitor's heartbeat
	rt, at := awaitEv(t, l, 0, func(session.Retunneled) bool { return true })
	if len(rt.Hooks) != 1 || rt.Hooks[0].ID == old || len(rt.Deleted) != 1 || rt.Deleted[0] != old || !strings.HasPrefix(rt.HookURL, "http://localhost:") {
		t.Fatalf("retunneled = %+v", rt)
	}
	hooks := l.mock.Hooks()
	if len(hooks) != 1 || hooks[0].HookID != rt.Hooks[0].ID || hooks[0].URL != rt.HookURL || hooks[0].Status != "active" {
		t.Errorf("the mock's hooks: %+v", hooks)
	}
	if got := l.s.HookURL(); got != rt.HookURL {
		t.Errorf("HookURL = %s", got)
	}
	d, _ := l.fire(t, 7, at)
	if d.Record.HookID != rt.Hooks[0].ID || d.Record.Status != 200 {
		t.Errorf("delivery after the change: %+v", d.Record)
	}
}

// clientFor signs a client in to mock, its calls counted in c.
func clientFor(t *testing.T, mock *mockpodio.Server, c *calls) *podio.Client {
	t.Helper()
	client := &podio.Client{BaseURL: mock.URL, HTTPClient: &http.Client{Transport: c, Timeout: 10 * time.Second}}
	if err := client.Authenticate(t.Context(), podio.Credentials{ClientID: "devhook", ClientSecret: podio.NewSecret("devhook-secret"),
		AppID: 42, AppToken: podio.NewSecret("tok")}); err != nil {
		t.Fatal(err)
	}
	return client
}
