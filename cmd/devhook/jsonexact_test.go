package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJSONOutputKeepsHostileTextExact is issue 13 item 12's other half:
// with --json, untrusted text is not escaped for the terminal but stays
// exact JSON, decoding to the very bytes received (JSON's own escapes
// keep ESC, BEL and U+2028 off the terminal): a hook's URL and type from
// `hooks list --json`, a delivery's answer and error from
// `deliveries --json`.
func TestJSONOutputKeepsHostileTextExact(t *testing.T) {
	const hostileURL = "https://x.test/\u202egpj.exe\x1b[2J\u2028"
	const hostileType = "item.create\u2066\u009b"
	t.Run("hooks list", func(t *testing.T) {
		clearPodioEnv(t)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch {
			case strings.HasPrefix(r.URL.Path, "/oauth/token"):
				fmt.Fprint(w, `{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":28800}`)
			case r.URL.Path == "/hook/app/3001/":
				b, _ := json.Marshal([]map[string]any{{"hook_id": 7, "status": "active", "type": hostileType, "url": hostileURL, "created_on": "2026-11-25 10:27:00"}})
				w.Write(b)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		code, stdout, _, _ := runCLI(t, "hooks", "list", "--json", "--app", "3001", "--podio-url", srv.URL,
			"--client-id", "devhook", "--client-secret", "devhook-secret", "--app-id", "3001", "--app-token", "devhook-app-token")
		if code != exitOK {
			t.Fatalf("exit %d, want %d", code, exitOK)
		}
		noRawC0(t, stdout)
		var hooks []map[string]any
		if err := json.Unmarshal([]byte(stdout), &hooks); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
		}
		if len(hooks) != 1 || hooks[0]["url"] != hostileURL || hooks[0]["type"] != hostileType {
			t.Errorf("hooks = %q, want url %q and type %q exactly", hooks, hostileURL, hostileType)
		}
	})
	t.Run("deliveries", func(t *testing.T) {
		dir := stateDir(t)
		rec := upRecord("http://127.0.0.1:1/")
		rec.Response.Body = []byte(hostileBody)
		rec.Error = "app said \u202eboom\x07"
		seedLog(t, dir, "h", rec)
		code, stdout, _ := runLogCLI(t, "deliveries", "--json")
		if code != exitOK {
			t.Fatalf("exit %d, want %d", code, exitOK)
		}
		noRawC0(t, stdout)
		var got struct {
			Error    string `json:"error"`
			Response struct {
				Body []byte `json:"body_base64"` // not UTF-8 (\xff)
			} `json:"response"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &got); err != nil {
			t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
		}
		if string(got.Response.Body) != hostileBody || got.Error != rec.Error {
			t.Errorf("deliveries --json: body %q, error %q; want %q, %q exactly", got.Response.Body, got.Error, hostileBody, rec.Error)
		}
	})
}

// noRawC0 fails the test if out holds ESC, BEL or U+2028 raw: what JSON
// escapes itself.
func noRawC0(t *testing.T, out string) {
	t.Helper()
	for _, c := range []string{"\x1b", "\x07", "\u2028"} {
		if strings.Contains(out, c) {
			t.Errorf("stdout holds the raw control %q:\n%q", c, out)
		}
	}
}
