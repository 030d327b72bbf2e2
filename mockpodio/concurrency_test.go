package mockpodio_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// inFlight counts a receiver's concurrent requests and remembers the most.
type inFlight struct {
	now, most atomic.Int64
}

func (f *inFlight) enter() {
	n := f.now.Add(1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			return
		}
	}
}

func (f *inFlight) leave() { f.now.Add(-1) }

// TestHookConcurrencyOneKeepsOrder: with HookConcurrency 1 a hook's
// receiver gets its events one at a time, in the order they fired.
func TestHookConcurrencyOneKeepsOrder(t *testing.T) {
	s := newServer(t, func(s *mockpodio.Server) { s.HookConcurrency = 1 })
	token := tokenFor(t, s, "7", "tok")
	var (
		mu      sync.Mutex
		arrived []string
		flight  inFlight
	)
	rs := statusReceiver(t, s, token, func(r *http.Request) int {
		flight.enter()
		defer flight.leave()
		mu.Lock()
		arrived = append(arrived, r.PostForm.Get("external_id"))
		mu.Unlock()
		return http.StatusOK
	})
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	awaitDeliveries(t, s, 1) // the hook.verify, recorded once it is answered
	before := s.Stats().Deliveries
	const n = 200
	var fired []string
	for i := range n {
		ext := strconv.Itoa(i)
		fired = append(fired, ext)
		if _, err := s.FireEvent("app", 7, "item.create", map[string]string{"external_id": ext}); err != nil {
			t.Fatal(err)
		}
	}
	awaitDeliveries(t, s, int(before)+n)
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(fired, arrived); diff != "" {
		t.Errorf("arrival order (-fired +arrived):\n%s", diff)
	}
	if m := flight.most.Load(); m != 1 {
		t.Errorf("at most %d requests in flight, want 1", m)
	}
}

// TestHookConcurrencyInFlight: with HookConcurrency k, a hook's receiver
// holds k deliveries at once while the rest wait in the hook's queue.
func TestHookConcurrencyInFlight(t *testing.T) {
	for _, k := range []int{2, 5, mockpodio.DefaultHookConcurrency} {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			conf := k
			if k == mockpodio.DefaultHookConcurrency {
				conf = 0 // the default
			}
			s := newServer(t, func(s *mockpodio.Server) { s.HookConcurrency = conf })
			token := tokenFor(t, s, "7", "tok")
			release := make(chan struct{})
			arrived := make(chan string, 4*k)
			var flight inFlight
			rs := statusReceiver(t, s, token, func(r *http.Request) int {
				flight.enter()
				defer flight.leave()
				arrived <- r.PostForm.Get("external_id")
				<-release
				return http.StatusOK
			})
			id := activeHook(t, s, token, "app", 7, rs.URL, "item.create")
			awaitDeliveries(t, s, 1) // the hook.verify, recorded once it is answered
			before := s.Stats().Deliveries
			events := 2*k + 1
			for i := range events {
				if _, err := s.FireEvent("app", 7, "item.create", map[string]string{"external_id": strconv.Itoa(i)}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got := map[string]bool{}
			for range k {
				select {
				case ext := <-arrived:
					got[ext] = true
				case <-ctx.Done():
					t.Fatalf("%d of %d deliveries reached the receiver: %v", len(got), k, got)
				}
			}
			// The first k started, in firing order; the rest wait.
			want := map[string]bool{}
			for i := range k {
				want[strconv.Itoa(i)] = true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deliveries in flight (-want +got):\n%s", diff)
			}
			if h, _ := s.Hook(id); h.Queued != events-k {
				t.Errorf("queued = %d with %d in flight, want %d", h.Queued, k, events-k)
			}
			close(release)
			awaitDeliveries(t, s, int(before)+events)
			if m := flight.most.Load(); m != int64(k) {
				t.Errorf("at most %d requests in flight, want %d", m, k)
			}
			for _, d := range s.Deliveries()[before:] {
				if d.Outcome != mockpodio.OutcomeDelivered {
					t.Errorf("delivery %d: %s %s", d.ID, d.Outcome, d.Error)
				}
			}
		})
	}
}

// TestCallbacksRunOutsideTheLock: a Logf and an OnDelivery that block do
// not freeze the API or the deliveries; OnDelivery may call the server;
// once they are unblocked every line and every delivery reaches them, in
// order, before Close returns.
func TestCallbacksRunOutsideTheLock(t *testing.T) {
	unblock := make(chan struct{})
	blocked := make(chan struct{})
	var (
		mu    sync.Mutex
		lines []string
		seen  []int64
		stats []int64
	)
	var once sync.Once
	s := newServer(t, func(s *mockpodio.Server) {
		s.Logf = func(format string, args ...any) {
			once.Do(func() { close(blocked); <-unblock }) // a log file another process holds
			mu.Lock()
			lines = append(lines, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		s.OnDelivery = func(d mockpodio.Delivery) {
			st := s.Stats() // would deadlock under the server's lock
			mu.Lock()
			seen = append(seen, d.ID)
			stats = append(stats, st.Deliveries)
			mu.Unlock()
		}
	})
	token := tokenFor(t, s, "7", "tok") // its API line blocks the log
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case <-blocked:
	case <-ctx.Done():
		t.Fatal("Logf was never called")
	}

	// With the log stuck: hooks are created and verified, events are
	// delivered and recorded, and the API answers.
	rs := statusReceiver(t, s, token, func(*http.Request) int { return http.StatusOK })
	id := activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	const events = 50
	for i := range events {
		if _, err := s.FireEvent("app", 7, "item.create", map[string]string{"external_id": strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	awaitDeliveries(t, s, events+1)
	const gets = 20
	for range gets {
		if res := do(t, s, token, "GET", "/hook/app/7/", nil); res.Status != http.StatusOK {
			t.Fatalf("list hooks: %d %s", res.Status, res.Raw)
		}
	}
	mu.Lock()
	if len(lines) != 0 || len(seen) != 0 {
		t.Errorf("with Logf blocked, %d lines and %d deliveries reached the callbacks", len(lines), len(seen))
	}
	mu.Unlock()

	close(unblock)
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	var wantSeen []int64
	for _, d := range s.Deliveries() {
		wantSeen = append(wantSeen, d.ID)
	}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("OnDelivery saw (-recorded +seen):\n%s", diff)
	}
	for i, n := range stats {
		if n < seen[i] {
			t.Errorf("OnDelivery of delivery %d saw Stats().Deliveries = %d, before its own record", seen[i], n)
		}
	}
	// One line per API call (token, hook create, validate, list) and per
	// delivery, plus the verified hook's.
	apiLines, deliveryLines := 0, 0
	for _, l := range lines {
		switch {
		case len(l) > 5 && l[:5] == "api  ":
			apiLines++
		case l == fmt.Sprintf("hook %d verified: active", id):
		default:
			deliveryLines++
		}
	}
	if want := 1 + 1 + 1 + gets; apiLines != want {
		t.Errorf("%d API lines, want %d:\n%q", apiLines, want, lines)
	}
	if want := events + 1; deliveryLines != want {
		t.Errorf("%d delivery lines, want %d:\n%q", deliveryLines, want, lines)
	}
}
