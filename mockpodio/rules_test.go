package mockpodio_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// statusReceiver validates hook.verify and answers events with what
// status returns for the event's form.
func statusReceiver(t *testing.T, s *mockpodio.Server, token string, status func(r *http.Request) int) *httptest.Server {
	t.Helper()
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(400)
			return
		}
		if r.PostForm.Get("type") == "hook.verify" {
			validate(t, s, token, r.PostForm.Get("hook_id"), r.PostForm.Get("code"))
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(status(r))
	}))
	t.Cleanup(rs.Close)
	return rs
}

func validate(t *testing.T, s *mockpodio.Server, token, hookID, code string) {
	req, err := http.NewRequest("POST", s.URL+"/hook/"+hookID+"/verify/validate", strings.NewReader(fmt.Sprintf(`{"code":%q}`, code)))
	if err != nil {
		t.Error(err)
		return
	}
	req.Header.Set("Authorization", "OAuth2 "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("validate: %v", err)
		return
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("validate: status %d", res.StatusCode)
	}
}

// activeHook creates a hook and waits until its handshake made it active.
func activeHook(t *testing.T, s *mockpodio.Server, token, refType string, refID int64, url, typ string) int64 {
	t.Helper()
	res := do(t, s, token, "POST", fmt.Sprintf("/hook/%s/%d/", refType, refID), map[string]string{"url": url, "type": typ})
	if res.Status != 200 {
		t.Fatalf("create hook: %d %s", res.Status, res.Raw)
	}
	id := num(t, field(t, res.Body, "hook_id"))
	awaitHook(t, s, id, func(h mockpodio.Hook) bool { return h.Status == "active" })
	// The hook turns active while its hook.verify is still open; with
	// several deliveries in flight an event can be recorded before it.
	awaitDelivery(t, s, func(d mockpodio.Delivery) bool { return d.HookID == id && d.Type == "hook.verify" })
	return id
}

func awaitHook(t *testing.T, s *mockpodio.Server, id int64, match func(mockpodio.Hook) bool) mockpodio.Hook {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	h, err := s.AwaitHook(ctx, id, match)
	if err != nil {
		t.Fatalf("%v (last state %+v)", err, h)
	}
	return h
}

