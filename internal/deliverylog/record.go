// Package deliverylog keeps what devhook saw: one record per webhook
// delivery (request, response, timing, outcome), appended as JSON lines to
// a size-bounded, rotated file under the user's state directory, so that
// `devhook deliveries` can list them and `devhook replay` re-send one.
package deliverylog

import (
	"net/http"
	"time"
)

// Record is one delivery as devhook logs it. Its JSON form is one line of
// the log file; field names are stable.
type Record struct {
	// ID identifies the record across runs: "<run>-<seq>", e.g.
	// "k3f9a2-17". Replay takes it.
	ID string `json:"id"`
	// Time is when the delivery arrived (devhook up) or was attempted
	// (devhook mock, devhook replay).
	Time time.Time `json:"time"`
	// Source is "up" (a delivery the relay forwarded), "mock" (a delivery
	// the mock made) or "replay" (a re-send).
	Source string `json:"source"`
	// Kind is "delivery", "verify" or "rejected".
	Kind string `json:"kind"`
	// Type is the event type, e.g. "item.create".
	Type string `json:"type,omitempty"`
	// HookID is the hook delivered to.
	HookID int64 `json:"hook_id,omitempty"`
	// IDs are the event's id parameters, "item_id=42" style, in order.
	IDs []string `json:"ids,omitempty"`
	// Outcome is the mock's outcome (delivered, failed, dropped_*), or for
	// the relay "forwarded", "verified", "rejected", "failed", or for a
	// replay "replayed" (2xx) or "failed".
	Outcome string `json:"outcome,omitempty"`
	// Status is the status answered to Podio (for a replay, the
	// receiver's); 0 if none.
	Status int `json:"status"`
	// LatencyMS is how long the delivery took, in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	// Error and Warning say what went wrong or looked risky.
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
	// Target is where the delivery went: the local app's URL (up), the
	// hook URL (mock) or the URL re-sent to (replay).
	Target string `json:"target,omitempty"`
	// ReplayOf is, for a replay, the ID of the record it re-sent.
	ReplayOf string   `json:"replay_of,omitempty"`
	Request  Request  `json:"request"`
	Response Response `json:"response"`
}

// Request is the delivery as received or sent.
type Request struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query,omitempty"`
	Header http.Header `json:"header,omitempty"`
	// Body is the form body exactly as sent by Podio.
	Body []byte `json:"body,omitempty"`
}

// Response is what the receiver answered: status, headers, and the first
// 64 KiB of the body.
type Response struct {
	Status        int         `json:"status"`
	Header        http.Header `json:"header,omitempty"`
	Body          []byte      `json:"body,omitempty"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
}

// Outcomes of the records devhook up and devhook replay log; the mock's
// are its own (delivered, failed, dropped_*).
const (
	OutcomeForwarded = "forwarded" // the local app answered 2xx
	OutcomeVerified  = "verified"  // a hook.verify devhook validated
	OutcomeRejected  = "rejected"  // a request the relay refused
	OutcomeFailed    = "failed"    // anything else
	OutcomeReplayed  = "replayed"  // a replay answered 2xx
)

// MaxBody is how much of a response body a record keeps.
const MaxBody = 64 << 10
