package mockpodio_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// The error descriptions of injected statuses (faults.go).
const (
	descRateLimit   = "You have hit the rate limit. Please wait 3600 seconds before trying again"
	descServerError = "Injected fault: internal server error"
	descUnavailable = "Injected fault: service unavailable"
)

// faulty is the API call the API fault tests make.
const faultyPath = "/hook/app/7/"

func TestAPIFaultStatus(t *testing.T) {
	tests := []struct {
		name      string
		fault     mockpodio.APIFault
		wantError string // empty: the call goes through
		wantDesc  string
	}{
		{"420 rate limit", mockpodio.APIFault{Status: 420}, "rate_limit", descRateLimit},
		{"500", mockpodio.APIFault{Status: 500}, "server_error", descServerError},
		{"502", mockpodio.APIFault{Status: 502}, "unavailable", descUnavailable},
		{"503", mockpodio.APIFault{Status: 503}, "unavailable", descUnavailable},
		{"custom error strings", mockpodio.APIFault{Status: 503, Error: "maintenance", Description: "Podio is down for maintenance"},
			"maintenance", "Podio is down for maintenance"},
		{"custom description only", mockpodio.APIFault{Status: 500, Description: "boom"}, "server_error", "boom"},
		{"method matches", mockpodio.APIFault{Method: "GET", Status: 502}, "unavailable", descUnavailable},
		{"other method", mockpodio.APIFault{Method: "POST", Status: 502}, "", ""},
		{"path pattern matches", mockpodio.APIFault{Path: "/hook/*/*", Status: 503}, "unavailable", descUnavailable},
		{"exact path with trailing slash", mockpodio.APIFault{Path: "/hook/app/7/", Status: 503}, "unavailable", descUnavailable},
		{"other path", mockpodio.APIFault{Path: "/item/*", Status: 503}, "", ""},
		{"pattern for fewer segments", mockpodio.APIFault{Path: "/hook/*", Status: 503}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			token := tokenFor(t, s, "7", "tok")
			if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{tt.fault}}); err != nil {
				t.Fatal(err)
			}
			res := do(t, s, token, "GET", faultyPath, nil)
			if tt.wantError == "" {
				mustStatus(t, "call", res, http.StatusOK)
				return
			}
			if res.Status != tt.fault.Status {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.fault.Status, res.Raw)
			}
			var got apiError
			decodeJSON(t, res.Raw, &got)
			want := apiError{Error: tt.wantError, Description: tt.wantDesc, ErrorParameters: map[string]any{},
				Request: apiErrorReq{URL: "http://" + s.Listener.Addr().String() + faultyPath, Method: "GET"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error body (-want +got):\n%s", diff)
			}
			limit, remaining := rateHeaders(t, res)
			wantRemaining := limit
			if tt.fault.Status == 420 {
				wantRemaining = 0
			}
			if limit != mockpodio.DefaultRateLimitCeiling || remaining != wantRemaining {
				t.Errorf("X-Rate-Limit-Limit, -Remaining = %d, %d, want %d, %d", limit, remaining, mockpodio.DefaultRateLimitCeiling, wantRemaining)
			}
		})
	}
}

func TestAPIFaultCount(t *testing.T) {
	s := newServer(t)
	token := tokenFor(t, s, "7", "tok")
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Method: "GET", Path: "/hook/*/*", Status: 503, Count: 2}}}); err != nil {
		t.Fatal(err)
	}
	var got []int
	var left []int // Count left after each call; -1 once the fault is gone
	for range 4 {
		got = append(got, do(t, s, token, "GET", faultyPath, nil).Status)
		if api := s.CurrentFaults().API; len(api) == 1 {
			left = append(left, api[0].Count)
		} else {
			left = append(left, -1)
		}
	}
	if diff := cmp.Diff([]int{503, 503, 200, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, -1, -1, -1}, left); diff != "" {
		t.Errorf("count left (-want +got):\n%s", diff)
	}
	// Calls the fault does not match do not use it up.
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Path: "/item/*", Status: 500, Count: 1}}}); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, "unmatched call", do(t, s, token, "GET", faultyPath, nil), http.StatusOK)
	if api := s.CurrentFaults().API; len(api) != 1 || api[0].Count != 1 {
		t.Errorf("faults after an unmatched call = %+v, want the item fault with count 1", api)
	}
}

