package session

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/internal/inspector"
)

// The states of a hook that [HookState] reports.
const (
	// StateActive: Podio delivers to the hook (also reported on recovery).
	StateActive = "active"
	// StateSuspended: Podio's rules suspended the hook until
	// [HookState.Until]; events until then are lost.
	StateSuspended = "suspended"
	// StateInactive: Podio made the hook inactive (unverified or
	// disabled); it delivers nothing until the hook is verified again.
	StateInactive = "inactive"
	// StateReverified: devhook had an inactive hook verified again.
	StateReverified = "reverified"
	// StateQueued: events for the hook are held while the app is down;
	// [HookState.Count] says how many.
	StateQueued = "queued"
	// StateFlushed: held events were delivered; [HookState.Count] says how
	// many.
	StateFlushed = "flushed"
)

// HookState is a change of a hook's state as the session sees it, from
// the deliveries Podio makes, the rules Podio applies to them
// ([hookrules]) and Podio's own hook list. Line is the sentence for the
// terminal.
type HookState struct {
	Time   time.Time // when the session saw the change
	HookID int64
	State  string    // one of the State constants
	Until  time.Time // for StateSuspended: when the suspension ends
	Reason string    // why, taken from the deliveries' record
	Count  int       // for StateQueued and StateFlushed
	Line   string
}

func (HookState) isEvent() {}

// liveState is what the session knows of a hook's standing with Podio.
// It is guarded by Session.hooksMu.
type liveState struct {
	state    string    // StateActive, StateSuspended or StateInactive; "" before Ready
	since    time.Time // when state was set (the session's clock)
	until    time.Time
	reason   string
	hist     hookrules.History
	causes   []string    // the cause of each failure in hist.Failures, same order
	timer    clock.Timer // ends a suspension
	episode  int         // counts inactive episodes, so a stale re-verify stops
	reverify bool        // a re-verification is running
}

// maxCauses bounds the failure causes kept per hook; the rules never need
// more than the disabling threshold plus one.
const maxCauses = hookrules.DisableThreshold + 1

// deliveryTimeout is how long Podio waits for an answer.
func (s *Session) deliveryTimeout() time.Duration {
	return cmp.Or(s.cfg.DeliveryTimeout, hookrules.DeliveryTimeout)
}

// podioSaw says whether Podio counted ev, a delivery the relay handled,
// as a failure, and why: the app's own status, a timeout, or devhook's
// 502 when the app was down. A delivery held for later or acked got
// Podio a 200.
func podioSaw(ev deliverylog.Record, timeout time.Duration) (failed bool, cause string) {
	switch {
	case ev.Outcome == deliverylog.OutcomeQueued || ev.Acked:
		return false, ""
	case ev.Latency() > timeout || strings.HasPrefix(ev.Error, "caller hung up"):
		return true, "timeout"
	case ev.Status >= 200 && ev.Status <= 299:
		return false, ""
	case ev.Error != "" && ev.Status == http.StatusBadGateway:
		return true, "502 from devhook (app down)"
	case ev.Kind == deliverylog.KindRejected:
		return true, fmt.Sprintf("%d from devhook", ev.Status)
	}
	return true, fmt.Sprintf("%d from your app", ev.Status)
}

// observe applies Podio's rules to one delivery Podio made, and reports
// the hook's crossing of a rule.
func (s *Session) observe(ev deliverylog.Record) {
	if ev.Kind == deliverylog.KindVerify || ev.HookID == 0 {
		return
	}
	failed, cause := podioSaw(ev, s.deliveryTimeout())
	// The rules run at the delivery's arrival (on the session's clock);
	// Podio's at its end, at most its timeout later.
	now := ev.Time
	var out []HookState
	var inactive *hookState
	s.hooksMu.Lock()
	h := s.hookLocked(ev.HookID)
	if h == nil || h.live.state == "" {
		s.hooksMu.Unlock()
		return
	}
	l := &h.live
	if l.state != StateActive {
		// Podio delivered, so it no longer holds the hook back.
		l.hist.SuspendedUntil = time.Time{}
		out = append(out, s.setStateLocked(h, StateActive, time.Time{}, "Podio delivers to it again",
			fmt.Sprintf("hook %d active again: Podio delivers to it", h.id)))
	}
	hist, v := hookrules.Apply(l.hist, failed, now)
	l.hist = hist
	if failed {
		l.causes = append(l.causes, cause)
	}
	if n := len(l.hist.Failures); len(l.causes) > n {
		l.causes = slices.Clone(l.causes[len(l.causes)-n:])
	}
	if len(l.causes) > maxCauses {
		l.causes = slices.Clone(l.causes[len(l.causes)-maxCauses:])
	}
	switch {
	case v.Unverify || v.Disable:
		var reason string
		if v.Disable {
			n := hookrules.FailuresWithin(l.hist.Failures, now, hookrules.DisableWindow)
			reason = fmt.Sprintf("%d failures in 7 days (%s)", n, causeSummary(l.causes, n))
		} else {
			reason = fmt.Sprintf("%d consecutive failures (%s)", l.hist.Consecutive, causeSummary(l.causes, l.hist.Consecutive))
		}
		line := fmt.Sprintf("hook %d made inactive by Podio — %s; it gets no events until it is verified again", h.id, reason)
		if !s.cfg.NoReverify {
			line += "; devhook re-verifies it once your app answers again"
		}
		out = append(out, s.setStateLocked(h, StateInactive, time.Time{}, reason, line))
		inactive = h
	case !v.SuspendUntil.IsZero():
		n := hookrules.FailuresWithin(l.hist.Failures, now, hookrules.SuspendWindow)
		reason := fmt.Sprintf("%d failures in 15 min (%s)", n, causeSummary(l.causes, n))
		line := fmt.Sprintf("hook %d suspended by Podio until %s — %s; events until then are lost",
			h.id, v.SuspendUntil.Format("15:04"), reason)
		out = append(out, s.setStateLocked(h, StateSuspended, v.SuspendUntil, reason, line))
	}
	s.hooksMu.Unlock()
	for _, hs := range out {
		s.emit(hs)
	}
	if inactive != nil {
		s.suspectChange(inactive.spec.RefType, inactive.spec.RefID)
		s.startReverify(inactive)
	}
}

