package tunnel_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/fakeedge"
	"github.com/devhookhq/devhook/tunnel"
)

const goodToken = "good-token"

// newEdge starts a fake ngrok edge that accepts goodToken, after configure
// has set its hooks.
func newEdge(t *testing.T, configure func(*fakeedge.Server)) *fakeedge.Server {
	t.Helper()
	edge := fakeedge.NewUnstartedServer()
	edge.Authtoken = goodToken
	if configure != nil {
		configure(edge)
	}
	if err := edge.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(edge.Close)
	return edge
}

func edgeOptions(t *testing.T, edge *fakeedge.Server) tunnel.NgrokOptions {
	return tunnel.NgrokOptions{
		Authtoken:      goodToken,
		ConnectURL:     edge.Addr,
		ConnectCAs:     edge.CAs,
		ConnectTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// testWriter writes to t.Output until the test ends and drops writes after:
// the SDK keeps a dead session's heartbeat timer for 25 s after a reconnect,
// and it logs when that timer fires.
type testWriter struct {
	mu   sync.Mutex // guards done
	done bool
	t    *testing.T
}

func newTestWriter(t *testing.T) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(p), nil
	}
	return w.t.Output().Write(p)
}

func listenNgrok(t *testing.T, opts tunnel.NgrokOptions) *tunnel.Ngrok {
	t.Helper()
	tun, err := tunnel.ListenNgrok(t.Context(), opts)
	if err != nil {
		t.Fatalf("ListenNgrok: %v", err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

type received struct {
	Method, Path string
	Body         []byte
}

// serveRecorder serves tun, answers 204 and sends each request to the
// returned channel.
func serveRecorder(t *testing.T, tun tunnel.Tunnel) <-chan received {
	t.Helper()
	reqs := make(chan received, 10)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reqs <- received{Method: r.Method, Path: r.URL.Path, Body: body}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(tun)
	t.Cleanup(func() { srv.Close() })
	return reqs
}

// post sends body through the edge to url and returns what the agent's
// server received.
func post(t *testing.T, edge *fakeedge.Server, reqs <-chan received, url string, body []byte) received {
	t.Helper()
	resp, err := edge.Client().Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: status %d, want %d", url, resp.StatusCode, http.StatusNoContent)
	}
	return <-reqs
}

func TestNgrokProxiesRequest(t *testing.T) {
	t.Parallel()
	body := make([]byte, 1<<20) // larger than a muxado window
	rand.Read(body)

	tests := []struct {
		name    string
		domain  string
		wantURL string // empty means a random https://*.ngrok.test
	}{
		{name: "random url"},
		{name: "reserved domain", domain: "hooks.example.test", wantURL: "https://hooks.example.test"},
		{name: "domain as url", domain: "https://hooks.example.test", wantURL: "https://hooks.example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edge := newEdge(t, nil)
			opts := edgeOptions(t, edge)
			opts.Domain = tt.domain
			tun := listenNgrok(t, opts)

			if tt.wantURL != "" && tun.URL() != tt.wantURL {
				t.Errorf("URL() = %q, want %q", tun.URL(), tt.wantURL)
			}
			if !strings.HasPrefix(tun.URL(), "https://") || !strings.HasSuffix(tun.URL(), ".test") {
				t.Errorf("URL() = %q, want https://*.test", tun.URL())
			}
			if diff := cmp.Diff([]string{tun.URL()}, edge.URLs()); diff != "" {
				t.Errorf("edge URLs mismatch (-want +got):\n%s", diff)
			}

			reqs := serveRecorder(t, tun)
			got := post(t, edge, reqs, tun.URL()+"/hook", body)
			want := received{Method: http.MethodPost, Path: "/hook", Body: body}
			// bytes.Equal: cmp walks a 1 MiB slice element by element.
			if diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal)); diff != "" {
				t.Errorf("received request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNgrokStartErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		onAuth func(string) string
		onBind func(string) string
		domain string
		want   *tunnel.NgrokError
	}{
		{
			name:  "empty token",
			token: "",
			want: &tunnel.NgrokError{
				Err:  tunnel.ErrAuthtokenMissing,
				Hint: "set NGROK_AUTHTOKEN or pass --ngrok-authtoken; get one at https://dashboard.ngrok.com/get-started/your-authtoken",
			},
		},
		{
			name:  "wrong token",
			token: "wrong-token",
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrAuthtokenInvalid,
				Code:    "ERR_NGROK_107",
				Message: "authentication failed: The authtoken you specified is properly formed, but it is invalid.",
				Hint:    "check NGROK_AUTHTOKEN or --ngrok-authtoken against https://dashboard.ngrok.com/get-started/your-authtoken",
			},
		},
		{
			name:   "malformed token",
			token:  goodToken,
			onAuth: reply("ERR_NGROK_105", "The authtoken you specified does not look like a proper ngrok tunnel authtoken.\nYour authtoken: "+goodToken),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrAuthtokenInvalid,
				Code:    "ERR_NGROK_105",
				Message: "authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.",
				Hint:    "check NGROK_AUTHTOKEN or --ngrok-authtoken against https://dashboard.ngrok.com/get-started/your-authtoken",
			},
		},
		{
			name:   "revoked token",
			token:  goodToken,
			onAuth: reply("ERR_NGROK_106", "Your authtoken "+goodToken+" has been revoked."),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrAuthtokenInvalid,
				Code:    "ERR_NGROK_106",
				Message: "authentication failed: Your authtoken HIDDEN has been revoked.",
				Hint:    "check NGROK_AUTHTOKEN or --ngrok-authtoken against https://dashboard.ngrok.com/get-started/your-authtoken",
			},
		},
		{
			name:   "token required",
			token:  goodToken,
			onAuth: reply("ERR_NGROK_4018", "Usage of ngrok requires a verified account and authtoken."),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrAuthtokenMissing,
				Code:    "ERR_NGROK_4018",
				Message: "authentication failed: Usage of ngrok requires a verified account and authtoken.",
				Hint:    "set NGROK_AUTHTOKEN or pass --ngrok-authtoken; get one at https://dashboard.ngrok.com/get-started/your-authtoken",
			},
		},
		{
			name:   "session limit",
			token:  goodToken,
			onAuth: reply("ERR_NGROK_108", "Your account is limited to 1 simultaneous ngrok agent sessions."),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrSessionLimit,
				Code:    "ERR_NGROK_108",
				Message: "authentication failed: Your account is limited to 1 simultaneous ngrok agent sessions.",
				Hint:    "stop the other ngrok agents using this account, or upgrade the ngrok plan",
			},
		},
		{
			name:   "endpoint in use",
			token:  goodToken,
			domain: "taken.example.test",
			onBind: reply("ERR_NGROK_334", "The endpoint 'https://taken.example.test' is already online."),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrEndpointInUse,
				Code:    "ERR_NGROK_334",
				Message: "The endpoint 'https://taken.example.test' is already online.",
				Hint:    "another agent already serves this URL or domain; stop it or choose another domain",
			},
		},
		{
			name:   "unknown code",
			token:  goodToken,
			onAuth: reply("ERR_NGROK_9999", "Something unusual happened."),
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrRejected,
				Code:    "ERR_NGROK_9999",
				Message: "authentication failed: Something unusual happened.",
				Hint:    "see https://ngrok.com/docs/errors/err_ngrok_9999",
			},
		},
		{
			name:   "no code",
			token:  goodToken,
			onAuth: func(string) string { return "The server is shutting down." },
			want: &tunnel.NgrokError{
				Err:     tunnel.ErrRejected,
				Message: "authentication failed: The server is shutting down.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edge := newEdge(t, func(e *fakeedge.Server) {
				e.OnAuth = tt.onAuth
				e.OnBind = tt.onBind
			})
			opts := edgeOptions(t, edge)
			opts.Authtoken = tt.token
			opts.Domain = tt.domain

			start := time.Now()
			tun, err := tunnel.ListenNgrok(t.Context(), opts)
			elapsed := time.Since(start)
			if err == nil {
				tun.Close()
				t.Fatal("ListenNgrok succeeded, want an error")
			}
			if !errors.Is(err, tt.want.Err) {
				t.Errorf("ListenNgrok error = %v, want errors.Is %v", err, tt.want.Err)
			}
			var got *tunnel.NgrokError
			if !errors.As(err, &got) {
				t.Fatalf("ListenNgrok error = %v, want a *tunnel.NgrokError", err)
			}
			if diff := cmp.Diff(*tt.want, *got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("ListenNgrok error mismatch (-want +got):\n%s", diff)
			}
			// The SDK retries forever; the adapter must not wait for the timeout.
			if limit := opts.ConnectTimeout / 2; elapsed > limit {
				t.Errorf("ListenNgrok took %v, want under %v", elapsed, limit)
			}
			if tt.token == "" && edge.Conns() != 0 {
				t.Errorf("edge accepted %d connections for an empty token, want 0", edge.Conns())
			}
		})
	}
}

