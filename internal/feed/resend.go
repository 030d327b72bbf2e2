package feed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/formpost"
)

// ResendTimeout bounds a re-send, as Podio's timeout bounds a delivery.
const ResendTimeout = formpost.DefaultTimeout

// ErrNoTarget means a record was not sent anywhere, so it has no target to
// be re-sent to.
var ErrNoTarget = errors.New("not sent anywhere")

// Target returns where rec is re-sent by default: where it went.
func Target(rec deliverylog.Record) (*url.URL, error) {
	if rec.Target == "" {
		return nil, fmt.Errorf("delivery %s was %w (%s); give --to URL", rec.ID, ErrNoTarget, cmp.Or(string(rec.Outcome), string(rec.Kind)))
	}
	to, err := ParseURL(rec.Target)
	if err != nil {
		return nil, fmt.Errorf("delivery %s has target %q, not an http(s) URL; give --to URL", rec.ID, rec.Target)
	}
	return to, nil
}

// ErrPartialBody means a record keeps only the first [deliverylog.MaxBody]
// bytes of its request body, so re-sending it would send another request.
var ErrPartialBody = errors.New("only part of its body was kept")

// Whole reports, as an error matching [ErrPartialBody], a record whose
// request body was cut short when it was logged; re-sending it as it is
// would send less than was delivered.
func Whole(rec deliverylog.Record) error {
	if !rec.Request.BodyTruncated {
		return nil
	}
	return fmt.Errorf("%w: the first %d of its %d bytes", ErrPartialBody, len(rec.Request.Body), rec.Request.BodySize)
}

// ParseURL checks that raw is an absolute http or https URL.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL: %q", raw)
	}
	return u, nil
}

// Resend re-sends rec's request to `to`: same method, body and headers,
// except those [Headers] drops, with the one sending policy of package
// formpost (no redirect followed, the timeout covers the whole answer). It
// returns the replay's record, not yet logged, whose Outcome and Error say
// how it went: the response (status, headers, first MaxBody bytes of the
// body) when one came, a "failed" outcome when it was not 2xx, was cut
// short or none came.
func Resend(ctx context.Context, rec deliverylog.Record, to *url.URL) deliverylog.Record {
	method := cmp.Or(rec.Request.Method, http.MethodPost)
	header := Headers(rec.Request.Header)
	out := deliverylog.Record{
		Time: time.Now(), Source: "replay", Kind: rec.Kind, Type: rec.Type, HookID: rec.HookID, IDs: rec.IDs,
		Target: to.Redacted(), ReplayOf: rec.ID,
		Request: deliverylog.Request{
			Method: method, Path: cmp.Or(to.EscapedPath(), "/"), Query: to.RawQuery,
			Header: header, Body: rec.Request.Body,
		},
	}
	sender := formpost.Sender{Timeout: ResendTimeout, MaxBody: deliverylog.MaxBody}
	res := sender.Send(ctx, formpost.Request{Method: method, URL: to.String(), Header: header, Body: rec.Request.Body})
	out.LatencyMS = float64(res.Latency) / float64(time.Millisecond)
	if res.Status != 0 {
		out.Status = res.Status
		out.Response = deliverylog.Response{Status: res.Status, Header: res.Header, Body: res.Body, BodyTruncated: res.Truncated}
	}
	if err := res.Failure(); err != nil {
		out.Outcome, out.Error = deliverylog.OutcomeFailed, err.Error()
	} else {
		out.Outcome = deliverylog.OutcomeReplayed
	}
	return out
}

// dropped are the headers a re-send does not copy: hop-by-hop ones (RFC
// 9110 7.6.1), those net/http computes, and Accept-Encoding, which
// net/http sets itself so that it can decompress the answer.
var dropped = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Host", "Content-Length", "Expect", "Accept-Encoding",
}

// Headers returns the headers to re-send from the logged ones.
func Headers(logged http.Header) http.Header {
	h := logged.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range dropped {
		h.Del(name)
	}
	return h
}
