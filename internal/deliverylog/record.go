// Package deliverylog keeps what devhook saw: one record per webhook
// delivery (request, response, timing, outcome), appended as JSON lines to
// a size-bounded, rotated file under the user's state directory, so that
// `devhook deliveries` can list them and `devhook replay` re-send one.
package deliverylog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	Kind Kind `json:"kind"`
	// Type is the event type, e.g. "item.create".
	Type string `json:"type,omitempty"`
	// HookID is the hook delivered to.
	HookID int64 `json:"hook_id,omitempty"`
	// IDs are the event's id parameters, "item_id=42" style, in order.
	IDs []string `json:"ids,omitempty"`
	// Outcome is the mock's outcome (delivered, failed, dropped_*), or for
	// the relay forwarded, verified, rejected or failed, or for a replay
	// replayed (2xx) or failed.
	Outcome Outcome `json:"outcome,omitempty"`
	// Status is the status answered to Podio (for a replay, the
	// receiver's; for a held event devhook up delivered later, the local
	// app's); 0 if none.
	Status int `json:"status"`
	// Acked is set when devhook up answered Podio 200 before the local
	// app answered (up --ack): Status is then 200, and Response is the
	// app's answer (empty when it was not reachable).
	Acked bool `json:"acked,omitempty"`
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
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is the escaped path (for devhook up, below the secret).
	Path string `json:"path"`
	// Query is the raw query string, without '?'.
	Query string `json:"query,omitempty"`
	// RemoteAddr is the peer address as [http.Request.RemoteAddr] has it,
	// for a request devhook up received; empty otherwise.
	RemoteAddr string `json:"remote_addr,omitempty"`
	// Header holds the request headers as received (Host excluded).
	Header http.Header `json:"header,omitempty"`
	// Body is the form body exactly as sent by Podio, or its first
	// [MaxBody] bytes (BodyTruncated set).
	Body []byte `json:"body,omitempty"`
	// BodySize is the whole body's length in bytes and BodySHA256 its
	// hex SHA-256, set by [Cap] when it shortens or drops the body.
	BodySize      int64  `json:"body_size,omitempty"`
	BodySHA256    string `json:"body_sha256,omitempty"`
	BodyTruncated bool   `json:"body_truncated,omitempty"`
}

