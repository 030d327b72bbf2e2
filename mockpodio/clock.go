package mockpodio

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/clock"
)

// Clock is the mock's source of time. Everything about token lifetimes,
// delivery timeouts, queue delays, suspensions and failure windows reads it,
// so a test can swap in a [ManualClock] and move through a 15-minute
// suspension or a 7-day window in milliseconds. It is the clock devhook
// up's session reads too (internal/clock), so one [ManualClock] moves both.
type Clock = clock.Clock

// Timer is a pending [Clock.AfterFunc] call.
type Timer = clock.Timer

// RealClock returns the wall clock.
func RealClock() Clock { return clock.Real() }

// ManualClock is a [Clock] that moves only when told to. Its zero value is
// not usable: create one with [NewManualClock].
type ManualClock struct {
	mu      sync.Mutex // guards now, timers, seq, changed
	now     time.Time
	timers  []*manualTimer
	seq     int
	changed chan struct{} // closed when a timer is armed; nil when nobody awaits one
}

// NewManualClock returns a manual clock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current reading.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to run once the clock has been advanced by d.
// A d of zero or less runs f at once, in its own goroutine.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &manualTimer{clock: c, when: c.now.Add(d), f: f, seq: c.seq}
	if d <= 0 {
		go f()
		t.fired = true
		return t
	}
	c.timers = append(c.timers, t)
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
	return t
}

// Advance moves the clock forward by d and runs every timer that falls
// due, in order of due time (timers due at the same instant in the order
// they were armed), one after another in the caller's goroutine, before
// it returns. A timer armed by one of them that is due already runs too.
func (c *ManualClock) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		due := c.dueLocked()
		c.mu.Unlock()
		if len(due) == 0 {
			return
		}
		for _, t := range due {
			t.f()
		}
	}
}

// Set moves the clock to t if t is later than its reading, firing due
// timers as [ManualClock.Advance] does.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	now := c.now
	c.mu.Unlock()
	if t.After(now) {
		c.Advance(t.Sub(now))
	}
}

// Pending returns how many timers are waiting to fire.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// AwaitPending blocks until at least n timers are waiting to fire, so a
// test knows the mock has armed its waits (a delivery's timeout, a
// receiver's delay, a queue delay) before it advances the clock. It fails
// only when ctx ends.
func (c *ManualClock) AwaitPending(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		got := len(c.timers)
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("mockpodio: await %d pending timers (have %d): %w", n, got, context.Cause(ctx))
		}
	}
}

// dueLocked removes and returns the timers due at c.now, earliest first.
func (c *ManualClock) dueLocked() []*manualTimer {
	var due, keep []*manualTimer
	for _, t := range c.timers {
		if !t.when.After(c.now) {
			t.fired = true
			due = append(due, t)
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
	sort.Slice(due, func(i, j int) bool {
		if due[i].when.Equal(due[j].when) {
			return due[i].seq < due[j].seq
		}
		return due[i].when.Before(due[j].when)
	})
	return due
}

type manualTimer struct {
	clock *ManualClock
	when  time.Time
	f     func()
	seq   int
	fired bool // guarded by clock.mu
}

func (t *manualTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.fired {
		return false
	}
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			break
		}
	}
	t.fired = true
	return true
}