// faultStatuses makes 40 calls to a server with FaultSeed seed and a 503
// on half of the calls, and returns their statuses.
func faultStatuses(t *testing.T, seed uint64) []int {
	t.Helper()
	s := newServer(t, func(s *mockpodio.Server) { s.FaultSeed = seed })
	token := tokenFor(t, s, "7", "tok")
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Path: "/hook/*/*", Status: 503, Rate: 0.5}}}); err != nil {
		t.Fatal(err)
	}
	var out []int
	for range 40 {
		out = append(out, do(t, s, token, "GET", faultyPath, nil).Status)
	}
	return out
}

func TestAPIFaultRateIsReproducible(t *testing.T) {
	first := faultStatuses(t, 7)
	if diff := cmp.Diff(first, faultStatuses(t, 7)); diff != "" {
		t.Errorf("the same FaultSeed gave other statuses (-first +second):\n%s", diff)
	}
	if !slices.Contains(first, 200) || !slices.Contains(first, 503) {
		t.Errorf("statuses at rate 0.5 = %v, want both 200 and 503", first)
	}
	if cmp.Equal(first, faultStatuses(t, 8)) {
		t.Errorf("FaultSeed 7 and 8 gave the same statuses %v", first)
	}
}

// signalClock is a manual clock that reports every timer armed on it, so a
// test knows a wait has begun before it advances the clock.
type signalClock struct {
	*mockpodio.ManualClock
	armed chan time.Duration
}

func newSignalClock() signalClock {
	return signalClock{mockpodio.NewManualClock(clockStart), make(chan time.Duration, 1000)}
}

func (c signalClock) AfterFunc(d time.Duration, f func()) mockpodio.Timer {
	t := c.ManualClock.AfterFunc(d, f)
	c.armed <- d
	return t
}

// next returns the duration of the next timer armed.
func (c signalClock) next(t *testing.T) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	select {
	case d := <-c.armed:
		return d
	case <-ctx.Done():
		t.Fatalf("no timer armed: %v", ctx.Err())
		return 0
	}
}

// drain forgets the timers armed so far.
func (c signalClock) drain() {
	for {
		select {
		case <-c.armed:
		default:
			return
		}
	}
}

func TestAPIFaultLatency(t *testing.T) {
	clk := newSignalClock()
	s := newServer(t, func(s *mockpodio.Server) { s.Clock = clk })
	token := tokenFor(t, s, "7", "tok")
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{
		{Method: "GET", Latency: mockpodio.Duration{Duration: 2 * time.Second}, Count: 1},
		{Method: "POST", Path: "/item/*/*", Latency: mockpodio.Duration{Duration: time.Minute}, Status: 503, Count: 1},
	}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		method     string
		path       string
		latency    time.Duration
		wantStatus int
	}{
		{"latency only", "GET", faultyPath, 2 * time.Second, http.StatusOK},
		{"latency then a status", "POST", "/item/app/7/", time.Minute, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan int, 1)
			go func() {
				req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL+tt.path, nil)
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Authorization", "OAuth2 "+token)
				res, err := s.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				done <- res.StatusCode
			}()
			if d := clk.next(t); d != tt.latency {
				t.Fatalf("timer armed for %v, want the latency %v", d, tt.latency)
			}
			clk.Advance(tt.latency - time.Millisecond)
			select {
			case status := <-done:
				t.Fatalf("answered %d before the latency had passed on the clock", status)
			default:
			}
			clk.Advance(time.Millisecond)
			ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
			defer cancel()
			select {
			case status := <-done:
				if status != tt.wantStatus {
					t.Errorf("status = %d, want %d", status, tt.wantStatus)
				}
			case <-ctx.Done():
				t.Fatal("no answer after the latency passed")
			}
		})
	}
	// Both faults are used up: calls answer at once.
	mustStatus(t, "after the faults", do(t, s, token, "GET", faultyPath, nil), http.StatusOK)
}