func reply(code, msg string) func(string) string {
	return func(string) string { return fakeedge.ErrorMessage(code, msg) }
}

// silentListener accepts TCP connections and never answers. Each accepted
// connection is announced on the returned channel.
func silentListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
	var (
		mu    sync.Mutex // guards conns
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

// closedPort returns a loopback address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestNgrokUnreachable(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{name: "closed port", addr: closedPort},
		{name: "silent server", addr: func(t *testing.T) string {
			addr, _ := silentListener(t)
			return addr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := tt.addr(t)
			start := time.Now()
			tun, err := tunnel.ListenNgrok(t.Context(), tunnel.NgrokOptions{
				Authtoken:      goodToken,
				ConnectURL:     addr,
				ConnectTimeout: timeout,
			})
			elapsed := time.Since(start)
			if err == nil {
				tun.Close()
				t.Fatal("ListenNgrok succeeded, want an error")
			}
			if !errors.Is(err, tunnel.ErrUnreachable) {
				t.Errorf("ListenNgrok error = %v, want errors.Is ErrUnreachable", err)
			}
			// The user must see where devhook tried to connect.
			if !strings.Contains(err.Error(), "cannot reach ngrok") || !strings.Contains(err.Error(), addr) {
				t.Errorf("ListenNgrok error = %q, want it to say it cannot reach ngrok at %s", err, addr)
			}
			if elapsed < timeout || elapsed > timeout+5*time.Second {
				t.Errorf("ListenNgrok took %v, want about %v", elapsed, timeout)
			}
			t.Log(err)
		})
	}
}

