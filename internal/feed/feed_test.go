package feed

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/mockpodio"
)

var logT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// stateDir points DEVHOOK_STATE_DIR at a new directory, not yet created.
func stateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	t.Setenv(deliverylog.StateDirEnv, dir)
	return dir
}

func TestLogger(t *testing.T) {
	t.Run("logs", func(t *testing.T) {
		dir := stateDir(t)
		var warn strings.Builder
		l := openLogger(&warn)
		if l == nil {
			t.Fatalf("openLogger = nil; warning %q", warn.String())
		}
		if l.dir() != dir {
			t.Errorf("dir() = %q, want %q", l.dir(), dir)
		}
		a := l.append(deliverylog.Record{Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", Outcome: "forwarded", Status: 200})
		b := l.append(deliverylog.Record{Time: logT0, Source: "mock", Kind: "delivery", Type: "item.update", Outcome: "failed", Target: "http://127.0.0.1:1/"})
		l.close()
		got, err := deliverylog.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]deliverylog.Record{a, b}, got); diff != "" {
			t.Errorf("logged (-want +got):\n%s", diff)
		}
		if a.ID == "" || b.ID == "" || warn.Len() != 0 {
			t.Errorf("IDs %q and %q, warning %q; want IDs and no warning", a.ID, b.ID, warn.String())
		}
	})
	t.Run("warns once when it cannot write", func(t *testing.T) {
		stateDir(t)
		var warn strings.Builder
		l := openLogger(&warn)
		l.close()
		r := deliverylog.Record{Source: "up", Kind: "delivery"}
		for range 3 {
			if got := l.append(r); got.ID != "" {
				t.Errorf("append after close = %+v, want the record unchanged", got)
			}
		}
		if n := strings.Count(warn.String(), "\n"); n != 1 || !strings.HasPrefix(warn.String(), "devhook: warning: deliveries are no longer logged: ") {
			t.Errorf("warning %q, want one line", warn.String())
		}
	})
	t.Run("warns and logs nothing when it cannot open", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "a-file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(deliverylog.StateDirEnv, file)
		var warn strings.Builder
		l := openLogger(&warn)
		if l != nil {
			t.Errorf("openLogger on a file = %v, want nil", l)
		}
		if n := strings.Count(warn.String(), "\n"); n != 1 || !strings.HasPrefix(warn.String(), "devhook: warning: deliveries will not be logged: ") {
			t.Errorf("warning %q, want one line", warn.String())
		}
		r := deliverylog.Record{Source: "up", Kind: "delivery"}
		if diff := cmp.Diff(r, l.append(r)); diff != "" {
			t.Errorf("nil append changed the record (-want +got):\n%s", diff)
		}
		if l.dir() != "" {
			t.Errorf("nil dir() = %q, want empty", l.dir())
		}
		l.close()
	})
}

