package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// awaitPending waits until n timers are pending on c: the session is
// parked in its wait.
func awaitPending(t *testing.T, c *mockpodio.ManualClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for c.Pending() != n {
		select {
		case <-ctx.Done():
			t.Fatalf("%d timers pending, want %d", c.Pending(), n)
		case <-tick.C:
		}
	}
}

// hooksOn returns a spec per event on each app.
func hooksOn(apps []int64, events ...string) []session.HookSpec {
	var out []session.HookSpec
	for _, a := range apps {
		for _, ev := range events {
			out = append(out, session.HookSpec{RefType: "app", RefID: a, Event: ev})
		}
	}
	return out
}

// TestRegistrationAPICalls counts the API calls that start N hooks on R
// references when Podio verifies them promptly: one list per reference,
// one create per hook, and the validate of each hook's hook.verify, which
// Podio's handshake requires. No status poll is needed.
func TestRegistrationAPICalls(t *testing.T) {
	tests := []struct {
		name  string
		hooks []session.HookSpec
		refs  int
	}{
		{"1 hook on 1 app", hooksOn([]int64{42}, "item.create"), 1},
		{"3 hooks on 1 app", hooksOn([]int64{42}, "item.create", "item.update", "item.delete"), 1},
		{"6 hooks on 2 apps", hooksOn([]int64{42, 43}, "item.create", "item.update", "item.delete"), 2},
		{"9 hooks on 3 refs", append(hooksOn([]int64{42, 43}, "item.create", "item.update", "item.delete"),
			session.HookSpec{RefType: "app_field", RefID: 4001, Event: "item.create"},
			session.HookSpec{RefType: "app_field", RefID: 4001, Event: "item.update"},
			session.HookSpec{RefType: "app_field", RefID: 4001, Event: "item.delete"}), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.start(t, session.Config{Hooks: tt.hooks, Clock: mockpodio.NewManualClock(time.Now())})
			await[session.Ready](t, r)
			got := map[string]int{}
			for _, c := range e.calls.take() {
				switch {
				case strings.HasPrefix(c, "GET /hook/"):
					got["list"]++
				case strings.HasSuffix(c, "/verify/validate"):
					got["validate"]++
				case strings.HasPrefix(c, "POST /hook/"):
					got["create"]++
				default:
					got[c]++
				}
			}
			n := len(tt.hooks)
			want := map[string]int{"list": tt.refs, "create": n, "validate": n}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("API calls to start %d hooks on %d refs (-want +got):\n%s", n, tt.refs, diff)
			}
			if chosen := got["list"] + got["create"]; chosen > 2*tt.refs+n {
				t.Errorf("%d list and create calls, more than the target 2 per ref + 1 per hook = %d", chosen, 2*tt.refs+n)
			}
			t.Logf("%d hooks on %d refs: %d calls (%d list, %d create, %d validate)", n, tt.refs, got["list"]+got["create"]+got["validate"], got["list"], got["create"], got["validate"])
		})
	}
}

// deadTunnel is a tunnel whose public URL reaches nothing: Podio's
// hook.verify never arrives.
func deadTunnel(t *testing.T) tunnel.Tunnel {
	t.Helper()
	tun, err := tunnel.ListenStatic("127.0.0.1:0", "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	return tun
}

// TestVerificationPolls: while hook.verify does not arrive, the session
// asks Podio with one list call per reference per poll (not per hook),
// after 2, 6 and 14 s, and at the deadline says the verify never arrived.
func TestVerificationPolls(t *testing.T) {
	e := newEnv(t)
	clk := mockpodio.NewManualClock(time.Now())
	hooks := append(hooksOn([]int64{42}, "item.create", "item.update"), hooksOn([]int64{43}, "item.create")...)
	r := e.start(t, session.Config{Hooks: hooks, Tunnel: deadTunnel(t), SkipProbe: true, Clock: clk, VerifyTimeout: 20 * time.Second})

	awaitPending(t, clk, 2) // the deadline and the first poll
	if got := e.calls.count("GET /hook/"); got != 2 {
		t.Errorf("registration listed hooks %d times, want 2 (one per ref)", got)
	}
	e.calls.take()
	for i, step := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		clk.Advance(step)
		awaitPending(t, clk, 2) // the deadline and the next poll
		if got := e.calls.take(); !cmp.Equal(got, []string{"GET /hook/app/42/", "GET /hook/app/43/"}) {
			t.Errorf("poll %d: calls %q, want one list per ref", i+1, got)
		}
	}
	clk.Advance(6 * time.Second) // the deadline, 20 s
	err := r.wait(t)
	if err == nil || strings.Count(err.Error(), "hook.verify never arrived") != 3 {
		t.Errorf("Run = %v, want the 3 hooks' verify never arrived", err)
	}
	if got := e.calls.count("GET "); got != 0 {
		t.Errorf("%d more list calls after the last poll", got)
	}
	if left := e.mock.Hooks(); len(left) != 0 {
		t.Errorf("hooks left after a failed start: %+v", left)
	}
}

