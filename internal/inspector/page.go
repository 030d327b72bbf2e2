package inspector

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// maxRows bounds the deliveries the page renders, as does DefaultPageBytes;
// the script keeps the same count bound. /api/deliveries pages through them
// all.
const maxRows = 500

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"maxRows":      func() int { return maxRows },
	"clock":        clock,
	"dateTime":     dateTime,
	"fullTime":     fullTime,
	"iso":          func(t time.Time) string { return t.Format(time.RFC3339Nano) },
	"latency":      deliverylog.FormatLatencyMS,
	"outcomeClass": outcomeClass,
	"hookClass":    hookClass,
	"hookStatus":   hookStatus,
	"headers":      headerRows,
	"body":         bodyText,
	"form":         formRows,
	"summary":      summary,
	"join":         func(s []string) string { return strings.Join(s, " ") },
	"statusLine":   statusLine,
	"row":          func(r deliverylog.Record, replay bool) recordRow { return recordRow{r, replay} },
}).ParseFS(assets, "assets/page.html"))

// recordRow is what the "record" template renders.
type recordRow struct {
	R      deliverylog.Record
	Replay bool
}

// pageData is what assets/page.html renders.
type pageData struct {
	State   State
	Records []deliverylog.Record // newest first
	More    int                  // records left out
	Replay  bool
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	recs := byTime(s.records())
	d := pageData{State: s.state(), Replay: s.src.Replay != nil}
	all := len(recs)
	if len(recs) > maxRows {
		recs = recs[len(recs)-maxRows:]
	}
	// As many as /api/deliveries answers at once (pagebound.go).
	recs, _, err := newestWithin(recs, s.pageBytes())
	if err != nil {
		http.Error(w, "inspector: render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	d.More = all - len(recs)
	d.Records = recs
	slices.Reverse(d.Records)

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		http.Error(w, "inspector: render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Nothing but the inspector itself: no CDN, font or inline script.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// byTime returns a copy of recs sorted oldest first by time; records of the
// same time keep their order. A source appends a record when its delivery
// ends, so one that took longer (a hook.verify waits for its validation)
// can come after a later one. The script's place() sorts the same way.
func byTime(recs []deliverylog.Record) []deliverylog.Record {
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, func(a, b deliverylog.Record) int { return a.Time.Compare(b.Time) })
	return recs
}

// clock formats t as the page's short local time; the script's clock()
// matches it.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("15:04:05.000")
}

// dateTime formats the mock clock like the script's dateTime().
func dateTime(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04:05")
}

func fullTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05.000 -07:00")
}

// outcomeClass colours an outcome: ok, bad or muted
// ([deliverylog.Outcome.Class]). The script's outcomeClass() matches it.
func outcomeClass(outcome deliverylog.Outcome) string { return outcome.Class() }

// suspended reports whether h is suspended at clock (nil: now).
func suspended(h Hook, clock *time.Time) bool {
	if h.SuspendedUntil == nil {
		return false
	}
	return clock == nil || h.SuspendedUntil.After(*clock)
}

// hookClass colours a hook's status: ok (active), warn (suspended), bad.
func hookClass(h Hook, clock *time.Time) string {
	switch {
	case suspended(h, clock):
		return "warn"
	case h.Status == "active":
		return "ok"
	default:
		return "bad"
	}
}

// hookStatus is the status cell's text: the status, or when the hook is
// suspended, until when. The script's hookStatus() matches it.
func hookStatus(h Hook, clock *time.Time) string {
	if suspended(h, clock) {
		return "suspended until " + h.SuspendedUntil.Local().Format("15:04:05")
	}
	return h.Status
}

// statusLine is a response's status line, e.g. "200 OK".
func statusLine(code int) string {
	if code == 0 {
		return "no response"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, http.StatusText(code)))
}

// summary is the event column: the type, or the kind when it is no plain
// delivery (verify, rejected).
func summary(r deliverylog.Record) string {
	if r.Type == "" {
		return string(r.Kind)
	}
	return r.Type
}

type kv struct{ Key, Value string }

// headerRows lists h sorted by name, one row per value.
func headerRows(h http.Header) []kv {
	var rows []kv
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			rows = append(rows, kv{k, v})
		}
	}
	return rows
}

// bodyText shows a body as text; invalid UTF-8 shows as U+FFFD.
func bodyText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// formRows decodes a form-encoded request body into key/value rows, in
// body order; nil when the body is not a form. The script's formRows()
// applies the same rule.
func formRows(req deliverylog.Request) []kv {
	if len(req.Body) == 0 {
		return nil
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil
		}
	} else if bytes.ContainsAny(req.Body, " \n{<") {
		return nil // not a form, whatever ParseQuery would make of it
	}
	var rows []kv
	for _, pair := range strings.Split(string(req.Body), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		ku, err1 := url.QueryUnescape(k)
		vu, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil
		}
		rows = append(rows, kv{ku, vu})
	}
	return rows
}
