package session_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/session"
)

// TestRelayListenerTimeouts is issue 13 item 14 for the relay: its
// listener closes a connection whose body comes too slowly (ReadTimeout)
// and one left idle (IdleTimeout), as the mock's does. The limits are
// shortened for the test; the defaults are httpguard's.
func TestRelayListenerTimeouts(t *testing.T) {
	e := newEnv(t)
	cfg := session.Config{Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}}}
	session.SetListenLimits(&cfg, httpguard.Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 500 * time.Millisecond,
		IdleTimeout: time.Second, MaxHeaderBytes: 1 << 16})
	r := e.start(t, cfg)
	ready := await[session.Ready](t, r)
	u, err := url.Parse(ready.HookURL)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	t.Run("slow body", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntype=", u.Path, u.Host)
		awaitClosed(t, conn)
	})
	t.Run("idle", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "GET /nowhere HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		awaitClosed(t, conn)
	})
}

// awaitClosed waits, at most 10 s, for the server to close conn.
func awaitClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns once the server closes
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		conn.Close()
		t.Fatal("the relay kept the connection open")
	}
}
