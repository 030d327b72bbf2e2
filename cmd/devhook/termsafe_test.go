package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// rawTerminalControls are what a hostile receiver or Podio answer must never
// get onto the terminal raw: ESC, BEL, C1 CSI, RLO, LRI, U+2028, invalid
// UTF-8.
var rawTerminalControls = []string{"\x1b", "\x07", "\u009b", "\u202e", "\u2066", "\u2028", "\xff"}

func assertNoRawControls(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range rawTerminalControls {
		if strings.Contains(out, c) {
			t.Errorf("%s holds the raw control %q:\n%q", what, c, out)
		}
	}
}

// hostileBody clears the screen, writes the clipboard (OSC 52) and reverses
// the text's direction.
const hostileBody = "ok \x1b[2J\x1b]52;c;SGVsbG8=\x07 \u202eevil\nline two \u2028 \u009b2J \xff\n"

// TestHooksListEscapesHostileHooks lists hooks from a Podio whose answer
// holds a hook URL and type with C1 codes, bidi overrides and ESC.
func TestHooksListEscapesHostileHooks(t *testing.T) {
	clearPodioEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/oauth/token"):
			fmt.Fprint(w, `{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":28800}`)
		case r.URL.Path == "/hook/app/3001/":
			fmt.Fprint(w, `[{"hook_id":7,"status":"active\u009b2J","type":"item.create\u2066","url":"https://x.test/\u202egpj.exe\u001b[2J\u2028","created_on":"2026-11-25 10:27:00"}]`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	code, stdout, stderr, _ := runCLI(t, "hooks", "list", "--app", "3001", "--podio-url", srv.URL,
		"--client-id", "devhook", "--client-secret", "devhook-secret", "--app-id", "3001", "--app-token", "devhook-app-token")
	if code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	assertNoRawControls(t, "stdout", stdout)
	for _, want := range []string{`active\u009b2J`, `item.create\u2066`, `https://x.test/\u202egpj.exe\x1b[2J\u2028`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want empty", stderr)
	}
}

func TestReplayEscapesHostileAnswer(t *testing.T) {
	recv := newReplayReceiver(t, 200, hostileBody)
	dir := stateDir(t)
	seedLog(t, dir, "h", upRecord(recv.URL+"/"))
	code, stdout, stderr := runLogCLI(t, "replay", "h-1")
	if code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	assertNoRawControls(t, "stdout", stdout)
	assertNoRawControls(t, "stderr", stderr)
	if want := `ok \x1b[2J\x1b]52;c;SGVsbG8=\x07 \u202eevil` + "\n"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks the escaped line %q", want)
	}
}
