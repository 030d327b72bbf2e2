package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fake credentials that look real. None may ever be printed or logged.
const (
	fakeClientSecret = "sekret-client-123"
	fakeAppToken     = "sekret-apptoken-456"
	fakePassword     = "sekret-pw-789"
)

var fakeSecrets = []string{fakeClientSecret, fakeAppToken, fakePassword}

// fakeCredsEnv is the environment that carries every fake secret.
func fakeCredsEnv() []string {
	return []string{
		"PODIO_CLIENT_ID=devhook-client", "PODIO_CLIENT_SECRET=" + fakeClientSecret,
		"PODIO_APP_TOKEN=" + fakeAppToken, "PODIO_USERNAME=dev@example.com", "PODIO_PASSWORD=" + fakePassword,
	}
}

// checkNoSecrets fails for every fake secret found in what.
func checkNoSecrets(t *testing.T, where, what string) {
	t.Helper()
	for _, s := range fakeSecrets {
		if i := strings.Index(what, s); i >= 0 {
			lo, hi := max(0, i-80), min(len(what), i+len(s)+80)
			t.Errorf("%s shows %q: ...%s...", where, s, what[lo:hi])
		}
	}
}

// checkStateDirNoSecrets scans every file under dir (the delivery log).
// It returns how many files it read.
func checkStateDirNoSecrets(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if path == dir && errors.Is(err, fs.ErrNotExist) {
			return nil // nothing logged
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		checkNoSecrets(t, path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpMockKeepsSecrets runs `devhook up --mock` as a process with real-
// looking credentials in its environment and flags, sends a delivery
// through it and stops it with Ctrl-C: neither its output nor the
// delivery log shows them. (The embedded mock's own throwaway
// credentials in the curl line are fine.)
func TestUpMockKeepsSecrets(t *testing.T) {
	state := t.TempDir()
	app := newLocalApp(t, 200)
	// No PODIO_USERNAME: with it, PODIO_APP_TOKEN and no PODIO_APP_ID, up
	// --mock stops on the incomplete app authentication. The client
	// secret is sent to the embedded mock, which accepts any client; the
	// password rides along unused.
	var env []string
	for _, kv := range fakeCredsEnv() {
		if !strings.HasPrefix(kv, "PODIO_USERNAME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "DEVHOOK_STATE_DIR="+state)
	p := start(t, env, "up", "--mock", "--mock-addr", "127.0.0.1:0", "--forward-to", app.srv.URL+"/hook",
		"--client-secret", fakeClientSecret, "--app-token", fakeAppToken, "--password", fakePassword)
	mockURL := p.await(t, regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`))[1]
	p.await(t, regexp.MustCompile(`^Waiting for events`))

	api := signInMock(t, mockURL, "3001", "devhook-app-token")
	api.call("POST", "/item/app/3001/", `{"fields":{"title":"secret-free"}}`)
	if got := app.next(t); !strings.Contains(got.Body, "type=item.create") {
		t.Errorf("the local app got %q, want an item.create", got.Body)
	}
	p.await(t, regexp.MustCompile(`item\.create  hook \d+ .*-> 200`))
	if code := p.interrupt(t); code != exitOK {
		t.Errorf("exit code after Ctrl-C = %d, want 0", code)
	}
	checkNoSecrets(t, "up --mock output", p.output())
	if n := checkStateDirNoSecrets(t, state); n == 0 {
		t.Errorf("no delivery log under %s", state)
	}
}

// TestHooksKeepSecrets runs hooks commands against an in-process mock
// with the credentials in the environment and in flags, succeeding and
// failing: no output shows them.
func TestHooksKeepSecrets(t *testing.T) {
	state := stateDir(t)
	mock := externalMock(t, nil)
	for _, kv := range fakeCredsEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("PODIO_URL", mock.URL)
	t.Setenv("PODIO_APP_ID", "4242")
	recv := newLocalApp(t, 200)
	tests := [][]string{
		{"hooks", "list", "--app", "4242"},
		{"hooks", "list", "--app", "4242", "--client-secret", fakeClientSecret, "--app-token", fakeAppToken},
		{"hooks", "create", "--app", "4242", "--event", "item.create", "--url", recv.srv.URL + "/hook"},
		{"hooks", "list", "--app", "4242", "--json"},
		{"hooks", "list", "--app", "4242", "--app-id", "", "--app-token", "", "--password", fakePassword},
		{"hooks", "list", "--app", "4242", "--app-token", fakeAppToken + "-wrong"},
		{"hooks", "list", "--app", "4242", "--client-id", "", "--client-secret", fakeClientSecret},
		{"hooks", "list", "--app", "4242", "--podio-url", deadURL(t)},
		{"hooks", "list", "--app", "4242", "--help"},
	}
	var all strings.Builder
	listed := false
	for _, args := range tests {
		code, stdout, stderr, _ := runCLI(t, args...)
		all.WriteString(stdout + stderr)
		checkNoSecrets(t, strings.Join(args, " "), stdout+stderr)
		if code == exitOK && strings.Contains(stdout, "HOOK") {
			listed = true
		}
	}
	if !listed {
		t.Errorf("no hooks list succeeded; output:\n%s", all.String())
	}
	checkStateDirNoSecrets(t, state)
}

// TestMockQuietKeepsSecrets runs `devhook mock --quiet` as a process with
// the credentials in its environment: its output shows none of them.
func TestMockQuietKeepsSecrets(t *testing.T) {
	state := t.TempDir()
	p := start(t, append(fakeCredsEnv(), "DEVHOOK_STATE_DIR="+state), "mock", "--quiet", "--addr", "127.0.0.1:0", "--allow-any-port")
	base := p.await(t, regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`))[1]
	app := newLocalApp(t, 200)
	api := signInMock(t, base, "3001", "devhook-app-token")
	api.call("POST", "/hook/app/3001/", `{"url":"`+app.srv.URL+`/hook","type":"item.create"}`)
	if got := app.next(t); !strings.Contains(got.Body, "type=hook.verify") {
		t.Errorf("the receiver got %q, want a hook.verify", got.Body)
	}
	if code := p.interrupt(t); code != exitOK {
		t.Errorf("exit code after Ctrl-C = %d, want 0", code)
	}
	checkNoSecrets(t, "mock --quiet output", p.output())
	checkStateDirNoSecrets(t, state)
}

// lockedBuffer is a strings.Builder safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMockWarnsBeyondLoopback runs `devhook mock` in-process: on
// 127.0.0.1 stderr has no warning; on 0.0.0.0 it warns that other
// machines can reach it.
func TestMockWarnsBeyondLoopback(t *testing.T) {
	stateDir(t)
	tests := []struct {
		addr     string
		wantWarn bool
	}{
		{"127.0.0.1:0", false},
		{"0.0.0.0:0", true},
	}
	warning := regexp.MustCompile(`(?m)^devhook: warning: listening on .*, reachable from other machines; use 127\.0\.0\.1 to keep it local$`)
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			pr, pw := io.Pipe()
			ready := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(pr)
				once := sync.OnceFunc(func() { close(ready) })
				for sc.Scan() {
					if strings.Contains(sc.Text(), "Podio API on") {
						once()
					}
				}
			}()
			var stderr lockedBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"devhook", "mock", "--quiet", "--inspect=false", "--addr", tt.addr}, pw, &stderr)
				pw.Close()
			}()
			select {
			case <-ready:
			case code := <-done:
				t.Fatalf("mock exited with %d before its banner; stderr:\n%s", code, stderr.String())
			case <-ctx.Done():
				t.Fatalf("no banner; stderr:\n%s", stderr.String())
			}
			cancel()
			if code := <-done; code != exitOK {
				t.Errorf("exit code = %d, want 0", code)
			}
			if got := warning.MatchString(stderr.String()); got != tt.wantWarn {
				t.Errorf("--addr %s: warning on stderr = %v, want %v; stderr:\n%s", tt.addr, got, tt.wantWarn, stderr.String())
			}
		})
	}
}
