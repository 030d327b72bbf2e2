package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devhookhq/devhook/internal/podio"
)

// While the session runs it checks its prediction against Podio's own
// view: one hook list per reference, at most once per CheckEvery in
// steady state, once at once after a suspected change (a hook the rules
// say Podio made inactive) or a jump of the wall clock (a laptop that
// slept), and less often while Podio answers 420 (rate limited: 1,000
// calls an hour, https://developers.podio.com/index/limits).
const (
	// DefaultCheckEvery is the steady-state interval of the hook list
	// per reference.
	DefaultCheckEvery = time.Minute
	// maxCheckEvery bounds the interval after repeated 420s.
	maxCheckEvery = 32 * time.Minute
	// heartbeat is how often the monitor looks at the clock; a gap much
	// longer than that means the machine slept.
	heartbeat = 10 * time.Second
	// jumpAfter is the gap, while waiting for a heartbeat, taken for a
	// clock jump.
	jumpAfter = 2 * time.Minute
)

// settleDelay is how long after a suspected change the check comes: Podio
// applies its rules once it has the answer, just after the relay saw it.
const settleDelay = 2 * time.Second

// refCheck is the monitor's schedule for one reference.
type refCheck struct {
	next     time.Time     // when the next steady-state check is due
	interval time.Duration // current interval (doubles on 420)
	urgent   bool          // check at once
	limited  bool          // the last check got 420
}

// suspectChange asks for a check of a reference, once, shortly.
func (s *Session) suspectChange(refType string, refID int64) {
	s.monMu.Lock()
	if s.urgent == nil {
		s.urgent = map[ref]time.Time{}
	}
	s.urgent[ref{refType, refID}] = s.clock.Now().Add(settleDelay)
	s.monMu.Unlock()
	select {
	case s.monKick <- struct{}{}:
	default:
	}
}

// monitor checks the hooks against Podio's list until ctx is done, from
// start on.
func (s *Session) monitor(ctx context.Context, start time.Time) {
	every := s.cfg.CheckEvery
	if every <= 0 {
		every = DefaultCheckEvery
	}
	checks := map[ref]*refCheck{}
	var refs []ref
	for _, h := range s.Hooks() {
		r := ref{h.RefType, h.RefID}
		if _, ok := checks[r]; !ok {
			refs = append(refs, r)
			checks[r] = &refCheck{next: start.Add(every), interval: every}
		}
	}
	last := start
	for {
		s.followTunnel(ctx)
		now := s.clock.Now()
		// The gap since the last look: a heartbeat at most, unless the
		// clock jumped (the machine slept) meanwhile.
		gap := now.Round(0).Sub(last.Round(0))
		last = now
		if gap > jumpAfter {
			s.emit(Warning{Text: fmt.Sprintf("devhook: the clock jumped %s (did the machine sleep?); checking the hooks with Podio", gap.Round(time.Second))})
			for _, c := range checks {
				c.urgent = true
			}
		}
		wait := heartbeat
		s.monMu.Lock()
		for r, due := range s.urgent {
			if c, ok := checks[r]; ok && !now.Before(due) {
				c.urgent = true
				delete(s.urgent, r)
			} else if ok {
				wait = min(wait, due.Sub(now))
			} else {
				delete(s.urgent, r)
			}
		}
		s.monMu.Unlock()
		for _, r := range refs {
			c := checks[r]
			if !c.urgent && now.Before(c.next) {
				continue
			}
			if c.urgent && c.limited && now.Before(c.next) {
				continue // rate limited: the urgent check waits for the backoff
			}
			c.urgent = false
			err := s.checkRef(ctx, r)
			switch {
			case ctx.Err() != nil:
				return
			case errors.Is(err, podio.ErrRateLimited):
				if !c.limited {
					s.emit(Warning{Text: fmt.Sprintf("devhook: warning: checking the hooks on %s: Podio says rate limited (420); checking less often", r)})
				}
				c.limited = true
				c.interval = min(2*c.interval, maxCheckEvery)
			case err != nil:
				s.emit(Warning{Text: fmt.Sprintf("devhook: warning: %v", err)})
			default:
				c.limited = false
				c.interval = every
			}
			c.next = s.clock.Now().Add(c.interval)
		}
		for _, c := range checks {
			if d := c.next.Sub(now); d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		ch, t := after(s.clock, wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-ch:
		case <-s.monKick:
			t.Stop()
		}
	}
}

// checkRef lists the hooks on r and brings the session's view in line
// with Podio's: a hook Podio lists as inactive is inactive, one it lists
// as active is no longer held back, one it no longer lists is gone.
func (s *Session) checkRef(ctx context.Context, r ref) error {
	list, err := s.cfg.Client.ListHooks(ctx, r.typ, r.id)
	if err != nil {
		return fmt.Errorf("check hooks on %s: %w", r, err)
	}
	status := map[int64]string{}
	for _, l := range list {
		status[l.HookID] = l.Status
	}
	var out []HookState
	var inactive []*hookState
	s.hooksMu.Lock()
	for _, h := range s.hooks {
		if h.spec.RefType != r.typ || h.spec.RefID != r.id || h.live.state == "" {
			continue
		}
		st, listed := status[h.id]
		switch {
		case !listed && h.live.state != StateInactive:
			reason := "Podio no longer lists it (deleted elsewhere?)"
			out = append(out, s.setStateLocked(h, StateInactive, time.Time{}, reason,
				fmt.Sprintf("hook %d is gone: %s", h.id, reason)))
		case listed && st == podio.HookInactive && h.live.state != StateInactive:
			reason := "Podio lists it as inactive"
			if h.live.reason != "" && h.live.state == StateSuspended {
				reason += " after " + h.live.reason
			}
			out = append(out, s.setStateLocked(h, StateInactive, time.Time{}, reason,
				fmt.Sprintf("hook %d is inactive: %s; it gets no events until it is verified again", h.id, reason)))
			inactive = append(inactive, h)
		case listed && st == podio.HookActive && h.live.state == StateInactive && !s.clock.Now().Before(h.live.since.Add(settleDelay)):
			// (A prediction younger than settleDelay waits for the check
			// that confirms it: Podio may not have applied its rule yet.)
			if h.live.reverify {
				out = append(out, s.reactivatedLocked(h)) // before its hook.verify is reported
				continue
			}
			out = append(out, s.setStateLocked(h, StateActive, time.Time{}, "Podio lists it as active",
				fmt.Sprintf("hook %d active again: Podio lists it as active", h.id)))
		}
	}
	s.hooksMu.Unlock()
	for _, hs := range out {
		s.emit(hs)
	}
	for _, h := range inactive {
		s.startReverify(h)
	}
	return nil
}
