package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestMockProcess runs `devhook mock` as a process on a real port and
// drives the whole handshake and an event through it.
func TestMockProcess(t *testing.T) {
	p := start(t, nil, "mock", "--addr", "127.0.0.1:0", "--allow-any-port")
	base := p.await(t, regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`))[1]

	form := url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {"devhook-app-token"},
		"client_id": {"devhook"}, "client_secret": {"devhook-secret"}}
	res, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token: status %d", res.StatusCode)
	}
	api := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "OAuth2 "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(res.Body)
		json.Unmarshal(raw, &out)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		return out
	}

	events := make(chan url.Values, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("type") == "hook.verify" {
			api("POST", "/hook/"+r.PostForm.Get("hook_id")+"/verify/validate", map[string]string{"code": r.PostForm.Get("code")})
		}
		events <- r.PostForm
	}))
	defer recv.Close()

	api("POST", "/hook/app/3001/", map[string]string{"url": recv.URL + "/hook", "type": "item.create"})
	if v := <-events; v.Get("type") != "hook.verify" {
		t.Fatalf("first delivery %v, want hook.verify", v)
	}
	item := api("POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"title": "From the e2e test", "status": 1}})
	got := <-events
	want := url.Values{"type": {"item.create"}, "hook_id": got["hook_id"], "item_id": {jsonID(item["item_id"])},
		"item_revision_id": {jsonID(item["current_revision"].(map[string]any)["item_revision_id"])}, "external_id": {""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item.create (-want +got):\n%s", diff)
	}
	p.await(t, regexp.MustCompile(`hook \d+  item\.create  -> delivered 200`))
	p.await(t, regexp.MustCompile(`api  POST /item/app/3001/ -> 200`))

	// The inspector shows the mock's deliveries, hooks and clock.
	insp := p.await(t, regexp.MustCompile(`^Inspector   (http://127\.0\.0\.1:\d+)$`))[1]
	var recs []struct{ Source, Type, Outcome string }
	getJSON(t, insp+"/api/deliveries", &recs)
	if diff := cmp.Diff([]struct{ Source, Type, Outcome string }{{"mock", "hook.verify", "delivered"}, {"mock", "item.create", "delivered"}}, recs); diff != "" {
		t.Errorf("inspector deliveries (-want +got):\n%s", diff)
	}
	var state struct {
		MockClock *time.Time `json:"mock_clock"`
		Hooks     []struct{ Status string }
	}
	getJSON(t, insp+"/api/state", &state)
	if state.MockClock == nil || len(state.Hooks) != 1 || state.Hooks[0].Status != "active" {
		t.Errorf("inspector state = %+v", state)
	}

	if code := p.interrupt(t); code != 0 {
		t.Errorf("exit code after Ctrl-C = %d, want 0", code)
	}
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMockBadFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     string
		wantCode int
	}{
		{"bad clock", []string{"mock", "--clock", "fast"}, "--clock must be real or manual", exitUsage},
		{"bad rate limit", []string{"mock", "--rate-limit", "lots"}, "--rate-limit must look like 1000/h", exitUsage},
		{"missing seed", []string{"mock", "--seed", "/nonexistent/seed.json"}, "read seed", exitError},
		{"unknown flag", []string{"mock", "--nope"}, "flag provided but not defined", exitUsage},
		{"stray argument", []string{"mock", "extra"}, "mock takes no arguments", exitUsage},
		{"no deliveries in flight", []string{"mock", "--hook-concurrency", "0"}, "--hook-concurrency must be 1 or more", exitUsage},
		{"no upload cap", []string{"mock", "--max-file-bytes", "0"}, "--max-file-bytes must be 1 or more", exitUsage},
		{"upload cap not a number", []string{"mock", "--max-file-bytes", "ten"}, "max-file-bytes", exitUsage},
		{"up: negative deliveries in flight", []string{"up", "--mock", "--hook-concurrency", "-2"}, "--hook-concurrency must be 1 or more", exitUsage},
		{"address in use", []string{"mock", "--addr", "256.0.0.1:1"}, "listen on 256.0.0.1:1", exitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			code := run(ctx, append([]string{"devhook"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d", code, tt.wantCode)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tt.want) || !strings.HasPrefix(last, "devhook: ") {
				t.Errorf("last stderr line %q, want a devhook: line containing %q", last, tt.want)
			}
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Error("the command hung")
			}
		})
	}
}

// TestMockHookConcurrency: --hook-concurrency reaches the mock; its
// default is the mock's.
func TestMockHookConcurrency(t *testing.T) {
	for _, n := range []int{1, 3} {
		s, err := newMockServer(mockOptions{hookConcurrency: n, quiet: true}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if s.HookConcurrency != n {
			t.Errorf("--hook-concurrency %d: HookConcurrency = %d", n, s.HookConcurrency)
		}
	}
	var f *cli.IntFlag
	for _, fl := range mockCommand(&env{}).Flags {
		if x, ok := fl.(*cli.IntFlag); ok && x.Name == "hook-concurrency" {
			f = x
		}
	}
	if f == nil || f.Value != mockpodio.DefaultHookConcurrency {
		t.Errorf("--hook-concurrency flag = %+v, want default %d", f, mockpodio.DefaultHookConcurrency)
	}
}

// TestMockMaxFileBytes: --max-file-bytes reaches the mock; its default is
// the mock's.
func TestMockMaxFileBytes(t *testing.T) {
	s, err := newMockServer(mockOptions{maxFileBytes: 12345, quiet: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxFileBytes != 12345 {
		t.Errorf("--max-file-bytes 12345: MaxFileBytes = %d", s.MaxFileBytes)
	}
	var f *cli.Int64Flag
	for _, fl := range mockCommand(&env{}).Flags {
		if x, ok := fl.(*cli.Int64Flag); ok && x.Name == "max-file-bytes" {
			f = x
		}
	}
	if f == nil || f.Value != mockpodio.DefaultMaxFileBytes {
		t.Errorf("--max-file-bytes flag = %+v, want default %d", f, mockpodio.DefaultMaxFileBytes)
	}
}

// TestMockManualClock: `devhook mock --clock manual` moves only when told.
func TestMockManualClock(t *testing.T) {
	p := start(t, nil, "mock", "--addr", "127.0.0.1:0", "--clock", "manual", "--quiet")
	base := p.await(t, regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`))[1]
	clock := func(method, body string) (int, map[string]any) {
		t.Helper()
		path := "/_mock/clock"
		if method == "POST" {
			path += "/advance"
		}
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	_, before := clock("GET", "")
	if before["manual"] != true {
		t.Fatalf("clock = %v, want manual", before)
	}
	status, after := clock("POST", `{"duration":"168h"}`)
	t0, _ := time.Parse(time.RFC3339Nano, before["now"].(string))
	t1, _ := time.Parse(time.RFC3339Nano, after["now"].(string))
	if status != 200 || t1.Sub(t0) != 7*24*time.Hour {
		t.Errorf("advance 7 days: status %d, moved %s", status, t1.Sub(t0))
	}
	if status, _ := clock("POST", `{"duration":"soon"}`); status != 400 {
		t.Errorf("bad duration: status %d, want 400", status)
	}
	p.interrupt(t)
}

// TestMockPrintsEveryLineBeforeExit: the mock's log is written from a
// goroutine of its own, and none of it is lost when the mock stops right
// after a burst of calls.
func TestMockPrintsEveryLineBeforeExit(t *testing.T) {
	stateDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"devhook", "mock", "--inspect=false", "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	banner := regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`)
	var base string
	for base == "" {
		if m := banner.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("mock exited with %d before its banner; stderr:\n%s", code, stderr.String())
		case <-ctx.Done():
			t.Fatalf("no banner; stderr:\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond): // polling a buffer, not timing the code
		}
	}
	const calls = 300
	for i := range calls {
		res, err := http.Get(fmt.Sprintf("%s/_mock/stats?n=%d", base, i))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit code = %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for i := range calls {
		if !strings.Contains(out, fmt.Sprintf("api  GET /_mock/stats?n=%d -> 200", i)) {
			t.Fatalf("no line for call %d of %d", i, calls)
		}
	}
	if !strings.Contains(out, "devhook mock: shutting down\n") {
		t.Error("no shutdown line")
	}
}

// TestMockAllowHost: `devhook mock` refuses requests addressed to other
// names (DNS rebinding) unless --allow-host names them.
func TestMockAllowHost(t *testing.T) {
	p := start(t, nil, "mock", "--addr", "127.0.0.1:0", "--quiet", "--inspect=false", "--allow-host", "mock.internal")
	base := p.await(t, regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`))[1]
	for host, want := range map[string]int{"evil.example": http.StatusForbidden, "mock.internal": http.StatusOK, "localhost": http.StatusOK} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", base+"/_mock/hooks", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET /_mock/hooks with Host %s: status %d, want %d", host, res.StatusCode, want)
		}
	}
}