func TestNgrokContextCancel(t *testing.T) {
	t.Parallel()
	t.Run("before start", func(t *testing.T) {
		edge := newEdge(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := tunnel.ListenNgrok(ctx, edgeOptions(t, edge))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ListenNgrok error = %v, want context.Canceled", err)
		}
		if edge.Conns() != 0 {
			t.Errorf("edge accepted %d connections, want 0", edge.Conns())
		}
	})
	t.Run("while connecting", func(t *testing.T) {
		addr, accepted := silentListener(t)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			tun, err := tunnel.ListenNgrok(ctx, tunnel.NgrokOptions{
				Authtoken:      goodToken,
				ConnectURL:     addr,
				ConnectTimeout: time.Minute,
			})
			if err == nil {
				tun.Close()
			}
			done <- err
		}()
		<-accepted
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, tunnel.ErrUnreachable) {
			t.Errorf("ListenNgrok error = %v, want context.Canceled", err)
		}
	})
	t.Run("after start", func(t *testing.T) {
		edge := newEdge(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		tun, err := tunnel.ListenNgrok(ctx, edgeOptions(t, edge))
		if err != nil {
			t.Fatal(err)
		}
		defer tun.Close()
		cancel() // bounds only the start
		reqs := serveRecorder(t, tun)
		got := post(t, edge, reqs, tun.URL()+"/later", []byte("still up"))
		if diff := cmp.Diff(received{Method: http.MethodPost, Path: "/later", Body: []byte("still up")}, got); diff != "" {
			t.Errorf("received request mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestNgrokReconnect(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, nil)
	tun := listenNgrok(t, edgeOptions(t, edge))
	reqs := serveRecorder(t, tun)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	for i, path := range []string{"/before", "/after-first-drop", "/after-second-drop"} {
		if i > 0 {
			edge.DropSessions()
			if err := edge.AwaitBinds(ctx, i+1); err != nil {
				t.Fatalf("agent did not bind again: %v", err)
			}
		}
		body := []byte("delivery " + path)
		got := post(t, edge, reqs, tun.URL()+path, body)
		if diff := cmp.Diff(received{Method: http.MethodPost, Path: path, Body: body}, got); diff != "" {
			t.Errorf("received request mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{tun.URL()}, edge.URLs()); diff != "" {
			t.Errorf("edge URLs mismatch (-want +got):\n%s", diff)
		}
	}
}

// awaitRestored waits for tun to report a restored session.
func awaitRestored(ctx context.Context, t *testing.T, tun *tunnel.Ngrok) {
	t.Helper()
	select {
	case <-tun.Restored():
	case <-ctx.Done():
		t.Fatalf("no restore reported: %v", ctx.Err())
	}
}

// TestNgrokRestoredSameURL: a dropped session is reported restored, and
// the URL, which the edge kept, still reaches the agent.
func TestNgrokRestoredSameURL(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, nil)
	tun := listenNgrok(t, edgeOptions(t, edge))
	reqs := serveRecorder(t, tun)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case <-tun.Restored():
		t.Fatal("restore reported before any loss")
	default:
	}
	edge.DropSessions()
	awaitRestored(ctx, t, tun)
	got := post(t, edge, reqs, tun.URL()+"/after", []byte("x"))
	if got.Path != "/after" {
		t.Errorf("received %+v", got)
	}
}

// TestNgrokRenewAfterNewURL: the edge binds the endpoint on a new URL
// after a reconnect, and the agent still reports the old one, which is
// offline. Renew binds a new endpoint; URL reports it and traffic to it
// arrives on the same Accept.
func TestNgrokRenewAfterNewURL(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, func(e *fakeedge.Server) { e.NewURLOnRebind = true })
	tun := listenNgrok(t, edgeOptions(t, edge))
	reqs := serveRecorder(t, tun)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	old := tun.URL()

	edge.DropSessions()
	awaitRestored(ctx, t, tun)
	if tun.URL() != old {
		t.Fatalf("URL changed by itself: %s -> %s", old, tun.URL())
	}
	res, err := edge.Client().Get(old + "/probe")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Ngrok-Error-Code") != fakeedge.OfflineCode {
		t.Fatalf("the old URL answered %d %q, want 404 %s", res.StatusCode, res.Header.Get("Ngrok-Error-Code"), fakeedge.OfflineCode)
	}

	if err := tun.Renew(ctx); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if tun.URL() == old || !strings.HasPrefix(tun.URL(), "https://") {
		t.Fatalf("URL after Renew = %s (old %s)", tun.URL(), old)
	}
	if !slices.Contains(edge.URLs(), tun.URL()) {
		t.Errorf("edge URLs %v lack %s", edge.URLs(), tun.URL())
	}
	for _, path := range []string{"/first", "/second"} {
		got := post(t, edge, reqs, tun.URL()+path, []byte(path))
		if diff := cmp.Diff(received{Method: http.MethodPost, Path: path, Body: []byte(path)}, got); diff != "" {
			t.Errorf("received request mismatch (-want +got):\n%s", diff)
		}
	}
}

// TestNgrokRenewReservedDomain: a reserved domain cannot move.
func TestNgrokRenewReservedDomain(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, nil)
	opts := edgeOptions(t, edge)
	opts.Domain = "hooks.example.test"
	tun := listenNgrok(t, opts)
	if err := tun.Renew(t.Context()); !errors.Is(err, tunnel.ErrFixedURL) {
		t.Errorf("Renew = %v, want ErrFixedURL", err)
	}
	if tun.URL() != "https://hooks.example.test" {
		t.Errorf("URL = %s", tun.URL())
	}
}