func TestAPIFaultExpireToken(t *testing.T) {
	s := newServer(t)
	res := postForm(t, s, "/oauth/token", appForm("7", "tok"), "", "")
	mustStatus(t, "app grant", res, http.StatusOK)
	access, refresh := field(t, res.Body, "access_token").(string), field(t, res.Body, "refresh_token").(string)
	mustStatus(t, "before the fault", do(t, s, access, "GET", faultyPath, nil), http.StatusOK)
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{ExpireToken: true, Count: 1}}}); err != nil {
		t.Fatal(err)
	}

	for _, call := range []string{"the faulted call", "the next call"} {
		res := do(t, s, access, "GET", faultyPath, nil)
		if res.Status != http.StatusUnauthorized || errCode(res) != "unauthorized" || field(t, res.Body, "error_description") != "expired_token" {
			t.Errorf("%s = %d %s, want 401 unauthorized expired_token", call, res.Status, res.Raw)
		}
		if got, want := res.Header.Get("WWW-Authenticate"), `Bearer realm="podio", error="expired_token"`; got != want {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", call, got, want)
		}
	}

	res = postForm(t, s, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {"cid"}, "client_secret": {"csec"}}, "", "")
	mustStatus(t, "refresh", res, http.StatusOK)
	fresh := field(t, res.Body, "access_token").(string)
	mustStatus(t, "call with the refreshed token", do(t, s, fresh, "GET", faultyPath, nil), http.StatusOK)
	if got := s.CurrentFaults().API; len(got) != 0 {
		t.Errorf("faults left = %+v, want none", got)
	}
}