// Response is what the receiver answered: status, headers, and the first
// 64 KiB of the body.
type Response struct {
	Status        int         `json:"status"`
	Header        http.Header `json:"header,omitempty"`
	Body          []byte      `json:"body,omitempty"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
}

// Kind says what a record is.
type Kind string

// The kinds of [Record].
const (
	// KindDelivery is an event delivery.
	KindDelivery Kind = "delivery"
	// KindVerify is a type=hook.verify request.
	KindVerify Kind = "verify"
	// KindRejected is a request the relay refused without forwarding it.
	KindRejected Kind = "rejected"
)

// Outcome is what became of one delivery. It is the one vocabulary of
// the mock's deliveries (package mockpodio), the relay of devhook up and
// devhook replay, as the log, the inspector and the terminal show them.
type Outcome string

// The outcomes. Each record has one.
const (
	// OutcomeDelivered: the mock's receiver answered 2xx within the
	// timeout.
	OutcomeDelivered Outcome = "delivered"
	// OutcomeFailed: unreachable, connection broken, non-2xx, or no
	// complete answer within the timeout (mock, relay and replay alike).
	// For the mock it counts toward the suspension and disabling rules.
	OutcomeFailed Outcome = "failed"
	// OutcomeDroppedSuspended: the mock's hook was suspended, so the
	// event was ignored, as Podio does.
	OutcomeDroppedSuspended Outcome = "dropped_suspended"
	// OutcomeDroppedInactive: the mock's hook was inactive (unverified or
	// disabled), or deleted before its turn came.
	OutcomeDroppedInactive Outcome = "dropped_inactive"
	// OutcomeDroppedFault: an injected delivery fault of the mock dropped
	// it.
	OutcomeDroppedFault Outcome = "dropped_fault"
	// OutcomeForwarded: the relay forwarded it and the local app answered
	// 2xx.
	OutcomeForwarded Outcome = "forwarded"
	// OutcomeVerified: a hook.verify the relay validated.
	OutcomeVerified Outcome = "verified"
	// OutcomeQueued: a delivery devhook up held because the local app was
	// down: Podio got 200, and the event waits in the session's buffer. A
	// later record whose ReplayOf names it is its delivery.
	OutcomeQueued Outcome = "queued"
	// OutcomeRejected: a request the relay refused.
	OutcomeRejected Outcome = "rejected"
	// OutcomeReplayed: a replay answered 2xx.
	OutcomeReplayed Outcome = "replayed"
)

// Class sorts o for display: "ok" (delivered, forwarded, verified),
// "bad" (failed, rejected) or "muted" (the others). The inspector's script has
// the same rule.
func (o Outcome) Class() string {
	switch o {
	case OutcomeDelivered, OutcomeForwarded, OutcomeVerified:
		return "ok"
	case OutcomeFailed, OutcomeRejected:
		return "bad"
	}
	return "muted"
}

// MaxBody is how much of a request or response body a record keeps, in
// the log, the feed and the inspector alike (see [Cap]).
const MaxBody = 64 << 10

// maxRejectedText bounds the path and query a rejected record keeps.
const maxRejectedText = 1 << 10

// Cap returns r bounded for keeping: a request body longer than [MaxBody]
// is cut to MaxBody, with BodySize and BodySHA256 describing the whole; a
// response body is cut to MaxBody (BodyTruncated). A rejected record
// ([KindRejected]) is kept brief: no request headers or body (only their
// size and hash), and at most 1 KiB of path and query, so that rejected
// requests cost little whatever was sent.
func Cap(r Record) Record {
	// The kept part is a copy: a slice of the body would keep all of it in
	// memory for as long as the record is kept.
	if len(r.Response.Body) > MaxBody {
		r.Response.Body = bytes.Clone(r.Response.Body[:MaxBody])
		r.Response.BodyTruncated = true
	}
	keep := MaxBody
	if r.Kind == KindRejected {
		keep = 0
		r.Request.Header = nil
		r.Request.Path = cut(r.Request.Path)
		r.Request.Query = cut(r.Request.Query)
	}
	r.Request = capBody(r.Request, keep)
	return r
}

// Shed returns r without its headers or bodies, for a delivery kept when
// there is no room for them (devhook up's records queue, internal/session):
// the request body's whole size and SHA-256 stay (BodySize, BodySHA256,
// BodyTruncated), a response body is dropped (BodyTruncated), and path and
// query keep at most 1 KiB, as a rejected record's do.
func Shed(r Record) Record {
	r.Request.Header = nil
	r.Request.Path = cut(r.Request.Path)
	r.Request.Query = cut(r.Request.Query)
	if r.Request.BodyTruncated {
		r.Request.Body = nil // BodySize and BodySHA256 already describe the whole
	} else {
		r.Request = capBody(r.Request, 0)
	}
	r.Response.Header = nil
	if len(r.Response.Body) > 0 {
		r.Response.Body = nil
		r.Response.BodyTruncated = true
	}
	return r
}

// CapBody returns q with a body longer than [MaxBody] cut to a copy of its
// first MaxBody bytes, BodySize and BodySHA256 describing the whole, as
// [Cap] keeps a delivery's request body.
func CapBody(q Request) Request { return capBody(q, MaxBody) }

func capBody(q Request, keep int) Request {
	if b := q.Body; len(b) > keep {
		sum := sha256.Sum256(b)
		q.BodySize = int64(len(b))
		q.BodySHA256 = hex.EncodeToString(sum[:])
		q.BodyTruncated = true
		q.Body = nil
		if keep > 0 {
			q.Body = bytes.Clone(b[:keep])
		}
	}
	return q
}

func cut(s string) string {
	if len(s) > maxRejectedText {
		return s[:maxRejectedText] + "…"
	}
	return s
}

// Latency is r.LatencyMS as a duration.
func (r Record) Latency() time.Duration {
	return time.Duration(r.LatencyMS * float64(time.Millisecond))
}

// Millis is d in milliseconds, as [Record.LatencyMS] holds a latency.
func Millis(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// FormatLatency renders a latency for people, the one way devhook shows
// them (terminal, inspector): "0.4 ms" below 1 ms, "14 ms" below 1 s,
// "11.2 s" above. The inspector's script has the same rule.
func FormatLatency(d time.Duration) string {
	return FormatLatencyMS(Millis(d))
}

// FormatLatencyMS is [FormatLatency] of a latency in milliseconds, as
// [Record.LatencyMS] holds it.
func FormatLatencyMS(ms float64) string {
	switch {
	case ms < 0.95:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 999.5:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.1f s", ms/1000)
	}
}
