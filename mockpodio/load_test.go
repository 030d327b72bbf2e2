package mockpodio_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/mockpodio"
)

// jumpClock is the wall clock plus an offset the test moves forward
// between batches, so a load run crosses many 15-minute suspensions while
// delivery timeouts still run in real time. Freeze stops it, so hook
// snapshots and the replayed rules read the same instant.
type jumpClock struct {
	mu     sync.Mutex // guards offset, frozen
	offset time.Duration
	frozen time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now().Add(c.offset)
}

func (c *jumpClock) AfterFunc(d time.Duration, f func()) mockpodio.Timer {
	return time.AfterFunc(d, f)
}

func (c *jumpClock) Jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func (c *jumpClock) Freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = time.Now().Add(c.offset)
}

// receiverHandler validates hook.verify and answers events with what
// status returns for the event's form.
func receiverHandler(t *testing.T, s *mockpodio.Server, token string, status func(r *http.Request) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("type") == "hook.verify" {
			validate(t, s, token, r.PostForm.Get("hook_id"), r.PostForm.Get("code"))
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(status(r))
	})
}

// The kinds of receiver in a load run; hook i of each app gets
// loadKinds[i].
const (
	kindFast   = "fast"           // 204 at once
	kindSlow   = "slow"           // never answers: times out
	kindBad    = "5xx"            // 503
	kindDead   = "dead"           // closed once its hooks are verified
	kindFlaky  = "flaky"          // 500, except every tenth event on its app
	kindKilled = "killed"         // 204, but killed and restarted mid-run
	clockJump  = 16 * time.Minute // between two batches: every suspension ends
)

var loadKinds = [fixtures.MaxHooksPerType]string{kindFast, kindSlow, kindBad, kindDead, kindFlaky, kindKilled, kindFast, kindBad, kindDead, kindDead}

// TestLoad fires events at hooks whose receivers mix fast 2xx, slow, 5xx,
// dead, mostly failing, and killed-then-restarted, moving the clock 16
// minutes between batches so the suspension, unverify and disable rules
// all act. Afterwards every (event, hook) pair has exactly one outcome,
// the outcome counts agree with Stats, and each hook's state is what
// replaying its own recorded outcomes through [mockpodio.Apply] predicts.
// The short run is 2,520 events over 100 hooks (14 batches of 18 events
// per hook, the fewest that disable a hook failing 9 times in 10), so the
// package stays fast under -race; DEVHOOK_LOAD=long runs 100,000 events
// over 1,000 hooks.
func TestLoad(t *testing.T) {
	for _, k := range []int{1, 4} {
		t.Run(fmt.Sprintf("hook-concurrency=%d", k), func(t *testing.T) { testLoad(t, k) })
	}
}

