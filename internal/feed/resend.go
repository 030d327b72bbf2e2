package feed

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// ResendTimeout bounds a re-send, as Podio's 15-second timeout bounds a
// delivery.
const ResendTimeout = 15 * time.Second

// ErrNoTarget means a record was not sent anywhere, so it has no target to
// be re-sent to.
var ErrNoTarget = errors.New("not sent anywhere")

// Target returns where rec is re-sent by default: where it went.
func Target(rec deliverylog.Record) (*url.URL, error) {
	if rec.Target == "" {
		return nil, fmt.Errorf("delivery %s was %w (%s); give --to URL", rec.ID, ErrNoTarget, cmp.Or(rec.Outcome, rec.Kind))
	}
	to, err := ParseURL(rec.Target)
	if err != nil {
		return nil, fmt.Errorf("delivery %s has target %q, not an http(s) URL; give --to URL", rec.ID, rec.Target)
	}
	return to, nil
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
// except those [Headers] drops. It returns the replay's record, not yet
// logged, whose Outcome and Error say how it went: the response (status,
// headers, first MaxBody bytes of the body) when one came, a "failed"
// outcome when it was not 2xx or none came.
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
	req, err := http.NewRequestWithContext(ctx, method, to.String(), bytes.NewReader(rec.Request.Body))
	if err != nil {
		out.Outcome, out.Error = deliverylog.OutcomeFailed, err.Error()
		return out
	}
	req.Header = header.Clone()
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value stops net/http from adding its own User-Agent.
		req.Header["User-Agent"] = []string{""}
	}
	client := &http.Client{
		Timeout:       ResendTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, deliverylog.MaxBody+1))
		resp.Body.Close()
		out.Status = resp.StatusCode
		out.Response = deliverylog.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: body}
		if len(body) > deliverylog.MaxBody {
			out.Response.Body, out.Response.BodyTruncated = body[:deliverylog.MaxBody], true
		}
	}
	out.LatencyMS = float64(time.Since(start)) / float64(time.Millisecond)
	switch {
	case err != nil && out.Status != 0:
		out.Outcome, out.Error = deliverylog.OutcomeFailed, "read the answer: "+shortError(err)
	case err != nil:
		out.Outcome, out.Error = deliverylog.OutcomeFailed, shortError(err)
	case out.Status < 200 || out.Status > 299:
		out.Outcome, out.Error = deliverylog.OutcomeFailed, fmt.Sprintf("answered %d, not 2xx", out.Status)
	default:
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

// shortError drops the method and URL net/http puts in front of a
// transport error: the caller names the URL once.
func shortError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s", ResendTimeout)
		}
		err = ue.Err
	}
	return err.Error()
}