func TestRateLimiter(t *testing.T) {
	clk := mockpodio.NewManualClock(clockStart)
	s := newServer(t, withClock(clk), func(s *mockpodio.Server) { s.RateLimit = 3; s.TokenLifetime = 24 * time.Hour })
	token := tokenFor(t, s, "7", "tok")
	type answer struct {
		Status           int
		Limit, Remaining int
		Error            string
	}
	call := func() answer {
		res := do(t, s, token, "GET", faultyPath, nil)
		limit, remaining := rateHeaders(t, res)
		return answer{res.Status, limit, remaining, errCode(res)}
	}
	var got []answer
	for range 4 {
		got = append(got, call())
	}
	// The control API is neither counted nor limited.
	for _, path := range []string{"stats", "hooks", "clock"} {
		mustStatus(t, "GET /_mock/"+path+" over the limit", control(t, s, "GET", path, nil), http.StatusOK)
	}
	got = append(got, call())
	mustStatus(t, "advance", control(t, s, "POST", "clock/advance", `{"duration":"1h"}`), http.StatusOK)
	for range 4 {
		got = append(got, call())
	}
	ok := func(remaining int) answer { return answer{http.StatusOK, 3, remaining, ""} }
	over := answer{420, 3, 0, "rate_limit"}
	want := []answer{ok(2), ok(1), ok(0), over, over, ok(2), ok(1), ok(0), over}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// hookEnv is a mock on a manual clock with receivers that answer 200 and
// can hold events, and the helpers the delivery tests share.
type hookEnv struct {
	s     *mockpodio.Server
	clk   *mockpodio.ManualClock
	token string

	mu      sync.Mutex // guards holding
	holding map[string]chan struct{}
	arrived chan string // external_ids of held events as they arrive
}

func newHookEnv(t *testing.T, configure ...mockpodio.Option) *hookEnv {
	t.Helper()
	clk := mockpodio.NewManualClock(t0)
	// One delivery in flight per hook: these tests reason about a hook's
	// order, which only faults and jitter may change.
	configure = append([]mockpodio.Option{func(s *mockpodio.Server) {
		s.Clock = clk
		s.TokenLifetime = 30 * 24 * time.Hour
		s.HookConcurrency = 1
	}}, configure...)
	s := newServer(t, configure...)
	e := &hookEnv{s: s, clk: clk, token: tokenFor(t, s, "7", "tok"), holding: map[string]chan struct{}{}, arrived: make(chan string, 100)}
	return e
}

// receiver returns a receiver that answers 200, holding events whose
// external_id was passed to hold until release.
func (e *hookEnv) receiver(t *testing.T) string {
	t.Helper()
	rs := statusReceiver(t, e.s, e.token, func(r *http.Request) int {
		ext := r.PostForm.Get("external_id")
		e.mu.Lock()
		ch := e.holding[ext]
		e.mu.Unlock()
		if ch != nil {
			e.arrived <- ext
			<-ch
		}
		return http.StatusOK
	})
	return rs.URL
}

// hold makes receivers hold events with external_id ext until the
// returned function is called; the test's end calls it too.
func (e *hookEnv) hold(t *testing.T, ext string) (release func()) {
	ch := make(chan struct{})
	e.mu.Lock()
	e.holding[ext] = ch
	e.mu.Unlock()
	release = sync.OnceFunc(func() { close(ch) })
	t.Cleanup(release) // runs before the receivers close
	return release
}

// awaitArrival waits until a held event reaches its receiver.
func (e *hookEnv) awaitArrival(t *testing.T, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	select {
	case got := <-e.arrived:
		if got != want {
			t.Fatalf("held event %q arrived, want %q", got, want)
		}
	case <-ctx.Done():
		t.Fatalf("held event %q never arrived", want)
	}
}

// fire fires item.create on app 7 with external_id ext.
func (e *hookEnv) fire(t *testing.T, ext string) int64 {
	t.Helper()
	id, err := e.s.FireEvent("app", 7, "item.create", map[string]string{"external_id": ext})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *hookEnv) addFaults(t *testing.T, f ...mockpodio.DeliveryFault) {
	t.Helper()
	if err := e.s.AddFaults(mockpodio.Faults{Delivery: f}); err != nil {
		t.Fatal(err)
	}
}

// shown is what the delivery fault tests compare of a delivery.
type shown struct {
	Ext       string
	Outcome   mockpodio.Outcome
	Duplicate bool
	At        time.Duration // since t0
}

// events returns hook id's event deliveries (no hook.verify), as shown.
func (e *hookEnv) events(id int64) []shown {
	out := []shown{}
	for _, d := range eventsTo(e.s, id) {
		out = append(out, shown{d.Params["external_id"], d.Outcome, d.Duplicate, d.At.Sub(t0)})
	}
	return out
}

func TestDeliveryFaultDelay(t *testing.T) {
	e := newHookEnv(t)
	hookID := activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create")
	awaitDeliveries(t, e.s, 1)
	const base = 1 // the hook.verify
	e.addFaults(t, mockpodio.DeliveryFault{HookID: hookID, Delay: mockpodio.Duration{Duration: 3 * time.Second}})
	for _, ext := range []string{"a", "b", "c"} {
		e.fire(t, ext)
	}

	e.clk.Advance(3*time.Second - time.Millisecond)
	if got := e.s.Stats().Deliveries; got != base {
		t.Fatalf("%d deliveries before the delay passed, want none", got-base)
	}
	if h, _ := e.s.Hook(hookID); h.Queued < 2 {
		t.Errorf("queued = %d, want the events waiting (the first may be taken)", h.Queued)
	}
	e.clk.Advance(time.Millisecond)
	awaitDeliveries(t, e.s, base+3)
	at := 3 * time.Second
	want := []shown{{"a", "delivered", false, at}, {"b", "delivered", false, at}, {"c", "delivered", false, at}}
	if diff := cmp.Diff(want, e.events(hookID)); diff != "" {
		t.Errorf("deliveries after one advance past the delay (-want +got):\n%s", diff)
	}
}

func TestDeliveryFaultsSpareHookVerify(t *testing.T) {
	e := newHookEnv(t)
	e.addFaults(t, mockpodio.DeliveryFault{Delay: mockpodio.Duration{Duration: time.Hour}, DropRate: 1, DuplicateRate: 1, Reorder: true})
	// With no advance of the clock, the handshake still happens.
	hookID := activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create")
	awaitDeliveries(t, e.s, 1)
	var got []string
	for _, d := range e.s.Deliveries() {
		got = append(got, fmt.Sprintf("%d %s %s duplicate=%v", d.HookID, d.Type, d.Outcome, d.Duplicate))
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("%d hook.verify delivered duplicate=false", hookID)}, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

func TestDeliveryFaultDuplicate(t *testing.T) {
	e := newHookEnv(t)
	rc := mockpodio.NewReceiver(t, e.s)
	hk, err := e.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: 7}, "item.create", rc)
	if err != nil {
		t.Fatal(err)
	}
	hookID := hk.HookID
	e.addFaults(t, mockpodio.DeliveryFault{DuplicateRate: 1})
	id := e.fire(t, "twice")
	awaitDeliveries(t, e.s, 3)
	want := []shown{{"twice", "delivered", false, 0}, {"twice", "delivered", true, 0}}
	if diff := cmp.Diff(want, e.events(hookID)); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	var bodies []string
	for _, r := range rc.Events() {
		if r.Type == "item.create" {
			bodies = append(bodies, r.Body)
		}
	}
	ds := eventsTo(e.s, hookID)
	if diff := cmp.Diff([]string{ds[0].Body, ds[0].Body}, bodies); diff != "" || ds[1].EventID != id {
		t.Errorf("bodies received (-want +got), event ids %d %d want %d:\n%s", ds[0].EventID, ds[1].EventID, id, diff)
	}
}

