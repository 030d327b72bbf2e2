package session_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/session"
)

// TestRelayHostChecked: the relay refuses a request addressed to a name
// other than the tunnel's host, localhost, an IP address or an allowed
// name (DNS rebinding), and has a header cap.
func TestRelayHostChecked(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, session.Config{Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}},
		AllowedHosts: []string{"relay.internal"}})
	ready := await[session.Ready](t, r)
	u, err := url.Parse(ready.HookURL)
	if err != nil {
		t.Fatal(err)
	}
	post := func(host string, header http.Header) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "POST", ready.HookURL, strings.NewReader("type=item.create&hook_id=1&item_id=2"))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	tests := []struct {
		host   string
		header http.Header
		want   int
	}{
		{"evil.example", nil, http.StatusForbidden},
		{"evil.example:" + u.Port(), nil, http.StatusForbidden},
		{u.Host, http.Header{"X-Big": {strings.Repeat("a", 2*httpguard.MaxHeaderBytes)}}, http.StatusRequestHeaderFieldsTooLarge},
		{u.Host, nil, http.StatusOK},
		{"relay.internal", nil, http.StatusOK},
		{"localhost:" + u.Port(), nil, http.StatusOK},
	}
	for _, tt := range tests {
		if got := post(tt.host, tt.header); got != tt.want {
			t.Errorf("POST to the relay with Host %.40q: status %d, want %d", tt.host, got, tt.want)
		}
	}

}
