package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// triggerClearEnv makes sure no PODIO_* variable of the environment the
// tests run in leaks into the flags.
func triggerClearEnv(t *testing.T) {
	for _, k := range []string{"PODIO_URL", "PODIO_CLIENT_ID", "PODIO_CLIENT_SECRET", "PODIO_APP_ID",
		"PODIO_APP_TOKEN", "PODIO_USERNAME", "PODIO_PASSWORD"} {
		t.Setenv(k, "")
	}
}

// triggerRequest is one request a triggerReceiver got.
type triggerRequest struct {
	Method, Path, ContentType, Body string
	Form                            url.Values
}

// triggerReceiver is a webhook handler on a loopback port that records
// what it gets and answers status(n) for the n-th request (from 0).
type triggerReceiver struct {
	URL    string
	status func(n int) int
	body   string
	// hold makes the first hold requests wait until hold requests are in
	// flight at once, proving the sender's concurrency without sleeping.
	hold int

	mu          sync.Mutex // guards reqs, inFlight, maxInFlight, held
	reqs        []triggerRequest
	inFlight    int
	maxInFlight int
	held        int
	release     chan struct{} // closed when hold requests have arrived
}

func newTriggerReceiver(t *testing.T, configure func(*triggerReceiver)) *triggerReceiver {
	t.Helper()
	r := &triggerReceiver{status: func(int) int { return http.StatusOK }, body: "ok from the handler\n", release: make(chan struct{})}
	if configure != nil {
		configure(r)
	}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *triggerReceiver) serve(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(b))
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, triggerRequest{req.Method, req.URL.RequestURI(), req.Header.Get("Content-Type"), string(b), form})
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	wait := r.held < r.hold
	if wait {
		r.held++
		if r.held == r.hold {
			close(r.release)
		}
	}
	r.mu.Unlock()
	if wait {
		select {
		case <-r.release:
		case <-req.Context().Done():
		}
	}
	r.mu.Lock()
	r.inFlight--
	r.mu.Unlock()
	if req.URL.Path == "/moved" {
		http.Redirect(w, req, "/elsewhere", http.StatusFound)
		return
	}
	w.WriteHeader(r.status(n))
	io.WriteString(w, r.body)
}

func (r *triggerReceiver) requests() []triggerRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]triggerRequest(nil), r.reqs...)
}

