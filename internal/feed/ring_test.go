package feed

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestRing: the feed keeps the newest Size records, oldest first, in
// place.
func TestRing(t *testing.T) {
	for _, n := range []int{0, 1, Size - 1, Size, Size + 1, 2*Size + 7} {
		var g ring
		var want []deliverylog.Record
		for i := range n {
			r := deliverylog.Record{ID: fmt.Sprint("r", i)}
			g.add(r)
			want = append(want, r)
		}
		if len(want) > Size {
			want = want[len(want)-Size:]
		}
		if diff := cmp.Diff(want, g.all(), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%d added: records (-want +got):\n%s", n, diff)
		}
		if cap(g.buf) > 2*Size {
			t.Errorf("%d added: the ring holds %d slots", n, cap(g.buf))
		}
		if n == 0 {
			continue
		}
		if _, ok := g.find(fmt.Sprint("r", n-1)); !ok {
			t.Errorf("%d added: the newest is not found", n)
		}
		if _, ok := g.find("r0"); ok != (n <= Size) {
			t.Errorf("%d added: found the oldest = %v, want %v", n, ok, n <= Size)
		}
	}
}

// BenchmarkAddFull: adding to a full feed costs no allocation.
func BenchmarkAddFull(b *testing.B) {
	var g ring
	for range Size {
		g.add(deliverylog.Record{})
	}
	b.ReportAllocs()
	for b.Loop() {
		g.add(deliverylog.Record{ID: "x"})
	}
}