// TestNgrokRenewAfterClose: Renew on a closed tunnel fails.
func TestNgrokRenewAfterClose(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, nil)
	tun, err := tunnel.ListenNgrok(t.Context(), edgeOptions(t, edge))
	if err != nil {
		t.Fatal(err)
	}
	tun.Close()
	if err := tun.Renew(t.Context()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Renew after Close = %v, want net.ErrClosed", err)
	}
}

func TestNgrokClose(t *testing.T) {
	t.Parallel()
	edge := newEdge(t, nil)
	tun, err := tunnel.ListenNgrok(t.Context(), edgeOptions(t, edge))
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() {
		_, err := tun.Accept()
		accepted <- err
	}()
	if err := tun.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Errorf("pending Accept after Close = %v, want net.ErrClosed", err)
	}
	if _, err := tun.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
	if err := tun.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
}

// TestNgrokUnresolvable: an ingress host name that does not resolve fails
// at once, long before the connect timeout. The resolver is the test's:
// it answers "no such host" without any network.
func TestNgrokUnresolvable(t *testing.T) {
	t.Parallel()
	var lookups atomic.Int32
	offline := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			lookups.Add(1)
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("network is unreachable (test resolver)")}
		},
	}
	const timeout = 20 * time.Second
	start := time.Now()
	tun, err := tunnel.ListenNgrok(t.Context(), tunnel.NgrokOptions{
		Authtoken:      goodToken,
		ConnectURL:     "connect.ngrok-agent.invalid:443",
		ConnectTimeout: timeout,
		Resolver:       offline,
	})
	elapsed := time.Since(start)
	if err == nil {
		tun.Close()
		t.Fatal("ListenNgrok succeeded, want an error")
	}
	if !errors.Is(err, tunnel.ErrUnreachable) {
		t.Errorf("ListenNgrok error = %v, want errors.Is ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), "cannot resolve connect.ngrok-agent.invalid") || !strings.Contains(err.Error(), "online") {
		t.Errorf("ListenNgrok error = %q, want it to name the host and ask whether the machine is online", err)
	}
	if lookups.Load() == 0 {
		t.Errorf("the resolver was not asked")
	}
	if elapsed > 5*time.Second {
		t.Errorf("ListenNgrok took %v, want it to fail at once, not after the %v connect timeout", elapsed, timeout)
	}
	t.Logf("%v after %v", err, elapsed)
}
