package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/mockpodio"
)

// received is what the tests compare of a request a replay receiver got.
type received struct {
	Method, Path, Query string
	ContentType         string
	Header              http.Header
	Body                string
}

// newReplayReceiver starts the kit's receiver (mockpodio.Receiver, on a
// test mock that only hosts it) answering status and body.
func newReplayReceiver(t *testing.T, status int, body string) *mockpodio.Receiver {
	r := mockpodio.NewReceiver(t, mockpodio.NewTestServer(t))
	r.Respond(mockpodio.Response{Status: status, Body: body})
	return r
}

// receivedSince returns the requests r got after its first n.
func receivedSince(r *mockpodio.Receiver, n int) []received {
	var out []received
	for _, ev := range r.Events()[n:] {
		out = append(out, received{Method: ev.Method, Path: ev.Path, Query: ev.Query,
			ContentType: ev.Header.Get("Content-Type"), Header: ev.Header, Body: ev.Body})
	}
	return out
}

// deadURL returns the URL of a server that was closed: nothing listens.
func deadURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

const podioBody = "type=item.create&hook_id=101&item_id=1000001&item_revision_id=5000001&external_id=&note=a%26b+c"

// upRecord is a delivery devhook up forwarded to target.
func upRecord(target string) deliverylog.Record {
	return deliverylog.Record{
		Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
		IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "forwarded", Status: 200, LatencyMS: 3,
		Target: target,
		Request: deliverylog.Request{Method: "POST", Path: "/", Header: http.Header{
			"Content-Type":    {"application/x-www-form-urlencoded; charset=utf-8"},
			"User-Agent":      {"Podio-Webhooks"},
			"X-Podio-Test":    {"kept"},
			"Connection":      {"keep-alive, X-Hop"},
			"X-Hop":           {"dropped"},
			"Keep-Alive":      {"timeout=5"},
			"Content-Length":  {"999"},
			"Accept-Encoding": {"br"},
			"Expect":          {"100-continue"},
		}, Body: []byte(podioBody)},
		Response: deliverylog.Response{Status: 200, Body: []byte("ok")},
	}
}

