package session

import (
	"time"
)

// Clock is the session's source of time: the wait for verification and
// the time stamped on deliveries read it. (The probe of the public URL
// waits on the network, so on the wall clock.) It has the
// shape of the mock's clock (mockpodio.Clock), so a test or a rehearsal
// can share one clock between the two through a small adapter.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless the
	// returned timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending [Clock.AfterFunc] call.
type Timer interface {
	// Stop prevents the call if it has not happened yet and reports
	// whether it did.
	Stop() bool
}

// RealClock returns the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// after returns a channel closed once d has passed on c, and the timer
// that closes it.
func after(c Clock, d time.Duration) (<-chan struct{}, Timer) {
	ch := make(chan struct{})
	t := c.AfterFunc(d, func() { close(ch) })
	return ch, t
}
