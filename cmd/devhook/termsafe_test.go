package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/session"
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

// TestUpPrinterEscapesHostileDelivery prints up's lines for a delivery, a
// rejected request and a ready line whose texts hold bidi overrides, U+2028
// and ESC.
func TestUpPrinterEscapesHostileDelivery(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 27, 0, 0, time.UTC)
	events := []session.Event{
		session.Ready{HookURL: "https://x.test/s\u202e", Target: "http://localhost:3000/\x1b[2J"},
		session.Delivery{Record: deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create\u202e", HookID: 101, Status: 500,
			IDs: []string{"1\u2028", "2\u2066"}, Error: "app said \u202eboom\x07"}},
		session.HookState{Time: at, HookID: 101, State: session.StateInactive, Line: "hook 101: \x1b]52;c;SGVsbG8=\x07"},
		session.Warning{Text: "devhook: warning: \u2029\u009b"},
	}
	var stdout, stderr strings.Builder
	p := &upPrinter{stdout: &stdout, stderr: &stderr}
	for _, ev := range events {
		p.print(ev)
	}
	assertNoRawControls(t, "stdout", stdout.String())
	assertNoRawControls(t, "stderr", stderr.String())
	if !strings.Contains(stdout.String(), `item.create\u202e`) {
		t.Errorf("stdout lacks the escaped type:\n%s", stdout.String())
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
