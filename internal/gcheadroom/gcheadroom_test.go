package gcheadroom

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name           string
		live, headroom uint64
		want           int
	}{
		{"live larger than headroom: Go's default", 128 * mib, 64 * mib, 100},
		{"live equal to headroom", 64 * mib, 64 * mib, 100},
		{"live half of headroom", 32 * mib, 64 * mib, 200},
		{"live 4 MiB", 4 * mib, 64 * mib, 1600},
		{"fractions round down", 3 * mib, 64 * mib, 2133},
		{"no live heap yet", 0, 64 * mib, maxPercent},
		{"tiny live heap capped", 1024, 64 * mib, maxPercent},
		{"no headroom", 4 * mib, 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percent(tt.live, tt.headroom); got != tt.want {
				t.Errorf("Percent(%d, %d) = %d, want %d", tt.live, tt.headroom, got, tt.want)
			}
		})
	}
}

// TestSetFollowsCollections checks that Set changes the GC percent and
// keeps adjusting it after collections: the percent it reads back after a
// collection is the one Percent gives for the live heap then.
func TestSetFollowsCollections(t *testing.T) {
	t.Setenv("GOGC", "") // Set honours a GOGC the user set; the test wants none
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	Set(1 << 40) // a headroom no test heap approaches: the percent is capped
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	// Force the percent back to 100, then wait for a collection's
	// finalizer to set it again.
	debug.SetGCPercent(100)
	for {
		runtime.GC()
		p := debug.SetGCPercent(maxPercent)
		if p == maxPercent {
			return
		}
		debug.SetGCPercent(p)
		select {
		case <-ctx.Done():
			t.Fatalf("GC percent stayed %d after collections, want %d", p, maxPercent)
		default:
		}
	}
}
