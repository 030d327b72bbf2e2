package session

import (
	"net/http"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

// The --json stream of `devhook up` is one JSON object per line, of two
// kinds: "delivery", one per delivery Podio makes (hook.verify included)
// and per held event delivered later; and "hook_state", one per change of
// a hook's state. Field names are stable.

// StreamDelivery is a "delivery" line.
type StreamDelivery struct {
	Kind      string              `json:"kind"` // "delivery"
	Time      time.Time           `json:"time"`
	ID        string              `json:"id,omitempty"` // the delivery log's record ID
	Type      string              `json:"type"`
	HookID    int64               `json:"hook_id,omitempty"`
	IDs       []string            `json:"ids,omitempty"`
	Status    int                 `json:"status"`                 // what Podio got (for a held event delivered later, the app's answer)
	AppStatus int                 `json:"app_status,omitempty"`   // what the local app answered, when it answered
	Outcome   deliverylog.Outcome `json:"outcome"`                // forwarded, verified, queued, failed
	Acked     bool                `json:"acked,omitempty"`        // Podio got 200 before the app answered (--ack)
	Queued    bool                `json:"queued,omitempty"`       // held while the app is down; Podio got 200
	HeldAs    string              `json:"held_as,omitempty"`      // for a held event delivered later: its queued record's ID
	LatencyMS float64             `json:"latency_ms"`             // arrival to the app's complete answer
	Error     string              `json:"error,omitempty"`        // what went wrong
	Warning   string              `json:"warning,omitempty"`      // e.g. SLOW
	Target    string              `json:"forwarded_to,omitempty"` // the local URL
	Request   StreamBody          `json:"request"`                // Podio's request as received
	Response  StreamBody          `json:"response"`               // the app's answer (or devhook's own)
}

// StreamBody is a request or response in a "delivery" line. A body that
// is valid UTF-8, as Podio's form bodies always are, is text in Body;
// any other is base64 in BodyBase64.
type StreamBody struct {
	Body       string      `json:"body,omitempty"`
	BodyBase64 string      `json:"body_base64,omitempty"`
	Method     string      `json:"method,omitempty"`
	Path       string      `json:"path,omitempty"`
	Query      string      `json:"query,omitempty"`
	Status     int         `json:"status,omitempty"`
	Header     http.Header `json:"header,omitempty"`
}

// StreamHookState is a "hook_state" line.
type StreamHookState struct {
	Kind   string     `json:"kind"` // "hook_state"
	Time   time.Time  `json:"time"`
	HookID int64      `json:"hook_id"`
	State  string     `json:"state"`
	Until  *time.Time `json:"until,omitempty"`
	Reason string     `json:"reason,omitempty"`
	Count  int        `json:"count,omitempty"`
}

// StreamLine renders ev as one line of the --json stream, without the
// newline, and reports false for events the stream does not carry
// (everything but Delivery, for requests Podio made, and HookState).
func StreamLine(ev Event) ([]byte, bool) {
	var v any
	switch ev := ev.(type) {
	case Delivery:
		r := ev.Record
		if r.Type == "" {
			return nil, false // a rejected request: not a delivery
		}
		d := StreamDelivery{Kind: "delivery", Time: r.Time, ID: r.ID, Type: r.Type, HookID: r.HookID,
			IDs: r.IDs, Status: r.Status, Outcome: r.Outcome, Acked: r.Acked, Queued: r.Outcome == deliverylog.OutcomeQueued,
			HeldAs: r.ReplayOf, LatencyMS: r.LatencyMS, Error: r.Error, Warning: r.Warning, Target: r.Target}
		q, a := r.Request, r.Response
		d.Request = StreamBody{Method: q.Method, Path: q.Path, Query: q.Query, Header: q.Header}
		d.Request.Body, d.Request.BodyBase64 = render.Body(q.Body)
		d.Response = StreamBody{Status: a.Status, Header: a.Header}
		d.Response.Body, d.Response.BodyBase64 = render.Body(a.Body)
		if a.Status != 0 && r.Target != "" && r.Error == "" {
			d.AppStatus = a.Status
		}
		v = d
	case HookState:
		h := StreamHookState{Kind: "hook_state", Time: ev.Time, HookID: ev.HookID, State: ev.State, Reason: ev.Reason, Count: ev.Count}
		if !ev.Until.IsZero() {
			u := ev.Until
			h.Until = &u
		}
		v = h
	default:
		return nil, false
	}
	line, err := render.Encode(v)
	return line, err == nil
}
