package hookrules_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/hookrules"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// times returns n failure times starting at start, step apart.
func times(start time.Time, n int, step time.Duration) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = start.Add(time.Duration(i) * step)
	}
	return out
}

func TestFailuresWithin(t *testing.T) {
	tests := []struct {
		name     string
		failures []time.Time
		now      time.Time
		window   time.Duration
		want     int
	}{
		{"none", nil, t0, 15 * time.Minute, 0},
		{"one now", []time.Time{t0}, t0, 15 * time.Minute, 1},
		{"exactly window old has left", []time.Time{t0}, t0.Add(15 * time.Minute), 15 * time.Minute, 0},
		{"one second inside", []time.Time{t0}, t0.Add(15*time.Minute - time.Second), 15 * time.Minute, 1},
		{"future ignored", []time.Time{t0.Add(time.Second)}, t0, 15 * time.Minute, 0},
		{"first out, second in", []time.Time{t0, t0.Add(15 * time.Minute)}, t0.Add(15 * time.Minute), 15 * time.Minute, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hookrules.FailuresWithin(tt.failures, tt.now, tt.window); got != tt.want {
				t.Errorf("FailuresWithin = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestShouldSuspend(t *testing.T) {
	tests := []struct {
		name     string
		failures []time.Time
		now      time.Time
		want     bool
	}{
		{"15 failures is not more than 15", times(t0, 15, time.Second), t0.Add(14 * time.Second), false},
		{"16 failures suspends", times(t0, 16, time.Second), t0.Add(15 * time.Second), true},
		{"16 spread over 14m45s suspends", times(t0, 16, 59*time.Second), t0.Add(15 * 59 * time.Second), true},
		// The 16th failure at exactly 15:00 after the first: the first has
		// left the window, so only 15 remain.
		{"16th at exactly 15:00 after the first", append(times(t0, 15, time.Second), t0.Add(15*time.Minute)), t0.Add(15 * time.Minute), false},
		{"16th at 14:59 after the first", append(times(t0, 15, time.Second), t0.Add(14*time.Minute+59*time.Second)), t0.Add(14*time.Minute + 59*time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hookrules.ShouldSuspend(tt.failures, tt.now); got != tt.want {
				t.Errorf("ShouldSuspend = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShouldDisable(t *testing.T) {
	sixDays := 6 * 24 * time.Hour
	tests := []struct {
		name     string
		failures []time.Time
		now      time.Time
		want     bool
	}{
		{"200 in a day is not more than 200", times(t0, 200, time.Minute), t0.Add(200 * time.Minute), false},
		{"201 over 6 days disables", times(t0, 201, sixDays/200), t0.Add(sixDays), true},
		{"201, the first exactly 7 days old", times(t0, 201, 7*24*time.Hour/200), t0.Add(7 * 24 * time.Hour), false},
		{"201, the first 7 days less a second old", times(t0, 201, 7*24*time.Hour/200), t0.Add(7*24*time.Hour - time.Second), false},
	}
	// The last case: at 7d-1s the 201st failure (at 7d) has not happened
	// yet, so only 200 count.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hookrules.ShouldDisable(tt.failures, tt.now); got != tt.want {
				t.Errorf("ShouldDisable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShouldUnverify(t *testing.T) {
	for _, tt := range []struct {
		consecutive int
		want        bool
	}{{0, false}, {50, false}, {51, true}, {200, true}} {
		if got := hookrules.ShouldUnverify(tt.consecutive); got != tt.want {
			t.Errorf("ShouldUnverify(%d) = %v, want %v", tt.consecutive, got, tt.want)
		}
	}
}

func TestSuspended(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	for _, tt := range []struct {
		name  string
		until time.Time
		now   time.Time
		want  bool
	}{
		{"never suspended", time.Time{}, t0, false},
		{"during", until, t0, true},
		{"a second before the end", until, until.Add(-time.Second), true},
		{"at the end exactly", until, until, false},
	} {
		if got := hookrules.Suspended(tt.until, tt.now); got != tt.want {
			t.Errorf("%s: Suspended = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// step is one delivery outcome fed to the rules.
type step struct {
	failed bool
	at     time.Time
}

func steps(n int, failed bool, start time.Time, every time.Duration) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = step{failed, start.Add(time.Duration(i) * every)}
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  hookrules.Verdict // the verdict of the last step
		// wantConsecutive is the consecutive count after the last step.
		wantConsecutive int
	}{
		{"15 fast failures: nothing yet", steps(15, true, t0, time.Second), hookrules.Verdict{}, 15},
		{"16th fast failure suspends for 15m", steps(16, true, t0, time.Second),
			hookrules.Verdict{SuspendUntil: t0.Add(15*time.Second + 15*time.Minute)}, 16},
		{"a success resets the consecutive count only",
			append(steps(10, true, t0, time.Second), step{false, t0.Add(10 * time.Second)}),
			hookrules.Verdict{}, 0},
		{"windowed count survives a success: 16th failure still suspends",
			append(append(steps(10, true, t0, time.Second), step{false, t0.Add(10 * time.Second)}), steps(6, true, t0.Add(11*time.Second), time.Second)...),
			hookrules.Verdict{SuspendUntil: t0.Add(16*time.Second + 15*time.Minute)}, 6},
		{"51 consecutive failures, an hour apart: unverify", steps(51, true, t0, time.Hour),
			hookrules.Verdict{Unverify: true}, 51},
		{"50 consecutive: not yet", steps(50, true, t0, time.Hour), hookrules.Verdict{}, 50},
		{"201 failures over 6 days, successes between: disable",
			interleave(steps(201, true, t0, 6*24*time.Hour/200), time.Minute),
			hookrules.Verdict{Disable: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hookrules.History
			var v hookrules.Verdict
			for _, s := range tt.steps {
				h, v = hookrules.Apply(h, s.failed, s.at)
			}
			if diff := cmp.Diff(tt.want, v); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			if h.Consecutive != tt.wantConsecutive {
				t.Errorf("consecutive = %d, want %d", h.Consecutive, tt.wantConsecutive)
			}
		})
	}
}

// interleave puts a success gap after every failure but the last, so no
// long run of consecutive failures forms.
func interleave(failures []step, gap time.Duration) []step {
	var out []step
	for i, f := range failures {
		out = append(out, f)
		if i < len(failures)-1 {
			out = append(out, step{false, f.at.Add(gap)})
		}
	}
	return out
}
