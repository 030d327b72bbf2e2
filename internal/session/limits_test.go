package session_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/httpguard/guardtest"
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
	t.Run("slow body", func(t *testing.T) {
		conn := guardtest.Dial(t, u.Host)
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntype=", u.Path, u.Host)
		guardtest.AwaitServerClose(t, conn, "relay")
	})
	t.Run("idle", func(t *testing.T) {
		conn := guardtest.Dial(t, u.Host)
		fmt.Fprintf(conn, "GET /nowhere HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		guardtest.AwaitIdleClose(t, conn, "relay")
	})
}
