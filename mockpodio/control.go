package mockpodio

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// The control API: the mock's own routes under /_mock/, never mixed into
// Podio's. Stable JSON, so test suites in any language can script the
// mock. Each route has a Go method on Server too.

// ClockState is GET /_mock/clock's answer.
type ClockState struct {
	Now    time.Time `json:"now"`    // the clock's reading
	Manual bool      `json:"manual"` // whether Server.Advance can move it
}

// ErrClockNotManual is returned when asked to move a clock that cannot
// be moved: one without an Advance(time.Duration) method.
var ErrClockNotManual = errors.New("mockpodio: the clock is not manual (start the mock with a manual clock)")

// MaxClock is as far as [Server.Advance] moves a manual clock: far enough
// for any test, and far enough from year 9999, past which times cannot be
// written as JSON, for every expiry the mock computes to stay writable.
var MaxClock = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrClockBound is returned when asked to move a manual clock past
// [MaxClock]; the clock does not move.
var ErrClockBound = errors.New("mockpodio: the clock cannot move that far")

// advancer is a clock a test can move, such as [ManualClock] or any Clock
// of a test's own with an Advance method (a wrapper embedding one).
type advancer interface {
	Advance(d time.Duration)
}

// Advance moves the server's clock forward by d, firing everything due:
// suspensions end, tokens expire, delayed deliveries go out. The clock can
// be any [Clock] with an Advance(time.Duration) method, such as a
// [ManualClock] or a test's wrapper around one; any other is
// [ErrClockNotManual]; one that would pass [MaxClock] is [ErrClockBound].
func (s *Server) Advance(d time.Duration) error {
	mc, ok := s.Clock.(advancer)
	if !ok {
		return ErrClockNotManual
	}
	if now := s.clock().Now(); d > MaxClock.Sub(now) {
		return fmt.Errorf("%w: %s would take the clock from %s past %s", ErrClockBound, d,
			now.UTC().Format(time.RFC3339), MaxClock.Format(time.RFC3339))
	}
	mc.Advance(d)
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

// FireEvent fires an event of type typ on the object refType/refID, as if
// the action had happened in Podio, and returns the event id. Parameters
// the event takes but params lacks get the values of its fixture, except
// app_id on an app and space_id on a space, which are refID; a parameter
// the event does not take is an error.
func (s *Server) FireEvent(refType string, refID int64, typ string, params map[string]string) (int64, error) {
	if !fixtures.Allowed(refType, typ) {
		if _, ok := fixtures.Lookup(typ); !ok || typ == fixtures.VerifyEvent {
			return 0, invalid("Invalid type %q: not a hook event type", typ)
		}
		return 0, invalid("Invalid type %q for ref_type %q", typ, refType)
	}
	if refID <= 0 {
		return 0, invalid("ref_id must be a positive integer")
	}
	ev, err := fixtures.Get(typ)
	if err != nil {
		return 0, invalid("%v", err)
	}
	// The object fired on is the event's own app or space, unless told.
	own := map[string]string{fixtures.RefApp: "app_id", fixtures.RefSpace: "space_id"}[refType]
	if _, ok := ev.Params[own]; ok && own != "" {
		ev.Params[own] = strconv.FormatInt(refID, 10)
	}
	if params != nil {
		if _, ok := params["hook_id"]; ok {
			return 0, invalid("hook_id is set by the mock for each hook")
		}
		if ev, err = ev.With(params); err != nil {
			return 0, invalid("%v", err)
		}
	}
	spec, _ := fixtures.Lookup(typ)
	ps := make([]param, 0, len(spec.Params))
	for _, k := range spec.Params {
		ps = append(ps, param{k, ev.Params[k]})
	}
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fireLocked(typ, ps, target{refType, refID}), nil
}

// Reset empties the mock and loads its seed again. Deliveries still in
// flight finish, but are no longer recorded.
func (s *Server) Reset() {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.resetLocked()
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, parts []string) {
	route := r.Method + " " + strings.Join(parts, "/")
	switch route {
	case "GET hooks":
		hooks := []controlHook{}
		for _, h := range s.Hooks() {
			hooks = append(hooks, controlHook{Hook: h, InactiveReason: h.InactiveReason})
		}
		writeJSON(w, http.StatusOK, hooks)
	case "GET deliveries":
		s.serveDeliveries(w, r)
	case "GET stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "GET objects":
		writeJSON(w, http.StatusOK, s.Objects())
	case "GET clock":
		writeJSON(w, http.StatusOK, s.ClockState())
	case "POST clock/advance":
		var body struct {
			Duration Duration `json:"duration"`
		}
		if err := decodeControl(r, &body); err != nil {
			writeError(w, r, err)
			return
		}
		if err := s.Advance(body.Duration.Duration); err != nil {
			if errors.Is(err, ErrClockBound) {
				writeError(w, r, invalid("%v", err))
				return
			}
			writeError(w, r, errorf(http.StatusConflict, codeConflict, "%v", err))
			return
		}
		writeJSON(w, http.StatusOK, s.ClockState())
	case "POST events":
		var body struct {
			RefType string            `json:"ref_type"`
			RefID   int64             `json:"ref_id"`
			Type    string            `json:"type"`
			Params  map[string]string `json:"params"`
		}
		if err := decodeControl(r, &body); err != nil {
			writeError(w, r, err)
			return
		}
		id, err := s.FireEvent(body.RefType, body.RefID, body.Type, body.Params)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int64{"event_id": id})
	case "GET faults":
		writeJSON(w, http.StatusOK, s.CurrentFaults())
	case "POST faults":
		var f Faults
		if err := decodeControl(r, &f); err != nil {
			writeError(w, r, err)
			return
		}
		if err := s.AddFaults(f); err != nil {
			writeError(w, r, invalid("%v", err))
			return
		}
		writeJSON(w, http.StatusOK, s.CurrentFaults())
	case "DELETE faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST reset":
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, errorf(http.StatusNotFound, codeNotFound,
			"No mock control route %s /_mock/%s: see GET hooks, deliveries, stats, objects, clock, faults; POST clock/advance, events, faults, reset; DELETE faults",
			r.Method, strings.Join(parts, "/")))
	}
}

