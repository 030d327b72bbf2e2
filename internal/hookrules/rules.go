// Package hookrules holds Podio's published webhook rules: when a hook
// is suspended, disabled or returned to unverified after failed
// deliveries. Each rule is a named constant and a pure function of a
// hook's history and the current time, with no clock of its own, so the
// mock applies them and devhook up can predict what Podio does to a hook.
//
// The rules are those of Podio's webhook tutorial
// (https://developers.podio.com/examples/webhooks) and hooks reference
// (https://developers.podio.com/doc/hooks). The package depends on the
// standard library only.
package hookrules

import "time"

// Podio's published webhook rules.
const (
	// DeliveryTimeout is how long a receiver has to answer 2xx.
	DeliveryTimeout = 15 * time.Second

	// SuspendWindow, SuspendThreshold and SuspendFor: more than
	// SuspendThreshold failures within SuspendWindow suspend the hook for
	// SuspendFor; events during the suspension are dropped.
	SuspendWindow    = 15 * time.Minute
	SuspendThreshold = 15
	SuspendFor       = 15 * time.Minute

	// DisableWindow and DisableThreshold: more than DisableThreshold
	// failures within DisableWindow disable the hook until it is verified
	// again.
	DisableWindow    = 7 * 24 * time.Hour
	DisableThreshold = 200

	// UnverifyThreshold: more than UnverifyThreshold consecutive failures
	// return the hook to unverified (inactive).
	UnverifyThreshold = 50
)

// Choices Podio's documentation leaves open, each made once, here.
const (
	// RetryFailedDeliveries: a failed delivery is not retried. Podio
	// documents no retries; the next event is the next chance.
	RetryFailedDeliveries = false

	// CountTimeoutsAsConsecutive: a timeout or an unreachable receiver
	// counts toward the consecutive-failure rule, like a non-2xx status
	// (Podio: "a hook may also return to unverified when it does not answer
	// in time").
	CountTimeoutsAsConsecutive = true

	// ResetHistoryOnVerify: a successful validation clears the hook's
	// failure history, so a hook that was disabled does not fall straight
	// back into the rule that disabled it.
	ResetHistoryOnVerify = true
)

// FailuresWithin counts the failures in the window that ends at now: those
// at a time t with now-window < t <= now. A failure exactly window old has
// left the window.
func FailuresWithin(failures []time.Time, now time.Time, window time.Duration) int {
	start := now.Add(-window)
	n := 0
	for _, t := range failures {
		if t.After(start) && !t.After(now) {
			n++
		}
	}
	return n
}

// ShouldSuspend reports whether failures at now call for a suspension:
// more than [SuspendThreshold] failures within [SuspendWindow].
func ShouldSuspend(failures []time.Time, now time.Time) bool {
	return FailuresWithin(failures, now, SuspendWindow) > SuspendThreshold
}

// ShouldDisable reports whether failures at now disable the hook: more
// than [DisableThreshold] failures within [DisableWindow].
func ShouldDisable(failures []time.Time, now time.Time) bool {
	return FailuresWithin(failures, now, DisableWindow) > DisableThreshold
}

// ShouldUnverify reports whether consecutive failures return the hook to
// unverified: more than [UnverifyThreshold].
func ShouldUnverify(consecutive int) bool {
	return consecutive > UnverifyThreshold
}

// Suspended reports whether a hook suspended until until is still
// suspended at now. The suspension ends at until exactly.
func Suspended(until, now time.Time) bool {
	return !until.IsZero() && now.Before(until)
}

// History is what the rules know of one hook.
type History struct {
	// Failures are the times of failed deliveries, oldest first.
	Failures []time.Time
	// Consecutive counts failures since the last success.
	Consecutive int
	// SuspendedUntil is when the current suspension ends; zero means none.
	SuspendedUntil time.Time
}

// Verdict is what the rules decide after a delivery's outcome.
type Verdict struct {
	// SuspendUntil is set when the hook must be suspended until then.
	SuspendUntil time.Time
	// Disable is set when the 7-day rule disables the hook.
	Disable bool
	// Unverify is set when the consecutive rule returns it to unverified.
	Unverify bool
}

// Apply records one delivery outcome at now in h and returns the new
// history and what the rules decide. A success resets the consecutive
// count, never the windowed counts. Failures older than [DisableWindow]
// are forgotten, since no rule looks further back.
func Apply(h History, failed bool, now time.Time) (History, Verdict) {
	var v Verdict
	if !failed {
		h.Consecutive = 0
		h.Failures = prune(h.Failures, now)
		return h, v
	}
	h.Failures = append(prune(h.Failures, now), now)
	h.Consecutive++
	if ShouldSuspend(h.Failures, now) && !Suspended(h.SuspendedUntil, now) {
		h.SuspendedUntil = now.Add(SuspendFor)
		v.SuspendUntil = h.SuspendedUntil
	}
	v.Disable = ShouldDisable(h.Failures, now)
	v.Unverify = ShouldUnverify(h.Consecutive)
	return h, v
}

// prune drops failures that have left the longest window.
func prune(failures []time.Time, now time.Time) []time.Time {
	start := now.Add(-DisableWindow)
	i := 0
	for i < len(failures) && !failures[i].After(start) {
		i++
	}
	if i == 0 {
		return failures
	}
	return append([]time.Time(nil), failures[i:]...)
}
