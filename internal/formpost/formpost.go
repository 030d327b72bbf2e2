// Package formpost sends webhook deliveries the way Podio does: one form
// POST to a receiver, with one policy for the mock's deliveries, `devhook
// trigger --to` and `devhook replay`.
//
// The policy follows Podio's webhook tutorial
// (https://developers.podio.com/examples/webhooks): a delivery fails when
// the receiver is not reachable or does not answer 2xx within 15 seconds.
// Precisely:
//   - No redirect is followed. A 3xx is the receiver's answer: not 2xx, so
//     a failed delivery, reported with its Location.
//   - The timeout covers the whole exchange: connecting, sending, the
//     status line and headers, and reading the answer's body to its end. A
//     receiver that sends its headers and then stalls fails at the timeout.
//   - An answer cut short (fewer bytes than its Content-Length, a reset
//     connection) is a failure, whatever its status.
package formpost

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/devhookhq/devhook/internal/hookrules"
)

const (
	// DefaultTimeout is how long Podio gives a receiver to answer.
	DefaultTimeout = hookrules.DeliveryTimeout
	// DefaultMaxBody is how much of an answer's body a [Result] keeps.
	DefaultMaxBody = 64 << 10
	// maxDrain bounds how much of an answer's body is read past what is
	// kept, to find out whether it ends complete. A longer body is not
	// read to its end; its connection is closed.
	maxDrain = 1 << 20
	// maxForeignTimeouts bounds how many times one request is sent again
	// after failing with another request's timeout (see [Sender.Send]).
	maxForeignTimeouts = 8
)

// ContentType is the Content-Type of Podio's event POSTs.
const ContentType = "application/x-www-form-urlencoded"

// The kinds of failure a [Result] reports besides a status that is not
// 2xx. Test with [errors.Is].
var (
	// ErrTimeout: no complete answer within the timeout.
	ErrTimeout = errors.New("timeout")
	// ErrUnreachable: no connection could be made.
	ErrUnreachable = errors.New("unreachable")
	// ErrConnection: the connection broke before an answer came.
	ErrConnection = errors.New("connection failed")
	// ErrCutShort: an answer came, but its body ended early.
	ErrCutShort = errors.New("answer cut short")
)

// Sender sends form POSTs with the package's policy. Its zero value is
// usable: Podio's 15 s timeout on the wall clock, a shared client.
type Sender struct {
	// Client's Transport carries the requests; the rest of Client (its
	// CheckRedirect, Timeout and Jar) is not used: the Sender never
	// follows redirects, applies Timeout and keeps no cookies, as Podio
	// keeps none. nil means [http.DefaultTransport].
	Client *http.Client
	// Timeout bounds the whole exchange. 0 means [DefaultTimeout].
	Timeout time.Duration
	// AfterFunc runs the timeout: it calls f once d has passed, unless the
	// returned stop is called first, which reports whether it was in time.
	// nil means [time.AfterFunc]. The mock passes its own clock's.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// UserAgent is sent when the request has no User-Agent header. Empty
	// means none at all (not net/http's).
	UserAgent string
	// MaxBody is how much of the answer's body a Result keeps. 0 means
	// [DefaultMaxBody].
	MaxBody int
}

// Request is one request to send.
type Request struct {
	// Method is the HTTP method; empty means POST.
	Method string
	// URL is where to send it: an absolute http or https URL.
	URL string
	// Header is sent as it is, plus the Sender's User-Agent when it has
	// none.
	Header http.Header
	// Body is the request body.
	Body []byte
}

// Result is what became of one request.
type Result struct {
	// Status is the receiver's status code; 0 when no answer came.
	Status int
	// StatusText is its status line, e.g. "200 OK".
	StatusText string
	// Header is the answer's header.
	Header http.Header
	// Body holds the first MaxBody bytes of the answer's body.
	Body []byte
	// Truncated is true when the body was longer than Body.
	Truncated bool
	// Location is a redirect's target, which was not followed.
	Location string
	// Latency is the time from sending until the answer was read (or the
	// failure), on the wall clock.
	Latency time.Duration
	// Err says why no complete answer came in time: it matches
	// [ErrTimeout], [ErrUnreachable], [ErrConnection] or [ErrCutShort]
	// (or the context's error). nil when one did, whatever its status.
	Err error
}

// Failure returns why r counts as a failed delivery, as Podio counts
// them, or nil when it does not: a complete answer in time with a 2xx
// status.
func (r Result) Failure() error {
	switch {
	case r.Err != nil:
		return r.Err
	case r.Location != "":
		return fmt.Errorf("answered %d, not 2xx (a redirect to %s, not followed)", r.Status, r.Location)
	case r.Status < 200 || r.Status > 299:
		return fmt.Errorf("answered %d, not 2xx", r.Status)
	}
	return nil
}

// Post sends body to url as Podio sends an event: a POST with Content-Type
// application/x-www-form-urlencoded.
func (s *Sender) Post(ctx context.Context, url string, body []byte) Result {
	// Complete already (see newRequest): sent as it is, not copied.
	h := http.Header{"Content-Type": {ContentType}, "User-Agent": {s.UserAgent}, "X-Idempotency-Key": nil}
	return s.Send(ctx, Request{URL: url, Header: h, Body: body})
}

// timeoutCause is the cause of one exchange's timeout.
type timeoutCause struct{}

