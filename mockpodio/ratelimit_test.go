package mockpodio

import (
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRateWindowMatchesItsModel: over a run of calls at random intervals,
// clock jumps and a clock that moves back, the bucketed window counts
// exactly the calls whose bucket is one of the last rateBuckets, which is
// at most every call of the last hour and at least those of the last hour
// less one bucket.
func TestRateWindowMatchesItsModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 25, 10, 0, 17, 0, time.UTC)
	now := start
	var w rateWindow
	var calls []time.Time // every call, for the model
	var newest int64      // the newest bucket the window saw
	for i := range 3000 {
		switch r := rng.IntN(1000); {
		case r < 5: // a jump past the whole window
			now = now.Add(time.Hour + time.Duration(rng.Int64N(int64(time.Hour))))
		case r < 10: // the clock moves back a little
			now = now.Add(-time.Duration(rng.Int64N(int64(5 * time.Minute))))
		default:
			now = now.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
		}
		w.advance(now)
		w.add()
		calls = append(calls, now)
		newest = max(newest, bucketOf(now))

		// Model: the calls counted are those in the window's buckets.
		model, lastHour, lastHourLessBucket := 0, 0, 0
		for _, c := range calls {
			if b := bucketOf(c); b > newest-int64(rateBuckets) && b <= newest {
				model++
			}
			if c.After(now.Add(-time.Hour)) {
				lastHour++
			}
			if c.After(now.Add(-time.Hour + rateBucket)) {
				lastHourLessBucket++
			}
		}
		if w.total != model {
			t.Fatalf("call %d at %s: window counts %d, the model %d", i, now, w.total, model)
		}
		if bucketOf(now) == newest && (w.total > lastHour || w.total < lastHourLessBucket) {
			t.Fatalf("call %d at %s: window counts %d, want between %d (last hour less a bucket) and %d (last hour)",
				i, now, w.total, lastHourLessBucket, lastHour)
		}
		var sum int32
		for _, n := range w.counts {
			sum += n
		}
		if int(sum) != w.total {
			t.Fatalf("call %d: buckets sum to %d, total %d", i, sum, w.total)
		}
		if len(calls) > 2500 { // keep the model's work bounded: older calls are long out
			calls = calls[len(calls)-2500:]
		}
	}
}

// TestRateWindowMemoryIsConstant: counting a call allocates nothing that
// stays, however many calls came before: only the two header values.
func TestRateWindowMemoryIsConstant(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	s := &Server{Clock: clk}
	s.init()
	tok := &token{Ref: ref{Type: "app", ID: 7}, ClientID: "c"}
	w := httptest.NewRecorder()
	if err := s.countCall(w, tok); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100_000, func() {
		clk.Advance(10 * time.Millisecond)
		if err := s.countCall(w, tok); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 4 {
		t.Errorf("a counted call allocates %.1f times, want at most the header values'", allocs)
	}
	if n := len(s.calls); n != 1 {
		t.Errorf("%d windows for one token", n)
	}
}
