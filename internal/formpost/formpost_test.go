package formpost_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/formpost"
)

// manualTimeout is an injected timeout that fires only when told to.
type manualTimeout struct {
	mu    sync.Mutex
	f     func()
	fired bool
	d     time.Duration
}

func (m *manualTimeout) afterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.f, m.d = f, d
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		was := m.fired
		m.fired = true
		return !was
	}
}

// fire runs the timeout unless it was stopped.
func (m *manualTimeout) fire() {
	m.mu.Lock()
	f, fired := m.f, m.fired
	m.fired = true
	m.mu.Unlock()
	if !fired && f != nil {
		f()
	}
}

// hijacked answers with raw bytes written on the bare connection, then
// closes it; reset closes it with a TCP reset.
func hijacked(t *testing.T, raw string, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		buf.WriteString(raw)
		buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	type want struct {
		Status    int
		Body      string
		Truncated bool
		Location  string
		Err       error  // matched with errors.Is
		ErrText   string // a part of Err's text
		Failure   string // a part of Failure's text; empty means nil
	}
	long := strings.Repeat("x", formpost.DefaultMaxBody+10)
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    want
	}{
		{"2xx", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
			want{Status: 200, Body: "ok"}},
		{"204 no body", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			want{Status: 204}},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
			want{Status: 500, Body: "boom\n", Failure: "answered 500, not 2xx"}},
		{"long body kept in part", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, long) },
			want{Status: 200, Body: long[:formpost.DefaultMaxBody], Truncated: true}},
		{"Content-Length not met", hijacked(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", false),
			want{Status: 200, Body: "short", Err: formpost.ErrCutShort, ErrText: "answered 200, then the body broke off", Failure: "answered 200"}},
		{"connection reset in the body", hijacked(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", true),
			want{Status: 200, Err: formpost.ErrCutShort, Failure: "cut short"}},
		{"connection closed before an answer", hijacked(t, "", false),
			want{Err: formpost.ErrConnection, Failure: "connection failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			s := &formpost.Sender{Client: srv.Client()}
			res := s.Post(t.Context(), srv.URL+"/hook", []byte("type=item.create&item_id=1"))
			got := want{Status: res.Status, Body: string(res.Body), Truncated: res.Truncated, Location: res.Location}
			if !errors.Is(res.Err, tc.want.Err) || (tc.want.Err == nil) != (res.Err == nil) {
				t.Errorf("Err = %v, want %v", res.Err, tc.want.Err)
			}
			if res.Err != nil && !strings.Contains(res.Err.Error(), tc.want.ErrText) {
				t.Errorf("Err = %q, want it to contain %q", res.Err, tc.want.ErrText)
			}
			if f := res.Failure(); (f == nil) != (tc.want.Failure == "") || (f != nil && !strings.Contains(f.Error(), tc.want.Failure)) {
				t.Errorf("Failure() = %v, want %q", f, tc.want.Failure)
			}
			if tc.name == "connection reset in the body" {
				got.Body = "" // how much arrives before the reset varies
			}
			got.Err, got.ErrText, got.Failure = tc.want.Err, tc.want.ErrText, tc.want.Failure
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSendDoesNotFollowRedirects: a 3xx is the receiver's answer, a failed
// delivery reported with its Location; nothing is sent to the Location,
// neither the form again (307, 308) nor a GET (301, 302, 303).
func TestSendDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			var followed atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
			mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere", code)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			// A client that follows redirects: the Sender must not let it.
			client := srv.Client()
			client.CheckRedirect = nil
			s := &formpost.Sender{Client: client}
			res := s.Post(t.Context(), srv.URL+"/hook", []byte("type=item.create"))
			if res.Err != nil || res.Status != code || res.Location != "/elsewhere" {
				t.Errorf("result = %d %q %v, want %d with Location /elsewhere", res.Status, res.Location, res.Err, code)
			}
			f := res.Failure()
			if f == nil || !strings.Contains(f.Error(), "redirect to /elsewhere, not followed") {
				t.Errorf("Failure() = %v, want a failed delivery naming the redirect", f)
			}
			if n := followed.Load(); n != 0 {
				t.Errorf("the redirect was followed %d times", n)
			}
		})
	}
}

// signalingTransport closes headers once a response's headers have
// arrived.
type signalingTransport struct {
	http.RoundTripper
	headers chan struct{}
}

func (s signalingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.RoundTripper.RoundTrip(r)
	if err == nil {
		close(s.headers)
	}
	return resp, err
}

