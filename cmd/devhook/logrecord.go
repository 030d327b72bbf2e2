package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/mockpodio"
)

// Outcomes of the records devhook up and devhook replay log; the mock's
// are its own ([mockpodio.Outcome]).
const (
	logOutcomeForwarded = "forwarded" // the local app answered 2xx
	logOutcomeVerified  = "verified"  // a hook.verify devhook validated
	logOutcomeRejected  = "rejected"  // a request the relay refused
	logOutcomeFailed    = "failed"    // anything else
	logOutcomeReplayed  = "replayed"  // a replay answered 2xx
)

// recordFromRelay turns what the relay of devhook up saw into a log
// record. Status is what Podio got: 200 for an acked delivery, whatever
// the local app then answered (that is in Response and Outcome).
func recordFromRelay(ev relay.Event) deliverylog.Record {
	r := deliverylog.Record{
		Time:      ev.Time,
		Source:    "up",
		Kind:      string(ev.Kind),
		Type:      ev.Type,
		HookID:    ev.HookID,
		IDs:       ev.IDs,
		Status:    ev.Status,
		LatencyMS: float64(ev.Latency) / float64(time.Millisecond),
		Error:     ev.Err,
		Warning:   ev.Warning,
		Target:    ev.ForwardedTo,
		Request: deliverylog.Request{
			Method: ev.Request.Method,
			Path:   ev.Request.Path,
			Query:  ev.Request.Query,
			Header: ev.Request.Header,
			Body:   ev.Request.Body,
		},
		Response: deliverylog.Response{
			Status:        ev.Response.Status,
			Header:        ev.Response.Header,
			Body:          ev.Response.Body,
			BodyTruncated: ev.Response.BodyTruncated,
		},
	}
	if ev.Acked {
		r.Status = http.StatusOK
	}
	switch {
	case ev.Kind == relay.KindRejected:
		r.Outcome = logOutcomeRejected
	case ev.Kind == relay.KindVerify && ev.Verified:
		r.Outcome = logOutcomeVerified
	case ev.Kind == relay.KindDelivery && ev.Err == "" && status2xx(ev.Status):
		r.Outcome = logOutcomeForwarded
	default:
		r.Outcome = logOutcomeFailed
	}
	return r
}

// recordFromMock turns a delivery the mock made (or dropped) into a log
// record: a form POST to the hook URL, whose answer the mock keeps only
// the status of.
func recordFromMock(d mockpodio.Delivery) deliverylog.Record {
	path := "/"
	if u, err := url.Parse(d.URL); err == nil && u.EscapedPath() != "" {
		path = u.EscapedPath()
	}
	var body []byte // nil, not empty, when there is none: as the log reads it back
	if d.Body != "" {
		body = []byte(d.Body)
	}
	kind := string(relay.KindDelivery)
	if d.Type == fixtures.VerifyEvent {
		kind = string(relay.KindVerify)
	}
	return deliverylog.Record{
		Time:      d.At,
		Source:    "mock",
		Kind:      kind,
		Type:      d.Type,
		HookID:    d.HookID,
		IDs:       recordIDParams(d.Body),
		Outcome:   string(d.Outcome),
		Status:    d.StatusCode,
		LatencyMS: d.DurationMS,
		Error:     d.Error,
		Target:    d.URL,
		Request: deliverylog.Request{
			Method: http.MethodPost,
			Path:   path,
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   body,
		},
		Response: deliverylog.Response{Status: d.StatusCode},
	}
}

// recordIDKeys are the id parameters a record lists, in relay.Event.IDs' order.
var recordIDKeys = []string{
	"item_id", "item_revision_id", "comment_id", "task_id", "app_id", "form_id",
	"space_id", "user_id", "status_id", "profile_id", "file_ids", "external_id",
}

// recordIDParams returns the non-empty id parameters of a form body as
// "key=value", as relay.Event.IDs has them.
func recordIDParams(body string) []string {
	form, err := url.ParseQuery(body)
	if err != nil {
		return nil
	}
	var ids []string
	for _, k := range recordIDKeys {
		if v := form.Get(k); v != "" {
			ids = append(ids, k+"="+v)
		}
	}
	return ids
}

func status2xx(status int) bool { return status >= 200 && status <= 299 }

// deliveryLogger is the delivery log as devhook up and devhook mock use
// it: logging is an aid, not their job, so a log that cannot be opened or
// written gets one warning and is otherwise ignored. A nil
// *deliveryLogger logs nothing.
type deliveryLogger struct {
	log  *deliverylog.Log
	warn io.Writer
	once sync.Once // guards the write failure warning
}

// openDeliveryLogger opens the log in deliverylog.Dir(). If it cannot, it
// warns on warn and returns nil.
func openDeliveryLogger(warn io.Writer) *deliveryLogger {
	dir, err := deliverylog.Dir()
	if err == nil {
		var l *deliverylog.Log
		if l, err = deliverylog.Open(dir, deliverylog.Options{}); err == nil {
			return &deliveryLogger{log: l, warn: warn}
		}
	}
	fmt.Fprintf(warn, "devhook: warning: deliveries will not be logged: %v\n", err)
	return nil
}

// append logs r and returns it as logged (with its ID), or unchanged when
// it could not be logged.
func (l *deliveryLogger) append(r deliverylog.Record) deliverylog.Record {
	if l == nil {
		return r
	}
	logged, err := l.log.Append(r)
	if err != nil {
		l.once.Do(func() { fmt.Fprintf(l.warn, "devhook: warning: deliveries are no longer logged: %v\n", err) })
		return r
	}
	return logged
}

// dir returns the log's directory, "" for nil.
func (l *deliveryLogger) dir() string {
	if l == nil {
		return ""
	}
	return l.log.Dir()
}

// close closes the log.
func (l *deliveryLogger) close() {
	if l != nil {
		l.log.Close()
	}
}
