package mockpodio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// heapAlloc returns the live heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// scaleApp is the app the i-th hook of a scale run is registered on: one
// hook per app, so each event targets exactly one hook.
func scaleApp(i int) int64 { return int64(1000 + i) }

// scaleHooks creates n active item.create hooks, one on each of n apps,
// whose receivers share rs, and waits until every hook.verify is recorded.
func scaleHooks(b *testing.B, s *mockpodio.Server, token string, rs string, n int) {
	b.Helper()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				res, err := benchCall(s, token, "POST", fmt.Sprintf("/hook/app/%d/", scaleApp(i)),
					fmt.Sprintf(`{"url":%q,"type":"item.create"}`, rs))
				if err == nil && res.StatusCode != http.StatusOK {
					err = fmt.Errorf("create hook: status %d", res.StatusCode)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	if err := s.AwaitDeliveries(ctx, n); err != nil {
		b.Fatal(err)
	}
	if st := s.Stats(); st.Outcomes[mockpodio.OutcomeDelivered] != n {
		b.Fatalf("%d of %d hook.verify delivered: %+v", st.Outcomes[mockpodio.OutcomeDelivered], n, st)
	}
}

// appToken returns an app token from the mock's permissive OAuth.
func appToken(b *testing.B, s *mockpodio.Server) string {
	b.Helper()
	res, err := http.Post(s.URL+"/oauth/token", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=app&app_id=7&app_token=tok&client_id=cid&client_secret=csec"))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		b.Fatal(err)
	}
	return tok.AccessToken
}

// BenchmarkScale measures how the mock grows with its hooks and its
// recorded deliveries: hooks on as many apps, their receivers sharing one
// loopback server that answers 204, and events fired round-robin over the
// apps, each delivered to one hook. It reports
//
//   - B/hook: live heap per active hook (its app, its record of
//     hook.verify and its state), after GC;
//   - B/delivery: live heap per recorded delivery, after GC;
//   - ns/event: wall time from firing to recorded delivery, per event,
//     which should stay flat as hooks and events grow.
//
// Each op fires every event of the size once. The 10,000-hook and
// 100,000-event sizes are skipped under -short; scripts/bench runs them
// all with -benchtime=1x.
func BenchmarkScale(b *testing.B) {
	for _, hooks := range []int{10, 1_000, 10_000} {
		for _, events := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("hooks=%d/events=%d", hooks, events), func(b *testing.B) {
				if testing.Short() && (hooks > 1_000 || events > 1_000) {
					b.Skip("skipped under -short")
				}
				benchmarkScale(b, hooks, events)
			})
		}
	}
}

// scaleWindow is how many events BenchmarkScale fires before it waits for
// their deliveries.
const scaleWindow = 1_000

func benchmarkScale(b *testing.B, hooks, events int) {
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		b.Fatal(err)
	}
	s.MaxDeliveries = 1 << 40 // keep every delivery, to weigh them
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	token := appToken(b, s)
	rs := benchReceiver(b, s, token)

	before := heapAlloc()
	scaleHooks(b, s, token, rs.URL, hooks)
	withHooks := heapAlloc()

	ctx, cancel := context.WithTimeout(b.Context(), 30*time.Minute)
	defer cancel()
	var fired int
	b.ResetTimer()
	for b.Loop() {
		// Fire in windows, so at most scaleWindow deliveries are in flight
		// whatever the size: the time per event is then comparable.
		for i := 0; i < events; {
			for range min(scaleWindow, events-i) {
				if _, err := s.FireEvent("app", scaleApp(i%hooks), "item.create", nil); err != nil {
					b.Fatal(err)
				}
				i++
				fired++
			}
			if err := s.AwaitDeliveries(ctx, hooks+fired); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	after := heapAlloc()
	st := s.Stats()
	if failed := hooks + fired - st.Outcomes[mockpodio.OutcomeDelivered]; failed > 0 {
		for _, d := range s.Deliveries() {
			if d.Outcome != mockpodio.OutcomeDelivered {
				b.Logf("%d of %d deliveries not delivered, e.g. %s", failed, hooks+fired, d.Error)
				break
			}
		}
		b.ReportMetric(float64(failed), "failed")
	}
	b.ReportMetric(float64(withHooks-min(before, withHooks))/float64(hooks), "B/hook")
	b.ReportMetric(float64(after-min(withHooks, after))/float64(fired), "B/delivery")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(fired), "ns/event")
}

// BenchmarkRecordFull measures recording one delivery once the record is
// full, at two caps: the cost per delivery must not grow with the cap.
// Events go to a hook that never verified, so each records its drop at
// once, with no HTTP.
func BenchmarkRecordFull(b *testing.B) {
	for _, limit := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("cap=%d", limit), func(b *testing.B) {
			s, err := mockpodio.NewUnstartedServer()
			if err != nil {
				b.Fatal(err)
			}
			s.MaxDeliveries = limit
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			token := appToken(b, s)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			l.Close()
			if _, err := benchCall(s, token, "POST", "/hook/app/7/", fmt.Sprintf(`{"url":"http://%s","type":"item.create"}`, l.Addr())); err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
			defer cancel()
			if err := s.AwaitDeliveries(ctx, 1); err != nil {
				b.Fatal(err)
			}
			for range limit {
				s.FireEvent("app", 7, "item.create", nil)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
					b.Fatal(err)
				}
			}
			if got := s.Stats().DroppedFromRecord; got < b.N {
				b.Fatalf("DroppedFromRecord = %d, want at least %d", got, b.N)
			}
		})
	}
}