func TestReplay(t *testing.T) {
	app := newReplayReceiver(t, 200, "thanks\n")
	other := newReplayReceiver(t, 201, "created")
	failing := newReplayReceiver(t, 500, "boom")
	mockHook := newReplayReceiver(t, 200, "")
	dir := stateDir(t)
	seedLog(t, dir, "src",
		upRecord(app.URL+"/podio/hook?x=1"),
		mockpodio.Delivery{HookID: 102, Type: "item.update", URL: mockHook.URL + "/hook",
			Body: "type=item.update&hook_id=102&item_id=7", StatusCode: 500, Outcome: mockpodio.OutcomeFailed, At: logT0}.Record(),
		upRecord(failing.URL+"/"),
	)
	upHeader := http.Header{
		"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"},
		"User-Agent":   {"Podio-Webhooks"},
		"X-Podio-Test": {"kept"},
	}
	tests := []struct {
		name     string
		args     []string
		recv     *mockpodio.Receiver
		want     received
		wantCode int
		wantOut  []string // regular expressions, one per line
		wantLog  deliverylog.Record
	}{
		{
			name: "up record to the local app",
			args: []string{"replay", "src-1"},
			recv: app,
			want: received{Method: "POST", Path: "/podio/hook", Query: "x=1",
				ContentType: "application/x-www-form-urlencoded; charset=utf-8", Header: upHeader, Body: podioBody},
			wantOut: []string{`^POST ` + regexp.QuoteMeta(app.URL) + `/podio/hook\?x=1  \(replay of src-1, logged as \w+-1\)$`,
				`^-> 200  [0-9.]+ m?s$`, `^thanks$`},
			wantLog: deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.create", HookID: 101,
				IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "replayed", Status: 200,
				Target: app.URL + "/podio/hook?x=1", ReplayOf: "src-1",
				Request:  deliverylog.Request{Method: "POST", Path: "/podio/hook", Query: "x=1", Header: upHeader, Body: []byte(podioBody)},
				Response: deliverylog.Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("thanks\n")}},
		},
		{
			name: "mock record --to elsewhere, flag after the id",
			args: []string{"replay", "src-2", "--to", other.URL + "/elsewhere"},
			recv: other,
			want: received{Method: "POST", Path: "/elsewhere", ContentType: "application/x-www-form-urlencoded",
				Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: "type=item.update&hook_id=102&item_id=7"},
			wantOut: []string{`^POST ` + regexp.QuoteMeta(other.URL) + `/elsewhere  \(replay of src-2, logged as \w+-1\)$`,
				`^-> 201  [0-9.]+ m?s$`, `^created$`},
			wantLog: deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.update", HookID: 102,
				IDs: []string{"item_id=7"}, Outcome: "replayed", Status: 201, Target: other.URL + "/elsewhere", ReplayOf: "src-2",
				Request: deliverylog.Request{Method: "POST", Path: "/elsewhere",
					Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("type=item.update&hook_id=102&item_id=7")},
				Response: deliverylog.Response{Status: 201, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("created")}},
		},
		{
			name: "mock record by default to its hook URL",
			args: []string{"replay", "src-2"},
			recv: mockHook,
			want: received{Method: "POST", Path: "/hook", ContentType: "application/x-www-form-urlencoded",
				Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: "type=item.update&hook_id=102&item_id=7"},
			wantOut: []string{`^POST ` + regexp.QuoteMeta(mockHook.URL) + `/hook  \(replay of src-2, logged as \w+-1\)$`,
				`^-> 200  [0-9.]+ m?s$`},
			wantLog: deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.update", HookID: 102,
				IDs: []string{"item_id=7"}, Outcome: "replayed", Status: 200, Target: mockHook.URL + "/hook", ReplayOf: "src-2",
				Request: deliverylog.Request{Method: "POST", Path: "/hook",
					Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("type=item.update&hook_id=102&item_id=7")},
				Response: deliverylog.Response{Status: 200}},
		},
		{
			name: "up record --to a bare URL, flag before the id",
			args: []string{"replay", "--to=" + other.URL, "src-1"},
			recv: other,
			want: received{Method: "POST", Path: "/", ContentType: "application/x-www-form-urlencoded; charset=utf-8",
				Header: upHeader, Body: podioBody},
			wantOut: []string{`^POST ` + regexp.QuoteMeta(other.URL) + `  \(replay of src-1, logged as \w+-1\)$`,
				`^-> 201  [0-9.]+ m?s$`, `^created$`},
			wantLog: deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.create", HookID: 101,
				IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "replayed", Status: 201,
				Target: other.URL, ReplayOf: "src-1",
				Request:  deliverylog.Request{Method: "POST", Path: "/", Header: upHeader, Body: []byte(podioBody)},
				Response: deliverylog.Response{Status: 201, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("created")}},
		},
		{
			name: "non-2xx exits 1",
			args: []string{"replay", "src-3"},
			recv: failing,
			want: received{Method: "POST", Path: "/", ContentType: "application/x-www-form-urlencoded; charset=utf-8",
				Header: upHeader, Body: podioBody},
			wantCode: exitError,
			wantOut: []string{`^POST ` + regexp.QuoteMeta(failing.URL) + `/  \(replay of src-3, logged as \w+-1\)$`,
				`^-> 500  [0-9.]+ m?s$`, `^boom$`},
			wantLog: deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.create", HookID: 101,
				IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "failed", Status: 500,
				Error: "answered 500, not 2xx", Target: failing.URL + "/", ReplayOf: "src-3",
				Request:  deliverylog.Request{Method: "POST", Path: "/", Header: upHeader, Body: []byte(podioBody)},
				Response: deliverylog.Response{Status: 500, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("boom")}},
		},
	}
	// The headers a Go server adds or computes itself.
	ignoreHeaders := cmpopts.IgnoreMapEntries(func(k string, _ []string) bool {
		return k == "Content-Length" || k == "Accept-Encoding"
	})
	ignoreLogFields := cmpopts.IgnoreFields(deliverylog.Record{}, "ID", "Time", "LatencyMS")
	ignoreResponseHeaders := cmpopts.IgnoreFields(deliverylog.Response{}, "Header")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := deliverylog.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			seen := len(tt.recv.Events())
			code, stdout, stderr := runLogCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if diff := cmp.Diff([]received{tt.want}, receivedSince(tt.recv, seen), ignoreHeaders); diff != "" {
				t.Errorf("received (-want +got):\n%s", diff)
			}
			checkLines(t, stdout, tt.wantOut)
			if tt.wantCode == exitOK && stderr != "" {
				t.Errorf("stderr = %q, want none", stderr)
			}
			if tt.wantCode != exitOK && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line", stderr)
			}
			after, err := deliverylog.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before)+1 {
				t.Fatalf("the log has %d records, want %d: the replay's added", len(after), len(before)+1)
			}
			got := after[len(after)-1]
			if diff := cmp.Diff(tt.wantLog, got, ignoreLogFields, ignoreResponseHeaders, ignoreHeaders); diff != "" {
				t.Errorf("logged replay (-want +got):\n%s", diff)
			}
			if ct := got.Response.Header.Get("Content-Type"); (ct == "text/plain; charset=utf-8") != (len(got.Response.Body) > 0) {
				t.Errorf("logged response header = %v, want the receiver's", got.Response.Header)
			}
			if !strings.Contains(stdout, "logged as "+got.ID+")") {
				t.Errorf("stdout does not name the logged replay %s", got.ID)
			}
		})
	}
}

