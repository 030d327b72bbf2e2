// Package relay is what `devhook up` runs behind its public tunnel URL.
//
// Podio POSTs form-encoded webhook events to the public URL. A [Handler]
// checks the secret path segment that keeps strangers out (Podio does not
// sign webhooks), answers hook.verify itself by calling [Config.Validate]
// while the verify request is still open, and forwards every other delivery
// byte for byte to the developer's local app ([Config.Target]). Each request
// it handles is reported once as a delivery log record
// ([deliverylog.Record], Source "up"), which devhook logs, prints and shows
// in its inspector.
package relay

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/bodybudget"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/headercheck"
)

// DefaultSlowWarning is the local response time above which an event gets a
// warning when [Config.SlowWarning] is zero. Podio gives up after 15 s.
const DefaultSlowWarning = 10 * time.Second

const (
	// maxRequestBody bounds the public request body the relay reads. Podio's
	// form bodies are a few hundred bytes.
	maxRequestBody = 8 << 20
	// maxCapturedBody bounds the local response body copied into a record.
	maxCapturedBody = 64 << 10
	// podioTimeout is how long Podio waits for a 2xx (its published rule).
	podioTimeout = "15 s"
	// redactedSecret replaces the secret in the paths of rejected requests.
	redactedSecret = "{secret}"
)

// Config configures a [Handler]. Pass it to [New]; the Handler keeps a copy,
// so changing a Config after New has no effect.
type Config struct {
	// Secret is the random path segment of the public URL: only requests to
	// /Secret or below /Secret/ are served, everything else gets 404 and a
	// [deliverylog.KindRejected] record. It must contain only URL-unreserved characters
	// (letters, digits, '-', '_', '.', '~'); [NewSecret] makes a good one.
	// Empty is not allowed: New refuses it.
	Secret string

	// Target is the local app's webhook URL, e.g.
	// http://localhost:3000/podio/hook. Deliveries are forwarded to its path,
	// with any extra path below the secret appended and the public query
	// string kept. Its scheme must be http or https. Nil is not allowed: New
	// refuses it.
	Target *url.URL

	// Validate is called for every type=hook.verify delivery with its hook_id
	// and code, from inside the verify request while it is still open (as
	// Podio's mock allows), typically to call POST /hook/{hook_id}/verify/validate.
	// ctx is the public request's context. On success the relay answers 200,
	// on error 502 and the event carries the error. Nil means the relay does
	// not validate: hook.verify is forwarded to Target like any other
	// delivery, so the local app can validate it itself.
	Validate func(ctx context.Context, hookID int64, code string) error

	// ForwardVerify makes the relay forward hook.verify to Target after a
	// successful Validate; the caller then gets the local app's answer. False
	// means the local app never sees hook.verify (unless Validate is nil).
	ForwardVerify bool

	// Ack makes the relay answer 200 to every delivery at once and forward it
	// in the background; the event is reported when the background forward
	// finishes and carries the local status. hook.verify is never acked: it
	// is always handled inside the open request. [Handler.Close] waits for
	// background forwards. False means the caller waits for the local app and
	// gets its answer unchanged.
	Ack bool

	// SlowWarning is the local response time above which an event gets a
	// "SLOW" warning (Podio gives up at 15 s). Acked deliveries never get
	// one, since Podio did not wait for them. Zero means
	// [DefaultSlowWarning] (10 s); a negative value disables the warning.
	SlowWarning time.Duration

	// Now returns the time stamped on events. Latency is always measured
	// with the monotonic clock, independently of Now. Nil means time.Now.
	Now func() time.Time

	// Buffer, when set, keeps the deliveries the local app cannot take
	// (see [Buffer]). Nil means an unreachable app gets Podio a 502.
	Buffer Buffer

	// Timeout bounds a background forward in Ack mode (Podio's own
	// timeout bounds the others: it hangs up). Zero means 15 s.
	Timeout time.Duration

	// MaxBodyBytesInFlight bounds the request body bytes the Handler holds
	// at once, across every request it is reading or forwarding (acked
	// ones included): each body is reserved before it is read, and a
	// request whose body does not fit gets 503 and is reported as
	// rejected, its body read and dropped, never held (Podio counts it a
	// failed delivery, as it would any 5xx). Zero means [DefaultMaxBodyBytesInFlight] (64 MiB).
	// A body the Buffer keeps leaves this bound for the Buffer's own.
	MaxBodyBytesInFlight int64

	// Mark is the value of the [MarkHeader] the relay puts on every
	// request it forwards. A request that arrives carrying it came back
	// from this devhook: the relay refuses it (508) instead of forwarding
	// it again. Empty means a random mark.
	Mark string

	// OnEvent receives one record per request handled, after the answer was
	// written (for acked deliveries, after the background forward finished).
	// It may be called from several goroutines at once and should return
	// quickly. Nil means events are dropped.
	OnEvent func(deliverylog.Record)
}

