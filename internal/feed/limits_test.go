package feed

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/httpguard/guardtest"
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
	t.Run("slow headers", func(t *testing.T) {
		conn := guardtest.Dial(t, u.Host)
		fmt.Fprintf(conn, "GET /api/deliveries HTTP/1.1\r\nHost: %s\r\n", u.Host)
		guardtest.AwaitServerClose(t, conn, "inspector")
	})
	t.Run("slow body", func(t *testing.T) {
		conn := guardtest.Dial(t, u.Host)
		fmt.Fprintf(conn, "POST /api/replay/x-1 HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", u.Host)
		guardtest.AwaitServerClose(t, conn, "inspector")
	})
	t.Run("idle", func(t *testing.T) {
		conn := guardtest.Dial(t, u.Host)
		fmt.Fprintf(conn, "GET /api/deliveries HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		guardtest.AwaitIdleClose(t, conn, "inspector")
	})
}
