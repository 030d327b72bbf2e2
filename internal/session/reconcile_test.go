package session_test

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
)

// lists counts the hook list calls on app 42 so far.
func (l *live) lists() int { return l.calls.count("GET /hook/app/42/") }

// stepClock moves the clock by total in steps of step, letting the
// monitor run after each.
func stepClock(t *testing.T, l *live, total, step time.Duration) {
	t.Helper()
	for d := time.Duration(0); d < total; d += step {
		awaitPending(t, l.clock, 1) // the monitor waits for its next heartbeat
		l.clock.Advance(step)
	}
	awaitPending(t, l.clock, 1)
}

// TestCheckBudget: in steady state the session lists each reference's
// hooks once a minute, however many hooks it has there; after a 420 it
// backs off, doubling, and comes back to once a minute when Podio answers
// again.
func TestCheckBudget(t *testing.T) {
	l := newLive(t, 200)
	l.run(t, session.Config{Hooks: hooksOn([]int64{42}, "item.create", "item.update", "item.delete")})

	stepClock(t, l, 10*time.Minute, 10*time.Second)
	if n := l.lists(); n < 9 || n > 10 {
		t.Errorf("%d list calls in 10 minutes on 1 ref with 3 hooks, want one a minute", n)
	}
	t.Logf("steady state: %d list calls in 10 min", l.lists())

	l.calls.take()
	if err := l.mock.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Method: "GET", Path: "/hook/app/42", Status: 420}}}); err != nil {
		t.Fatal(err)
	}
	stepClock(t, l, 31*time.Minute, 10*time.Second)
	// Checks at +1, then 2, 4, 8 and 16 minutes after: 5 calls in 31 min.
	if n := l.lists(); n != 5 {
		t.Errorf("%d list calls in 31 minutes of 420s, want 5 (1, 2, 4, 8, 16 min apart)", n)
	}
	if w := all[session.Warning](l); len(w) != 1 || !strings.Contains(w[0].Text, "rate limited (420)") {
		t.Errorf("warnings %+v, want one about the 420", w)
	}
	l.mock.ClearFaults()
	l.calls.take()
	stepClock(t, l, 32*time.Minute+5*time.Minute, 10*time.Second)
	// The next check (32 min after the last) succeeds; then once a minute.
	if n := l.lists(); n < 5 || n > 7 {
		t.Errorf("%d list calls in the 5 minutes after the 420s ended, want about 5", n)
	}
}

// TestClockJump: when the clock jumps (a laptop that slept), the session
// checks with Podio at once, and finds what changed meanwhile: here a hook
// deleted behind its back.
func TestClockJump(t *testing.T) {
	l := newLive(t, 200)
	id := l.run(t, session.Config{CheckEvery: time.Hour}).Hooks[0].ID
	awaitPending(t, l.clock, 1)
	if err := l.client.DeleteHook(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	l.calls.take()
	l.clock.Advance(2 * time.Hour)
	w, _ := awaitEv(t, l, 0, func(w session.Warning) bool { return strings.Contains(w.Text, "clock jumped") })
	if !strings.Contains(w.Text, "2h0m0s") {
		t.Errorf("warning %q", w.Text)
	}
	hs, _ := awaitEv(t, l, 0, func(h session.HookState) bool { return h.HookID == id })
	if hs.State != session.StateInactive || !strings.Contains(hs.Reason, "no longer lists it") {
		t.Errorf("state %+v", hs)
	}
	if n := l.lists(); n != 1 {
		t.Errorf("%d list calls after the jump, want 1", n)
	}
}

// TestPodioListsInactive: a hook Podio made inactive without the session
// seeing the failures (they never reached it: the tunnel was down) shows
// as inactive at the next check, and the session says so.
func TestPodioListsInactive(t *testing.T) {
	l := newLive(t, 200)
	tun := newDropTunnel(t)
	id := l.run(t, session.Config{NoReverify: true, Tunnel: tun}).Hooks[0].ID
	tun.drop(true) // Podio's deliveries now fail before they reach devhook
	for i := range 51 {
		if _, err := l.mock.FireEvent("app", 42, "item.create", map[string]string{"item_id": fmt.Sprint(500 + i)}); err != nil {
			t.Fatal(err)
		}
		awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.ConsecutiveFailures == i+1 || h.Status == "inactive" })
		if i < 50 {
			l.clock.Advance(time.Minute)
		}
	}
	awaitMock(t, l, id, func(h mockpodio.Hook) bool { return h.Status == "inactive" })
	stepClock(t, l, time.Minute, 10*time.Second)
	hs, _ := awaitEv(t, l, 0, func(h session.HookState) bool { return h.HookID == id })
	if hs.State != session.StateInactive || hs.Reason != "Podio lists it as inactive" {
		t.Errorf("state %+v", hs)
	}
	if st := l.s.InspectorState(); st.Hooks[0].Status != "inactive" || st.Hooks[0].InactiveReason != hs.Reason {
		t.Errorf("inspector %+v", st.Hooks[0])
	}
}

// dropTunnel is a loopback tunnel that a test can cut: while dropped,
// every connection is closed at once, as when the tunnel is down.
type dropTunnel struct {
	net.Listener
	mu      sync.Mutex
	dropped bool
	conns   map[net.Conn]bool
}

func newDropTunnel(t *testing.T) *dropTunnel {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &dropTunnel{Listener: ln, conns: map[net.Conn]bool{}}
}

func (d *dropTunnel) URL() string { return "http://" + d.Addr().String() }

func (d *dropTunnel) Accept() (net.Conn, error) {
	for {
		c, err := d.Listener.Accept()
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		if d.dropped {
			d.mu.Unlock()
			c.Close()
			continue
		}
		d.conns[c] = true
		d.mu.Unlock()
		return c, nil
	}
}

// drop cuts the tunnel (closing every connection) or restores it.
func (d *dropTunnel) drop(down bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropped = down
	if down {
		for c := range d.conns {
			c.Close()
		}
		clear(d.conns)
	}
}