// MarkHeader is the header the relay puts on every request it forwards,
// so that a request which comes back to it (a forward target that is the
// relay itself, or a proxy in front of it) is refused instead of looping.
const MarkHeader = "X-Devhook-Forwarded"

// Buffer keeps deliveries while the local app is down, for [Config.Buffer].
// Its methods are called from request goroutines, concurrently.
type Buffer interface {
	// Holding reports whether deliveries are being kept: a new one then
	// queues behind them, so that the app gets them in arrival order.
	Holding() bool
	// Keep keeps rec (a delivery whose Request is complete) for later, and
	// reports false when the buffer is full.
	Keep(rec deliverylog.Record) bool
}

// Down reports whether err, from a round trip to the local app, means the
// app is not running: the connection was refused, or reset or closed
// before any answer. A timeout is not: the app is there, and slow.
func Down(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// InFlight returns how many deliveries are being forwarded to the local
// app (acked ones included) and when the oldest of them arrived.
func (h *Handler) InFlight() (n int, oldest time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range h.inflight {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return len(h.inflight), oldest
}

// track counts ev as in flight until the returned function is called.
func (h *Handler) track(ev *deliverylog.Record) (done func()) {
	h.mu.Lock()
	h.inflight[ev] = time.Now()
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.inflight, ev)
		h.mu.Unlock()
	}
}

// Redeliver forwards a delivery the relay kept (ev as the Buffer got it)
// to the local app, now, and returns it completed with the app's answer;
// ctx bounds the exchange. It returns an error when the app is still down
// ([Down]) or ctx was cancelled. Any answer, a 5xx included, is a delivery; so is no answer in
// time (Status 502 and Error say so), since the app did get the event.
func (h *Handler) Redeliver(ctx context.Context, ev deliverylog.Record) (deliverylog.Record, error) {
	start := time.Now()
	rest := ev.Request.Path
	if rest == "/" {
		rest = ""
	}
	out, err := h.outRequest(http.MethodPost, rest, ev.Request.Query, ev.Request.Header, ev.Request.Body)
	if err != nil {
		return ev, err
	}
	out = out.WithContext(ctx)
	resp, err := h.client.Do(out)
	ev.Time = h.cfg.Now()
	ev.Outcome, ev.Acked, ev.Error, ev.ID = "", false, "", ""
	ev.Target = out.URL.Redacted()
	ev.Response = deliverylog.Response{}
	if err != nil {
		ev.LatencyMS = deliverylog.Millis(time.Since(start))
		ev.Error = h.unreachable(out.URL, err)
		if Down(err) || errors.Is(err, context.Canceled) {
			return ev, errors.New(ev.Error)
		}
		ev.Status = http.StatusBadGateway
		return settle(ev), nil
	}
	defer resp.Body.Close()
	capture := capWriter{limit: maxCapturedBody}
	_, err = io.Copy(&capture, resp.Body)
	removeHopByHop(resp.Header)
	ev.LatencyMS = deliverylog.Millis(time.Since(start))
	ev.Status = resp.StatusCode
	ev.Response = deliverylog.Response{Status: resp.StatusCode, Header: resp.Header, Body: capture.buf, BodyTruncated: capture.truncated}
	if err != nil {
		ev.Error = fmt.Sprintf("read local response body: %v", err)
	}
	return settle(ev), nil
}

