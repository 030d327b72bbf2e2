package formpost

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/headercheck"
)

// Transport carries one plain-HTTP request at a time per connection, on
// keep-alive connections it pools by host: the exchange a delivery is.
// Unlike [http.Transport] it keeps no reader or writer goroutine per
// connection and hands nothing between goroutines, which under the mock's
// load (thousands of deliveries a second, scripts/bench) cost more than
// the exchange itself. What it does not do itself (https, a proxy from the
// environment, a header it would not write as net/http does, a body of
// unknown length) goes to Fallback.
//
// On the wire it is http.Transport's request: the same request line and
// headers (Host, User-Agent unless set empty, Content-Length, the rest
// sorted, then Accept-Encoding: gzip, whose answers it decompresses as
// http.Transport does). A request on a pooled connection that the
// receiver had closed, so that not one byte of an answer came, is sent
// again once on a new connection, as http.Transport does for a request it
// may retry.
type Transport struct {
	// Fallback carries the requests Transport does not. nil means
	// [http.DefaultTransport].
	Fallback http.RoundTripper
	// MaxIdlePerHost bounds the idle connections kept per host:port. 0
	// means 2, as http.Transport's default.
	MaxIdlePerHost int

	mu   sync.Mutex
	idle map[string][]*conn // by host:port, most recently used last
}

// conn is one pooled connection.
type conn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func (t *Transport) fallback() http.RoundTripper {
	if t.Fallback != nil {
		return t.Fallback
	}
	return http.DefaultTransport
}

// RoundTrip sends req and returns the answer, whose body the caller must
// read to its end or close.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	addr, ok := t.ownAddr(req)
	if !ok {
		return t.fallback().RoundTrip(req)
	}
	for try := 0; ; try++ {
		c, reused, err := t.get(req.Context(), addr)
		if err != nil {
			closeBody(req)
			if cause := context.Cause(req.Context()); cause != nil {
				return nil, cause
			}
			return nil, err
		}
		resp, answered, err := t.exchange(req, c, addr)
		if err == nil {
			return resp, nil
		}
		if reused && !answered && try == 0 && req.GetBody != nil && req.Context().Err() == nil {
			// The receiver had closed the idle connection: a new one.
			body, berr := req.GetBody()
			if berr == nil {
				r2 := *req
				r2.Body = body
				req = &r2
				continue
			}
		}
		closeBody(req)
		return nil, err
	}
}

// ownAddr reports whether Transport carries req itself, and to which
// host:port.
func (t *Transport) ownAddr(req *http.Request) (string, bool) {
	u := req.URL
	if u == nil || u.Scheme != "http" || u.Host == "" || u.User != nil || req.Method == http.MethodConnect {
		return "", false
	}
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= 0 {
		return "", false // a body of unknown length: chunked, left to net/http
	}
	if len(req.TransferEncoding) > 0 || req.Close || len(req.Trailer) > 0 {
		return "", false
	}
	if p, err := http.ProxyFromEnvironment(req); p != nil || err != nil {
		return "", false
	}
	for k, vs := range req.Header {
		// What net/http refuses, and what it writes itself.
		if !headercheck.ValidName(k) || strings.EqualFold(k, "Host") || strings.EqualFold(k, "Accept-Encoding") || strings.EqualFold(k, "Range") ||
			strings.EqualFold(k, "Connection") || strings.EqualFold(k, "Transfer-Encoding") || strings.EqualFold(k, "Content-Length") {
			return "", false
		}
		for _, v := range vs {
			if !headercheck.ValidValue(v) {
				return "", false
			}
		}
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(strings.Trim(u.Hostname(), "[]"), "80")
	}
	return host, true
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// get returns an idle connection to addr, or a new one.
func (t *Transport) get(ctx context.Context, addr string) (c *conn, reused bool, err error) {
	t.mu.Lock()
	if cs := t.idle[addr]; len(cs) > 0 {
		c = cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[addr] = cs[:len(cs)-1]
		t.mu.Unlock()
		return c, true, nil
	}
	t.mu.Unlock()
	nc, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return &conn{c: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc)}, false, nil
}