func awaitDeliveries(t *testing.T, s *mockpodio.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := s.AwaitDeliveries(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// fire fires one app event and waits for its delivery to be recorded.
func fire(t *testing.T, s *mockpodio.Server, appID int64, externalID string) mockpodio.Delivery {
	t.Helper()
	id, err := s.FireEvent("app", appID, "item.create", map[string]string{"external_id": externalID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.EventID == id })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// failIfAsked answers 500 to events whose external_id starts with "fail".
func failIfAsked(r *http.Request) int {
	if strings.HasPrefix(r.PostForm.Get("external_id"), "fail") {
		return 500
	}
	return 200
}

// t0 is when the rule tests start, on a manual clock.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// manualServer starts a mock on a manual clock whose tokens outlive the
// days the rule tests move through.
func manualServer(t *testing.T) (*mockpodio.Server, *mockpodio.ManualClock, string) {
	t.Helper()
	clk := mockpodio.NewManualClock(t0)
	s := newServer(t, func(s *mockpodio.Server) { s.Clock = clk; s.TokenLifetime = 30 * 24 * time.Hour })
	return s, clk, tokenFor(t, s, "7", "tok")
}

func TestSixteenFastFailuresSuspendThenResume(t *testing.T) {
	s, clk, token := manualServer(t)
	rs := statusReceiver(t, s, token, failIfAsked)
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")

	for i := range 15 {
		if d := fire(t, s, 7, fmt.Sprint("fail-", i)); d.Outcome != mockpodio.OutcomeFailed {
			t.Fatalf("failure %d: outcome %s", i, d.Outcome)
		}
	}
	if h, _ := s.Hook(hookID); h.SuspendedUntil != nil {
		t.Fatalf("suspended after 15 failures: %+v", h)
	}
	fire(t, s, 7, "fail-16")
	h, _ := s.Hook(hookID)
	want := t0.Add(15 * time.Minute)
	if h.SuspendedUntil == nil || !h.SuspendedUntil.Equal(want) {
		t.Fatalf("suspended until %v, want %v", h.SuspendedUntil, want)
	}
	if h.Failures15m != 16 || h.Status != "active" {
		t.Errorf("hook = %+v, want 16 failures in 15m and still active", h)
	}

	// While suspended, events are dropped, not queued.
	if d := fire(t, s, 7, "ok-during"); d.Outcome != mockpodio.OutcomeDroppedSuspended || d.StatusCode != 0 {
		t.Errorf("during suspension: %s %d, want dropped_suspended and no call", d.Outcome, d.StatusCode)
	}
	clk.Advance(15*time.Minute - time.Second)
	if d := fire(t, s, 7, "ok-still"); d.Outcome != mockpodio.OutcomeDroppedSuspended {
		t.Errorf("a second before the end: %s, want dropped_suspended", d.Outcome)
	}
	clk.Advance(time.Second)
	if d := fire(t, s, 7, "ok-after"); d.Outcome != mockpodio.OutcomeDelivered {
		t.Errorf("after 15 minutes: %s, want delivered", d.Outcome)
	}
	if h, _ := s.Hook(hookID); h.SuspendedUntil != nil || h.Failures15m != 0 || h.ConsecutiveFailures != 0 {
		t.Errorf("after resume: %+v", h)
	}
}

func TestTwoHundredOneFailuresOverSixDaysDisable(t *testing.T) {
	s, clk, token := manualServer(t)
	rs := statusReceiver(t, s, token, failIfAsked)
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")

	step := 6 * 24 * time.Hour / 200
	for i := range 201 {
		if i > 0 {
			clk.Advance(step)
			// A success between failures keeps the consecutive rule out of it.
			if d := fire(t, s, 7, "ok"); d.Outcome != mockpodio.OutcomeDelivered {
				t.Fatalf("success %d: %s", i, d.Outcome)
			}
		}
		fire(t, s, 7, fmt.Sprint("fail-", i))
		if i == 199 {
			if h, _ := s.Hook(hookID); h.Status != "active" || h.Failures7d != 200 {
				t.Fatalf("after 200 failures: %+v, want active with 200 in 7d", h)
			}
		}
	}
	h, _ := s.Hook(hookID)
	if h.Status != "inactive" || !strings.HasPrefix(h.InactiveReason, "disabled") || h.Failures7d != 201 {
		t.Fatalf("after 201 failures over 6 days: %+v, want inactive (disabled)", h)
	}
	if d := fire(t, s, 7, "ok-while-disabled"); d.Outcome != mockpodio.OutcomeDroppedInactive {
		t.Errorf("while disabled: %s, want dropped_inactive", d.Outcome)
	}

	// Verified again, it delivers, with a fresh history.
	if res := do(t, s, token, "POST", fmt.Sprintf("/hook/%d/verify/request", hookID), nil); res.Status != 204 {
		t.Fatalf("verify/request: %d %s", res.Status, res.Raw)
	}
	awaitHook(t, s, hookID, func(h mockpodio.Hook) bool { return h.Status == "active" })
	if d := fire(t, s, 7, "ok-again"); d.Outcome != mockpodio.OutcomeDelivered {
		t.Errorf("after re-verification: %s, want delivered", d.Outcome)
	}
}

func TestFiftyOneConsecutiveFailuresUnverify(t *testing.T) {
	s, clk, token := manualServer(t)
	rs := statusReceiver(t, s, token, failIfAsked)
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")

	for i := range 51 {
		clk.Advance(time.Hour) // an hour apart: never 16 in 15 minutes
		fire(t, s, 7, fmt.Sprint("fail-", i))
		if i == 49 {
			if h, _ := s.Hook(hookID); h.Status != "active" || h.ConsecutiveFailures != 50 {
				t.Fatalf("after 50: %+v, want active with 50 consecutive", h)
			}
		}
	}
	h, _ := s.Hook(hookID)
	if h.Status != "inactive" || !strings.HasPrefix(h.InactiveReason, "unverified") || h.ConsecutiveFailures != 51 {
		t.Fatalf("after 51 consecutive failures: %+v, want inactive (unverified)", h)
	}
	if h.SuspendedUntil != nil {
		t.Errorf("suspended: %v", h.SuspendedUntil)
	}
}

func TestSuccessResetsConsecutiveNotWindow(t *testing.T) {
	s, _, token := manualServer(t)
	rs := statusReceiver(t, s, token, failIfAsked)
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	for i := range 10 {
		fire(t, s, 7, fmt.Sprint("fail-", i))
	}
	fire(t, s, 7, "ok")
	h, _ := s.Hook(hookID)
	if diff := cmp.Diff([]int{0, 10, 10}, []int{h.ConsecutiveFailures, h.Failures15m, h.Failures7d}); diff != "" {
		t.Errorf("consecutive, 15m, 7d counts (-want +got):\n%s", diff)
	}
}

func TestSlowReceiverTimesOutOnTheMockClock(t *testing.T) {
	clk := mockpodio.NewManualClock(t0)
	s := newServer(t, func(s *mockpodio.Server) { s.Clock = clk; s.DeliveryTimeout = 15 * time.Second })
	token := tokenFor(t, s, "7", "tok")
	arrived := make(chan struct{}, 1)
	rs := statusReceiver(t, s, token, func(r *http.Request) int {
		arrived <- struct{}{}
		<-r.Context().Done() // never answers: the mock must give up
		return 200
	})
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	id, err := s.FireEvent("app", 7, "item.create", nil)
	if err != nil {
		t.Fatal(err)
	}
	<-arrived
	clk.Advance(15 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.EventID == id })
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "timeout") || d.Duration != 15*time.Second {
		t.Errorf("delivery = %s %q after %v, want failed with a timeout after 15s", d.Outcome, d.Error, d.Duration)
	}
}

func TestSlowReceiverTimesOutOnTheRealClock(t *testing.T) {
	s := newServer(t, func(s *mockpodio.Server) { s.DeliveryTimeout = 50 * time.Millisecond })
	token := tokenFor(t, s, "7", "tok")
	rs := statusReceiver(t, s, token, func(r *http.Request) int {
		<-r.Context().Done()
		return 200
	})
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	d := fire(t, s, 7, "slow")
	if d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "timeout") {
		t.Errorf("delivery = %s %q, want failed with a timeout", d.Outcome, d.Error)
	}
}

func TestUnreachableReceiverFails(t *testing.T) {
	s, _, token := manualServer(t)
	rs := statusReceiver(t, s, token, func(*http.Request) int { return 200 })
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	rs.Close() // the receiver goes away after verification
	d := fire(t, s, 7, "x")
	if d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "unreachable") {
		t.Errorf("delivery = %s %q, want failed: unreachable", d.Outcome, d.Error)
	}
	if h, _ := s.Hook(hookID); h.ConsecutiveFailures != 1 {
		t.Errorf("consecutive = %d, want 1", h.ConsecutiveFailures)
	}
}

// TestAccounting fires thousands of events at hooks whose receivers mix
// fast 2xx, 5xx, dead and slow, with injected drops and duplicates, and
// checks every (event, hook) pair has exactly one outcome.
// It runs with one delivery in flight per hook and with several.
func TestAccounting(t *testing.T) {
	for _, k := range []int{1, 4} {
		t.Run(fmt.Sprintf("hook-concurrency=%d", k), func(t *testing.T) { testAccounting(t, k) })
	}
}

func testAccounting(t *testing.T, hookConcurrency int) {
	timeout := 200 * time.Millisecond
	if hookConcurrency > 1 {
		// Four times the requests in flight on a loaded machine: room for
		// the good receivers, while the slow one still times out.
		timeout = time.Second
	}
	s := newServer(t, func(s *mockpodio.Server) {
		s.DeliveryTimeout = timeout
		s.FaultSeed = 42
		s.HookConcurrency = hookConcurrency
	})
	token := tokenFor(t, s, "7", "tok")
	var served atomic.Int64
	ok := statusReceiver(t, s, token, func(*http.Request) int { served.Add(1); return 204 })
	bad := statusReceiver(t, s, token, func(*http.Request) int { return 503 })
	slow := statusReceiver(t, s, token, func(r *http.Request) int { <-r.Context().Done(); return 200 })
	dead := statusReceiver(t, s, token, func(*http.Request) int { return 200 })

	var hooks []int64
	for _, url := range []string{ok.URL, ok.URL + "/b", bad.URL, slow.URL, dead.URL, ok.URL + "/faulty"} {
		hooks = append(hooks, activeHook(t, s, token, "app", 7, url, "item.create"))
	}
	dead.Close()
	// A hook that never verifies: every event is dropped_inactive.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	res := do(t, s, token, "POST", "/hook/app/7/", map[string]string{"url": "http://" + l.Addr().String(), "type": "item.create"})
	hooks = append(hooks, num(t, field(t, res.Body, "hook_id")))
	awaitDeliveries(t, s, 7) // its hook.verify too, so the counts below are of events only
	if err := s.AddFaults(mockpodio.Faults{Delivery: []mockpodio.DeliveryFault{{HookID: hooks[5], DropRate: 0.2, DuplicateRate: 0.1}}}); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()

	const events = 2000
	for range events {
		if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
			t.Fatal(err)
		}
	}
	// 14,000 deliveries: on a machine shared with other work that can
	// take longer than awaitDeliveries allows.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := s.AwaitDeliveries(ctx, int(before.Deliveries)+events*len(hooks)); err != nil {
		t.Fatal(err)
	}
	s.Close() // wait for duplicates still queued

	type pair struct{ event, hook int64 }
	seen := map[pair]int{}
	var dups int
	for _, d := range s.Deliveries() {
		if d.Type != "item.create" {
			continue
		}
		if d.Duplicate {
			dups++
			continue
		}
		seen[pair{d.EventID, d.HookID}]++
	}
	if len(seen) != events*len(hooks) {
		t.Errorf("(event, hook) pairs with an outcome = %d, want %d", len(seen), events*len(hooks))
	}
	for p, n := range seen {
		if n != 1 {
			t.Errorf("event %d hook %d has %d outcomes", p.event, p.hook, n)
		}
	}
	st := s.Stats()
	var sum int
	for _, o := range []mockpodio.Outcome{mockpodio.OutcomeDelivered, mockpodio.OutcomeFailed, mockpodio.OutcomeDroppedSuspended, mockpodio.OutcomeDroppedInactive, mockpodio.OutcomeDroppedFault} {
		sum += st.Outcomes[o] - before.Outcomes[o]
	}
	if want := events*len(hooks) + dups; sum != want {
		t.Errorf("delivered + failed + dropped = %d, want fired x targeted + duplicates = %d (stats %+v)", sum, want, st)
	}
	if st.Outcomes[mockpodio.OutcomeDroppedFault] == 0 || dups == 0 {
		t.Errorf("faults did not act: %d dropped, %d duplicates", st.Outcomes[mockpodio.OutcomeDroppedFault], dups)
	}
	// Failing hooks got suspended after 16 failures; the good ones never.
	for i, id := range hooks {
		h, _ := s.Hook(id)
		switch i {
		case 0, 1:
			// A 204 receiver never fails, except when a loaded machine
			// stretches a round trip past the 200 ms timeout: allow that,
			// and nothing else.
			for _, d := range s.Deliveries() {
				if d.HookID == id && d.Outcome == mockpodio.OutcomeFailed && !strings.HasPrefix(d.Error, "timeout") {
					t.Errorf("good hook %d failed: %+v", id, d)
				}
			}
			if h.SuspendedUntil != nil {
				t.Errorf("good hook %d suspended: %+v", id, h)
			}
		case 2, 3, 4:
			// The 16th failure suspends; deliveries already in flight
			// then still end, and count.
			if h.SuspendedUntil == nil || h.Failures15m < 16 || h.Failures15m > 15+hookConcurrency {
				t.Errorf("failing hook %d: %+v, want suspended after 16 to %d failures", id, h, 15+hookConcurrency)
			}
		case 6:
			if h.Status != "inactive" {
				t.Errorf("unverified hook %d: %+v", id, h)
			}
		}
	}
}