// Handler is the relay: an [http.Handler] to mount at the root of the
// server behind the public tunnel URL. Create it with [New]; its zero value
// is not usable. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	mark   string
	target url.URL // copy of cfg.Target
	client *http.Client
	slow   time.Duration // effective SlowWarning; <= 0 disables

	bodies    bodybudget.Budget // request body bytes held, against maxBodies
	maxBodies int64             // Config.MaxBodyBytesInFlight or its default

	mu       sync.Mutex     // guards closed, inflight; wg.Add happens under mu
	closed   bool           // set by Close; later requests get 503
	wg       sync.WaitGroup // counts background (Ack) forwards
	inflight map[*deliverylog.Record]time.Time
}

// New returns a Handler for cfg. It fails when cfg.Secret is empty or not
// URL-safe, or when cfg.Target is nil or not an absolute http(s) URL.
func New(cfg Config) (*Handler, error) {
	if cfg.Secret == "" {
		return nil, errors.New("relay: empty secret")
	}
	if i := strings.IndexFunc(cfg.Secret, func(r rune) bool { return !isUnreserved(r) }); i >= 0 {
		return nil, fmt.Errorf("relay: secret has character %q that is not URL-safe", cfg.Secret[i])
	}
	if cfg.Target == nil {
		return nil, errors.New("relay: nil target")
	}
	if s := cfg.Target.Scheme; (s != "http" && s != "https") || cfg.Target.Host == "" {
		return nil, fmt.Errorf("relay: target %q is not an absolute http or https url", cfg.Target.Redacted())
	}
	h := &Handler{
		cfg:    cfg,
		target: *cfg.Target,
		slow:   cfg.SlowWarning,
	}
	if h.slow == 0 {
		h.slow = DefaultSlowWarning
	}
	h.mark = cfg.Mark
	if h.mark == "" {
		m, err := NewSecret()
		if err != nil {
			return nil, fmt.Errorf("relay: make mark: %w", err)
		}
		h.mark = m
	}
	h.inflight = map[*deliverylog.Record]time.Time{}
	h.maxBodies = cmp.Or(cfg.MaxBodyBytesInFlight, DefaultMaxBodyBytesInFlight)
	if h.cfg.Now == nil {
		h.cfg.Now = time.Now
	}
	transport := &http.Transport{
		// Never route the local app through an environment proxy.
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		// Keep connections to the local app alive so a delivery does not pay
		// for a new TCP connection; Podio may deliver in bursts.
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// Forward Accept-Encoding as received and never decode the answer:
		// the caller must get the local bytes unchanged.
		DisableCompression: true,
	}
	h.client = &http.Client{
		Transport: transport,
		// Redirects go back to the caller as they are.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h, nil
}

// Close makes the Handler answer 503 to new requests, waits for the
// background forwards started in [Config.Ack] mode to finish (and their
// events to be reported), then closes idle connections to the local app. It
// does not wait for requests still being served synchronously; shut the
// [http.Server] down for that. Close always returns nil.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.wg.Wait()
	h.client.CloseIdleConnections()
	return nil
}

