package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/mockpodio"
)

// runLogCLI runs devhook in-process (see runCLI).
// logT0 is when the logged deliveries of these tests happen.
var logT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func runLogCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr, _ = runCLI(t, args...)
	return code, stdout, stderr
}

// stateDir points DEVHOOK_STATE_DIR at a new directory, not yet created.
func stateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	t.Setenv(deliverylog.StateDirEnv, dir)
	return dir
}

// seedLog appends recs to the log in dir under run, and returns them as
// logged.
func seedLog(t *testing.T, dir, run string, recs ...deliverylog.Record) []deliverylog.Record {
	t.Helper()
	l, err := deliverylog.Open(dir, deliverylog.Options{Run: run})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out []deliverylog.Record
	for _, r := range recs {
		r, err := l.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// logTime renders a record time as the deliveries table does.
func logTime(tm time.Time) string { return tm.Local().Format("2006-01-02 15:04:05") }

// sampleRecords are a run of devhook up and of devhook mock: a verify,
// three deliveries of two hooks, a rejected request, a dropped one.
func sampleRecords() []deliverylog.Record {
	form := func(s string) deliverylog.Request {
		return deliverylog.Request{Method: "POST", Path: "/", Body: []byte(s)}
	}
	return []deliverylog.Record{
		{Time: logT0, Source: "up", Kind: "verify", Type: "hook.verify", HookID: 101, Status: 200, LatencyMS: 4.2,
			Outcome: "verified", Request: form("type=hook.verify&hook_id=101&code=c")},
		{Time: logT0.Add(time.Second), Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
			IDs: []string{"item_id=1", "item_revision_id=5"}, Status: 200, LatencyMS: 12.4, Outcome: "forwarded",
			Target: "http://localhost:3000/", Request: form("type=item.create&hook_id=101&item_id=1&item_revision_id=5")},
		{Time: logT0.Add(2 * time.Second), Source: "up", Kind: "delivery", Type: "item.update", HookID: 102,
			IDs: []string{"item_id=1"}, Status: 500, LatencyMS: 0.4, Outcome: "failed",
			Target: "http://localhost:3000/", Request: form("type=item.update&hook_id=102&item_id=1")},
		{Time: logT0.Add(3 * time.Second), Source: "up", Kind: "rejected", Status: 404, LatencyMS: 0.1, Outcome: "rejected",
			Request: deliverylog.Request{Method: "GET", Path: "/favicon.ico"}},
		{Time: logT0.Add(4 * time.Second), Source: "mock", Kind: "delivery", Type: "item.create", HookID: 102,
			IDs: []string{"item_id=2"}, Status: 200, LatencyMS: 1500, Outcome: "delivered",
			Target: "http://127.0.0.1:3000/hook", Request: form("type=item.create&hook_id=102&item_id=2")},
		{Time: logT0.Add(5 * time.Second), Source: "mock", Kind: "delivery", Type: "item.delete", HookID: 101,
			IDs: []string{"item_id=1"}, Outcome: "dropped_suspended", Error: "hook is suspended",
			Target: "http://127.0.0.1:3000/hook", Request: form("type=item.delete&hook_id=101&item_id=1")},
	}
}

func TestDeliveriesList(t *testing.T) {
	dir := stateDir(t)
	recs := sampleRecords()
	seedLog(t, dir, "aaa111", recs[:4]...)
	seedLog(t, dir, "bbb222", recs[4:]...)
	const header = "ID TIME SOURCE TYPE HOOK IDS STATUS LATENCY OUTCOME"
	row := []string{
		"aaa111-1 " + logTime(recs[0].Time) + " up hook.verify 101 - 200 4 ms verified",
		"aaa111-2 " + logTime(recs[1].Time) + " up item.create 101 item_id=1,item_revision_id=5 200 12 ms forwarded",
		"aaa111-3 " + logTime(recs[2].Time) + " up item.update 102 item_id=1 500 0.4 ms failed",
		"aaa111-4 " + logTime(recs[3].Time) + " up rejected - - 404 0.1 ms rejected",
		"bbb222-1 " + logTime(recs[4].Time) + " mock item.create 102 item_id=2 200 1.5 s delivered",
		"bbb222-2 " + logTime(recs[5].Time) + " mock item.delete 101 item_id=1 - - dropped_suspended",
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all, newest last", nil, append([]string{header}, row...)},
		{"--last 2", []string{"--last", "2"}, []string{header, row[4], row[5]}},
		{"-n 1", []string{"-n", "1"}, []string{header, row[5]}},
		{"--last 0 lists all", []string{"--last", "0"}, append([]string{header}, row...)},
		{"--last more than logged", []string{"--last", "100"}, append([]string{header}, row...)},
		{"--type", []string{"--type", "item.create"}, []string{header, row[1], row[4]}},
		{"--hook", []string{"--hook", "102"}, []string{header, row[2], row[4]}},
		{"--type and --hook", []string{"--type", "item.create", "--hook", "102"}, []string{header, row[4]}},
		{"--type and --last", []string{"--type", "item.create", "--last", "1"}, []string{header, row[4]}},
		{"no match", []string{"--type", "task.create"}, []string{"no deliveries match (6 logged in " + dir + ")"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runLogCLI(t, append([]string{"deliveries"}, tt.args...)...)
			if code != exitOK {
				t.Errorf("exit code = %d, want 0", code)
			}
			if diff := cmp.Diff(tt.want, lines(stdout)); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want none", stderr)
			}
		})
	}
}

func TestDeliveriesDefaultLast(t *testing.T) {
	dir := stateDir(t)
	var recs []deliverylog.Record
	for i := range defaultLast + 5 {
		recs = append(recs, deliverylog.Record{Time: logT0, Source: "mock", Kind: "delivery", Type: "item.create",
			HookID: 101, IDs: []string{"item_id=" + strconv.Itoa(i)}, Status: 200, LatencyMS: 1, Outcome: "delivered"})
	}
	seedLog(t, dir, "r", recs...)
	code, stdout, _ := runLogCLI(t, "deliveries")
	if code != exitOK {
		t.Errorf("exit code = %d, want 0", code)
	}
	got := lines(stdout)
	if len(got) != defaultLast+1 {
		t.Fatalf("%d lines, want a header and %d rows", len(got), defaultLast)
	}
	if first, want := got[1], "r-6 "; !strings.HasPrefix(first, want) {
		t.Errorf("first row = %q, want it to start with %q", first, want)
	}
	if last, want := got[defaultLast], fmt.Sprintf("r-%d ", defaultLast+5); !strings.HasPrefix(last, want) {
		t.Errorf("last row = %q, want it to start with %q", last, want)
	}
}

func TestDeliveriesJSON(t *testing.T) {
	dir := stateDir(t)
	logged := seedLog(t, dir, "j", sampleRecords()...)
	// A mock delivery as the mock reports it, through the converter.
	logged = append(logged, seedLog(t, dir, "m", mockpodio.Delivery{
		HookID: 101, Type: "item.create", URL: "http://127.0.0.1:3000/hook", Body: "type=item.create&hook_id=101&item_id=9",
		StatusCode: 200, DurationMS: 2, Outcome: mockpodio.OutcomeDelivered, At: logT0,
	}.Record())...)
	tests := []struct {
		name string
		args []string
		want []deliverylog.Record
	}{
		{"all", []string{"--json"}, logged},
		{"--hook and --last", []string{"--json", "--hook", "101", "--last", "2"}, []deliverylog.Record{logged[5], logged[6]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, _ := runLogCLI(t, append([]string{"deliveries"}, tt.args...)...)
			if code != exitOK {
				t.Errorf("exit code = %d, want 0", code)
			}
			var got []deliverylog.Record
			for line := range strings.Lines(stdout) {
				got = append(got, fromReadableJSON(t, line))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliveriesEmpty(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		create     bool // the directory exists, with an empty log
		wantStdout string
		wantStderr string
	}{
		{"no directory", nil, false, "no deliveries logged yet in DIR\n", ""},
		{"empty log", nil, true, "no deliveries logged yet in DIR\n", ""},
		{"--json keeps stdout empty", []string{"--json"}, false, "", "no deliveries logged yet in DIR\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := stateDir(t)
			if tt.create {
				l, err := deliverylog.Open(dir, deliverylog.Options{})
				if err != nil {
					t.Fatal(err)
				}
				l.Close()
			}
			code, stdout, stderr := runLogCLI(t, append([]string{"deliveries"}, tt.args...)...)
			if code != exitOK {
				t.Errorf("exit code = %d, want 0", code)
			}
			if want := strings.ReplaceAll(tt.wantStdout, "DIR", dir); stdout != want {
				t.Errorf("stdout = %q, want %q", stdout, want)
			}
			if want := strings.ReplaceAll(tt.wantStderr, "DIR", dir); stderr != want {
				t.Errorf("stderr = %q, want %q", stderr, want)
			}
		})
	}
}

func TestDeliveriesTornLine(t *testing.T) {
	dir := stateDir(t)
	seedLog(t, dir, "t", sampleRecords()[:2]...)
	f, err := os.OpenFile(filepath.Join(dir, "deliveries.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"id":"t-3","time":"2025-03-14T09:2`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, stdout, stderr := runLogCLI(t, "deliveries")
	if code != exitOK {
		t.Errorf("exit code = %d, want 0", code)
	}
	if got := len(lines(stdout)); got != 3 {
		t.Errorf("%d lines, want a header and 2 rows", got)
	}
	if want := "devhook: warning: skipped 1 unreadable line(s) of the delivery log, the first at deliveries.jsonl line 3 ("; !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line starting %q", stderr, want)
	}
}

func TestDeliveriesUsageErrors(t *testing.T) {
	stateDir(t)
	tests := []struct {
		name string
		args []string
	}{
		{"negative --last", []string{"deliveries", "--last", "-1"}},
		{"negative --hook", []string{"deliveries", "--hook", "-3"}},
		{"an argument", []string{"deliveries", "item.create"}},
		{"unknown flag", []string{"deliveries", "--since", "1h"}},
		{"--last not a number", []string{"deliveries", "--last", "many"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runLogCLI(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want none", stdout)
			}
			if !strings.HasPrefix(stderr, "devhook: ") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one devhook: line", stderr)
			}
		})
	}
}

// fromReadableJSON reads a record as render.JSON writes it: bodies as
// text in "body", or in "body_base64".
func fromReadableJSON(t *testing.T, line string) deliverylog.Record {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal([]byte(line), &obj); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	for _, part := range []string{"request", "response"} {
		m, ok := obj[part].(map[string]any)
		if !ok {
			continue
		}
		if s, ok := m["body"].(string); ok {
			m["body"] = base64.StdEncoding.EncodeToString([]byte(s))
		}
		if s, ok := m["body_base64"].(string); ok {
			m["body"] = s
			delete(m, "body_base64")
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var r deliverylog.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return r
}

// TestReadableJSON: a UTF-8 body is text in "body", any other in
// "body_base64"; nothing else changes.
func TestReadableJSON(t *testing.T) {
	r := deliverylog.Record{
		ID: "r-1", Kind: "delivery", Type: "item.create",
		Request:  deliverylog.Request{Method: "POST", Path: "/", Body: []byte("type=item.create&item_id=1&title=h%C3%A9llo <b>")},
		Response: deliverylog.Response{Status: 200, Body: []byte{0xff, 0xfe, 0x00, 'x'}},
	}
	b, err := render.JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	wantReq := map[string]any{"method": "POST", "path": "/", "body": "type=item.create&item_id=1&title=h%C3%A9llo <b>"}
	if diff := cmp.Diff(wantReq, got["request"]); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	wantResp := map[string]any{"status": float64(200), "body_base64": base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00, 'x'})}
	if diff := cmp.Diff(wantResp, got["response"]); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), "<b>") {
		t.Errorf("HTML escaped in %s", b)
	}
	if diff := cmp.Diff(r, fromReadableJSON(t, string(b))); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
