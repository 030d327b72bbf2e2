// Package render turns delivery records ([deliverylog.Record]) into text:
// one terminal line per record, whoever made it (the relay of devhook up,
// a replay from the inspector), and one JSON object for --json output.
// Untrusted text in a line goes through [termsafe.Quote], so every line
// stays one line.
package render

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// Line renders r as one terminal line without a trailing newline: its
// time (in r.Time's location), then [Summary].
//
//	10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms
//	10:02:03  hook.verify  hook 12  -> verified
//	10:02:03  item.create  hook 12  item_id=42  -> 502  local app not reachable at http://127.0.0.1:3000/hook (connection refused)
//	10:02:03  item.create  hook 12  item_id=42  -> 200  11.2 s  SLOW: 11.2 s (Podio gives up at 15 s)
//	10:02:03  item.create  hook 12  item_id=42  -> acked, local 500  14 ms
//	10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)
//	10:02:03  item.create  hook 12  item_id=42  replayed from the inspector (of k3f9a2-17) -> 200  3 ms
func Line(r deliverylog.Record) string {
	return r.Time.Format("15:04:05") + "  " + Summary(r)
}

// Summary is [Line] without the time, for logs that add their own.
func Summary(r deliverylog.Record) string {
	var b strings.Builder
	if r.Kind == deliverylog.KindRejected {
		target := r.Request.Path
		if r.Request.Query != "" {
			target += "?" + r.Request.Query
		}
		fmt.Fprintf(&b, "rejected %s %s from %s (%d", termsafe.Quote(r.Request.Method), termsafe.Quote(target), termsafe.Quote(r.Request.RemoteAddr), r.Status)
		if r.Error != "" {
			b.WriteString(": " + termsafe.Quote(r.Error))
		}
		b.WriteString(")")
		return b.String()
	}
	b.WriteString(termsafe.Quote(cmp.Or(r.Type, string(r.Kind))))
	if r.HookID != 0 {
		b.WriteString("  hook " + strconv.FormatInt(r.HookID, 10))
	}
	if len(r.IDs) > 0 {
		b.WriteString("  " + termsafe.Quote(strings.Join(r.IDs, " ")))
	}
	if r.Source == "replay" {
		replay(&b, r)
		return b.String()
	}
	b.WriteString("  -> ")
	switch {
	case r.Outcome == deliverylog.OutcomeQueued:
		b.WriteString("queued (app down)")
		if r.Error != "" {
			b.WriteString("  " + termsafe.Quote(r.Error))
		}
	case r.Outcome == deliverylog.OutcomeVerified && r.Target == "":
		b.WriteString("verified")
	default:
		status := r.Status
		if r.Outcome == deliverylog.OutcomeVerified {
			b.WriteString("verified, local ")
		} else if r.Acked {
			b.WriteString("acked, local ")
			// Podio got 200; the app's answer, or the relay's 502 when
			// the app was not reachable.
			status = cmp.Or(r.Response.Status, http.StatusBadGateway)
		}
		b.WriteString(strconv.Itoa(status))
		if r.Error != "" {
			b.WriteString("  " + termsafe.Quote(r.Error))
		} else if r.Target != "" {
			b.WriteString("  " + deliverylog.FormatLatencyMS(r.LatencyMS))
		}
	}
	if r.Warning != "" {
		b.WriteString("  " + termsafe.Quote(r.Warning))
	}
	return b.String()
}

// replay writes the part of a replay's line after its ids: what it
// re-sent and what it got.
func replay(b *strings.Builder, r deliverylog.Record) {
	fmt.Fprintf(b, "  replayed from the inspector (of %s) -> ", termsafe.Quote(r.ReplayOf))
	if r.Response.Status != 0 {
		fmt.Fprintf(b, "%d  %s", r.Response.Status, deliverylog.FormatLatencyMS(r.LatencyMS))
	} else {
		b.WriteString("no answer")
	}
	if r.Error != "" {
		b.WriteString("  " + termsafe.Quote(r.Error))
	}
}

// Logf returns a printf-style logger that writes each message to w as one
// line, after the time of day and with untrusted text escaped
// ([termsafe.String]): devhook mock's log of API calls and deliveries. It
// is safe for concurrent use.
func Logf(w io.Writer) func(format string, args ...any) {
	var (
		mu   sync.Mutex
		line []byte
	)
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		line = time.Now().AppendFormat(line[:0], "15:04:05")
		line = append(line, "  "...)
		line = append(append(line, termsafe.String(fmt.Sprintf(format, args...))...), '\n')
		w.Write(line)
	}
}