// put pools c for addr, or closes it when the pool is full.
func (t *Transport) put(addr string, c *conn) {
	max := t.MaxIdlePerHost
	if max <= 0 {
		max = 2
	}
	t.mu.Lock()
	if len(t.idle[addr]) < max {
		if t.idle == nil {
			t.idle = make(map[string][]*conn)
		}
		t.idle[addr] = append(t.idle[addr], c)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	c.c.Close()
}

// CloseIdleConnections closes the pooled connections, and the
// Fallback's.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, cs := range idle {
		for _, c := range cs {
			c.c.Close()
		}
	}
	if ci, ok := t.fallback().(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// dialer connects as http.DefaultTransport's does: a connection attempt
// gives up after 30 s whatever the request's context (which may run on a
// manual clock), and TCP keep-alives probe every 30 s.
var dialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

// aLongTimeAgo is a deadline in the past: it makes blocked reads and
// writes return at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on c and reads the answer's head. answered reports
// whether any byte of an answer came.
func (t *Transport) exchange(req *http.Request, c *conn, addr string) (resp *http.Response, answered bool, err error) {
	ctx := req.Context()
	// Cancelling ctx breaks off whatever c is blocked on; c is then closed,
	// never pooled.
	stop := context.AfterFunc(ctx, func() { c.c.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, bool, error) {
		stop()
		c.c.Close()
		if cerr := context.Cause(ctx); cerr != nil {
			return nil, answered, cerr
		}
		return nil, answered, err
	}
	if err := writeRequest(c.bw, req); err != nil {
		return fail(err)
	}
	for {
		if _, err := c.br.Peek(1); err != nil {
			return fail(err)
		}
		answered = true
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			return fail(err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		resp.Body.Close() // 1xx: informational, the answer follows
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return fail(fmt.Errorf("unexpected %s", resp.Status))
	}
	keep := !resp.Close && resp.ProtoAtLeast(1, 1)
	pb := &pooledBody{rc: resp.Body, done: func(clean bool) {
		if stop() && clean && keep {
			t.put(addr, c)
			return
		}
		c.c.Close()
	}}
	resp.Body = pb
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && resp.ContentLength != 0 {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = &gzipBody{body: pb}
	}
	return resp, true, nil
}

// writeRequest writes req as http.Transport does: request line, Host,
// User-Agent (none when set empty), Content-Length, the other headers
// sorted, Accept-Encoding: gzip, then the body.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(req.URL.Host)
	w.WriteString("\r\n")
	ua := "Go-http-client/1.1"
	if _, ok := req.Header["User-Agent"]; ok {
		ua = req.Header.Get("User-Agent")
	}
	if ua != "" {
		w.WriteString("User-Agent: ")
		w.WriteString(ua)
		w.WriteString("\r\n")
	}
	// As net/http: an empty body is announced only by the methods that
	// expect one.
	if req.ContentLength > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(max(req.ContentLength, 0), 10))
		w.WriteString("\r\n")
	}
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		if k != "User-Agent" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(strings.TrimSpace(v))
			w.WriteString("\r\n")
		}
	}
	w.WriteString("Accept-Encoding: gzip\r\n\r\n")
	if req.Body != nil && req.Body != http.NoBody {
		n, err := io.Copy(w, req.Body)
		req.Body.Close()
		if err != nil {
			return err
		}
		if n != req.ContentLength {
			return fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, n)
		}
	}
	return w.Flush()
}

// pooledBody hands its connection back once read to its end, or closes it when
// closed before.
type pooledBody struct {
	rc   io.ReadCloser
	once sync.Once
	done func(clean bool)
}

func (b *pooledBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.once.Do(func() { b.done(true) })
	} else if err != nil {
		b.once.Do(func() { b.done(false) })
	}
	return n, err
}

func (b *pooledBody) Close() error {
	err := b.rc.Close()
	b.once.Do(func() { b.done(false) })
	return err
}

// gzipBody decompresses a body as it is read.
type gzipBody struct {
	body *pooledBody
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.zr == nil && g.err == nil {
		g.zr, g.err = gzip.NewReader(g.body)
	}
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.zr.Read(p)
	if errors.Is(err, io.EOF) {
		// Read the wrapped body to its end too, so its connection is
		// handed back.
		if _, derr := io.Copy(io.Discard, g.body); derr != nil {
			return n, derr
		}
	}
	return n, err
}

func (g *gzipBody) Close() error { return g.body.Close() }
