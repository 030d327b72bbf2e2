package session

import (
	"net/http"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
)

// recordOf turns what the relay saw into a delivery log record. Status is
// what Podio got: 200 for an acked delivery, whatever the local app then
// answered (that is in Response and Outcome).
func recordOf(ev relay.Event) deliverylog.Record {
	r := deliverylog.Record{
		Time:      ev.Time,
		Source:    "up",
		Kind:      ev.Kind,
		Type:      ev.Type,
		HookID:    ev.HookID,
		IDs:       ev.IDs,
		Status:    ev.Status,
		LatencyMS: float64(ev.Latency) / float64(time.Millisecond),
		Error:     ev.Err,
		Warning:   ev.Warning,
		Target:    ev.ForwardedTo,
		Request:   ev.Request,
		Response:  ev.Response,
	}
	r.Request.RemoteAddr = "" // the log keeps what Podio sent, not who sent it
	if ev.Acked {
		r.Status = http.StatusOK
	}
	switch {
	case ev.Queued:
		r.Outcome = deliverylog.OutcomeQueued
	case ev.Kind == relay.KindRejected:
		r.Outcome = deliverylog.OutcomeRejected
	case ev.Kind == relay.KindVerify && ev.Verified:
		r.Outcome = deliverylog.OutcomeVerified
	case ev.Kind == relay.KindDelivery && ev.Err == "" && ev.Status >= 200 && ev.Status <= 299:
		r.Outcome = deliverylog.OutcomeForwarded
	default:
		r.Outcome = deliverylog.OutcomeFailed
	}
	return r
}