// TestVerificationAPIErrors: a failed status check is reported as itself,
// not as a hook.verify that never arrived: at once when more calls cannot
// help (rate limited, signed out), at the deadline otherwise.
func TestVerificationAPIErrors(t *testing.T) {
	tests := []struct {
		status  int
		want    string
		atOnce  bool
		advance time.Duration // after the first poll, to reach the end
	}{
		{420, "420 rate_limit", true, 0},
		{401, "401", true, 0},
		{503, "503", false, 18 * time.Second},
		{500, "500", false, 18 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := newEnv(t)
			clk := mockpodio.NewManualClock(time.Now())
			r := e.start(t, session.Config{Hooks: hooksOn([]int64{42}, "item.create"), Tunnel: deadTunnel(t), SkipProbe: true, Clock: clk})
			awaitPending(t, clk, 2)
			if err := e.mock.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Method: "GET", Path: "/hook/app/*", Status: tt.status}}}); err != nil {
				t.Fatal(err)
			}
			e.calls.take()
			clk.Advance(2 * time.Second)
			if !tt.atOnce {
				awaitPending(t, clk, 2)
				clk.Advance(tt.advance)
			}
			err := r.wait(t)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "never arrived") {
				t.Errorf("Run = %v, want the API error (%q), not a verify that never arrived", err, tt.want)
			}
			if tt.atOnce {
				if got := e.calls.count("GET "); got != 1 {
					t.Errorf("%d list calls, want 1: the first failure ends the wait", got)
				}
			}
			if left := e.mock.Hooks(); len(left) != 0 {
				t.Errorf("hooks left after a failed start: %+v", left)
			}
		})
	}
}

// TestValidationRefused: when Podio refuses every hook's verify code, the
// session says so at once, without waiting for the deadline (the clock
// never moves here), and deletes the hooks.
func TestValidationRefused(t *testing.T) {
	e := newEnv(t)
	if err := e.mock.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Path: "/hook/*/verify/validate", Status: 400}}}); err != nil {
		t.Fatal(err)
	}
	clk := mockpodio.NewManualClock(time.Now())
	r := e.start(t, session.Config{Hooks: hooksOn([]int64{42}, "item.create", "item.update"), Clock: clk})
	err := r.wait(t)
	if err == nil || strings.Count(err.Error(), "hook.verify arrived but validation failed") != 2 || !strings.Contains(err.Error(), "400") {
		t.Errorf("Run = %v, want both hooks' validation failure", err)
	}
	if left := e.mock.Hooks(); len(left) != 0 {
		t.Errorf("hooks left after a failed start: %+v", left)
	}
}

// TestRegisterReusesHook: a hook already registered with this URL and
// event is reused, not created again; an inactive one gets a new
// hook.verify. The run does not delete it on exit.
func TestRegisterReusesHook(t *testing.T) {
	e := newEnv(t)
	// The public side: a proxy to the tunnel that refuses everything until
	// the run starts, so the hook's first hook.verify fails and it stays
	// inactive.
	var relay atomic.Pointer[httputil.ReverseProxy]
	refused := make(chan struct{}, 10)
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := relay.Load()
		if p == nil {
			select {
			case refused <- struct{}{}:
			default:
			}
			http.Error(w, "not yet", http.StatusBadGateway)
			return
		}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(public.Close)
	tun, err := tunnel.ListenStatic("127.0.0.1:0", public.URL)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.client.CreateHook(t.Context(), "app", 42, public.URL+"/fixed-secret", "item.create")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-refused:
	case <-time.After(20 * time.Second):
		t.Fatal("the first hook.verify never came")
	}
	if h, ok := e.mock.Hook(id); !ok || h.Status != "inactive" {
		t.Fatalf("hook before the run: %+v", h)
	}
	relay.Store(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: tun.Addr().String()}))
	e.calls.take()
	r := e.start(t, session.Config{Tunnel: tun, Secret: "fixed-secret", Hooks: hooksOn([]int64{42}, "item.create")})
	ready := await[session.Ready](t, r)
	want := []session.Hook{{HookSpec: session.HookSpec{RefType: "app", RefID: 42, Event: "item.create"}, ID: id, Reused: true, Status: "active"}}
	if diff := cmp.Diff(want, ready.Hooks); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	wantCalls := []string{"GET /hook/app/42/", fmt.Sprintf("POST /hook/%d/verify/request", id), fmt.Sprintf("POST /hook/%d/verify/validate", id)}
	if diff := cmp.Diff(wantCalls, e.calls.take()); diff != "" {
		t.Errorf("API calls (-want +got):\n%s", diff)
	}
	r.cancel()
	if err := r.wait(t); err != nil {
		t.Errorf("Run = %v", err)
	}
	if h, ok := e.mock.Hook(id); !ok || h.Status != "active" {
		t.Errorf("the reused hook after the run: %+v, want it kept, active", h)
	}
}

// TestRegisterAtPodiosLimit: a reference that already has Podio's 10
// hooks of the event says so, and the run leaves nothing behind.
func TestRegisterAtPodiosLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		if _, err := e.client.CreateHook(t.Context(), "app", 43, fmt.Sprintf("http://127.0.0.1:1/full%d", i), "item.create"); err != nil {
			t.Fatal(err)
		}
	}
	r := e.start(t, session.Config{Hooks: append(hooksOn([]int64{42}, "item.create"), hooksOn([]int64{43}, "item.create")...)})
	err := r.wait(t)
	if err == nil || !strings.Contains(err.Error(), "create item.create hook on app 43: it already has 10, Podio's limit") {
		t.Errorf("Run = %v, want Podio's limit named", err)
	}
	for _, h := range e.mock.Hooks() {
		if h.RefID == 42 {
			t.Errorf("hook left behind after a failed start: %+v", h)
		}
	}
}

// TestProbeFails: a public URL that does not reach the relay fails the
// start before any hook is created.
func TestProbeFails(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, session.Config{Hooks: hooksOn([]int64{42}, "item.create"), Tunnel: deadTunnel(t), ConnectTimeout: time.Second})
	err := r.wait(t)
	if err == nil || !strings.Contains(err.Error(), "public URL http://127.0.0.1:1 does not reach devhook") {
		t.Errorf("Run = %v, want the probe's failure", err)
	}
	if calls := e.calls.take(); len(calls) != 0 {
		t.Errorf("API calls after a failed probe: %q", calls)
	}
}
