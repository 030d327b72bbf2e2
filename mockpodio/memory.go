package mockpodio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// memHosts is the delivery transport of an [InMemory] server: it serves
// each request with the handler registered for its host, in memory, and
// finds nothing listening on any other host.
type memHosts struct {
	mu       sync.Mutex // guards handlers, next
	handlers map[string]http.Handler
	next     int
}

// add registers h under a new host name and returns it.
func (m *memHosts) add(h http.Handler) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.handlers == nil {
		m.handlers = map[string]http.Handler{}
	}
	m.next++
	host := fmt.Sprintf("receiver-%d.mockpodio.invalid", m.next)
	m.handlers[host] = h
	return host
}

// remove forgets host: requests to it find nothing listening.
func (m *memHosts) remove(host string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.handlers, host)
}

// errNoMemHost is the dial error of a host no in-memory receiver has.
var errNoMemHost = errors.New("connection refused: no in-memory receiver at this host")

// RoundTrip serves r in memory. It returns when the handler has answered,
// when it aborts (panic(http.ErrAbortHandler): a dropped connection) or
// when r's context ends.
func (m *memHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	m.mu.Lock()
	h := m.handlers[strings.ToLower(r.URL.Host)]
	m.mu.Unlock()
	if h == nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errNoMemHost}
	}
	type result struct {
		res *http.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec := httptest.NewRecorder()
		defer func() {
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					done <- result{err: fmt.Errorf("receiver panicked: %v", v)}
					return
				}
				done <- result{err: errors.New("connection closed by the receiver without an answer")}
			}
		}()
		in := r.Clone(r.Context())
		in.RequestURI = r.URL.RequestURI()
		in.RemoteAddr = "127.0.0.1:1"
		h.ServeHTTP(rec, in)
		res := rec.Result()
		res.Request = r
		done <- result{res: res}
	}()
	select {
	case x := <-done:
		return x.res, x.err
	case <-r.Context().Done():
		return nil, context.Cause(r.Context())
	}
}