// TestSendTimeoutCoversTheBody: a receiver that sends its headers and
// then stalls fails at the timeout; its status is not a delivery.
func TestSendTimeoutCoversTheBody(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(200)
		io.WriteString(w, "par")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	headers := make(chan struct{})
	client := &http.Client{Transport: signalingTransport{srv.Client().Transport, headers}}
	var timeout manualTimeout
	s := &formpost.Sender{Client: client, Timeout: 15 * time.Second, AfterFunc: timeout.afterFunc}
	done := make(chan formpost.Result)
	go func() { done <- s.Post(t.Context(), srv.URL, []byte("type=item.create")) }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case <-headers:
	case <-ctx.Done():
		t.Fatal("the headers never arrived")
	}
	timeout.fire()
	var res formpost.Result
	select {
	case res = <-done:
	case <-ctx.Done():
		t.Fatal("Post did not end at the timeout")
	}
	if !errors.Is(res.Err, formpost.ErrTimeout) || res.Status != 200 {
		t.Fatalf("result = %d %v, want 200 and a timeout", res.Status, res.Err)
	}
	if want := "timeout: answered 200, but the answer did not end within 15s"; res.Err.Error() != want {
		t.Errorf("Err = %q, want %q", res.Err, want)
	}
	if res.Failure() == nil {
		t.Error("Failure() = nil, want the timeout")
	}
}

// TestSendTimeoutBeforeAnswer: no status line within the timeout.
func TestSendTimeoutBeforeAnswer(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	var timeout manualTimeout
	s := &formpost.Sender{Client: srv.Client(), Timeout: 2 * time.Second, AfterFunc: timeout.afterFunc}
	done := make(chan formpost.Result)
	go func() { done <- s.Post(t.Context(), srv.URL, nil) }()
	<-arrived
	timeout.fire()
	res := <-done
	if want := "timeout: no answer within 2s"; res.Err == nil || res.Err.Error() != want || !errors.Is(res.Err, formpost.ErrTimeout) {
		t.Errorf("Err = %v, want %q", res.Err, want)
	}
	if timeout.d != 2*time.Second {
		t.Errorf("timeout armed for %s, want 2s", timeout.d)
	}
}

func TestSendUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var s formpost.Sender
	res := s.Post(t.Context(), "http://"+addr+"/hook", nil)
	if !errors.Is(res.Err, formpost.ErrUnreachable) || !errors.Is(res.Err, syscall.ECONNREFUSED) {
		t.Errorf("Err = %v, want unreachable: ... connection refused", res.Err)
	}
	if strings.Contains(res.Err.Error(), "Post ") {
		t.Errorf("Err = %q names the method and URL; the caller does", res.Err)
	}
}

func TestSendCanceled(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	s := &formpost.Sender{Client: srv.Client()}
	done := make(chan formpost.Result)
	go func() { done <- s.Post(ctx, srv.URL, nil) }()
	<-arrived
	cancel()
	res := <-done
	if !errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, formpost.ErrTimeout) {
		t.Errorf("Err = %v, want context.Canceled", res.Err)
	}
}

// TestSendRequest: what goes on the wire, for Post (Podio's form POST)
// and for Send (a replay with its own method and headers).
func TestSendRequest(t *testing.T) {
	t.Parallel()
	type seen struct {
		Method, Path, ContentType, Body string
		UserAgent                       []string
		Custom                          string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(b), r.Header["User-Agent"], r.Header.Get("X-Custom")}
	}))
	defer srv.Close()

	s := &formpost.Sender{Client: srv.Client(), UserAgent: "Podio-Webhooks (test)"}
	if res := s.Post(t.Context(), srv.URL+"/h", []byte("type=item.create&item_id=1")); res.Failure() != nil {
		t.Fatal(res.Failure())
	}
	want := seen{"POST", "/h", formpost.ContentType, "type=item.create&item_id=1", []string{"Podio-Webhooks (test)"}, ""}
	if diff := cmp.Diff(want, <-got); diff != "" {
		t.Errorf("Post sent (-want +got):\n%s", diff)
	}

	s = &formpost.Sender{Client: srv.Client()}
	res := s.Send(t.Context(), formpost.Request{Method: "PUT", URL: srv.URL + "/r", Header: http.Header{"X-Custom": {"1"}}, Body: []byte("b")})
	if res.Failure() != nil {
		t.Fatal(res.Failure())
	}
	want = seen{"PUT", "/r", "", "b", nil, "1"}
	if diff := cmp.Diff(want, <-got); diff != "" {
		t.Errorf("Send sent (-want +got):\n%s", diff)
	}
}

// TestSendBadURL: a URL net/http cannot send to is a failure, not a panic.
func TestSendBadURL(t *testing.T) {
	t.Parallel()
	var s formpost.Sender
	res := s.Post(t.Context(), "http://bad host/", nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "bad URL") {
		t.Errorf("Err = %v, want bad URL", res.Err)
	}
}