// triggerClosedURL is a loopback URL nothing listens on.
func triggerClosedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestTriggerTo(t *testing.T) {
	triggerClearEnv(t)
	tests := []struct {
		name     string
		event    string
		set      []string
		path     string // appended to the receiver's URL
		status   int
		wantCode int
		wantPath string
		extra    [][2]string // query pairs Podio moves into the body
	}{
		{name: "fixture as is", event: "item.create", path: "/hook", status: 200, wantCode: exitOK, wantPath: "/hook"},
		{name: "overrides", event: "item.create", set: []string{"item_id=42", "external_id=bug-9"}, path: "/podio/hook", status: 201, wantCode: exitOK, wantPath: "/podio/hook"},
		{name: "comma kept", event: "file.change", set: []string{"file_ids=1203,1204", "action_type=file_deleted"}, path: "/hook", status: 200, wantCode: exitOK, wantPath: "/hook"},
		{name: "hook id and empty value", event: "item.update", set: []string{"hook_id=7", "external_id="}, path: "/", status: 204, wantCode: exitOK, wantPath: "/"},
		{name: "handshake", event: "hook.verify", set: []string{"code=abc123"}, path: "/hook", status: 200, wantCode: exitOK, wantPath: "/hook"},
		{name: "space event", event: "member.add", set: []string{"user_id=7"}, path: "/hook", status: 200, wantCode: exitOK, wantPath: "/hook"},
		{
			name: "query moves to the body", event: "comment.create", path: "/hook?token=s3cret&x=a%20b", status: 200,
			wantCode: exitOK, wantPath: "/hook", extra: [][2]string{{"token", "s3cret"}, {"x", "a b"}},
		},
		{name: "server error", event: "item.create", path: "/hook", status: 500, wantCode: exitError, wantPath: "/hook"},
		{name: "client error", event: "item.delete", path: "/hook", status: 404, wantCode: exitError, wantPath: "/hook"},
		{
			name: "redirect not followed", event: "item.create", path: "/moved", status: 200,
			wantCode: exitError, wantPath: "/moved",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newTriggerReceiver(t, func(r *triggerReceiver) { r.status = func(int) int { return tt.status } })
			args := []string{"trigger", tt.event, "--to", recv.URL + tt.path}
			for _, s := range tt.set {
				args = append(args, "--set", s)
			}
			code, out, _, runErr := runTriggerCLI(t, args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d (%v), want %d", code, runErr, tt.wantCode)
			}
			reqs := recv.requests()
			if len(reqs) != 1 {
				t.Fatalf("the handler got %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			ev, err := fixtures.Get(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			overrides, err := fixtures.ParseSet(tt.set)
			if err != nil {
				t.Fatal(err)
			}
			if ev, err = ev.With(overrides); err != nil {
				t.Fatal(err)
			}
			wantForm := ev.Form()
			for _, p := range tt.extra {
				wantForm.Add(p[0], p[1])
			}
			if diff := cmp.Diff(wantForm, got.Form); diff != "" {
				t.Errorf("form body (-want +got):\n%s", diff)
			}
			wantPrefix := "type=" + url.QueryEscape(tt.event) + "&hook_id=" + url.QueryEscape(ev.Params["hook_id"]) + "&"
			if !strings.HasPrefix(got.Body, wantPrefix) {
				t.Errorf("body %q does not start with %q, as Podio's do", got.Body, wantPrefix)
			}
			if got.Method != http.MethodPost || got.ContentType != "application/x-www-form-urlencoded" || got.Path != tt.wantPath {
				t.Errorf("request = %s %s (Content-Type %q), want POST %s (application/x-www-form-urlencoded)",
					got.Method, got.Path, got.ContentType, tt.wantPath)
			}
			if !strings.Contains(out, got.Body+"\n") {
				t.Errorf("output does not show the body sent %q:\n%s", got.Body, out)
			}
			wantStatus := fmt.Sprintf("-> %d %s", tt.status, http.StatusText(tt.status))
			if tt.name == "redirect not followed" {
				wantStatus = "-> 302 Found"
				if runErr == nil || !strings.Contains(runErr.Error(), "a redirect to /elsewhere, not followed") {
					t.Errorf("error = %v, want it to name the redirect not followed", runErr)
				}
			}
			if !strings.Contains(out, wantStatus) {
				t.Errorf("output lacks %q:\n%s", wantStatus, out)
			}
			if tt.status != http.StatusNoContent && !strings.Contains(out, "ok from the handler") && tt.name != "redirect not followed" {
				t.Errorf("output lacks the handler's body:\n%s", out)
			}
		})
	}
}

func TestTriggerToBodyTruncated(t *testing.T) {
	triggerClearEnv(t)
	recv := newTriggerReceiver(t, func(r *triggerReceiver) { r.body = strings.Repeat("Q", 10000) })
	var out bytes.Buffer
	err := runTrigger(t.Context(), triggerOptions{
		args: []string{"item.create"}, to: recv.URL, repeat: 1, concurrency: 1, timeout: 10 * time.Second,
	}, &out)
	if err != nil {
		t.Fatalf("runTrigger: %v", err)
	}
	if got := strings.Count(out.String(), "Q"); got != triggerShownBody {
		t.Errorf("printed %d bytes of the answer, want %d", got, triggerShownBody)
	}
	if !strings.Contains(out.String(), "only the first 4096 bytes shown") {
		t.Errorf("no truncation note in:\n%s", out.String())
	}
}

func TestTriggerToUnreachable(t *testing.T) {
	triggerClearEnv(t)
	code, _, _, err := runTriggerCLI(t, "trigger", "item.create", "--to", triggerClosedURL(t)+"/hook")
	if code != exitError {
		t.Errorf("exit code = %d, want %d", code, exitError)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v, want connection refused", err)
	}
}

func TestTriggerToTimeout(t *testing.T) {
	triggerClearEnv(t)
	// The handler holds every request until two are in flight; only one
	// comes, so it answers only when trigger gives up and hangs up.
	recv := newTriggerReceiver(t, func(r *triggerReceiver) { r.hold = 2 })
	code, _, _, err := runTriggerCLI(t, "trigger", "item.create", "--to", recv.URL, "--timeout", "100ms")
	if code != exitError {
		t.Errorf("exit code = %d, want %d", code, exitError)
	}
	if !errors.Is(err, formpost.ErrTimeout) {
		t.Errorf("error %v, want %v", err, formpost.ErrTimeout)
	}
}

func TestTriggerUsageErrors(t *testing.T) {
	triggerClearEnv(t)
	down := triggerClosedURL(t) // usage errors are found before any request
	tests := []struct {
		name    string
		args    []string
		wantErr error // matched with errors.Is; nil: any usage error
	}{
		{"no event", []string{"--to", down}, nil},
		{"two events", []string{"item.create", "item.update", "--to", down}, nil},
		{"unknown event", []string{"item.created", "--to", down}, fixtures.ErrUnknownEvent},
		{"unknown param", []string{"item.create", "--to", down, "--set", "itemid=4"}, fixtures.ErrUnknownParam},
		{"unknown param with --mock", []string{"member.add", "--mock", down, "--set", "item_id=4"}, fixtures.ErrUnknownParam},
		{"type param", []string{"item.create", "--to", down, "--set", "type=item.update"}, fixtures.ErrTypeOverride},
		{"set without =", []string{"item.create", "--to", down, "--set", "item_id"}, fixtures.ErrBadSet},
		{"set twice", []string{"item.create", "--to", down, "--set", "item_id=1", "--set", "item_id=2"}, fixtures.ErrBadSet},
		{"neither --to nor --mock", []string{"item.create"}, nil},
		{"both --to and --mock", []string{"item.create", "--to", down, "--mock", down}, nil},
		{"--to without scheme", []string{"item.create", "--to", "localhost:3000/hook"}, nil},
		{"--to ftp", []string{"item.create", "--to", "ftp://localhost/hook"}, nil},
		{"--to without host", []string{"item.create", "--to", "http:///hook"}, nil},
		{"--to not a URL", []string{"item.create", "--to", "http://[::1"}, nil},
		{"--repeat 0", []string{"item.create", "--to", down, "--repeat", "0"}, nil},
		{"--concurrency 0", []string{"item.create", "--to", down, "--concurrency", "0"}, nil},
		{"--timeout 0", []string{"item.create", "--to", down, "--timeout", "0s"}, nil},
		{"--app with --to", []string{"item.create", "--to", down, "--app", "3001"}, nil},
		{"--repeat with --mock", []string{"item.create", "--mock", down, "--repeat", "2"}, nil},
		{"bad --mock", []string{"item.create", "--mock", "127.0.0.1:8080"}, nil},
		{"hook.verify in the mock", []string{"hook.verify", "--mock", down}, nil},
		{"hook_id in the mock", []string{"item.create", "--mock", down, "--set", "hook_id=5"}, nil},
		{"id the mock assigns", []string{"item.create", "--mock", down, "--set", "item_id=5"}, nil},
		{"revision the mock assigns", []string{"item.update", "--mock", down, "--set", "item_revision_id=5"}, nil},
		{"two targets", []string{"comment.delete", "--mock", down, "--set", "item_id=5", "--set", "comment_id=6"}, nil},
		{"id not a number", []string{"item.update", "--mock", down, "--set", "item_id=abc"}, nil},
		{"unknown file action", []string{"file.change", "--mock", down, "--set", "action_type=file_moved"}, nil},
		{"form id not a number", []string{"form.update", "--mock", down, "--set", "form_id=x"}, nil},
		{"file_ids the mock assigns", []string{"file.change", "--mock", down, "--set", "file_ids=1,2"}, nil},
		{"status id the mock assigns", []string{"status.create", "--mock", down, "--set", "status_id=5"}, nil},
		{"--app not a number", []string{"item.create", "--mock", down, "--app", "bugs"}, nil},
		{"--space not a number", []string{"member.add", "--mock", down, "--space", "-1"}, nil},
		{"half the app credentials", []string{"item.create", "--mock", down, "--app-id", "3001"}, nil},
		{"unknown flag", []string{"item.create", "--to", down, "--bogus"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, _, err := runTriggerCLI(t, append([]string{"trigger"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit code = %d (%v), want %d", code, err, exitUsage)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestTriggerUnknownParamLists checks that the error for an unknown
// --set names the event's parameters.
func TestTriggerUnknownParamLists(t *testing.T) {
	err := runTrigger(t.Context(), triggerOptions{args: []string{"item.create"}, set: []string{"itemid=4"}, to: "http://127.0.0.1:1/"}, io.Discard)
	pe, ok := errors.AsType[*fixtures.UnknownParamError](err)
	if !ok {
		t.Fatalf("runTrigger: %v, want a *fixtures.UnknownParamError", err)
	}
	if diff := cmp.Diff([]string{"hook_id", "item_id", "item_revision_id", "external_id"}, pe.Params); diff != "" {
		t.Errorf("listed params (-want +got):\n%s", diff)
	}
	if pe.Suggestion != "item_id" {
		t.Errorf("suggestion = %q, want %q", pe.Suggestion, "item_id")
	}
}

// burstStatusRows returns the rows of the STATUS COUNT table in out.
func burstStatusRows(out string) [][]string {
	var rows [][]string
	in := false
	for _, f := range outputFields(out) {
		switch {
		case len(f) == 2 && f[0] == "STATUS" && f[1] == "COUNT":
			in = true
		case in && len(f) > 0 && f[0] == "latency":
			return rows
		case in:
			rows = append(rows, f)
		}
	}
	return rows
}

func TestTriggerBurst(t *testing.T) {
	triggerClearEnv(t)
	tests := []struct {
		name        string
		repeat      int
		concurrency int
		status      func(n int) int
		wantRows    [][]string
		wantCode    int
		wantMax     int // requests in flight at once
	}{
		{
			name: "all 2xx", repeat: 10, concurrency: 3, status: func(int) int { return 200 },
			wantRows: [][]string{{"200", "10"}}, wantCode: exitOK, wantMax: 3,
		},
		{
			name: "some 5xx", repeat: 10, concurrency: 4,
			status: func(n int) int {
				if n%3 == 0 {
					return 500
				}
				return 202
			},
			wantRows: [][]string{{"202", "6"}, {"500", "4"}}, wantCode: exitError, wantMax: 4,
		},
		{
			name: "sequential", repeat: 4, concurrency: 1, status: func(int) int { return 200 },
			wantRows: [][]string{{"200", "4"}}, wantCode: exitOK, wantMax: 1,
		},
		{
			name: "concurrency above repeat", repeat: 3, concurrency: 8, status: func(int) int { return 200 },
			wantRows: [][]string{{"200", "3"}}, wantCode: exitOK, wantMax: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newTriggerReceiver(t, func(r *triggerReceiver) {
				r.status = tt.status
				r.hold = tt.wantMax
			})
			code, out, _, err := runTriggerCLI(t, "trigger", "item.create", "--to", recv.URL+"/hook", "--set", "item_id=42",
				"--repeat", strconv.Itoa(tt.repeat), "--concurrency", strconv.Itoa(tt.concurrency), "--timeout", "20s")
			if code != tt.wantCode {
				t.Errorf("exit code = %d (%v), want %d", code, err, tt.wantCode)
			}
			reqs := recv.requests()
			if len(reqs) != tt.repeat {
				t.Errorf("the handler got %d requests, want %d", len(reqs), tt.repeat)
			}
			for i, r := range reqs {
				if r.Form.Get("item_id") != "42" || r.Form.Get("type") != "item.create" {
					t.Errorf("request %d: form %v, want item.create with item_id 42", i, r.Form)
				}
			}
			if diff := cmp.Diff(tt.wantRows, burstStatusRows(out)); diff != "" {
				t.Errorf("status counts (-want +got):\n%s", diff)
			}
			if !regexp.MustCompile(`(?m)^latency  p50 \S+  p95 \S+  max \S+  \(` + strconv.Itoa(tt.repeat) + ` requests in \S+\)$`).MatchString(out) {
				t.Errorf("no latency line in:\n%s", out)
			}
			recv.mu.Lock()
			maxIn := recv.maxInFlight
			recv.mu.Unlock()
			if maxIn != tt.wantMax {
				t.Errorf("at most %d requests were in flight, want %d", maxIn, tt.wantMax)
			}
		})
	}
}

func TestSummarizeBurst(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	ok := func(code int, lat time.Duration) formpost.Result {
		return formpost.Result{Status: code, StatusText: fmt.Sprintf("%d %s", code, http.StatusText(code)), Latency: lat}
	}
	refused := errors.New("connection refused")
	tests := []struct {
		name    string
		results []formpost.Result
		want    burstSummary
	}{
		{
			name:    "none",
			results: nil,
			want:    burstSummary{},
		},
		{
			name:    "one",
			results: []formpost.Result{ok(200, ms(7))},
			want:    burstSummary{counts: []statusCount{{"200", 1}}, p50: ms(7), p95: ms(7), max: ms(7)},
		},
		{
			name: "ten, out of order",
			results: []formpost.Result{ok(200, ms(10)), ok(200, ms(1)), ok(200, ms(9)), ok(200, ms(2)), ok(200, ms(8)),
				ok(200, ms(3)), ok(200, ms(7)), ok(200, ms(4)), ok(200, ms(6)), ok(200, ms(5))},
			want: burstSummary{counts: []statusCount{{"200", 10}}, p50: ms(5), p95: ms(10), max: ms(10)},
		},
		{
			name: "failures and errors",
			results: []formpost.Result{ok(200, ms(1)), {Status: 500, StatusText: "500 Internal Server Error", Latency: ms(2), Body: []byte("boom\nmore")},
				{Latency: ms(3), Err: refused}, ok(201, ms(4)), ok(500, ms(5))},
			want: burstSummary{
				counts: []statusCount{{"200", 1}, {"201", 1}, {"500", 2}, {"error", 1}},
				p50:    ms(3), p95: ms(5), max: ms(5), failed: 3, firstFailure: "500 Internal Server Error: boom",
			},
		},
		{
			name:    "3xx is a failure",
			results: []formpost.Result{ok(302, ms(1))},
			want:    burstSummary{counts: []statusCount{{"302", 1}}, p50: ms(1), p95: ms(1), max: ms(1), failed: 1, firstFailure: "302 Found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeBurst(tt.results)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(burstSummary{}, statusCount{})); diff != "" {
				t.Errorf("summarizeBurst (-want +got):\n%s", diff)
			}
		})
	}
}

// triggerAPI is a signed-in client of the mock for the test's own set-up.
type triggerAPI struct {
	base, token string
}

func newTriggerAPI(t *testing.T, base string) *triggerAPI {
	t.Helper()
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {"3001"},
		"app_token": {"devhook-app-token"}, "client_id": {"devhook"}, "client_secret": {"devhook-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("sign in: %d %v", res.StatusCode, err)
	}
	return &triggerAPI{base: base, token: tok.AccessToken}
}

// do calls the API; it is safe from any goroutine.
func (a *triggerAPI) do(method, path string, in any, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth2 "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (a *triggerAPI) call(t *testing.T, method, path string, in any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := a.do(method, path, in, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// newTriggerMock starts an in-process mock with the default seed and a
// loopback receiver that validates every hook.verify through the API, as
// a real handler does. It returns the mock and a signed-in API client.
func newTriggerMock(t *testing.T) (*mockpodio.Server, *triggerAPI, string) {
	t.Helper()
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	if s.Seed, err = mockpodio.ParseSeed(fixtures.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	s.Logf = t.Logf
	var api *triggerAPI
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("type") == fixtures.VerifyEvent {
			path := "/hook/" + r.PostForm.Get("hook_id") + "/verify/validate"
			if err := api.do(http.MethodPost, path, map[string]string{"code": r.PostForm.Get("code")}, nil); err != nil {
				t.Errorf("validate: %v", err)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}
	}))
	t.Cleanup(recv.Close)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close) // before recv.Close: it waits for deliveries
	api = newTriggerAPI(t, s.URL)
	return s, api, recv.URL + "/podio"
}

// triggerAddHook creates a hook and waits until the receiver has verified it.
func triggerAddHook(t *testing.T, s *mockpodio.Server, api *triggerAPI, refType string, refID int64, event, hookURL string) int64 {
	t.Helper()
	out := api.call(t, http.MethodPost, fmt.Sprintf("/hook/%s/%d/", refType, refID), map[string]string{"url": hookURL, "type": event})
	id := int64(out["hook_id"].(float64))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := s.AwaitHook(ctx, id, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
		t.Fatalf("hook %d (%s on %s %d) never became active: %v", id, event, refType, refID, err)
	}
	return id
}

// triggerLastDeliveryID is the id of the latest recorded delivery, 0 if none.
func triggerLastDeliveryID(s *mockpodio.Server) int64 {
	ds := s.Deliveries()
	if len(ds) == 0 {
		return 0
	}
	return ds[len(ds)-1].ID
}

// TestTriggerMock performs every emulated action, and some control-API
// events, in an in-process mock with an active hook for each event, and
// checks that exactly one event fired and its delivery carried the ids
// the command printed.
func TestTriggerMock(t *testing.T) {
	triggerClearEnv(t)
	s, api, hookURL := newTriggerMock(t)
	const app, space = 3001, 2001
	hooks := map[string]int64{}
	for _, ev := range []string{"item.create", "item.update", "item.delete", "comment.create", "comment.delete",
		"app.update", "file.change", "tag.add", "tag.delete", "form.create", "form.update", "form.delete"} {
		hooks[ev] = triggerAddHook(t, s, api, "app", app, ev, hookURL)
	}
	for _, ev := range []string{"task.create", "task.update", "task.delete", "app.create", "member.add", "member.remove",
		"status.create", "status.update", "status.delete", "contact.create"} {
		hooks[ev] = triggerAddHook(t, s, api, "space", space, ev, hookURL)
	}
	// Objects that exist before the commands run, made without events.
	item := int64(api.call(t, http.MethodPost, "/item/app/3001/?hook=false", map[string]any{
		"external_id": "pre-1", "fields": map[string]any{"title": "made by the test"}})["item_id"].(float64))
	task := int64(api.call(t, http.MethodPost, "/task/?hook=false", map[string]any{
		"text": "made by the test", "ref_type": "space", "ref_id": space})["task_id"].(float64))
	comment := int64(api.call(t, http.MethodPost, fmt.Sprintf("/comment/item/%d/?hook=false", item),
		map[string]any{"value": "made by the test"})["comment_id"].(float64))
	doomed := int64(api.call(t, http.MethodPost, "/app/?hook=false", map[string]any{
		"space_id": space, "config": map[string]any{"name": "Doomed"}})["app_id"].(float64))
	hooks["app.delete"] = triggerAddHook(t, s, api, "app", doomed, "app.delete", hookURL)

	const anyID = "<any id>"
	tests := []struct {
		name    string
		args    []string
		event   string
		wantOut string            // a regexp; its groups fill in {1}, {2} in want
		want    map[string]string // params besides type and hook_id
	}{
		{
			name: "item.create", args: []string{"item.create", "--set", "external_id=bug-9"}, event: "item.create",
			wantOut: `(?m)^created item (\d+) in app 3001: item.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "item_revision_id": anyID, "external_id": "bug-9"},
		},
		{
			name: "item.update on a new item", args: []string{"item.update"}, event: "item.update",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nupdated item (\d+) in app 3001: item.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "item_revision_id": anyID, "external_id": ""},
		},
		{
			name: "item.update on an item", args: []string{"item.update", "--set", fmt.Sprintf("item_id=%d", item)}, event: "item.update",
			wantOut: fmt.Sprintf(`(?m)\Aupdated item %d in app 3001: item.update fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "item_revision_id": anyID, "external_id": "pre-1"},
		},
		{
			name: "item.update of the external id", args: []string{"item.update", "--set", fmt.Sprintf("item_id=%d", item), "--set", "external_id=pre-2"}, event: "item.update",
			wantOut: fmt.Sprintf(`(?m)\Aupdated item %d in app 3001: item.update fired`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "item_revision_id": anyID, "external_id": "pre-2"},
		},
		{
			name: "item.delete", args: []string{"item.delete", "--set", "external_id=gone-1"}, event: "item.delete",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\ndeleted item (\d+) in app 3001: item.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "item_revision_id": anyID, "external_id": "gone-1"},
		},
		{
			name: "comment.create on a new item", args: []string{"comment.create"}, event: "comment.create",
			wantOut: `(?m)^created comment (\d+) on item (\d+) in app 3001: comment.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "comment_id": "{1}"},
		},
		{
			name: "comment.create on an item", args: []string{"comment.create", "--set", fmt.Sprintf("item_id=%d", item)}, event: "comment.create",
			wantOut: fmt.Sprintf(`(?m)\Acreated comment (\d+) on item %d in app 3001: comment.create fired`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "comment_id": "{1}"},
		},
		{
			name: "comment.delete", args: []string{"comment.delete"}, event: "comment.delete",
			wantOut: `(?m)^created comment (\d+) on item (\d+) with hook=false \(it fires nothing\)\ndeleted comment (\d+) on item (\d+) in app 3001: comment.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{4}", "comment_id": "{3}"},
		},
		{
			name: "comment.delete of a comment", args: []string{"comment.delete", "--set", fmt.Sprintf("comment_id=%d", comment)}, event: "comment.delete",
			wantOut: fmt.Sprintf(`(?m)\Adeleted comment %d on item %d in app 3001: comment.delete fired`, comment, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "comment_id": strconv.FormatInt(comment, 10)},
		},
		{
			name: "task.create", args: []string{"task.create"}, event: "task.create",
			wantOut: `(?m)^created task (\d+) in space 2001: task.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{1}"},
		},
		{
			name: "task.update", args: []string{"task.update"}, event: "task.update",
			wantOut: `(?m)^created task (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated task (\d+) in space 2001: task.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{2}"},
		},
		{
			name: "task.update of a task", args: []string{"task.update", "--set", fmt.Sprintf("task_id=%d", task)}, event: "task.update",
			wantOut: fmt.Sprintf(`(?m)\Aupdated task %d in space 2001: task.update fired`, task),
			want:    map[string]string{"task_id": strconv.FormatInt(task, 10)},
		},
		{
			name: "task.delete", args: []string{"task.delete", "--space", "2001"}, event: "task.delete",
			wantOut: `(?m)^deleted task (\d+) in space 2001: task.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{1}"},
		},
		{
			name: "app.create", args: []string{"app.create"}, event: "app.create",
			wantOut: `(?m)^created app (\d+) in space 2001: app.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"app_id": "{1}"},
		},
		{
			name: "app.update", args: []string{"app.update", "--set", "app_id=3001"}, event: "app.update",
			wantOut: `(?m)\Aupdated app 3001: app.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"app_id": "3001"},
		},
		{
			name: "app.delete", args: []string{"app.delete", "--set", fmt.Sprintf("app_id=%d", doomed)}, event: "app.delete",
			wantOut: fmt.Sprintf(`(?m)\Adeleted app %d: app.delete fired, 1 hook targeted \(1 active\)$`, doomed),
			want:    map[string]string{"app_id": strconv.FormatInt(doomed, 10)},
		},
		{
			name: "contact.create through the control API", args: []string{"contact.create", "--set", "profile_id=7"}, event: "contact.create",
			wantOut: `(?m)\Afired contact.create on space 2001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"profile_id": "7"},
		},
		{
			name: "member.add through the control API", args: []string{"member.add", "--control", "--set", "user_id=7"}, event: "member.add",
			wantOut: `(?m)\Afired member.add on space 2001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "7"},
		},
		{
			name: "status.create on --space through the control API", args: []string{"status.create", "--control", "--space", "2001", "--set", "status_id=55"}, event: "status.create",
			wantOut: `(?m)\Afired status.create on space 2001 through the mock's control API`,
			want:    map[string]string{"status_id": "55"},
		},
		{
			name: "file.change keeps the comma", args: []string{"file.change", "--control", "--app", "3001", "--set", "file_ids=1203,1204", "--set", "action_type=file_deleted"}, event: "file.change",
			wantOut: `(?m)\Afired file.change on app 3001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "2361442135", "action_type": "file_deleted", "file_ids": "1203,1204"},
		},
		{
			name: "tag.add with fixture params", args: []string{"tag.add", "--control"}, event: "tag.add",
			wantOut: `(?m)\Afired tag.add on app 3001 through the mock's control API`,
			want:    map[string]string{"item_id": "2361442135", "target_type": "item"},
		},
		{
			name: "file.change: a file attached", args: []string{"file.change", "--set", fmt.Sprintf("item_id=%d", item)}, event: "file.change",
			wantOut: fmt.Sprintf(`(?m)\Aattached file (\d+) to item %d in app 3001: file.change \(file_created\) fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "action_type": "file_created", "file_ids": "{1}"},
		},
		{
			name: "file.change: a file replaced", args: []string{"file.change", "--set", "action_type=file_replaced"}, event: "file.change",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nattached file (\d+) to item \d+ with hook=false \(it fires nothing\)\nreplaced file \d+ of item \d+ in app 3001 with file (\d+): file.change \(file_replaced\) fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "action_type": "file_replaced", "file_ids": "{3}"},
		},
		{
			name: "file.change: a file deleted", args: []string{"file.change", "--set", "action_type=file_deleted"}, event: "file.change",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nattached file (\d+) to item \d+ with hook=false \(it fires nothing\)\ndeleted file \d+ of item \d+ in app 3001: file.change \(file_deleted\) fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "action_type": "file_deleted", "file_ids": "{2}"},
		},
		{
			name: "tag.add", args: []string{"tag.add", "--set", fmt.Sprintf("item_id=%d", item)}, event: "tag.add",
			wantOut: fmt.Sprintf(`(?m)\Atagged item %d in app 3001 "devhook-trigger [^"]+": tag.add fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "target_type": "item"},
		},
		{
			name: "tag.delete", args: []string{"tag.delete"}, event: "tag.delete",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\ntagged item \d+ "[^"]+" with hook=false \(it fires nothing\)\nremoved tag "[^"]+" from item \d+ in app 3001: tag.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "target_type": "item"},
		},
		{
			name: "form.create", args: []string{"form.create"}, event: "form.create",
			wantOut: `(?m)\Acreated form (\d+) on app 3001: form.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "form.update", args: []string{"form.update"}, event: "form.update",
			wantOut: `(?m)\Acreated form (\d+) on app 3001 with hook=false \(it fires nothing\)\nupdated form \d+ on app 3001: form.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "form.delete", args: []string{"form.delete"}, event: "form.delete",
			wantOut: `(?m)\Acreated form (\d+) on app 3001 with hook=false \(it fires nothing\)\ndeleted form \d+ on app 3001: form.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "member.add", args: []string{"member.add"}, event: "member.add",
			wantOut: `(?m)^added user 1002 to space 2001: member.add fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.add of a member", args: []string{"member.add", "--set", "user_id=1002"}, event: "member.add",
			wantOut: `(?m)\Aended user 1002's membership of space 2001 with hook=false \(it fires nothing\)\nadded user 1002 to space 2001: member.add fired`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.remove", args: []string{"member.remove", "--set", "user_id=1002"}, event: "member.remove",
			wantOut: `(?m)\Aended user 1002's membership of space 2001: member.remove fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.remove of a non-member", args: []string{"member.remove"}, event: "member.remove",
			wantOut: `(?m)\Aadded user 1002 to space 2001 with hook=false \(it fires nothing\)\nended user 1002's membership of space 2001: member.remove fired`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "status.create", args: []string{"status.create"}, event: "status.create",
			wantOut: `(?m)\Aposted status (\d+) in space 2001: status.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "status.update", args: []string{"status.update", "--space", "2001"}, event: "status.update",
			wantOut: `(?m)\Aposted status (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated status \d+ in space 2001: status.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "status.delete", args: []string{"status.delete"}, event: "status.delete",
			wantOut: `(?m)\Aposted status (\d+) in space 2001 with hook=false \(it fires nothing\)\ndeleted status \d+ in space 2001: status.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "item.create forced through the control API", args: []string{"item.create", "--control", "--set", "item_id=42"}, event: "item.create",
			wantOut: `(?m)\Afired item.create on app 3001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "42", "item_revision_id": "4980118843", "external_id": "bug-17"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := s.Stats().Events, triggerLastDeliveryID(s)
			code, out, _, err := runTriggerCLI(t, append([]string{"trigger", "--mock", s.URL}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit code = %d (%v), want 0", code, err)
			}
			m := regexp.MustCompile(tt.wantOut).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("output does not match %s:\n%s", tt.wantOut, out)
			}
			if n := s.Stats().Events - before; n != 1 {
				t.Errorf("%d events fired, want 1 (set-up writes use hook=false)", n)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.ID > after && d.Type == tt.event })
			if err != nil {
				t.Fatalf("no %s delivery: %v", tt.event, err)
			}
			if d.Outcome != mockpodio.OutcomeDelivered || d.HookID != hooks[tt.event] {
				t.Errorf("delivery to hook %d: %s, want delivered to hook %d", d.HookID, d.Outcome, hooks[tt.event])
			}
			want := map[string]string{"type": tt.event, "hook_id": strconv.FormatInt(hooks[tt.event], 10)}
			for k, v := range tt.want {
				for i := 1; i < len(m); i++ {
					v = strings.ReplaceAll(v, fmt.Sprintf("{%d}", i), m[i])
				}
				want[k] = v
			}
			got := d.Params
			for k, v := range want {
				if _, err := strconv.ParseInt(got[k], 10, 64); v == anyID && err == nil {
					got[k] = anyID
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("delivered params (-want +got):\n%s", diff)
			}
			if strings.Contains(tt.wantOut, "event (") {
				if ev := strconv.FormatInt(d.EventID, 10); ev != m[1] {
					t.Errorf("printed event %s, delivered event %s", m[1], ev)
				}
			}
		})
	}
}

// TestTriggerMockNoHook shows the line for an event no hook listens for,
// and that app.update acts on a new app by default.
func TestTriggerMockNoHook(t *testing.T) {
	triggerClearEnv(t)
	s, _, _ := newTriggerMock(t)
	tests := []struct {
		name    string
		args    []string
		wantOut string
	}{
		{"item.create", []string{"item.create"}, `(?m)^created item \d+ in app 3001: item.create fired, but no item.create hook is registered on app 3001: devhook up registers one with --event item.create \(one --event per type\)$`},
		{"app.update on a new app", []string{"app.update"}, `(?m)^created app (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated app (\d+): app.update fired, but no app.update hook is registered on app \d+: devhook up registers one with --event app\.update \(one --event per type\)$`},
		{"permissive app", []string{"item.create", "--app", "1"}, `(?m)^created item \d+ in app 1: item.create fired, but no item.create hook`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _, err := runTriggerCLI(t, append([]string{"trigger", "--mock", s.URL}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit code = %d (%v), want 0", code, err)
			}
			if !regexp.MustCompile(tt.wantOut).MatchString(out) {
				t.Errorf("output does not match %s:\n%s", tt.wantOut, out)
			}
		})
	}
}

func TestTriggerMockErrors(t *testing.T) {
	triggerClearEnv(t)
	s, _, _ := newTriggerMock(t)
	down := triggerClosedURL(t)
	tests := []struct {
		name       string
		args       []string
		wantStatus int  // the mock's answer to the failing call; 0: none
		wantDown   bool // the mock is not reachable
	}{
		{name: "mock down", args: []string{"item.create", "--mock", down}, wantDown: true},
		{name: "unknown item", args: []string{"item.update", "--mock", s.URL, "--set", "item_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown task", args: []string{"task.delete", "--mock", s.URL, "--set", "task_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown app without --space", args: []string{"member.add", "--mock", s.URL, "--app", "999999"}},
		{name: "unknown status", args: []string{"status.update", "--mock", s.URL, "--set", "status_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown form", args: []string{"form.delete", "--mock", s.URL, "--set", "form_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "tag on an unknown item", args: []string{"tag.add", "--mock", s.URL, "--set", "item_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "file on an unknown item", args: []string{"file.change", "--mock", s.URL, "--set", "item_id=999999"}, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, _, err := runTriggerCLI(t, append([]string{"trigger"}, tt.args...)...)
			if code != exitError {
				t.Errorf("exit code = %d (%v), want %d", code, err, exitError)
			}
			if tt.wantDown && !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %v, want connection refused", err)
			}
			if tt.wantStatus != 0 {
				ae, ok := errors.AsType[*podio.Error](err)
				if !ok || ae.StatusCode != tt.wantStatus {
					t.Errorf("error %v, want the mock's %d", err, tt.wantStatus)
				}
			}
		})
	}
}
