package main

import (
	"net/http"
	"net/url"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/mockpodio"
)

// Outcomes of the records devhook up logs.
const (
	outcomeForwarded = "forwarded" // the local app answered 2xx
	outcomeVerified  = "verified"  // a hook.verify devhook validated
	outcomeRejected  = "rejected"  // a request the relay refused
	outcomeFailed    = "failed"    // anything else
	outcomeReplayed  = "replayed"  // a replay answered 2xx
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
		r.Outcome = outcomeRejected
	case ev.Kind == relay.KindVerify && ev.Verified:
		r.Outcome = outcomeVerified
	case ev.Kind == relay.KindDelivery && ev.Err == "" && is2xx(ev.Status):
		r.Outcome = outcomeForwarded
	default:
		r.Outcome = outcomeFailed
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
		IDs:       idParams(d.Body),
		Outcome:   string(d.Outcome),
		Status:    d.StatusCode,
		LatencyMS: d.DurationMS,
		Error:     d.Error,
		Target:    d.URL,
		Request: deliverylog.Request{
			Method: http.MethodPost,
			Path:   path,
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   []byte(d.Body),
		},
		Response: deliverylog.Response{Status: d.StatusCode},
	}
}

// idKeys are the id parameters a record lists, in relay.Event.IDs' order.
var idKeys = []string{
	"item_id", "item_revision_id", "comment_id", "task_id", "app_id", "form_id",
	"space_id", "user_id", "status_id", "profile_id", "file_ids", "external_id",
}

// idParams returns the non-empty id parameters of a form body as
// "key=value", as relay.Event.IDs has them.
func idParams(body string) []string {
	form, err := url.ParseQuery(body)
	if err != nil {
		return nil
	}
	var ids []string
	for _, k := range idKeys {
		if v := form.Get(k); v != "" {
			ids = append(ids, k+"="+v)
		}
	}
	return ids
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }
