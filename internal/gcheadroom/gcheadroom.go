// Package gcheadroom lets a process's heap grow by a fixed number of bytes
// between garbage collections when its live heap is small, instead of by
// the live heap itself (GOGC=100).
//
// devhook's live heap is a few MiB while it relays thousands of deliveries
// a second; at GOGC=100 it then collects many times a second, and the
// collector took about 14% of `devhook mock`'s CPU under scripts/bench.
// With a headroom of H bytes, the collector runs when the heap has grown
// by max(H, live heap): the peak heap is live + max(H, live), a bound the
// README states.
package gcheadroom

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// maxPercent caps the GC percent Set chooses, whatever the live heap.
const maxPercent = 100_000

// Percent returns the GOGC percent under which a heap of live bytes may
// grow by headroom bytes before the next collection: never below 100 (Go's
// default), so a large live heap is collected as Go would by default.
func Percent(live, headroom uint64) int {
	if live == 0 {
		live = 1
	}
	p := headroom / live * 100
	p += headroom % live * 100 / live
	switch {
	case p < 100:
		return 100
	case p > maxPercent:
		return maxPercent
	}
	return int(p)
}

var once sync.Once

// Set gives the process a GC headroom of headroom bytes, adjusted after
// every collection to the live heap it measured. It does nothing when the
// GOGC environment variable is set: the user's choice stands. Calls after
// the first do nothing.
func Set(headroom uint64) {
	if os.Getenv("GOGC") != "" {
		return
	}
	once.Do(func() {
		t := &tuner{headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
		t.adjust()
		t.arm()
	})
}

type tuner struct {
	headroom uint64
	sample   []metrics.Sample
}

// arm sets a finalizer on a new object, which runs after the next
// collection: it adjusts the percent and arms again.
func (t *tuner) arm() {
	s := new(sentinel)
	runtime.SetFinalizer(s, func(*sentinel) {
		t.adjust()
		t.arm()
	})
}

// sentinel is large enough not to be a tiny allocation, whose finalizer
// might never run.
type sentinel struct{ _ [32]byte }

func (t *tuner) adjust() {
	metrics.Read(t.sample)
	live := uint64(0)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		live = t.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(Percent(live, t.headroom))
}
