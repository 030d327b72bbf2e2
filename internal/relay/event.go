package relay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// Kind says what the relay did with a request: the delivery log's kind
// (internal/deliverylog).
type Kind = deliverylog.Kind

// The kinds of [Event].
const (
	// KindDelivery is an event delivery forwarded to the local app.
	KindDelivery = deliverylog.KindDelivery
	// KindVerify is a type=hook.verify request.
	KindVerify = deliverylog.KindVerify
	// KindRejected is a request the relay refused without forwarding it:
	// wrong path or method (404), a body that is not a form or has no type
	// (400), a body too large (413), or a request after [Handler.Close] (503).
	KindRejected = deliverylog.KindRejected
)

// Event reports one request handled by a [Handler]. It marshals to JSON
// with stable snake_case keys.
type Event struct {
	// Time is when the request arrived, from [Config.Now].
	Time time.Time `json:"time"`
	// Kind says what the relay did with the request.
	Kind Kind `json:"kind"`
	// Type is the form's type parameter, e.g. "item.create"; empty for
	// rejected requests that were not parsed.
	Type string `json:"type,omitempty"`
	// HookID is the form's hook_id parameter, or 0 when absent or not a
	// positive number.
	HookID int64 `json:"hook_id,omitempty"`
	// IDs lists the event's non-empty id parameters as "key=value", in the
	// order of the event catalogue (fixtures.IDParams).
	IDs []string `json:"ids,omitempty"`
	// Status is the local app's status code when it answered. Otherwise it
	// is the status the relay answered itself: 404, 400, 413 or 503 for a
	// rejected request, 200 for a verified hook.verify, 502 for a failed
	// Validate or an unreachable local app (in Ack mode too, although the
	// caller got 200 then).
	Status int `json:"status"`
	// Verified is true when [Config.Validate] accepted the hook.verify code.
	Verified bool `json:"verified,omitempty"`
	// Acked is true when the caller got 200 before the local app answered
	// ([Config.Ack]).
	Acked bool `json:"acked,omitempty"`
	// Queued is true when the local app was down: the caller got 200 and
	// the delivery went to [Config.Buffer], to be forwarded later.
	Queued bool `json:"queued,omitempty"`
	// ForwardedTo is the local URL the request was forwarded to, or empty
	// when it was not forwarded.
	ForwardedTo string `json:"forwarded_to,omitempty"`
	// Latency is the time from the request's arrival until the local app's
	// answer was read completely (or, when not forwarded, until the relay
	// answered), on the monotonic clock.
	Latency time.Duration `json:"latency_ns"`
	// Err describes what went wrong, e.g. "local app not reachable at
	// http://127.0.0.1:3000/hook (connection refused)"; empty on success.
	Err string `json:"error,omitempty"`
	// Warning is set when the local app answered slowly, e.g. "SLOW: 11.2 s
	// (Podio gives up at 15 s)".
	Warning string `json:"warning,omitempty"`
	// Request is the public request as received.
	Request Request `json:"request"`
	// Response is the local app's answer when it answered; otherwise the
	// relay's own answer (empty for an acked delivery whose local app was
	// not reachable).
	Response Response `json:"response"`
}

// Request is the public request as the relay received it: the delivery
// log's request (internal/deliverylog). Path is the escaped path below
// the secret ("/" for the bare secret path); for a request rejected with
// 404 it is the whole path, with the secret replaced by "{secret}"
// wherever it occurs, and so is Query. Body is nil for requests rejected
// with 404, which the relay does not read.
type Request = deliverylog.Request

// Response is an HTTP answer recorded in an [Event]: the delivery log's
// response.
type Response = deliverylog.Response

// FormatLine renders e as one terminal line without a trailing newline:
//
//	10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms
//	10:02:03  hook.verify  hook 12  -> verified
//	10:02:03  item.create  hook 12  item_id=42  -> 502  local app not reachable at http://127.0.0.1:3000/hook (connection refused)
//	10:02:03  item.create  hook 12  item_id=42  -> 200  11.2 s  SLOW: 11.2 s (Podio gives up at 15 s)
//	10:02:03  item.create  hook 12  item_id=42  -> acked, local 500  14 ms
//	10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)
//
// The time is printed in e.Time's location. Control characters that the
// sender put in a field are quoted so the result stays on one line.
func FormatLine(e Event) string {
	var b strings.Builder
	b.WriteString(e.Time.Format("15:04:05"))
	if e.Kind == KindRejected {
		target := e.Request.Path
		if e.Request.Query != "" {
			target += "?" + e.Request.Query
		}
		fmt.Fprintf(&b, "  rejected %s %s from %s (%d", oneLine(e.Request.Method), oneLine(target), oneLine(e.Request.RemoteAddr), e.Status)
		if e.Err != "" {
			b.WriteString(": " + oneLine(e.Err))
		}
		b.WriteString(")")
		return b.String()
	}
	typ := e.Type
	if typ == "" {
		typ = string(e.Kind)
	}
	b.WriteString("  " + oneLine(typ))
	if e.HookID != 0 {
		b.WriteString("  hook " + strconv.FormatInt(e.HookID, 10))
	}
	if len(e.IDs) > 0 {
		b.WriteString("  " + oneLine(strings.Join(e.IDs, " ")))
	}
	b.WriteString("  -> ")
	switch {
	case e.Queued:
		b.WriteString("queued (app down)")
		if e.Err != "" {
			b.WriteString("  " + oneLine(e.Err))
		}
	case e.Verified && e.ForwardedTo == "":
		b.WriteString("verified")
	default:
		if e.Verified {
			b.WriteString("verified, local ")
		} else if e.Acked {
			b.WriteString("acked, local ")
		}
		b.WriteString(strconv.Itoa(e.Status))
		if e.Err != "" {
			b.WriteString("  " + oneLine(e.Err))
		} else if e.ForwardedTo != "" {
			b.WriteString("  " + deliverylog.FormatLatency(e.Latency))
		}
	}
	if e.Warning != "" {
		b.WriteString("  " + oneLine(e.Warning))
	}
	return b.String()
}

// FormatJSON renders e as one JSON object without a trailing newline, for
// --json mode (one object per line). Byte slices are base64, the latency is
// in nanoseconds, and HTML characters are not escaped.
func FormatJSON(e Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("relay: encode event: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// oneLine quotes s when it holds control characters such as newlines.
func oneLine(s string) string {
	if termsafe.String(s) != s {
		return strconv.Quote(s)
	}
	return s
}
