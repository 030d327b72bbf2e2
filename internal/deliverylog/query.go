package deliverylog

import (
	"errors"
	"fmt"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/usage"
)

// Query selects records, as devhook deliveries does: those of event type
// Type and to hook HookID (the zero values select all), then the newest
// Last of them (0: all).
type Query struct {
	Type   string
	HookID int64
	Last   int
}

// Select returns the records of recs, oldest first, that q selects.
func (q Query) Select(recs []Record) []Record {
	var out []Record
	for _, r := range recs {
		if (q.Type == "" || r.Type == q.Type) && (q.HookID == 0 || r.HookID == q.HookID) {
			out = append(out, r)
		}
	}
	if q.Last > 0 && len(out) > q.Last {
		out = out[len(out)-q.Last:]
	}
	return out
}

// Check refuses, as a usage error ([usage.Err]), a query devhook
// deliveries cannot run: a negative --last or --hook, or a --type that is
// no event type (with fixtures' suggestion). command is how the user runs
// devhook, for the hint to list the types.
func (q Query) Check(command string) error {
	if q.Last < 0 {
		return usage.Errorf("--last must be 0 (all) or more, not %d", q.Last)
	}
	if q.HookID < 0 {
		return usage.Errorf("--hook wants a positive id, not %d", q.HookID)
	}
	if q.Type != "" {
		if _, err := fixtures.Get(q.Type); err != nil {
			msg := fmt.Sprintf("--type %q is not an event type", q.Type)
			if ue, ok := errors.AsType[*fixtures.UnknownEventError](err); ok && ue.Suggestion != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", ue.Suggestion)
			}
			return usage.Errorf("%s; see %s fixtures list", msg, command)
		}
	}
	return nil
}
