package mockpodio

import (
	"context"
	"fmt"
	"maps"
)

// Deliveries returns a copy of the recorded deliveries, oldest first. At
// most MaxDeliveries are kept; [Server.Stats] counts every one.
func (s *Server) Deliveries() []Delivery {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, s.recorded-int64(s.dropped))
	for id := int64(s.dropped) + 1; id <= s.recorded; id++ {
		d := *s.deliveryLocked(id)
		d.Params = maps.Clone(d.Params)
		out = append(out, d)
	}
	return out
}

// Stats counts what the server has done since it started or was reset.
type Stats struct {
	// Events counts fired events, hook.verify included.
	Events int64 `json:"events"`
	// Deliveries counts recorded deliveries, including those the record
	// has since dropped.
	Deliveries int64 `json:"deliveries"`
	// Outcomes counts deliveries by outcome; every outcome is present,
	// with 0 when none happened.
	Outcomes map[Outcome]int `json:"outcomes"`
	// DroppedFromRecord counts deliveries dropped from the record by the
	// MaxDeliveries cap.
	DroppedFromRecord int `json:"dropped_from_record"`
	// VerifyEvents counts the hook.verify events among Events.
	VerifyEvents int64 `json:"verify_events"`
	// Targeted counts the (event, hook) pairs of the events other than
	// hook.verify: each hook an event targeted, once per event.
	Targeted int64 `json:"targeted"`
	// EventOutcomes counts by outcome the deliveries of those pairs, one
	// per pair: once every delivery has finished, they add up to Targeted.
	EventOutcomes map[Outcome]int `json:"event_outcomes"`
	// VerifyOutcomes counts hook.verify deliveries by outcome.
	VerifyOutcomes map[Outcome]int `json:"verify_outcomes"`
	// DuplicateOutcomes counts by outcome the extra copies an injected
	// duplicate fault sent. Outcomes is the sum of the three.
	DuplicateOutcomes map[Outcome]int `json:"duplicate_outcomes"`
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	all := func(counts map[Outcome]int) map[Outcome]int {
		m := make(map[Outcome]int, len(outcomes))
		for _, o := range outcomes {
			m[o] = counts[o]
		}
		return m
	}
	return Stats{Events: s.events, Deliveries: s.recorded, Outcomes: all(s.counts), DroppedFromRecord: s.dropped,
		VerifyEvents: s.verifyEvents, Targeted: s.targeted, EventOutcomes: all(s.eventCounts),
		VerifyOutcomes: all(s.verifyCounts), DuplicateOutcomes: all(s.dupCounts)}
}

// AwaitDeliveries blocks until at least n deliveries have been recorded
// since the server started or was reset, and fails only when ctx ends.
func (s *Server) AwaitDeliveries(ctx context.Context, n int) error {
	s.init()
	for {
		s.mu.Lock()
		got, ch := s.recorded, s.changed
		s.mu.Unlock()
		if got >= int64(n) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("mockpodio: await %d deliveries (have %d): %w", n, got, context.Cause(ctx))
		}
	}
}

// AwaitDelivery blocks until a recorded delivery satisfies match and
// returns it; it looks at deliveries already recorded too. It fails only
// when ctx ends.
func (s *Server) AwaitDelivery(ctx context.Context, match func(Delivery) bool) (Delivery, error) {
	s.init()
	var seen int64 // the last ID looked at, in generation gen
	gen := -1
	for {
		s.mu.Lock()
		ch := s.changed
		var found *Delivery
		if s.gen != gen {
			seen, gen = 0, s.gen // started, or reset since
		}
		for id := max(seen, int64(s.dropped)) + 1; id <= s.recorded; id++ {
			if d := *s.deliveryLocked(id); match(d) {
				d.Params = maps.Clone(d.Params)
				found = &d
				break
			}
		}
		seen = s.recorded
		s.mu.Unlock()
		if found != nil {
			return *found, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Delivery{}, fmt.Errorf("mockpodio: await delivery: %w", context.Cause(ctx))
		}
	}
}

// AwaitHook blocks until hook id's snapshot satisfies match and returns
// it. It fails only when ctx ends.
func (s *Server) AwaitHook(ctx context.Context, id int64, match func(Hook) bool) (Hook, error) {
	s.init()
	for {
		s.mu.Lock()
		ch := s.changed
		var snap Hook
		h, ok := s.hooks[id]
		if ok {
			snap = s.hookSnapshotLocked(h)
		}
		s.mu.Unlock()
		if ok && match(snap) {
			return snap, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return snap, fmt.Errorf("mockpodio: await hook %d: %w", id, context.Cause(ctx))
		}
	}
}