func TestDeliveryFaultDrop(t *testing.T) {
	e := newHookEnv(t)
	rc := mockpodio.NewReceiver(t, e.s)
	hk, err := e.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: 7}, "item.create", rc)
	if err != nil {
		t.Fatal(err)
	}
	hookID := hk.HookID
	e.addFaults(t, mockpodio.DeliveryFault{HookID: hookID, DropRate: 1})
	e.fire(t, "gone")
	d := awaitEvent(t, e.s, hookID, "item.create")
	if d.Outcome != mockpodio.OutcomeDroppedFault || d.StatusCode != 0 || d.Error == "" {
		t.Errorf("delivery = %s %d %q, want dropped_fault, no status, a reason", d.Outcome, d.StatusCode, d.Error)
	}
	if n := len(rc.Events()); n != 1 {
		t.Errorf("receiver got %d requests, want only the hook.verify", n)
	}
	if h, _ := e.s.Hook(hookID); h.Failures7d != 0 || h.ConsecutiveFailures != 0 {
		t.Errorf("hook = %+v, want no failures counted for a drop", h)
	}
}

// reorderRun holds the first of 8 events at the receiver so the other 7
// queue up behind it, then lets them go, and returns the order in which
// they were delivered.
func reorderRun(t *testing.T, seed uint64, reorder bool) []string {
	t.Helper()
	e := newHookEnv(t, func(s *mockpodio.Server) { s.FaultSeed = seed })
	hookID := activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create")
	if reorder {
		e.addFaults(t, mockpodio.DeliveryFault{HookID: hookID, Reorder: true})
	}
	release := e.hold(t, "e0")
	e.fire(t, "e0")
	e.awaitArrival(t, "e0")
	for i := 1; i < 8; i++ {
		e.fire(t, fmt.Sprint("e", i))
	}
	if h, _ := e.s.Hook(hookID); h.Queued != 7 {
		t.Fatalf("queued = %d, want 7", h.Queued)
	}
	release()
	awaitDeliveries(t, e.s, 1+8)
	var order []string
	for _, d := range e.events(hookID) {
		order = append(order, d.Ext)
	}
	return order
}

func TestDeliveryFaultReorder(t *testing.T) {
	fired := []string{"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"}
	if diff := cmp.Diff(fired, reorderRun(t, 3, false)); diff != "" {
		t.Fatalf("without reorder, delivery order (-fired +delivered):\n%s", diff)
	}
	first := reorderRun(t, 3, true)
	if cmp.Equal(fired, first) {
		t.Errorf("reordered deliveries came in firing order: %v", first)
	}
	if diff := cmp.Diff(fired, slices.Sorted(slices.Values(first))); diff != "" {
		t.Errorf("reordered deliveries are not the fired events (-fired +delivered):\n%s", diff)
	}
	if first[0] != "e0" {
		t.Errorf("the held event came %v, want first", first)
	}
	if diff := cmp.Diff(first, reorderRun(t, 3, true)); diff != "" {
		t.Errorf("the same FaultSeed gave another order (-first +second):\n%s", diff)
	}
	if other := reorderRun(t, 4, true); cmp.Equal(first, other) {
		t.Errorf("FaultSeed 3 and 4 gave the same order %v", first)
	}
}