// controlHook is a [Hook] as GET /_mock/hooks shows it: inactive_reason is
// there for active hooks too (empty), so every hook has the same keys.
type controlHook struct {
	Hook
	InactiveReason string `json:"inactive_reason"`
}

// ClockState returns the mock clock's reading and whether it is manual.
func (s *Server) ClockState() ClockState {
	_, manual := s.Clock.(advancer)
	return ClockState{Now: s.now(), Manual: manual}
}

// deliveryFilters are the query parameters of GET /_mock/deliveries.
var deliveryFilters = []string{"hook_id", "type", "outcome", "after", "limit"}

// Pages of GET /_mock/deliveries: at most limit deliveries (default
// DefaultDeliveriesPage, at most MaxDeliveriesPage); when more match, the
// X-Next-After header holds the id to pass as after for the next page.
const (
	DefaultDeliveriesPage = 1000
	MaxDeliveriesPage     = 10000
)

// serveDeliveries answers GET /_mock/deliveries, filtered by hook_id,
// type, outcome and after (an id: only later deliveries).
func (s *Server) serveDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains(deliveryFilters, name) {
			writeError(w, r, invalid("Unknown filter %q: use %s", name, strings.Join(deliveryFilters, ", ")))
			return
		}
	}
	var hookID, after int64
	limit := int64(DefaultDeliveriesPage)
	for name, dst := range map[string]*int64{"hook_id": &hookID, "after": &after, "limit": &limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, r, invalid("Invalid %s %q: must be a whole number", name, v))
				return
			}
			*dst = n
		}
	}
	typ, outcome := q.Get("type"), q.Get("outcome")
	if typ != "" && !validEventType(typ) {
		writeError(w, r, invalid("Invalid type %q: not an event type", typ))
		return
	}
	if outcome != "" && !slices.Contains(outcomes, Outcome(outcome)) {
		writeError(w, r, invalid("Invalid outcome %q: use one of %v", outcome, outcomes))
		return
	}
	if limit < 1 || limit > MaxDeliveriesPage {
		writeError(w, r, invalid("Invalid limit %d: must be 1 to %d", limit, MaxDeliveriesPage))
		return
	}
	out := []Delivery{}
	more := false
	s.init()
	s.mu.Lock()
	for id := max(after, int64(s.dropped)) + 1; id <= s.recorded; id++ {
		d := s.deliveryLocked(id)
		if (hookID == 0 || d.HookID == hookID) && (typ == "" || d.Type == typ) && (outcome == "" || string(d.Outcome) == outcome) {
			if int64(len(out)) == limit {
				more = true
				break
			}
			c := *d
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	if more {
		w.Header().Set("X-Next-After", strconv.FormatInt(out[len(out)-1].ID, 10))
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeControl reads a control route's JSON body strictly.
func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("Invalid JSON body: %v", err)
	}
	if dec.More() {
		return invalid("Invalid JSON body: more than one JSON value")
	}
	return nil
}
