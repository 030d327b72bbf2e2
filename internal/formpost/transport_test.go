package formpost_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/formpost"
)

// rawRequest sends req through rt to a listener that answers "200 OK"
// and returns the bytes of the request it read.
func rawRequest(t *testing.T, rt http.RoundTripper, req func(url string) *http.Request) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		r, err := http.ReadRequest(br)
		if err != nil {
			got <- err.Error()
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		got <- dumpHead(r)
	}()
	res, err := rt.RoundTrip(req("http://" + ln.Addr().String() + "/hook/x?a=1"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return <-got
}

// dumpHead renders what a server sees of a request: method, URI, proto,
// host, sorted headers with their values in order, and the body.
func dumpHead(r *http.Request) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.RequestURI + " " + r.Proto + "\n")
	if _, port, err := net.SplitHostPort(r.Host); err != nil || port == "" {
		b.WriteString("Host: " + r.Host + "\n") // each listener has a port of its own
	}
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		b.WriteString(k + ": " + strings.Join(r.Header[k], " | ") + "\n")
	}
	body, _ := io.ReadAll(r.Body)
	b.WriteString("\n" + string(body))
	return b.String()
}

// TestTransportSendsWhatHTTPTransportSends: a receiver sees the same
// request from Transport as from net/http's.
func TestTransportSendsWhatHTTPTransportSends(t *testing.T) {
	tests := []struct {
		name string
		req  func(url string) *http.Request
	}{
		{"a delivery", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("type=item.create&item_id=1"))
			r.Header = http.Header{"Content-Type": {formpost.ContentType}, "User-Agent": {"Podio-Webhooks"}, "X-Idempotency-Key": nil}
			return r
		}},
		{"empty user agent, several values", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("a=b"))
			r.Header = http.Header{"User-Agent": {""}, "X-Many": {"1", " 2 "}, "Content-Type": {"text/plain"}}
			return r
		}},
		{"no user agent set", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPut, url, strings.NewReader("x"))
			return r
		}},
		{"empty POST", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, nil)
			return r
		}},
		{"empty DELETE", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodDelete, url, nil)
			return r
		}},
		{"empty PATCH", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPatch, url, nil)
			return r
		}},
		{"GET", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, url, nil)
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := rawRequest(t, &http.Transport{}, tt.req)
			got := rawRequest(t, &formpost.Transport{}, tt.req)
			if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(got, "\n")); diff != "" {
				t.Errorf("request as received (-http.Transport +Transport):\n%s", diff)
			}
		})
	}
}

// counting is a test server that counts the connections it accepted.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func post(t *testing.T, rt http.RoundTripper, url, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header = http.Header{"Content-Type": {formpost.ContentType}, "X-Idempotency-Key": nil}
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// TestTransportConnections: connections are reused once an answer is read
// to its end, not after "Connection: close" or a body closed early, and a
// pooled connection the receiver closed is replaced without failing the
// request.
func TestTransportConnections(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		between   func(*httptest.Server)
		readFirst bool // read the first answer to its end
		wantConns int64
	}{
		{"kept alive", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, nil, true, 1},
		{"Connection: close", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "ok")
		}, nil, true, 3},
		{"closed by the receiver while idle", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
			func(s *httptest.Server) { s.CloseClientConnections() }, true, 3},
		{"body closed before its end", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, strings.Repeat("x", 100<<10))
		}, nil, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, conns := counting(t, tt.handler)
			tr := &formpost.Transport{}
			defer tr.CloseIdleConnections()
			for i := range 3 {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hook", strings.NewReader("n="+string(rune('0'+i))))
				req.Header = http.Header{"X-Idempotency-Key": nil}
				res, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if tt.readFirst {
					io.Copy(io.Discard, res.Body)
				} else {
					res.Body.Read(make([]byte, 10))
				}
				res.Body.Close()
				if tt.between != nil {
					tt.between(srv)
				}
			}
			if n := conns.Load(); n != tt.wantConns {
				t.Errorf("%d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

// TestTransportAnswers: a gzip answer is decompressed as net/http does, and
// 1xx answers before the real one are skipped.
func TestTransportAnswers(t *testing.T) {
	t.Run("gzip", func(t *testing.T) {
		srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept-Encoding") != "gzip" {
				t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
			}
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, "compressed answer")
			zw.Close()
		})
		res, body := post(t, &formpost.Transport{}, srv.URL, "a=b")
		if body != "compressed answer" || res.Header.Get("Content-Encoding") != "" || !res.Uncompressed || res.ContentLength != -1 {
			t.Errorf("body %q, Content-Encoding %q, Uncompressed %v, ContentLength %d; want it decompressed as net/http does",
				body, res.Header.Get("Content-Encoding"), res.Uncompressed, res.ContentLength)
		}
	})
	t.Run("1xx first", func(t *testing.T) {
		srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "done")
		})
		res, body := post(t, &formpost.Transport{}, srv.URL, "a=b")
		if res.StatusCode != http.StatusAccepted || body != "done" {
			t.Errorf("answer %d %q, want 202 \"done\"", res.StatusCode, body)
		}
	})
}

// TestTransportCancel: cancelling the request's context breaks off an
// exchange the receiver stalls, with the context's cause.
func TestTransportCancel(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	defer close(release)
	cause := errors.New("the delivery timed out")
	ctx, cancel := context.WithCancelCause(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("a=b"))
	done := make(chan error, 1)
	go func() {
		_, err := (&formpost.Transport{}).RoundTrip(req)
		done <- err
	}()
	wait, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	select {
	case <-entered: // the request is sent; the receiver stalls
	case <-wait.Done():
		t.Fatal("the request never arrived")
	}
	cancel(cause)
	select {
	case err := <-done:
		if !errors.Is(err, cause) {
			t.Errorf("error %v, want the cause %v", err, cause)
		}
	case <-wait.Done():
		t.Fatal("RoundTrip did not return after the context was cancelled")
	}
}

// fallback records the requests it is given.
type fallback struct {
	mu   sync.Mutex
	urls []string
}

func (f *fallback) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.urls = append(f.urls, r.URL.String())
	f.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// TestTransportFallback: what Transport does not write as net/http does
// goes to Fallback.
func TestTransportFallback(t *testing.T) {
	srv, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {})
	tests := []struct {
		name     string
		req      func() *http.Request
		fallback bool
	}{
		{"plain http", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("a"))
			return r
		}, false},
		{"https", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "https://example.invalid/", strings.NewReader("a"))
			return r
		}, true},
		{"body of unknown length", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, io.NopCloser(strings.NewReader("a")))
			return r
		}, true},
		{"user info", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "http://u:p@"+strings.TrimPrefix(srv.URL, "http://"), strings.NewReader("a"))
			return r
		}, true},
		{"a header net/http would refuse", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("a"))
			r.Header.Set("X-Bad", "a")
			r.Header["X-Bad"] = []string{"a\r\nInjected: 1"}
			return r
		}, true},
		{"a control character net/http would refuse", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("a"))
			r.Header["X-Esc"] = []string{"\x1b[31m"}
			return r
		}, true},
		{"an Accept-Encoding of the caller's", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("a"))
			r.Header.Set("Accept-Encoding", "br")
			return r
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := &fallback{}
			tr := &formpost.Transport{Fallback: fb}
			defer tr.CloseIdleConnections()
			res, err := tr.RoundTrip(tt.req())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := len(fb.urls) == 1; got != tt.fallback {
				t.Errorf("fallback used: %v, want %v", got, tt.fallback)
			}
		})
	}
}
