package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	addr, err := unusedAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// unusedAddr returns a loopback address nobody listens on, for a process
// to listen on later. Its port is outside Linux's ephemeral range
// (32768-60999), from which the listeners on port 0 of tests running
// meanwhile get theirs, so none of them takes it in between.
func unusedAddr() (string, error) {
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(20000+rand.IntN(12000)))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		if err := l.Close(); err != nil {
			return "", err
		}
		return addr, nil
	}
	return "", errors.New("no unused port in 20000-31999")
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
	took := time.Since(began)
	t.Logf("second Ctrl-C: exited %s after it", took)
	if took > time.Second {
		t.Errorf("second Ctrl-C took %s to exit", took)
	}
}