// ServeHTTP implements [http.Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // monotonic
	ev := deliverylog.Record{
		Time:   h.cfg.Now(),
		Source: "up",
		Kind:   deliverylog.KindRejected,
		Request: deliverylog.Request{
			Method:     r.Method,
			RemoteAddr: r.RemoteAddr,
			Header:     r.Header.Clone(),
		},
	}
	escPath := r.URL.EscapedPath()
	rest, ok := h.matchSecret(escPath)
	if !ok || r.Method != http.MethodPost {
		ev.Request.Path = strings.ReplaceAll(escPath, h.cfg.Secret, redactedSecret)
		ev.Request.Query = strings.ReplaceAll(r.URL.RawQuery, h.cfg.Secret, redactedSecret)
		h.finish(w, &ev, start, http.StatusNotFound, "", "404 page not found\n")
		return
	}
	ev.Request.Path = rest
	if ev.Request.Path == "" {
		ev.Request.Path = "/"
	}
	ev.Request.Query = r.URL.RawQuery

	if r.Header.Get(MarkHeader) == h.mark {
		h.finish(w, &ev, start, http.StatusLoopDetected,
			"loop: this request was forwarded by this devhook and came back to its relay; check the forward target", "devhook: loop detected\n")
		return
	}
	if h.isClosed() {
		h.finish(w, &ev, start, http.StatusServiceUnavailable, "relay closed", "devhook: relay is shutting down\n")
		return
	}

	body, held, err := h.bodies.Read(r, maxRequestBody, h.maxBodies)
	handedOff := false // an acked forward gives the bytes back when it ends
	defer func() {
		if !handedOff {
			h.bodies.Give(held)
		}
	}()
	ev.Request.Body = body
	if err != nil {
		ev.Request.BodySize = max(r.ContentLength, 0) // what was declared; the body is not kept
		switch {
		case errors.Is(err, bodybudget.ErrTooLarge):
			h.finish(w, &ev, start, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body larger than %d bytes", maxRequestBody), "devhook: request body too large\n")
		case errors.Is(err, bodybudget.ErrBusy):
			// Read the body through a small buffer and drop it, so that
			// the sender gets the answer rather than a reset connection.
			io.Copy(io.Discard, io.LimitReader(r.Body, maxRequestBody))
			h.finish(w, &ev, start, http.StatusServiceUnavailable,
				fmt.Sprintf("busy: the request bodies in flight would pass %d bytes (%d in use)", h.maxBodies, h.bodies.InUse()),
				"devhook: too many request bytes in flight, try again\n")
		default:
			h.finish(w, &ev, start, http.StatusBadRequest,
				fmt.Sprintf("read request body: %v", err), "devhook: cannot read request body\n")
		}
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		h.finish(w, &ev, start, http.StatusBadRequest,
			fmt.Sprintf("unparsable form body: %v", err), "devhook: body is not a form\n")
		return
	}
	ev.Type = form.Get("type")
	if ev.Type == "" {
		h.finish(w, &ev, start, http.StatusBadRequest, "missing type parameter", "devhook: missing type parameter\n")
		return
	}
	ev.Kind = deliverylog.KindDelivery
	ev.IDs = fixtures.IDParams(form)
	if id, err := strconv.ParseInt(form.Get("hook_id"), 10, 64); err == nil && id > 0 {
		ev.HookID = id
	}

	out, err := h.newOutRequest(r, rest, body)
	if err != nil {
		// A header the HTTP client refuses (only a Handler not behind a
		// net/http server gets one); the URL cannot fail for a target New
		// accepted and a path that matched the secret.
		h.finish(w, &ev, start, http.StatusBadRequest, fmt.Sprintf("build local request: %v", err), "devhook: bad request\n")
		return
	}

	if ev.Type == "hook.verify" {
		ev.Kind = deliverylog.KindVerify
		if !h.verify(w, r, &ev, start, form) {
			return
		}
		h.forward(w, r, &ev, start, out)
		return
	}
	if h.cfg.Buffer != nil && h.cfg.Buffer.Holding() {
		h.queue(w, &ev, start, out, "earlier events are waiting for the local app")
		return
	}
	if h.cfg.Ack {
		handedOff = h.ack(w, &ev, start, out, held)
		return
	}
	h.forward(w, r, &ev, start, out)
}