func testLoad(t *testing.T, hookConcurrency int) {
	apps, batches, eventsBatch, timeout := 10, 14, 18, 100*time.Millisecond
	if hookConcurrency > 1 {
		// Up to k-1 deliveries already in flight when a failure suspends a
		// hook still end and count: k-1 more events per batch keep some
		// dropped while suspended. Half the apps and more time for each
		// delivery keep k times the requests in flight within what a
		// loaded machine serves.
		apps, eventsBatch, timeout = 5, eventsBatch+hookConcurrency-1, 400*time.Millisecond
	}
	if os.Getenv("DEVHOOK_LOAD") == "long" {
		// 1,000 busy hooks on two CPUs: a fast receiver can take longer
		// than 100 ms to be heard.
		apps, batches, eventsBatch, timeout = 100, 50, 20, time.Second
	}
	hooksPerApp := len(loadKinds)
	events := apps * batches * eventsBatch
	pairs := events * hooksPerApp
	killAt, restartAt := 5, 7 // batches after which the killed receiver dies and comes back

	// Every hook may be busy at once, all on the same few receivers: the
	// default client keeps 64 idle connections per host, and past that
	// net/http can fail a request on a connection it is closing
	// (golang/go#42650). Keep one per delivery in flight.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, apps*hooksPerApp*hookConcurrency
	t.Cleanup(tr.CloseIdleConnections)

	clk := &jumpClock{}
	s := newServer(t, func(s *mockpodio.Server) {
		s.HTTPClient = &http.Client{Transport: tr}
		s.Clock = clk
		s.DeliveryTimeout = timeout
		s.HookConcurrency = hookConcurrency
		s.TokenLifetime = 30 * 24 * time.Hour
		s.MaxDeliveries = pairs + apps*hooksPerApp + 1000
	})
	token := tokenFor(t, s, "7", "tok")

	nth := func(r *http.Request) int { n, _ := strconv.Atoi(r.PostForm.Get("external_id")); return n }
	status := map[string]func(*http.Request) int{
		kindFast:   func(*http.Request) int { return http.StatusNoContent },
		kindSlow:   func(r *http.Request) int { <-r.Context().Done(); return http.StatusOK },
		kindBad:    func(*http.Request) int { return http.StatusServiceUnavailable },
		kindDead:   func(*http.Request) int { return http.StatusOK },
		kindFlaky:  func(r *http.Request) int { return map[bool]int{true: 204, false: 500}[nth(r)%10 == 0] },
		kindKilled: func(*http.Request) int { return http.StatusNoContent },
	}
	receivers := map[string]*httptest.Server{}
	for kind, f := range status {
		rs := httptest.NewServer(receiverHandler(t, s, token, f))
		t.Cleanup(func() { receivers[kind].Close() })
		receivers[kind] = rs
	}

	appID := func(a int) int64 { return int64(2000 + a) }
	kindOf := map[int64]string{}
	var hookIDs []int64
	for a := range apps {
		for i, kind := range loadKinds {
			id := activeHook(t, s, token, "app", appID(a), fmt.Sprintf("%s/a%d/h%d", receivers[kind].URL, a, i), "item.create")
			kindOf[id] = kind
			hookIDs = append(hookIDs, id)
		}
	}
	awaitDeliveries(t, s, len(hookIDs)) // every hook.verify
	receivers[kindDead].Close()
	before := s.Stats()

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Minute)
	defer cancel()
	fired := 0
	perApp := make([]int, apps)
	var restartedAt time.Time
	for b := range batches {
		for range apps * eventsBatch {
			a := fired % apps
			perApp[a]++
			fired++
			if _, err := s.FireEvent("app", appID(a), "item.create", map[string]string{"external_id": strconv.Itoa(perApp[a])}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AwaitDeliveries(ctx, int(before.Deliveries)+fired*hooksPerApp); err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
		switch b {
		case killAt:
			receivers[kindKilled].Close()
		case restartAt:
			receivers[kindKilled] = restartReceiver(t, receivers[kindKilled], receiverHandler(t, s, token, status[kindKilled]))
			restartedAt = clk.Now()
		}
		clk.Jump(clockJump)
	}
	clk.Freeze()
	now := clk.Now()

	// Accounting: one outcome per (event, hook), and the counts agree.
	st := s.Stats()
	if st.DroppedFromRecord != 0 {
		t.Fatalf("the record dropped %d deliveries: raise MaxDeliveries", st.DroppedFromRecord)
	}
	type pair struct{ event, hook int64 }
	seen := make(map[pair]bool, pairs)
	byHook := map[int64][]mockpodio.Delivery{}
	recordedOutcomes := map[mockpodio.Outcome]int{}
	for _, d := range s.Deliveries() {
		if d.Type != "item.create" {
			continue
		}
		p := pair{d.EventID, d.HookID}
		if seen[p] {
			t.Errorf("event %d hook %d has more than one outcome", p.event, p.hook)
		}
		seen[p] = true
		recordedOutcomes[d.Outcome]++
		byHook[d.HookID] = append(byHook[d.HookID], d)
	}
	if want := fired * hooksPerApp; len(seen) != want {
		t.Errorf("(event, hook) pairs with an outcome = %d, want fired x targeted = %d x %d = %d", len(seen), fired, hooksPerApp, want)
	}
	statsOutcomes := map[mockpodio.Outcome]int{}
	sum := 0
	for o, n := range st.Outcomes {
		if n -= before.Outcomes[o]; n != 0 {
			statsOutcomes[o] = n
			sum += n
		}
	}
	if diff := cmp.Diff(recordedOutcomes, statsOutcomes); diff != "" {
		t.Errorf("outcomes of the records vs Stats (-records +stats):\n%s", diff)
	}
	if sum != fired*hooksPerApp {
		t.Errorf("delivered + failed + dropped = %d, want fired x targeted = %d", sum, fired*hooksPerApp)
	}

	// Rules: each hook's state is what its own history predicts.
	type kindSummary struct {
		hooks, timeouts, deliveredAfterRestart int
		outcomes                               map[mockpodio.Outcome]int
		status                                 map[string]int
	}
	summary := map[string]*kindSummary{}
	for _, id := range hookIDs {
		kind := kindOf[id]
		ks := summary[kind]
		if ks == nil {
			ks = &kindSummary{outcomes: map[mockpodio.Outcome]int{}, status: map[string]int{}}
			summary[kind] = ks
		}
		want, err := replayRules(byHook[id])
		if err != nil {
			t.Errorf("hook %d (%s): %v", id, kind, err)
		}
		snap, ok := s.Hook(id)
		if !ok {
			t.Fatalf("hook %d is gone", id)
		}
		if diff := cmp.Diff(want.state(now), snapState(snap)); diff != "" {
			t.Errorf("hook %d (%s) state (-replayed +snapshot):\n%s", id, kind, diff)
		}
		ks.hooks++
		ks.status[snap.Status+" "+strings.SplitN(snap.InactiveReason, ":", 2)[0]]++
		for _, d := range byHook[id] {
			ks.outcomes[d.Outcome]++
			if strings.HasPrefix(d.Error, "timeout") {
				ks.timeouts++
			} else if kind == kindFast && d.Outcome == mockpodio.OutcomeFailed {
				t.Logf("fast hook %d failed: %s", id, d.Error)
			}
			if d.Outcome == mockpodio.OutcomeDelivered && !restartedAt.IsZero() && !d.At.Before(restartedAt) {
				ks.deliveredAfterRestart++
			}
		}
	}
	for _, kind := range []string{kindFast, kindSlow, kindBad, kindDead, kindFlaky, kindKilled} {
		ks := summary[kind]
		t.Logf("%-6s hooks %4d  outcomes %v  timeouts %d  states %v", kind, ks.hooks, ks.outcomes, ks.timeouts, ks.status)
	}

	// The scenario did what it is for: each kind ends as the rules say,
	// and the failing receivers did not touch the others.
	wantStatus := map[string]string{
		kindFast:   "active ",
		kindSlow:   "inactive unverified",
		kindBad:    "inactive unverified",
		kindDead:   "inactive unverified",
		kindFlaky:  "inactive disabled", // or unverified, when load times out the rare successes
		kindKilled: "active ",
	}
	for kind, want := range wantStatus {
		ks := summary[kind]
		if kind == kindFlaky {
			if ks.status[want] == 0 || ks.status[want]+ks.status["inactive unverified"] != ks.hooks {
				t.Errorf("%s hooks end %v, want inactive, some %q", kind, ks.status, want)
			}
			continue
		}
		if ks.status[want] != ks.hooks {
			t.Errorf("%s hooks end %v, want all %q", kind, ks.status, want)
		}
	}
	if ks := summary[kindFast]; ks.outcomes[mockpodio.OutcomeFailed] != ks.timeouts {
		t.Errorf("fast hooks failed %d times other than by a timeout under load", ks.outcomes[mockpodio.OutcomeFailed]-ks.timeouts)
	}
	if ks := summary[kindKilled]; ks.outcomes[mockpodio.OutcomeDroppedSuspended] == 0 || ks.deliveredAfterRestart == 0 {
		t.Errorf("killed hooks: %v, %d delivered after the restart; want suspended while dead and delivered after", ks.outcomes, ks.deliveredAfterRestart)
	}
}

// restartReceiver starts h again on the address old listened on.
func restartReceiver(t *testing.T, old *httptest.Server, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", old.Listener.Addr().String())
	if err != nil {
		t.Fatalf("restart receiver: %v", err)
	}
	rs := httptest.NewUnstartedServer(h)
	rs.Listener.Close()
	rs.Listener = l
	rs.Start()
	return rs
}

// replayed is a hook's state as replaying its outcomes predicts.
type replayed struct {
	history hookrules.History
	active  bool
	reason  string // why inactive: "disabled" or "unverified"
}

// hookState is what a hook snapshot says of the rules.
type hookState struct {
	Status         string
	Reason         string
	SuspendedUntil *time.Time
	Failures15m    int
	Failures7d     int
	Consecutive    int
}

func (r replayed) state(now time.Time) hookState {
	st := hookState{
		Status:      "active",
		Failures15m: hookrules.FailuresWithin(r.history.Failures, now, hookrules.SuspendWindow),
		Failures7d:  hookrules.FailuresWithin(r.history.Failures, now, hookrules.DisableWindow),
		Consecutive: r.history.Consecutive,
	}
	if !r.active {
		st.Status, st.Reason = "inactive", r.reason
	}
	if hookrules.Suspended(r.history.SuspendedUntil, now) {
		until := r.history.SuspendedUntil
		st.SuspendedUntil = &until
	}
	return st
}

func snapState(h mockpodio.Hook) hookState {
	reason, _, _ := strings.Cut(h.InactiveReason, ":")
	return hookState{
		Status:         h.Status,
		Reason:         reason,
		SuspendedUntil: h.SuspendedUntil,
		Failures15m:    h.Failures15m,
		Failures7d:     h.Failures7d,
		Consecutive:    h.ConsecutiveFailures,
	}
}

// replayRules replays one hook's recorded event outcomes, in record order,
// through the rules from a freshly verified hook. Each record must be what
// the state when it started predicts: dropped_inactive once disabled or
// unverified, dropped_suspended while suspended, an attempt otherwise.
// Several deliveries to a hook may be in flight at once: an attempt is
// recorded when it ends, so one that started before a suspension (or a
// disabling) decided by an earlier end is still an attempt, and its
// outcome still counts.
func replayRules(ds []mockpodio.Delivery) (replayed, error) {
	r := replayed{active: true}
	var inactiveAt time.Time // when r.active turned false
	for _, d := range ds {
		var want string
		switch {
		case !r.active && !d.At.Before(inactiveAt):
			want = string(mockpodio.OutcomeDroppedInactive)
		case suspendedAt(r.history, d.At):
			want = string(mockpodio.OutcomeDroppedSuspended)
		default:
			want = "delivered or failed"
		}
		attempted := d.Outcome == mockpodio.OutcomeDelivered || d.Outcome == mockpodio.OutcomeFailed
		if (want == "delivered or failed") != attempted || (!attempted && want != string(d.Outcome)) {
			return r, fmt.Errorf("delivery %d (event %d) at %s: outcome %s, the rules say %s (history %+v)",
				d.ID, d.EventID, d.At.Format(time.RFC3339Nano), d.Outcome, want, r.history)
		}
		if !attempted {
			continue
		}
		var v hookrules.Verdict
		end := d.At.Add(d.Duration)
		r.history, v = hookrules.Apply(r.history, d.Outcome == mockpodio.OutcomeFailed, end)
		switch {
		case !r.active:
		case v.Disable:
			r.active, r.reason, inactiveAt = false, "disabled", end
		case v.Unverify:
			r.active, r.reason, inactiveAt = false, "unverified", end
		}
	}
	return r, nil
}

// suspendedAt reports whether h's last suspension, decided SuspendFor
// before it ends, covers t.
func suspendedAt(h hookrules.History, t time.Time) bool {
	return hookrules.Suspended(h.SuspendedUntil, t) && !t.Before(h.SuspendedUntil.Add(-hookrules.SuspendFor))
}