// newReplayReceiver starts the kit's receiver (mockpodio.Receiver, on a
// test mock that only hosts it) answering status and body.
func newReplayReceiver(t *testing.T, status int, body string) *mockpodio.Receiver {
	r := mockpodio.NewReceiver(t, mockpodio.NewTestServer(t))
	r.Respond(mockpodio.Response{Status: status, Body: body})
	return r
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

func TestHeaders(t *testing.T) {
	tests := []struct {
		name   string
		logged http.Header
		want   http.Header
	}{
		{"nil", nil, http.Header{}},
		{"form only", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
		{"hop-by-hop and computed dropped", upRecord("").Request.Header,
			http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}, "User-Agent": {"Podio-Webhooks"}, "X-Podio-Test": {"kept"}}},
		{"repeated values kept", http.Header{"X-A": {"1", "2"}, "Host": {"evil"}, "Proxy-Connection": {"x"}},
			http.Header{"X-A": {"1", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Headers(tt.logged)); diff != "" {
				t.Errorf("Headers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResend calls the replay engine directly, as the inspector's
// Replay button does.
func TestResend(t *testing.T) {
	huge := strings.Repeat("x", deliverylog.MaxBody+100)
	recv := newReplayReceiver(t, 202, huge)
	to, err := ParseURL(recv.URL + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	rec := upRecord("http://localhost:3000/")
	rec.ID = "src-9"
	got := Resend(t.Context(), rec, to)
	want := deliverylog.Record{Source: "replay", Kind: "delivery", Type: "item.create", HookID: 101,
		IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "replayed", Status: 202,
		Target: recv.URL + "/hook", ReplayOf: "src-9",
		Request: deliverylog.Request{Method: "POST", Path: "/hook", Body: []byte(podioBody), Header: http.Header{
			"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}, "User-Agent": {"Podio-Webhooks"}, "X-Podio-Test": {"kept"}}},
		Response: deliverylog.Response{Status: 202, Body: []byte(huge[:deliverylog.MaxBody]), BodyTruncated: true},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(deliverylog.Record{}, "Time", "LatencyMS"),
		cmpopts.IgnoreFields(deliverylog.Response{}, "Header")); diff != "" {
		t.Errorf("Resend (-want +got):\n%s", diff)
	}
	if got.Time.IsZero() || got.LatencyMS <= 0 {
		t.Errorf("Time = %v, LatencyMS = %v; want both set", got.Time, got.LatencyMS)
	}
	if n := len(recv.Events()); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// TestResendRedirectNotFollowed: a replay answered with a redirect is a
// failed replay, as a delivery would be, and nothing goes to the Location.
func TestResendRedirectNotFollowed(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/reset", func(http.ResponseWriter, *http.Request) { followed.Add(1) })
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/reset", http.StatusTemporaryRedirect)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	to, err := ParseURL(srv.URL + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	got := Resend(t.Context(), upRecord("http://localhost:3000/"), to)
	if got.Outcome != deliverylog.OutcomeFailed || got.Status != 307 || got.Error != "answered 307, not 2xx (a redirect to /reset, not followed)" {
		t.Errorf("Resend = %s %d %q, want failed 307 naming the redirect", got.Outcome, got.Status, got.Error)
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// TestInspectorListenerLimits: the inspector's listener caps headers and
// answers only its own hosts (and --allow-host names).
func TestInspectorListenerLimits(t *testing.T) {
	f := Open(Options{InspectAddr: "127.0.0.1:0", NoLog: true, AllowedHosts: []string{"box"}})
	defer f.Close()
	get := func(host string, header map[string]string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "GET", f.InspectorURL()+"/api/deliveries", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("127.0.0.1", map[string]string{"X-Big": strings.Repeat("a", 2*httpguard.MaxHeaderBytes)}); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("large headers: status %d, want 431", got)
	}
	if got := get("box:4040", nil); got != http.StatusOK {
		t.Errorf("allowed host: status %d, want 200", got)
	}
	if got := get("evil.example", nil); got != http.StatusForbidden {
		t.Errorf("other host: status %d, want 403", got)
	}
}

// TestReplayEdited: Feed.Replay sends the edit's headers and body instead of
// the record's, keeps and logs the replay, and tells OnReplay; no edit
// sends the record as it was.
func TestReplayEdited(t *testing.T) {
	stateDir(t)
	recv := newReplayReceiver(t, 200, "ok")
	var told []deliverylog.Record
	f := Open(Options{InspectAddr: "false", OnReplay: func(r deliverylog.Record) { told = append(told, r) }})
	defer f.Close()
	src := f.Add(upRecord(recv.URL + "/hook"))

	body := "type=item.create&item_id=42"
	edited, err := f.Replay(t.Context(), src.ID, &inspector.Edit{Header: http.Header{"Content-Type": {"text/plain"}, "X-Try": {"2"}}, Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.Replay(t.Context(), src.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := recv.Events()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(got))
	}
	if got[0].Body != body || got[0].Header.Get("Content-Type") != "text/plain" || got[0].Header.Get("X-Try") != "2" || got[0].Header.Get("X-Podio-Test") != "" {
		t.Errorf("edited replay sent %+v, want the edit's body and headers only", got[0])
	}
	if got[1].Body != podioBody || got[1].Header.Get("X-Podio-Test") != "kept" {
		t.Errorf("plain replay sent %+v, want the record as it was", got[1])
	}
	if string(edited.Request.Body) != body || edited.ReplayOf != src.ID || edited.ID == "" {
		t.Errorf("edited replay record = %+v", edited)
	}
	var toldIDs []string
	for _, r := range told {
		toldIDs = append(toldIDs, r.ID)
	}
	if diff := cmp.Diff([]string{edited.ID, plain.ID}, toldIDs); diff != "" {
		t.Errorf("OnReplay told (-want +got):\n%s", diff)
	}
	if n := len(f.Records()); n != 3 {
		t.Errorf("feed keeps %d records, want 3", n)
	}
}
