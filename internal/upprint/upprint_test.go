package upprint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/internal/termsafe"
	"github.com/devhookhq/devhook/internal/upprint"
)

// TestUp: where up's lines go, with and without --json: with it,
// stdout carries only the stream's JSON lines and everything else goes to
// stderr.
func TestUp(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 27, 0, 0, time.UTC)
	events := []session.Event{
		session.Ready{HookURL: "https://x.test/s", Target: "http://localhost:3000/"},
		session.Delivery{Record: deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 101, Status: 200, Outcome: deliverylog.OutcomeQueued, Error: "local app not reachable"}},
		session.HookState{Time: at, HookID: 101, State: session.StateQueued, Count: 1, Line: "hook 101: your app is down; devhook answered Podio 200 and holds 1 event for it"},
		session.HookState{Time: at, HookID: 101, State: session.StateQueued, Count: 2, Line: "hook 101: ... holds 2 events"},
		session.Waiting{N: 1, UpTo: 13 * time.Second},
		session.Warning{Text: "devhook: warning: w"},
	}
	tests := []struct {
		json           bool
		stdout, stderr []string
	}{
		{false,
			[]string{"Forwarding  https://x.test/s -> http://localhost:3000/", "HOOK  REF  EVENT  STATUS", "Waiting for events. Ctrl-C removes the hooks and exits.",
				"10:27:00  item.create  hook 101  -> queued (app down)  local app not reachable",
				"devhook: hook 101: your app is down; devhook answered Podio 200 and holds 1 event for it"},
			[]string{"devhook: waiting for 1 delivery (up to 13 s); Ctrl-C again to quit now", "devhook: warning: w"}},
		{true,
			[]string{`{"kind":"delivery","time":"2026-11-25T10:27:00Z","type":"item.create","hook_id":101,"status":200,"outcome":"queued","queued":true,"latency_ms":0,"error":"local app not reachable","request":{},"response":{}}`,
				`{"kind":"hook_state","time":"2026-11-25T10:27:00Z","hook_id":101,"state":"queued","count":1}`,
				`{"kind":"hook_state","time":"2026-11-25T10:27:00Z","hook_id":101,"state":"queued","count":2}`},
			[]string{"Forwarding  https://x.test/s -> http://localhost:3000/", "HOOK  REF  EVENT  STATUS", "Waiting for events. Ctrl-C removes the hooks and exits.",
				"devhook: waiting for 1 delivery (up to 13 s); Ctrl-C again to quit now", "devhook: warning: w"}},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		p := &upprint.Printer{Stdout: &stdout, Stderr: &stderr, JSON: tt.json}
		for _, ev := range events {
			p.Print(ev)
		}
		if diff := cmp.Diff(tt.stdout, printedLines(stdout.String())); diff != "" {
			t.Errorf("json=%v: stdout (-want +got):\n%s", tt.json, diff)
		}
		if diff := cmp.Diff(tt.stderr, printedLines(stderr.String())); diff != "" {
			t.Errorf("json=%v: stderr (-want +got):\n%s", tt.json, diff)
		}
	}
}

// printedLines splits s into lines, the table's runs of spaces collapsed.
func printedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.HasPrefix(l, "HOOK") {
			l = strings.Join(strings.Fields(l), "  ")
		}
		out = append(out, l)
	}
	return out
}

// TestUpEscapesHostileText prints up's lines for a delivery, a rejected
// request, a ready line and held events whose texts hold bidi overrides,
// U+2028 and ESC: every line printed is safe for a terminal, each
// untrusted field one quoted token (moved from cmd/devhook's
// TestUpPrinterEscapesHostileDelivery).
func TestUpEscapesHostileText(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 27, 0, 0, time.UTC)
	events := []session.Event{
		session.Ready{HookURL: "https://x.test/s\u202e", Target: "http://localhost:3000/\x1b[2J",
			Hooks: []session.Hook{{HookSpec: session.HookSpec{RefType: "app", RefID: 1, Event: "item.create\u2028"}, ID: 7}}},
		session.Delivery{Record: deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create\u202e", HookID: 101, Status: 500,
			IDs: []string{"1\u2028", "2\u2066"}, Error: "app said \u202eboom\x07"}},
		session.Delivery{Record: deliverylog.Record{Time: at, Kind: deliverylog.KindRejected, Status: 404,
			Request: deliverylog.Request{Method: "GET\x1b", Path: "/\u009b", RemoteAddr: "1.2.3.4:5"}}},
		session.HookState{Time: at, HookID: 101, State: session.StateInactive, Line: "hook 101: \x1b]52;c;SGVsbG8=\x07"},
		session.Warning{Text: "devhook: warning: \u2029\u009b"},
		session.Undelivered{Records: []deliverylog.Record{{Time: at, Type: "item.create\x1b", HookID: 1, IDs: []string{"item_id=1\xff"}}}, IDs: []string{"r-1\u202e"}},
	}
	var stdout, stderr strings.Builder
	p := &upprint.Printer{Stdout: &stdout, Stderr: &stderr, Command: "devhook"}
	for _, ev := range events {
		p.Print(ev)
	}
	for _, out := range []string{stdout.String(), stderr.String()} {
		for _, l := range strings.Split(out, "\n") {
			if termsafe.String(l) != l {
				t.Errorf("unsafe line %q", l)
			}
		}
	}
	for _, want := range []string{`Forwarding  "https://x.test/s\u202e" -> "http://localhost:3000/\x1b[2J"`, `"item.create\u202e"  hook 101  "1\u2028 2\u2066"  -> 500  "app said \u202eboom\a"`,
		`rejected "GET\x1b" "/\u009b" from 1.2.3.4:5 (404)`, `"item.create\u2028"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %s:\n%s", want, stdout.String())
		}
	}
	if want := `"item.create\x1b"  hook 1  "item_id=1\xff"  "r-1\u202e"`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %s:\n%s", want, stderr.String())
	}
}