// setStateLocked moves h to state and returns the event that says so. A
// suspension arms a timer that reports the recovery at until.
func (s *Session) setStateLocked(h *hookState, state string, until time.Time, reason, line string) HookState {
	l := &h.live
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if state == StateInactive && l.state != StateInactive {
		l.episode++
	}
	l.state, l.until, l.reason, l.since = state, until, reason, s.clock.Now()
	if state == StateSuspended {
		id := h.id
		l.timer = s.clock.AfterFunc(until.Sub(s.clock.Now()), func() { s.suspensionOver(id, until) })
	}
	return HookState{HookID: h.id, State: state, Until: until, Reason: reason, Line: line}
}

// suspensionOver reports a hook whose suspension ended at until.
func (s *Session) suspensionOver(id int64, until time.Time) {
	s.hooksMu.Lock()
	h := s.hookLocked(id)
	if h == nil || h.live.state != StateSuspended || !h.live.until.Equal(until) {
		s.hooksMu.Unlock()
		return
	}
	h.live.timer = nil
	hs := s.setStateLocked(h, StateActive, time.Time{}, "Podio's suspension ended",
		fmt.Sprintf("hook %d active again: Podio's suspension ended at %s", id, until.Format("15:04")))
	s.hooksMu.Unlock()
	s.emit(hs)
}

// verifiedAgain notes a hook.verify devhook validated: a hook that was
// inactive is active again, with a clean record (as Podio resets it).
func (s *Session) verifiedAgain(id int64) {
	s.hooksMu.Lock()
	h := s.hookLocked(id)
	if h == nil || h.live.state != StateInactive {
		s.hooksMu.Unlock()
		return
	}
	hs := s.reactivatedLocked(h)
	s.hooksMu.Unlock()
	s.emit(hs)
}

// reactivatedLocked moves h, inactive and now verified again, to active
// with a clean record (as Podio resets it), and returns the event that
// says so: reverified when devhook asked for it.
func (s *Session) reactivatedLocked(h *hookState) HookState {
	reason := "verified again"
	if h.live.reverify {
		reason = "your app answers again, so devhook asked Podio to verify the hook and answered hook.verify itself"
	}
	h.live.reverify = false
	if hookrules.ResetHistoryOnVerify {
		h.live.hist, h.live.causes = hookrules.History{}, nil
	}
	hs := s.setStateLocked(h, StateActive, time.Time{}, reason, "")
	hs.State = StateReverified
	hs.Line = fmt.Sprintf("hook %d re-verified: %s; Podio delivers to it again", h.id, reason)
	return hs
}

// hookLocked returns the hook with id, or nil.
func (s *Session) hookLocked(id int64) *hookState {
	for _, h := range s.hooks {
		if h.id == id {
			return h
		}
	}
	return nil
}

// goLive marks every hook active once the session is ready.
func (s *Session) goLive() {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	for _, h := range s.hooks {
		if h.live.state == "" {
			h.live.state = StateActive
		}
	}
}

// causeSummary says what the last n failures were, most frequent first:
// "12× 500 from your app, 4× timeout".
func causeSummary(causes []string, n int) string {
	if n > len(causes) {
		n = len(causes)
	}
	count := map[string]int{}
	var order []string
	for _, c := range causes[len(causes)-n:] {
		if count[c] == 0 {
			order = append(order, c)
		}
		count[c]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	parts := make([]string, len(order))
	for i, c := range order {
		parts[i] = strconv.Itoa(count[c]) + "× " + c
	}
	return strings.Join(parts, ", ")
}

// liveHooks is the hooks as the inspector shows them: Podio's status, a
// suspension and the failure counts the rules look at.
func (s *Session) liveHooks(url string) []inspector.Hook {
	now := s.clock.Now()
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	out := make([]inspector.Hook, 0, len(s.hooks))
	for _, h := range s.hooks {
		ih := inspector.Hook{HookID: h.id, RefType: h.spec.RefType, RefID: h.spec.RefID, Type: h.spec.Event, URL: url,
			Status:              h.public().Status,
			Failures15m:         hookrules.FailuresWithin(h.live.hist.Failures, now, hookrules.SuspendWindow),
			Failures7d:          hookrules.FailuresWithin(h.live.hist.Failures, now, hookrules.DisableWindow),
			ConsecutiveFailures: h.live.hist.Consecutive,
		}
		switch h.live.state {
		case StateInactive:
			ih.Status, ih.InactiveReason = "inactive", h.live.reason
		case StateSuspended:
			until := h.live.until
			ih.SuspendedUntil = &until
		}
		out = append(out, ih)
	}
	return out
}