// queue hands ev to the Buffer and answers 200, or answers 502 when the
// buffer is full.
func (h *Handler) queue(w http.ResponseWriter, ev *deliverylog.Record, start time.Time, out *http.Request, why string) {
	ev.Target = out.URL.Redacted()
	ev.Outcome = deliverylog.OutcomeQueued
	ev.Error = why
	ev.Status = http.StatusOK
	if !h.cfg.Buffer.Keep(*ev) {
		ev.Outcome = ""
		h.finish(w, ev, start, http.StatusBadGateway, why+"; the buffer is full, so Podio gets 502", "devhook: local app not reachable\n")
		return
	}
	h.finish(w, ev, start, http.StatusOK, why, "")
}

// verify handles the hook.verify part that does not involve the local app.
// It reports whether the request must still be forwarded; if not, the answer
// was written and the event reported.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, ev *deliverylog.Record, start time.Time, form url.Values) bool {
	raw := form.Get("hook_id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		h.finish(w, ev, start, http.StatusBadRequest, fmt.Sprintf("invalid hook_id %q", raw), "devhook: invalid hook_id\n")
		return false
	}
	ev.HookID = id
	code := form.Get("code")
	if code == "" {
		h.finish(w, ev, start, http.StatusBadRequest, "missing code parameter", "devhook: missing code parameter\n")
		return false
	}
	if h.cfg.Validate == nil {
		return true
	}
	if err := h.cfg.Validate(r.Context(), id, code); err != nil {
		h.finish(w, ev, start, http.StatusBadGateway, fmt.Sprintf("validate hook %d: %v", id, err), "devhook: hook validation failed\n")
		return false
	}
	ev.Outcome = deliverylog.OutcomeVerified
	if !h.cfg.ForwardVerify {
		h.finish(w, ev, start, http.StatusOK, "", "")
		return false
	}
	return true
}

// forward sends out to the local app inside the public request and copies
// the local answer back unchanged.
func (h *Handler) forward(w http.ResponseWriter, r *http.Request, ev *deliverylog.Record, start time.Time, out *http.Request) {
	ev.Target = out.URL.Redacted()
	done := h.track(ev)
	resp, err := h.client.Do(out.WithContext(r.Context()))
	if err != nil {
		done()
		msg := h.unreachable(out.URL, err)
		if r.Context().Err() != nil {
			msg = fmt.Sprintf("caller hung up after %s, before the local app answered", deliverylog.FormatLatency(time.Since(start)))
		} else if h.cfg.Buffer != nil && ev.Kind == deliverylog.KindDelivery && Down(err) {
			h.queue(w, ev, start, out, msg)
			return
		}
		h.finish(w, ev, start, http.StatusBadGateway, msg, "devhook: local app not reachable\n")
		return
	}
	defer done()
	defer resp.Body.Close()
	removeHopByHop(resp.Header)
	dst := w.Header()
	for k, vv := range resp.Header {
		dst[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	capture := capWriter{limit: maxCapturedBody}
	_, err = io.Copy(w, io.TeeReader(resp.Body, &capture))
	ev.LatencyMS = deliverylog.Millis(time.Since(start))
	ev.Status = resp.StatusCode
	ev.Response = deliverylog.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: capture.buf, BodyTruncated: capture.truncated}
	if err != nil {
		ev.Error = fmt.Sprintf("copy local response body: %v", err)
	}
	h.checkSlow(ev)
	h.emit(w, ev)
}

// ack answers 200 at once and forwards out in the background. It reports
// whether it did: the background forward then gives the held body bytes
// back when it ends.
func (h *Handler) ack(w http.ResponseWriter, ev *deliverylog.Record, start time.Time, out *http.Request, held int64) bool {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.finish(w, ev, start, http.StatusServiceUnavailable, "relay closed", "devhook: relay is shutting down\n")
		return false
	}
	h.wg.Add(1)
	h.mu.Unlock()

	ev.Acked = true
	ev.Target = out.URL.Redacted()
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	// The public request's context ends when ServeHTTP returns; the
	// background forward must outlive it.
	timeout := h.cfg.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	out = out.WithContext(ctx)
	done := h.track(ev)
	go func() {
		defer h.wg.Done()
		defer cancel()
		defer done()
		resp, err := h.client.Do(out)
		if err != nil {
			ev.LatencyMS = deliverylog.Millis(time.Since(start))
			ev.Status = http.StatusBadGateway
			ev.Error = h.unreachable(out.URL, err)
			if h.cfg.Buffer != nil && Down(err) && h.cfg.Buffer.Keep(*ev) {
				ev.Outcome = deliverylog.OutcomeQueued
				ev.Status = http.StatusOK
			}
			h.bodies.Give(held) // before the record is reported, whose body is cut
			h.emit(nil, ev)
			return
		}
		defer resp.Body.Close()
		capture := capWriter{limit: maxCapturedBody}
		_, err = io.Copy(&capture, resp.Body)
		ev.LatencyMS = deliverylog.Millis(time.Since(start))
		removeHopByHop(resp.Header)
		ev.Status = resp.StatusCode
		ev.Response = deliverylog.Response{Status: resp.StatusCode, Header: resp.Header, Body: capture.buf, BodyTruncated: capture.truncated}
		if err != nil {
			ev.Error = fmt.Sprintf("read local response body: %v", err)
		}
		h.bodies.Give(held)
		h.emit(nil, ev)
	}()
	return true
}

