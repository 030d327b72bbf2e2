package mockpodio_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/httpguard/guardtest"
	"github.com/devhookhq/devhook/mockpodio"
)

// rawRequest sends one request with exactly the given headers.
func rawRequest(t *testing.T, s *mockpodio.Server, method, path, body string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return send(t, s, req)
}

// TestCrossSiteRefused: what a page on another origin can send (no-cors
// text/plain POSTs, requests marked cross-site by Origin or
// Sec-Fetch-Site) is refused on the control API and Podio's routes, and
// changes nothing, on disk either; official clients, which send no such
// headers, are served.
func TestCrossSiteRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, withSeed(t, false), withState(file))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "keep me"}})
	before, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	statsBefore := s.Stats()
	page := map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain;charset=UTF-8"}
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
	}{
		{"reset from a page", "POST", "/_mock/reset", "", page, http.StatusForbidden},
		{"fault from a page", "POST", "/_mock/faults", `{"api":[{"status":500}]}`, page, http.StatusForbidden},
		{"event from a page", "POST", "/_mock/events", `{"ref_type":"app","ref_id":3001,"type":"item.create"}`, page, http.StatusForbidden},
		{"item from a page", "POST", "/item/app/3001", `{"fields":{"title":"x"}}`, map[string]string{"Origin": "http://evil.example", "Authorization": "OAuth2 " + tok}, http.StatusForbidden},
		{"token from a page", "POST", "/oauth/token", "grant_type=app", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"same-site page on another port", "POST", "/_mock/reset", "", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"text/plain reset, no browser headers", "POST", "/_mock/reset", "x", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"text/plain fault", "POST", "/_mock/faults", `{"api":[{"status":500}]}`, map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"multipart to the control API", "POST", "/_mock/clock/advance", `{"duration":"1h"}`, map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, http.StatusUnsupportedMediaType},
		{"form from a page", "POST", "/_mock/reset", `{"x":"="}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"form that is not JSON", "POST", "/_mock/faults", `api=1`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusBadRequest},
		{"text/plain item", "POST", "/item/app/3001", `{"fields":{"title":"x"}}`, map[string]string{"Content-Type": "text/plain", "Authorization": "OAuth2 " + tok}, http.StatusUnsupportedMediaType},
		{"delete faults from a page", "DELETE", "/_mock/faults", "", map[string]string{"Origin": "null"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := rawRequest(t, s, tt.method, tt.path, tt.body, tt.header)
			mustStatus(t, tt.name, res, tt.want)
			if errCode(res) == "" {
				t.Errorf("body %s is not Podio's error shape", res.Raw)
			}
		})
	}
	if f := s.CurrentFaults(); len(f.API) != 0 {
		t.Errorf("faults installed: %+v", f)
	}
	if diff := cmp.Diff(statsBefore, s.Stats()); diff != "" {
		t.Errorf("stats changed (-before +after):\n%s", diff)
	}
	after, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stateJSON(t, before), stateJSON(t, after)); diff != "" {
		t.Errorf("state file changed (-before +after):\n%s", diff)
	}

	// Official clients: no Origin, no Sec-Fetch-Site, JSON or nothing.
	mustStatus(t, "fault, JSON", rawRequest(t, s, "POST", "/_mock/faults", `{"api":[{"status":503,"count":1,"path":"/nowhere"}]}`, map[string]string{"Content-Type": "application/json; charset=utf-8"}), http.StatusOK)
	mustStatus(t, "clear faults", rawRequest(t, s, "DELETE", "/_mock/faults", "", nil), http.StatusNoContent)
	mustStatus(t, "JSON as curl -d labels it", rawRequest(t, s, "POST", "/_mock/events", `{"ref_type":"app","ref_id":3001,"type":"item.create"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), http.StatusOK)
	mustStatus(t, "item, unlabelled JSON", rawRequest(t, s, "POST", "/item/app/3001", `{"fields":{"title":"y"}}`, map[string]string{"Authorization": "OAuth2 " + tok}), http.StatusOK)
	mustStatus(t, "same origin", rawRequest(t, s, "POST", "/_mock/reset", "", map[string]string{"Origin": s.URL, "Sec-Fetch-Site": "same-origin"}), http.StatusNoContent)
}

// TestHostChecked: a request addressed to a name other than localhost or
// an IP address (DNS rebinding) is refused, on reads too; AllowedHosts
// admits more names.
func TestHostChecked(t *testing.T) {
	s := newServer(t, withSeed(t, false), func(s *mockpodio.Server) { s.AllowedHosts = []string{"mock.internal"} })
	for _, path := range []string{"/_mock/hooks", "/_mock/deliveries"} {
		res := rawRequest(t, s, "GET", path, "", map[string]string{"Host": "evil.example"})
		mustStatus(t, "GET "+path+" for evil.example", res, http.StatusForbidden)
		if !strings.Contains(res.Raw, "evil.example") || errCode(res) != "forbidden" {
			t.Errorf("answer %s does not name the host in Podio's shape", res.Raw)
		}
	}
	mustStatus(t, "token for evil.example", rawRequest(t, s, "POST", "/oauth/token", "grant_type=app&app_id=3001&app_token=devhook-app-token&client_id=devhook&client_secret=devhook-secret",
		map[string]string{"Host": "evil.example:8080", "Content-Type": "application/x-www-form-urlencoded"}), http.StatusForbidden)
	for _, host := range []string{"localhost", "127.0.0.1", "mock.internal:8080"} {
		mustStatus(t, "GET for "+host, rawRequest(t, s, "GET", "/_mock/hooks", "", map[string]string{"Host": host}), http.StatusOK)
	}
}

// TestListenerLimits: the mock's listener has a header cap, and its
// timeouts close a connection that sends its body too slowly or sits
// idle.
func TestListenerLimits(t *testing.T) {
	t.Run("headers too large", func(t *testing.T) {
		s := newServer(t)
		req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL+"/_mock/stats", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Big", strings.Repeat("a", httpguard.MaxHeaderBytes*2))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d, want 431", res.StatusCode)
		}
	})
	limits := httpguard.Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, MaxHeaderBytes: 1 << 16}
	t.Run("slow body", func(t *testing.T) {
		s := newServer(t, func(s *mockpodio.Server) { mockpodio.SetListenLimits(s, limits) })
		conn := guardtest.Dial(t, s.Listener.Addr().String())
		fmt.Fprintf(conn, "POST /_mock/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		guardtest.AwaitServerClose(t, conn, "mock")
	})
	t.Run("idle", func(t *testing.T) {
		s := newServer(t, func(s *mockpodio.Server) { mockpodio.SetListenLimits(s, limits) })
		conn := guardtest.Dial(t, s.Listener.Addr().String())
		fmt.Fprintf(conn, "GET /_mock/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		guardtest.AwaitIdleClose(t, conn, "mock")
	})
}
