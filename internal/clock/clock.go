// Package clock is the source of time that the mock (mockpodio) and
// devhook up's session (package session) share, so that a test or a
// rehearsal moves both with one manual clock (mockpodio.ManualClock). It
// depends on the standard library only.
package clock

import "time"

// Clock tells the time and runs functions later.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d has passed on this clock, unless the
	// returned timer is stopped first. f may run in a goroutine of its own
	// or in the one that moves the clock; it must not block.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending [Clock.AfterFunc] call.
type Timer interface {
	// Stop prevents the call if it has not happened yet and reports
	// whether it did.
	Stop() bool
}

// Real returns the wall clock.
func Real() Clock { return real{} }

type real struct{}

func (real) Now() time.Time                            { return time.Now() }
func (real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