func (*timeoutCause) Error() string { return ErrTimeout.Error() }
func (*timeoutCause) Is(target error) bool {
	return target == ErrTimeout
}

// Send sends r and reads the answer, with the package's policy.
func (s *Sender) Send(ctx context.Context, r Request) Result {
	timeout := cmp.Or(s.Timeout, DefaultTimeout)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cause := &timeoutCause{}
	stop := s.afterFunc(timeout, func() { cancel(cause) })
	timedOut := func() bool { return context.Cause(ctx) == cause }

	// The client's transport, without the client: the Sender follows no
	// redirect and applies its own timeout, so http.Client would only add
	// a copy of the headers per request, kept for redirects.
	var rt http.RoundTripper = http.DefaultTransport
	if s.Client != nil && s.Client.Transport != nil {
		rt = s.Client.Transport
	}

	start := time.Now()
	var resp *http.Response
	for try := 0; ; try++ {
		req, err := newRequest(ctx, r, s.UserAgent)
		if err != nil {
			stop()
			return Result{Err: err}
		}
		resp, err = rt.RoundTrip(req)
		// Another exchange's timeout can close a pooled connection just as
		// this one takes it; this one then fails with that one's cause
		// while its own time is not up. Send it again: each try uses up one
		// such connection.
		if err != nil && try < maxForeignTimeouts && errors.Is(err, ErrTimeout) && context.Cause(ctx) == nil {
			continue
		}
		if err != nil {
			inTime := stop()
			res := Result{Latency: time.Since(start)}
			switch {
			case !inTime || timedOut():
				res.Err = fmt.Errorf("%w: no answer within %s", ErrTimeout, timeout)
			case ctx.Err() != nil:
				res.Err = context.Cause(ctx)
			default:
				res.Err = describe(err)
			}
			return res
		}
		break
	}

	res := Result{Status: resp.StatusCode, StatusText: resp.Status, Header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		res.Location = resp.Header.Get("Location")
	}
	body, readErr := readBody(resp.Body, cmp.Or(s.MaxBody, DefaultMaxBody), resp.ContentLength)
	resp.Body.Close()
	inTime := stop()
	res.Latency = time.Since(start)
	res.Body, res.Truncated = body.kept, body.truncated
	switch {
	case !inTime || timedOut():
		res.Err = fmt.Errorf("%w: answered %d, but the answer did not end within %s", ErrTimeout, resp.StatusCode, timeout)
	case readErr != nil && ctx.Err() != nil:
		res.Err = fmt.Errorf("answered %d, then: %w", resp.StatusCode, context.Cause(ctx))
	case readErr != nil:
		res.Err = fmt.Errorf("%w: answered %d, then the body broke off: %v", ErrCutShort, resp.StatusCode, readErr)
	}
	return res
}

func (s *Sender) afterFunc(d time.Duration, f func()) (stop func() bool) {
	if s.AfterFunc != nil {
		return s.AfterFunc(d, f)
	}
	return time.AfterFunc(d, f).Stop
}

func newRequest(ctx context.Context, r Request, userAgent string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, cmp.Or(r.Method, http.MethodPost), r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	_, hasUA := r.Header["User-Agent"]
	_, hasKey := r.Header["X-Idempotency-Key"]
	if hasUA && hasKey {
		// Nothing to add: the header is sent as it is (no transport
		// writes to a request's header).
		req.Header = r.Header
		return req, nil
	}
	req.Header = r.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value stops net/http from adding its own.
		req.Header["User-Agent"] = []string{userAgent}
	}
	if _, ok := req.Header["X-Idempotency-Key"]; !ok {
		// A keep-alive connection the receiver closed while idle must not
		// fail the request: an empty idempotency key lets the transport
		// send it again on a new connection, and is not sent on the wire.
		req.Header["X-Idempotency-Key"] = nil
	}
	return req, nil
}

// body is what readBody read.
type body struct {
	kept      []byte
	truncated bool
}

// readBody reads r to its end, keeping the first max bytes. It stops
// without error after max+maxDrain bytes, and returns the error of a body
// that ended early. size is the body's declared length, -1 if unknown: a
// small body known in advance is read into a buffer of its size (most
// receivers answer a few bytes).
func readBody(r io.Reader, max int, size int64) (body, error) {
	var kept []byte
	var err error
	if size >= 0 && size < int64(max) {
		kept, err = readSized(io.LimitReader(r, int64(max)+1), int(size))
	} else {
		kept, err = io.ReadAll(io.LimitReader(r, int64(max)+1))
	}
	var b body
	if len(kept) > max {
		kept, b.truncated = kept[:max], true
	}
	if len(kept) > 0 {
		b.kept = kept
	}
	if err == nil && b.truncated {
		_, err = io.Copy(io.Discard, io.LimitReader(r, maxDrain))
	}
	return b, err
}

// readSized reads r to its end, expected after size bytes, into a buffer
// of size+1 bytes; a body longer than declared grows it (net/http reports
// that as an error of its own).
func readSized(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, size+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// describe shortens a transport error to what a developer needs, without
// the method and URL net/http puts in front of it: the caller names the
// URL.
func describe(err error) error {
	if opErr, ok := errors.AsType[*net.OpError](err); ok && opErr.Op == "dial" {
		return fmt.Errorf("%w: %w", ErrUnreachable, opErr.Err)
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	return fmt.Errorf("%w: %w", ErrConnection, err)
}
