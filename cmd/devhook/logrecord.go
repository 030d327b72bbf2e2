package main

import (
	"net/http"
	"net/url"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/mockpodio"
)

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