func TestDeliveryFaultPerHookOverridesGlobal(t *testing.T) {
	const a, b = "A", "B"
	tests := []struct {
		name   string
		global *mockpodio.DeliveryFault
		own    *mockpodio.DeliveryFault // for hook A
		want   map[string][]shown
	}{
		{
			name:   "global drop",
			global: &mockpodio.DeliveryFault{DropRate: 1},
			want:   map[string][]shown{a: {{"x", "dropped_fault", false, 0}}, b: {{"x", "dropped_fault", false, 0}}},
		},
		{
			name:   "A's empty fault shields it",
			global: &mockpodio.DeliveryFault{DropRate: 1},
			own:    &mockpodio.DeliveryFault{},
			want:   map[string][]shown{a: {{"x", "delivered", false, 0}}, b: {{"x", "dropped_fault", false, 0}}},
		},
		{
			name:   "A duplicates, the rest drop",
			global: &mockpodio.DeliveryFault{DropRate: 1},
			own:    &mockpodio.DeliveryFault{DuplicateRate: 1},
			want:   map[string][]shown{a: {{"x", "delivered", false, 0}, {"x", "delivered", true, 0}}, b: {{"x", "dropped_fault", false, 0}}},
		},
		{
			name: "A's own fault only",
			own:  &mockpodio.DeliveryFault{DropRate: 1},
			want: map[string][]shown{a: {{"x", "dropped_fault", false, 0}}, b: {{"x", "delivered", false, 0}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHookEnv(t)
			hooks := map[string]int64{}
			for _, name := range []string{a, b} {
				hooks[name] = activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create")
			}
			awaitDeliveries(t, e.s, 2)
			if tt.global != nil {
				e.addFaults(t, *tt.global)
			}
			if tt.own != nil {
				f := *tt.own
				f.HookID = hooks[a]
				e.addFaults(t, f)
			}
			e.fire(t, "x")
			n := 2
			for _, ds := range tt.want {
				n += len(ds)
			}
			awaitDeliveries(t, e.s, n)
			got := map[string][]shown{a: e.events(hooks[a]), b: e.events(hooks[b])}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deliveries by hook (-want +got):\n%s", diff)
			}
		})
	}
}