// bigBody is r with a request body one byte over what the log keeps.
func bigBody(r deliverylog.Record) deliverylog.Record {
	r.Request.Body = []byte(strings.Repeat("x", deliverylog.MaxBody+1))
	return r
}

// checkLines checks that out has one line per pattern, each matching it.
func checkLines(t *testing.T, out string, patterns []string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(patterns) {
		t.Errorf("stdout has %d lines, want %d:\n%s", len(got), len(patterns), out)
		return
	}
	for i, p := range patterns {
		if !regexp.MustCompile(p).MatchString(got[i]) {
			t.Errorf("stdout line %d = %q, want it to match %q", i+1, got[i], p)
		}
	}
}

func TestReplayLongBody(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 512) + "tail" // 8 KiB and 4 bytes
	recv := newReplayReceiver(t, 200, long)
	dir := stateDir(t)
	seedLog(t, dir, "l", upRecord(recv.URL+"/"))
	code, stdout, _ := runLogCLI(t, "replay", "l-1")
	if code != exitOK {
		t.Errorf("exit code = %d, want 0", code)
	}
	want := []string{`^POST `, `^-> 200 `, "^" + long[:replayShown] + "$", `^\[body truncated: first 4096 bytes shown\]$`}
	checkLines(t, stdout, want)
	recs, err := deliverylog.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(recs[len(recs)-1].Response.Body); got != long {
		t.Errorf("logged response body has %d bytes, want all %d", len(got), len(long))
	}
}

func TestReplayErrors(t *testing.T) {
	dir := stateDir(t)
	dead := deadURL(t)
	seedLog(t, dir, "e",
		upRecord(dead+"/hook"),
		deliverylog.Record{Time: logT0, Source: "up", Kind: "rejected", Status: 404, Outcome: "rejected",
			Request: deliverylog.Request{Method: "GET", Path: "/x"}},
		upRecord("ftp://example.com/"),
		bigBody(upRecord(dead+"/hook")),
	)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string // a regular expression
		wantLogged bool   // the attempt is logged
	}{
		{"body kept in part", []string{"replay", "e-4", "--to", dead}, exitError,
			`^devhook: delivery e-4 cannot be replayed: only part of its body was kept: the first 65536 of its 65537 bytes\n$`, false},
		{"unreachable", []string{"replay", "e-1"}, exitError,
			`^devhook: replay e-1 to ` + regexp.QuoteMeta(dead) + `/hook: .*connection refused\n$`, true},
		{"unreachable --to", []string{"replay", "e-2", "--to", dead}, exitError,
			`^devhook: replay e-2 to ` + regexp.QuoteMeta(dead) + `: .*connection refused\n$`, true},
		{"unknown id", []string{"replay", "nope-1"}, exitError,
			`^devhook: no delivery nope-1 in ` + regexp.QuoteMeta(dir) + ` \(see devhook deliveries\)\n$`, false},
		{"not sent anywhere", []string{"replay", "e-2"}, exitUsage,
			`^devhook: delivery e-2 was not sent anywhere \(rejected\); give --to URL\n$`, false},
		{"target not http", []string{"replay", "e-3"}, exitError,
			`^devhook: delivery e-3 has target "ftp://example.com/", not an http\(s\) URL; give --to URL\n$`, false},
		{"bad --to", []string{"replay", "e-1", "--to", "localhost:3000"}, exitUsage,
			`^devhook: --to must be an http\(s\) URL such as http://localhost:3000/hook, not "localhost:3000"\n$`, false},
		{"--to without host", []string{"replay", "e-1", "--to", "http:///x"}, exitUsage, `^devhook: --to must be`, false},
		{"no id", []string{"replay"}, exitUsage,
			`^devhook: replay takes one delivery ID \(see devhook deliveries\), got 0 arguments\n$`, false},
		{"two ids", []string{"replay", "e-1", "e-2"}, exitUsage, `^devhook: replay takes one delivery ID`, false},
		{"unknown flag", []string{"replay", "e-1", "--too", "x"}, exitUsage, `^devhook: flag provided but not defined: -too\n$`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := deliverylog.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runLogCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !regexp.MustCompile(tt.wantStderr).MatchString(stderr) {
				t.Errorf("stderr = %q, want it to match %q", stderr, tt.wantStderr)
			}
			if !tt.wantLogged && stdout != "" {
				t.Errorf("stdout = %q, want none", stdout)
			}
			after, err := deliverylog.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if logged := len(after) > len(before); logged != tt.wantLogged {
				t.Errorf("attempt logged = %v, want %v", logged, tt.wantLogged)
			}
			if tt.wantLogged {
				got := after[len(after)-1]
				if got.Source != "replay" || got.Outcome != "failed" || got.Status != 0 || !strings.Contains(got.Error, "connection refused") {
					t.Errorf("logged %+v, want a failed replay with the error", got)
				}
			}
		})
	}
}
