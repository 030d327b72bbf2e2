package feed

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
)

// TestInspectorListenerTimeouts is issue 13 item 14 for the inspector:
// its listener closes a connection whose headers come too slowly
// (ReadHeaderTimeout), whose body comes too slowly (ReadTimeout), and one
// left idle (IdleTimeout). The limits are shortened for the test; the
// defaults are httpguard's.
func TestInspectorListenerTimeouts(t *testing.T) {
	f := Open(Options{InspectAddr: "127.0.0.1:0", NoLog: true, listenLimits: httpguard.Limits{ReadHeaderTimeout: 500 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond, IdleTimeout: time.Second, MaxHeaderBytes: 1 << 16}})
	defer f.Close()
	u, err := url.Parse(f.InspectorURL())
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
	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "GET /api/deliveries HTTP/1.1\r\nHost: %s\r\n", u.Host)
		awaitServerClose(t, conn)
	})
	t.Run("slow body", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "POST /api/replay/x-1 HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", u.Host)
		awaitServerClose(t, conn)
	})
	t.Run("idle", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "GET /api/deliveries HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		awaitServerClose(t, conn)
	})
}

// awaitServerClose waits, at most 10 s, for the server to close conn.
func awaitServerClose(t *testing.T, conn net.Conn) {
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
		t.Fatal("the inspector kept the connection open")
	}
}