// dropRun fires 30 events at three hooks that drop half of the deliveries
// and returns which were dropped, by hook.
func dropRun(t *testing.T, seed uint64) map[int][]mockpodio.Outcome {
	t.Helper()
	e := newHookEnv(t, func(s *mockpodio.Server) { s.FaultSeed = seed })
	var hooks []int64
	for range 3 {
		hooks = append(hooks, activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create"))
	}
	awaitDeliveries(t, e.s, 3)
	e.addFaults(t, mockpodio.DeliveryFault{DropRate: 0.5})
	for i := range 30 {
		e.fire(t, fmt.Sprint("e", i))
	}
	awaitDeliveries(t, e.s, 3+30*len(hooks))
	out := map[int][]mockpodio.Outcome{}
	for i, id := range hooks {
		for _, d := range e.events(id) {
			out[i] = append(out[i], d.Outcome)
		}
	}
	return out
}

func TestDeliveryFaultsAreReproducible(t *testing.T) {
	first := dropRun(t, 11)
	if diff := cmp.Diff(first, dropRun(t, 11)); diff != "" {
		t.Errorf("the same FaultSeed dropped other deliveries (-first +second):\n%s", diff)
	}
	if !slices.Contains(first[0], mockpodio.OutcomeDelivered) || !slices.Contains(first[0], mockpodio.OutcomeDroppedFault) {
		t.Errorf("outcomes at drop rate 0.5 = %v, want both delivered and dropped_fault", first[0])
	}
}

func TestQueueDelay(t *testing.T) {
	e := newHookEnv(t, func(s *mockpodio.Server) { s.QueueDelay = time.Minute })
	hookID := createHook(t, e.s, e.token, "app", 7, "item.create", e.receiver(t))
	// Even the handshake waits in the queue.
	if h, _ := e.s.Hook(hookID); h.Status != "inactive" || e.s.Stats().Deliveries != 0 {
		t.Fatalf("before the queue delay: hook %+v, %d deliveries; want inactive, none", h, e.s.Stats().Deliveries)
	}
	e.clk.Advance(time.Minute)
	awaitHook(t, e.s, hookID, func(h mockpodio.Hook) bool { return h.Status == "active" })
	awaitDeliveries(t, e.s, 1)

	for _, ext := range []string{"a", "b", "c"} {
		e.fire(t, ext)
	}
	e.clk.Advance(time.Minute - time.Second)
	if got := e.s.Stats().Deliveries; got != 1 {
		t.Fatalf("%d deliveries a second before the queue delay ends, want only the hook.verify", got)
	}
	e.clk.Advance(time.Second)
	awaitDeliveries(t, e.s, 4)
	at := 2 * time.Minute
	want := []shown{{"a", "delivered", false, at}, {"b", "delivered", false, at}, {"c", "delivered", false, at}}
	if diff := cmp.Diff(want, e.events(hookID)); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}

// jitterRun fires 10 events through a queue with a 1 s delay and 10 s of
// jitter and returns the waits it armed, in firing order, and the order
// the events were delivered in.
func jitterRun(t *testing.T, seed uint64) (waits []time.Duration, order []string) {
	t.Helper()
	clk := newSignalClock()
	s := newServer(t, func(s *mockpodio.Server) {
		s.Clock = clk
		s.QueueDelay = time.Second
		s.QueueJitter = 10 * time.Second
		s.FaultSeed = seed
		s.HookConcurrency = 1 // jitter delays a hook's queue, never reorders it
	})
	token := tokenFor(t, s, "7", "tok")
	rs := statusReceiver(t, s, token, func(*http.Request) int { return http.StatusOK })
	hookID := createHook(t, s, token, "app", 7, "item.create", rs.URL)
	clk.Advance(11 * time.Second) // past the handshake's wait, whatever it is
	awaitHook(t, s, hookID, func(h mockpodio.Hook) bool { return h.Status == "active" })
	awaitDeliveries(t, s, 1)
	clk.drain()

	var exts []string
	for i := range 10 {
		ext := fmt.Sprint("e", i)
		exts = append(exts, ext)
		if _, err := s.FireEvent("app", 7, "item.create", map[string]string{"external_id": ext}); err != nil {
			t.Fatal(err)
		}
		waits = append(waits, clk.next(t))
	}
	clk.Advance(11 * time.Second)
	awaitDeliveries(t, s, 11)
	for _, d := range eventsTo(s, hookID) {
		order = append(order, d.Params["external_id"])
	}
	if diff := cmp.Diff(exts, order); diff != "" {
		t.Errorf("jitter changed a hook's order (-fired +delivered):\n%s", diff)
	}
	return waits, order
}

func TestQueueJitter(t *testing.T) {
	first, _ := jitterRun(t, 5)
	for i, w := range first {
		if w < time.Second || w > 11*time.Second {
			t.Errorf("wait %d = %v, want 1s to 11s", i, w)
		}
	}
	if slices.Min(first) == slices.Max(first) {
		t.Errorf("every wait is %v: no jitter", first[0])
	}
	second, _ := jitterRun(t, 5)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("the same FaultSeed gave other waits (-first +second):\n%s", diff)
	}
	if other, _ := jitterRun(t, 6); cmp.Equal(first, other) {
		t.Errorf("FaultSeed 5 and 6 gave the same waits %v", first)
	}
}