// finish writes the relay's own answer, records it in ev and reports ev. An
// empty errMsg means success.
func (h *Handler) finish(w http.ResponseWriter, ev *deliverylog.Record, start time.Time, status int, errMsg, body string) {
	hdr := w.Header()
	if body != "" {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		hdr.Set("X-Content-Type-Options", "nosniff")
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
	ev.LatencyMS = deliverylog.Millis(time.Since(start))
	ev.Status = status
	ev.Error = errMsg
	ev.Response = deliverylog.Response{Status: status, Header: hdr.Clone()}
	if body != "" {
		ev.Response.Body = []byte(body)
	}
	if ev.Kind == deliverylog.KindVerify {
		h.checkSlow(ev) // Validate ran inside the open request
	}
	h.emit(w, ev)
}

// emit reports ev. When w is not nil the answer is flushed first, so a slow
// OnEvent does not hold up the caller.
func (h *Handler) emit(w http.ResponseWriter, ev *deliverylog.Record) {
	if h.cfg.OnEvent == nil {
		return
	}
	if w != nil {
		_ = http.NewResponseController(w).Flush()
	}
	rec := settle(*ev)
	if rec.Outcome != deliverylog.OutcomeQueued {
		// Only the Buffer needs a whole body, to deliver it later; the
		// log, the terminal and the inspector keep deliverylog.MaxBody of
		// it, so the record does not hold the rest in memory until they
		// have it.
		rec.Request = deliverylog.CapBody(rec.Request)
	}
	h.cfg.OnEvent(rec)
}

// settle completes rec, whose Status is the local app's answer or else the
// relay's own, with its outcome; an acked delivery's Status then becomes
// what Podio got, 200.
func settle(rec deliverylog.Record) deliverylog.Record {
	switch {
	case rec.Outcome == deliverylog.OutcomeQueued || rec.Outcome == deliverylog.OutcomeVerified:
	case rec.Kind == deliverylog.KindRejected:
		rec.Outcome = deliverylog.OutcomeRejected
	case rec.Kind == deliverylog.KindDelivery && rec.Error == "" && rec.Status >= 200 && rec.Status <= 299:
		rec.Outcome = deliverylog.OutcomeForwarded
	default:
		rec.Outcome = deliverylog.OutcomeFailed
	}
	if rec.Acked {
		rec.Status = http.StatusOK
	}
	return rec
}

func (h *Handler) checkSlow(ev *deliverylog.Record) {
	if h.slow > 0 && ev.Latency() > h.slow {
		ev.Warning = fmt.Sprintf("SLOW: %s (Podio gives up at %s)", deliverylog.FormatLatencyMS(ev.LatencyMS), podioTimeout)
	}
}

func (h *Handler) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// matchSecret reports whether the escaped path is /<secret> or lies below
// /<secret>/, and returns the escaped rest of the path after the secret ("" or
// starting with '/').
func (h *Handler) matchSecret(escPath string) (rest string, ok bool) {
	s := h.cfg.Secret
	if len(escPath) < 1+len(s) || escPath[0] != '/' {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(escPath[1:1+len(s)]), []byte(s)) != 1 {
		return "", false
	}
	rest = escPath[1+len(s):]
	if rest != "" && rest[0] != '/' {
		return "", false
	}
	return rest, true
}

// newOutRequest builds the request to the local app: same method, body and
// end-to-end headers, the target path with rest appended, the public query
// kept. Its context is set by the caller.
func (h *Handler) newOutRequest(r *http.Request, rest string, body []byte) (*http.Request, error) {
	return h.outRequest(r.Method, rest, r.URL.RawQuery, r.Header, body)
}

// outRequest builds a request to the local app from its parts.
func (h *Handler) outRequest(method, rest, rawQuery string, header http.Header, body []byte) (*http.Request, error) {
	u := h.target
	if rest != "" {
		decoded, err := url.PathUnescape(rest)
		if err != nil {
			return nil, fmt.Errorf("unescape path %q: %w", rest, err)
		}
		u.RawPath = joinPath(h.target.EscapedPath(), rest)
		u.Path = joinPath(h.target.Path, decoded)
	}
	if q := rawQuery; q != "" {
		if u.RawQuery == "" {
			u.RawQuery = q
		} else {
			u.RawQuery += "&" + q
		}
	}
	out, err := http.NewRequestWithContext(context.Background(), method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	out.Header = header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	removeHopByHop(out.Header)
	out.Header.Del("Content-Length")
	for k, vs := range out.Header {
		// net/http servers refuse such headers already; a Handler mounted
		// behind something else may still get them, and they are the
		// sender's fault, not the local app's.
		if err := headercheck.Check(k, vs); err != nil {
			return nil, err
		}
	}
	out.Header.Del("Expect") // the body has been read already
	out.Header.Set(MarkHeader, h.mark)
	if _, ok := out.Header["User-Agent"]; !ok {
		// An empty value stops net/http from adding its own User-Agent.
		out.Header["User-Agent"] = []string{""}
	}
	return out, nil
}

// unreachable describes a failed round trip to the local app.
func (h *Handler) unreachable(u *url.URL, err error) string {
	base := *u
	base.RawQuery = ""
	return fmt.Sprintf("local app not reachable at %s (%s)", base.Redacted(), shortReason(err))
}

// shortReason turns a transport error into a few words.
func shortReason(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer"
	}
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return dnsErr.Err
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// hopByHop lists the headers that belong to one connection (RFC 9110 7.6.1)
// and are never forwarded.
var hopByHop = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// removeHopByHop deletes hop-by-hop headers from h, including those named
// in its Connection header.
func removeHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// joinPath appends rest ("" or starting with '/') to base without doubling
// the slash.
func joinPath(base, rest string) string {
	if rest == "" {
		return base
	}
	if strings.HasSuffix(base, "/") {
		return base + rest[1:]
	}
	return base + rest
}

func isUnreserved(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '-' || r == '_' || r == '.' || r == '~'
}

// capWriter keeps the first limit bytes written to it and discards the rest.
type capWriter struct {
	limit     int
	buf       []byte
	truncated bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	room := c.limit - len(c.buf)
	if len(p) > room {
		c.buf = append(c.buf, p[:room]...)
		c.truncated = true
	} else {
		c.buf = append(c.buf, p...)
	}
	return len(p), nil
}
