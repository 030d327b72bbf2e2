package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/fakeedge"
	"github.com/devhookhq/devhook/mockpodio"
)

// localApp is the developer's app: it records every request it gets.
type localApp struct {
	srv  *httptest.Server
	reqs chan appRequest
}

type appRequest struct {
	Method, Path, ContentType, Body string
}

func newLocalApp(t *testing.T, status int) *localApp {
	t.Helper()
	a := &localApp{reqs: make(chan appRequest, 100)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.reqs <- appRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(b)}
		w.WriteHeader(status)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *localApp) next(t *testing.T) appRequest {
	t.Helper()
	select {
	case r := <-a.reqs:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("the local app got nothing")
		return appRequest{}
	}
}

// mockAPI is a signed-in API caller for a mock at base.
type mockAPI struct {
	t     *testing.T
	base  string
	token string
}

func signInMock(t *testing.T, base, appID, appToken string) *mockAPI {
	t.Helper()
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {appID}, "app_token": {appToken},
		"client_id": {"devhook"}, "client_secret": {"devhook-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`"access_token":"([0-9a-f]+)"`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("token: %d %s", res.StatusCode, b)
	}
	return &mockAPI{t, base, m[1]}
}

func (m *mockAPI) call(method, path, body string) string {
	m.t.Helper()
	req, _ := http.NewRequest(method, m.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "OAuth2 "+m.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		m.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return string(b)
}

func jsonNumber(t *testing.T, body, key string) string {
	t.Helper()
	m := regexp.MustCompile(`"` + key + `":(\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %s", key, body)
	}
	return m[1]
}

// TestUpMockProcess is the README's main command end to end: `devhook up
// --mock` as a process registers hooks in its embedded mock, an item
// created in the mock reaches the local app with the exact form body
// Podio sends, the printed line shows it, and Ctrl-C removes the hooks.
func TestUpMockProcess(t *testing.T) {
	app := newLocalApp(t, 201)
	p := start(t, nil, "up", "--mock", "--forward-to", app.srv.URL+"/podio/hook")
	mockURL := p.await(t, regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`))[1]
	p.await(t, regexp.MustCompile(`^Waiting for events`))
	hooks := p.await(t, regexp.MustCompile(`^(\d+)\s+app 3001\s+item\.create\s+active`))

	api := signInMock(t, mockURL, "3001", "devhook-app-token")
	item := api.call("POST", "/item/app/3001/", `{"external_id":"bug-9","fields":{"title":"Crash on save"}}`)
	itemID, revID := jsonNumber(t, item, "item_id"), jsonNumber(t, item, "item_revision_id")

	got := app.next(t)
	want := appRequest{Method: "POST", Path: "/podio/hook", ContentType: "application/x-www-form-urlencoded",
		Body: "type=item.create&hook_id=" + hooks[1] + "&item_id=" + itemID + "&item_revision_id=" + revID + "&external_id=bug-9"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the local app got (-want +got):\n%s", diff)
	}
	p.await(t, regexp.MustCompile(`^\d\d:\d\d:\d\d  item\.create  hook `+hooks[1]+`  item_id=`+itemID+` item_revision_id=`+revID+`.*-> 201  [\d.]+ ms$`))
	p.await(t, regexp.MustCompile(`hook\.verify  hook `+hooks[1]+`  -> verified`))

	// The mock delivered item.create to the relay, which answered with the
	// app's status: Podio's rules see the truth. A hook's deliveries go
	// one at a time, so once a second one reaches the app the first is
	// recorded.
	api.call("POST", "/item/app/3001/", `{"fields":{"title":"Second"}}`)
	app.next(t)
	res, err := http.Get(mockURL + "/_mock/deliveries?type=item.create")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `"status_code":201`) || !strings.Contains(string(b), `"outcome":"delivered"`) {
		t.Errorf("mock deliveries: %s", b)
	}

	if code := p.interrupt(t); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	p.await(t, regexp.MustCompile(`^Deleted hooks \d+, \d+, \d+\.$`))
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func externalMock(t *testing.T, configure func(*mockpodio.Server)) *mockpodio.Server {
	t.Helper()
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(s)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var podioCreds = []string{"PODIO_CLIENT_ID=devhook", "PODIO_CLIENT_SECRET=devhook-secret", "PODIO_APP_ID=42", "PODIO_APP_TOKEN=tok"}

// TestUpPublicURLReuseAndCleanup runs up against an outside Podio (a
// mock) through a tunnel of the user's own (--public-url): hooks are
// created, reused by a second run with the same URL, kept with --keep,
// and deleted by the run that created them.
func TestUpPublicURLReuseAndCleanup(t *testing.T) {
	mock := externalMock(t, nil)
	app := newLocalApp(t, 200)
	addr := freePort(t)
	args := []string{"up", "--podio-url", mock.URL, "--app", "42", "--event", "item.create", "--forward-to", app.srv.URL,
		"--public-url", "http://" + addr, "--listen", addr, "--secret", "fixed-secret"}

	first := start(t, podioCreds, append(args, "--keep")...)
	m := first.await(t, regexp.MustCompile(`^(\d+)\s+app 42\s+item\.create\s+active$`))
	hookID, _ := strconv.ParseInt(m[1], 10, 64)
	if h, ok := mock.Hook(hookID); !ok || h.Status != "active" || h.URL != "http://"+addr+"/fixed-secret" {
		t.Fatalf("hook in Podio: %+v", h)
	}
	if code := first.interrupt(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	first.await(t, regexp.MustCompile(`^Keeping hooks `+m[1]+` \(--keep\)\.$`))
	if _, ok := mock.Hook(hookID); !ok {
		t.Fatal("--keep deleted the hook")
	}

	second := start(t, podioCreds, args...)
	second.await(t, regexp.MustCompile(`^`+m[1]+`\s+app 42\s+item\.create\s+active \(reused\)$`))
	api := signInMock(t, mock.URL, "42", "tok")
	api.call("POST", "/item/app/42/", `{"fields":{"title":"x"}}`)
	if got := app.next(t); !strings.HasPrefix(got.Body, "type=item.create&hook_id="+m[1]+"&") {
		t.Errorf("app got %q", got.Body)
	}
	if code := second.interrupt(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	// The reused hook is not this run's to delete.
	if _, ok := mock.Hook(hookID); !ok {
		t.Error("a reused hook was deleted")
	}
	if strings.Contains(second.output(), "Deleted hooks") {
		t.Errorf("second run deleted hooks:\n%s", second.output())
	}

	third := start(t, podioCreds, append(args[:len(args)-2], "--secret", "another")...)
	m3 := third.await(t, regexp.MustCompile(`^(\d+)\s+app 42\s+item\.create\s+active$`))
	third.interrupt(t)
	id3, _ := strconv.ParseInt(m3[1], 10, 64)
	if _, ok := mock.Hook(id3); ok {
		t.Errorf("hook %d made by the run is still there after Ctrl-C", id3)
	}
}

// TestUpThroughNgrok drives the real ngrok adapter against a fake ngrok
// edge: Podio (the mock) reaches the local app through the tunnel.
func TestUpThroughNgrok(t *testing.T) {
	edge := fakeedge.NewUnstartedServer()
	edge.Authtoken = "good-token"
	if err := edge.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(edge.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, edge.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	mock := externalMock(t, func(s *mockpodio.Server) { s.HTTPClient = edge.Client() })
	app := newLocalApp(t, 200)
	args := []string{"up", "--podio-url", mock.URL, "--app", "42", "--event", "item.create", "--forward-to", app.srv.URL,
		"--ngrok-connect-url", edge.Addr, "--ngrok-ca", caFile, "--probe=false"}

	t.Run("delivers through the tunnel", func(t *testing.T) {
		p := start(t, append(podioCreds, "NGROK_AUTHTOKEN=good-token"), args...)
		p.await(t, regexp.MustCompile(`^Forwarding  https://[a-z0-9.-]+/\S+ -> `))
		m := p.await(t, regexp.MustCompile(`^(\d+)\s+app 42\s+item\.create\s+active$`))
		signInMock(t, mock.URL, "42", "tok").call("POST", "/item/app/42/", `{"fields":{"title":"via ngrok"}}`)
		if got := app.next(t); !strings.HasPrefix(got.Body, "type=item.create&hook_id="+m[1]+"&") {
			t.Errorf("app got %q", got.Body)
		}
		if code := p.interrupt(t); code != 0 {
			t.Errorf("exit code %d", code)
		}
	})
	t.Run("bad token fails fast", func(t *testing.T) {
		began := time.Now()
		p := start(t, append(podioCreds, "NGROK_AUTHTOKEN=bad-token"), args...)
		if code := p.wait(t); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if took := time.Since(began); took > 10*time.Second {
			t.Errorf("took %s to fail", took)
		}
		if out := p.output(); !strings.Contains(out, "devhook: open tunnel: tunnel: ngrok authtoken") || strings.Contains(out, "bad-token") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("no token", func(t *testing.T) {
		p := start(t, append(podioCreds, "NGROK_AUTHTOKEN="), args...)
		if code := p.wait(t); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if out := p.output(); !strings.Contains(out, "NGROK_AUTHTOKEN") || !strings.Contains(out, "--mock") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("no server", func(t *testing.T) {
		dead := freePort(t)
		p := start(t, append(podioCreds, "NGROK_AUTHTOKEN=good-token"), append(args, "--ngrok-connect-url", dead, "--connect-timeout", "2s")...)
		if code := p.wait(t); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if out := p.output(); !strings.Contains(out, "cannot reach ngrok") {
			t.Errorf("output:\n%s", out)
		}
	})
}

func TestUpBadInput(t *testing.T) {
	mock := externalMock(t, nil)
	creds := []string{"--podio-url", mock.URL, "--client-id", "c", "--client-secret", "s", "--app-id", "42", "--app-token", "t"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no credentials", []string{"up", "--podio-url", mock.URL, "--app", "1"}, exitUsage, "Podio credentials missing"},
		{"no hooks", append([]string{"up"}, creds...), exitUsage, "no hooks to register"},
		{"port and forward-to", append([]string{"up", "--port", "3000", "--forward-to", "http://x"}, creds...), exitUsage, "not both"},
		{"bad forward-to", append([]string{"up", "--forward-to", "ftp://x", "--app", "1"}, creds...), exitUsage, "--forward-to must be an http(s) URL"},
		{"event not on app", append([]string{"up", "--app", "1", "--event", "task.create"}, creds...), exitUsage, `event "task.create" cannot be registered on --app`},
		{"space without event", append([]string{"up", "--space", "1"}, creds...), exitUsage, "--space needs --event"},
		{"unknown event", append([]string{"up", "--app", "1", "--event", "item.created"}, creds...), exitUsage, `event "item.created" cannot be registered`},
		{"bad app id env", []string{"up", "--app-id", "x"}, exitUsage, "--app-id wants a number (a positive id)"},
		{"wrong app token", []string{"up", "--podio-url", mock.URL, "--client-id", "c", "--client-secret", "s", "--app-id", "42", "--app-token", "other", "--app", "42", "--public-url", "http://127.0.0.1:1"}, exitError, "invalid_grant"},
		{"podio unreachable", []string{"up", "--podio-url", "http://" + freePort(t), "--client-id", "c", "--client-secret", "s", "--app-id", "42", "--app-token", "t", "--app", "42"}, exitError, "sign in to http://127.0.0.1:"},
		{"ten hooks already", append([]string{"up", "--app", "43", "--event", "item.create", "--public-url", "http://127.0.0.1:1", "--probe=false"}, creds...), exitError, "it already has 10, Podio's limit"},
		{"verify never arrives", append([]string{"up", "--app", "42", "--event", "item.create", "--public-url", "http://" + freePort(t), "--probe=false", "--verify-timeout", "1s"}, creds...), exitError, "hook.verify never arrived"},
		{"public url unreachable", append([]string{"up", "--app", "42", "--public-url", "http://" + freePort(t), "--connect-timeout", "1s"}, creds...), exitError, "does not reach devhook"},
	}
	// First sign in with app token "t" so "other" is a wrong token later.
	api := signInMock(t, mock.URL, "42", "t")
	for range 10 {
		api.call("POST", "/hook/app/43/", `{"url":"http://127.0.0.1:1/full","type":"item.create"}`)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
			defer cancel()
			code := run(ctx, append([]string{"devhook"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Count(msg, "\n") > 0 || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", msg, tt.want)
			}
			for _, h := range mock.Hooks() {
				if h.RefID == 42 {
					t.Errorf("hook left behind after a failed start: %+v", h)
				}
			}
			for _, secret := range []string{"devhook-secret", "devhook-app-token"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("output shows %q", secret)
				}
			}
		})
	}
}

// TestUpValidateRefused shows the diagnosis when Podio refuses the code.
func TestUpValidateRefused(t *testing.T) {
	mock := externalMock(t, nil)
	if err := mock.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Path: "/hook/*/verify/validate", Status: 400}}}); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	p := start(t, podioCreds, "up", "--podio-url", mock.URL, "--app", "42", "--event", "item.create",
		"--public-url", "http://"+addr, "--listen", addr, "--verify-timeout", "2s")
	if code := p.wait(t); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	p.await(t, regexp.MustCompile(`hook.verify arrived but validation failed: .*400`))
	p.await(t, regexp.MustCompile(`^Deleted hooks \d+\.$`))
	if hooks := mock.Hooks(); len(hooks) != 0 {
		t.Errorf("hooks left: %+v", hooks)
	}
}

// TestUpJSON prints one JSON object per delivery with --json.
func TestUpJSON(t *testing.T) {
	app := newLocalApp(t, 200)
	p := start(t, nil, "up", "--mock", "--json", "--event", "item.create", "--forward-to", app.srv.URL)
	mockURL := p.await(t, regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`))[1]
	p.await(t, regexp.MustCompile(`^Waiting for events`))
	signInMock(t, mockURL, "3001", "devhook-app-token").call("POST", "/item/app/3001/", `{"fields":{"title":"json"}}`)
	line := p.await(t, regexp.MustCompile(`^\{.*"kind":"delivery".*"type":"item.create".*\}$`))[0]
	var ev map[string]any
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("not JSON: %q", line)
	}
	if ev["type"] != "item.create" || ev["status"] != float64(200) {
		t.Errorf("event = %v", ev)
	}
	// The form body is text, not base64.
	req, _ := ev["request"].(map[string]any)
	if body, _ := req["body"].(string); !strings.HasPrefix(body, "type=item.create&hook_id=") {
		t.Errorf("request body = %q, want the form as text", req["body"])
	}
	p.interrupt(t)
}

// TestUpSecondInterruptExitsAtOnce: while the first Ctrl-C waits on a slow
// cleanup, a second one ends the process.
func TestUpSecondInterruptExitsAtOnce(t *testing.T) {
	mock := externalMock(t, nil)
	if err := mock.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Method: "DELETE", Path: "/hook/*", Latency: mockpodio.Duration{Duration: time.Hour}}}}); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	p := start(t, podioCreds, "up", "--podio-url", mock.URL, "--app", "42", "--event", "item.create",
		"--public-url", "http://"+addr, "--listen", addr)
	p.await(t, regexp.MustCompile(`^Waiting for events`))
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	p.await(t, regexp.MustCompile(`shutting down`))
	began := time.Now()
	if code := p.interrupt(t); code != exitInterrupted {
		t.Errorf("exit code %d, want %d", code, exitInterrupted)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("second Ctrl-C took %s to exit", took)
	}
}

// TestUpMockIgnoresPodioCredentials: up --mock signs in to its mock with
// the mock's own credentials, whatever PODIO_* says.
func TestUpMockIgnoresPodioCredentials(t *testing.T) {
	p := start(t, []string{"PODIO_USERNAME=someone@example.com", "PODIO_APP_TOKEN=real-token", "PODIO_CLIENT_ID=real"}, "up", "--mock", "--event", "item.create")
	p.await(t, regexp.MustCompile(`^Waiting for events`))
	if code := p.interrupt(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