func TestSlowHookDoesNotHoldUpOthers(t *testing.T) {
	e := newHookEnv(t)
	slow := activeHook(t, e.s, e.token, "app", 7, e.receiver(t), "item.create")
	plain := statusReceiver(t, e.s, e.token, func(*http.Request) int { return http.StatusOK })
	fast := activeHook(t, e.s, e.token, "app", 7, plain.URL, "item.create")
	awaitDeliveries(t, e.s, 2)
	release := e.hold(t, "e0")

	var ids []int64
	for i := range 3 {
		ids = append(ids, e.fire(t, fmt.Sprint("e", i)))
	}
	e.awaitArrival(t, "e0")  // the slow hook's receiver holds e0...
	for _, id := range ids { // ...while the fast hook gets all three
		awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool { return d.HookID == fast && d.EventID == id })
	}
	if got := e.events(slow); len(got) != 0 {
		t.Fatalf("slow hook deliveries while its receiver holds e0: %v", got)
	}
	if h, _ := e.s.Hook(slow); h.Queued != 2 {
		t.Errorf("slow hook queued = %d, want 2", h.Queued)
	}

	release()
	awaitDeliveries(t, e.s, 2+6)
	want := []shown{{"e0", "delivered", false, 0}, {"e1", "delivered", false, 0}, {"e2", "delivered", false, 0}}
	for name, id := range map[string]int64{"slow": slow, "fast": fast} {
		if diff := cmp.Diff(want, e.events(id)); diff != "" {
			t.Errorf("%s hook deliveries (-want +got):\n%s", name, diff)
		}
	}
}

func TestCloseDoesNotWaitForTheClock(t *testing.T) {
	clk := newSignalClock()
	s := newServer(t, func(s *mockpodio.Server) { s.Clock = clk; s.QueueDelay = time.Hour })
	token := tokenFor(t, s, "7", "tok")
	rc := mockpodio.NewReceiver(t, s)
	createHook(t, s, token, "app", 7, "item.create", rc.URL) // its hook.verify waits an hour
	if d := clk.next(t); d != time.Hour {
		t.Fatalf("timer armed for %v, want the queue delay", d)
	}
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Method: "GET", Latency: mockpodio.Duration{Duration: time.Hour}}}}); err != nil {
		t.Fatal(err)
	}
	status := make(chan int, 1)
	go func() {
		req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL+faultyPath, nil)
		if err != nil {
			t.Error(err)
			return
		}
		req.Header.Set("Authorization", "OAuth2 "+token)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	clk.next(t) // the call waits out its latency

	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close waits for a manual clock nobody advances")
	}
	select {
	case got := <-status:
		if got != http.StatusServiceUnavailable {
			t.Errorf("the call waiting out its latency got %d, want 503", got)
		}
	case <-ctx.Done():
		t.Fatal("the call waiting out its latency never got an answer")
	}
	if n := len(rc.Events()); n != 0 || s.Stats().Deliveries != 0 {
		t.Errorf("after Close: %d requests received, %d deliveries recorded; want the waiting hook.verify abandoned", n, s.Stats().Deliveries)
	}
}

func TestDeliveryOverAKeepAliveConnectionTheReceiverClosed(t *testing.T) {
	e := newHookEnv(t)
	var mu sync.Mutex
	var headers []http.Header
	rs := statusReceiver(t, e.s, e.token, func(r *http.Request) int {
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		mu.Unlock()
		return http.StatusOK
	})
	hookID := activeHook(t, e.s, e.token, "app", 7, rs.URL, "item.create")
	for i := range 20 {
		rs.CloseClientConnections() // the mock's pooled connection is now dead
		e.fire(t, fmt.Sprint("e", i))
		awaitDeliveries(t, e.s, 2+i)
	}
	var got []mockpodio.Outcome
	for _, d := range e.events(hookID) {
		got = append(got, d.Outcome)
	}
	if diff := cmp.Diff(slices.Repeat([]mockpodio.Outcome{mockpodio.OutcomeDelivered}, 20), got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"Accept-Encoding", "Content-Length", "Content-Type", "User-Agent"}
	for i, h := range headers {
		if diff := cmp.Diff(want, slices.Sorted(maps.Keys(h))); diff != "" {
			t.Errorf("delivery %d headers (-want +got):\n%s", i, diff)
		}
	}
}
