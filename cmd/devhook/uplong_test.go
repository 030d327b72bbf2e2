package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// jsonUp is `devhook up --mock --json` running as a process, its stdout
// (which must carry only JSON lines) and stderr kept apart.
type jsonUp struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    []map[string]any // stdout's JSON lines
	bad    []string         // stdout lines that are not JSON objects
	errs   []string         // stderr
	added  chan struct{}
	exited chan struct{}
}

func startJSONUp(t *testing.T, args ...string) *jsonUp {
	t.Helper()
	bin, err := exec.LookPath("devhook")
	if err != nil {
		t.Fatal(err)
	}
	u := &jsonUp{added: make(chan struct{}, 1), exited: make(chan struct{})}
	u.cmd = exec.Command(bin, append([]string{"up", "--mock", "--json", "--event", "item.create"}, args...)...)
	u.cmd.Env = os.Environ()
	stdout, err := u.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := u.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := u.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	read := func(r io.Reader, line func(string)) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			u.mu.Lock()
			line(sc.Text())
			u.mu.Unlock()
			select {
			case u.added <- struct{}{}:
			default:
			}
		}
	}
	go read(stdout, func(s string) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			u.bad = append(u.bad, s)
			return
		}
		u.out = append(u.out, m)
	})
	go read(stderr, func(s string) { u.errs = append(u.errs, s) })
	go func() {
		wg.Wait()
		u.cmd.Wait()
		close(u.exited)
	}()
	t.Cleanup(func() {
		u.cmd.Process.Kill()
		<-u.exited
		if t.Failed() {
			t.Logf("stderr:\n%s\nstdout: %v %q", strings.Join(u.errs, "\n"), u.out, u.bad)
		}
	})
	return u
}

// await waits until ok holds of what the process printed.
func (u *jsonUp) await(t *testing.T, what string, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		u.mu.Lock()
		done := ok()
		u.mu.Unlock()
		if done {
			return
		}
		select {
		case <-u.added:
		case <-u.exited:
			u.mu.Lock()
			done := ok()
			u.mu.Unlock()
			if !done {
				t.Fatalf("exited before %s", what)
			}
			return
		case <-ctx.Done():
			t.Fatalf("no %s", what)
		}
	}
}

// stderrMatch returns the submatches of the first stderr line matching re.
func (u *jsonUp) stderrMatch(re *regexp.Regexp) []string {
	for _, l := range u.errs {
		if m := re.FindStringSubmatch(l); m != nil {
			return m
		}
	}
	return nil
}

// lines returns the stdout lines of kind with field key equal to value.
func (u *jsonUp) lines(kind, key string, value any) []map[string]any {
	var out []map[string]any
	for _, m := range u.out {
		if m["kind"] == kind && (key == "" || m[key] == value) {
			out = append(out, m)
		}
	}
	return out
}

// ready waits for the banner and returns the embedded mock's URL.
func (u *jsonUp) ready(t *testing.T) string {
	t.Helper()
	re := regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`)
	var mock string
	u.await(t, "banner", func() bool {
		if m := u.stderrMatch(re); m != nil {
			mock = m[1]
		}
		return mock != "" && u.stderrMatch(regexp.MustCompile(`^Waiting for events`)) != nil
	})
	return mock
}

func (u *jsonUp) interrupt(t *testing.T) int {
	t.Helper()
	if err := u.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-u.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("devhook did not exit")
	}
	return u.cmd.ProcessState.ExitCode()
}

// control calls the embedded mock's control API.
func control(t *testing.T, mock, path, body string) {
	t.Helper()
	resp, err := http.Post(mock+"/_mock/"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /_mock/%s: %d %s", path, resp.StatusCode, b)
	}
}

func fireItems(t *testing.T, mock string, from, n int) {
	t.Helper()
	for i := range n {
		control(t, mock, "events", fmt.Sprintf(`{"ref_type":"app","ref_id":3001,"type":"item.create","params":{"item_id":"%d"}}`, from+i))
	}
}

// TestUpLongSessionJSON rehearses, on the embedded mock's manual clock,
// an app answering 500: the 16th failure within 15 minutes gets the hook
// suspended and the JSON stream says so; the clock moved 15 minutes and
// the app fixed, the stream says the hook is active again. Stdout carries
// nothing but JSON lines; the banner goes to stderr.
func TestUpLongSessionJSON(t *testing.T) {
	var status sync.Mutex
	code := 500
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status.Lock()
		defer status.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(app.Close)
	u := startJSONUp(t, "--mock-clock", "manual", "--forward-to", app.URL+"/hook")
	mock := u.ready(t)

	fireItems(t, mock, 1, 16)
	u.await(t, "suspended", func() bool { return len(u.lines("hook_state", "state", "suspended")) == 1 })
	s := u.lines("hook_state", "state", "suspended")[0]
	if r, _ := s["reason"].(string); r != "16 failures in 15 min (16× 500 from your app)" || s["until"] == nil {
		t.Errorf("suspended line %v", s)
	}
	if n := len(u.lines("delivery", "type", "item.create")); n != 16 {
		t.Errorf("%d item.create lines, want 16", n)
	}
	if len(u.lines("delivery", "type", "hook.verify")) != 1 {
		t.Errorf("no hook.verify delivery line: %v", u.out)
	}

	status.Lock()
	code = 200
	status.Unlock()
	control(t, mock, "clock/advance", `{"duration":"15m"}`)
	u.await(t, "active again", func() bool { return len(u.lines("hook_state", "state", "active")) == 1 })
	fireItems(t, mock, 100, 1)
	u.await(t, "a delivery after the recovery", func() bool {
		for _, d := range u.lines("delivery", "type", "item.create") {
			if d["status"] == float64(200) {
				return true
			}
		}
		return false
	})
	if c := u.interrupt(t); c != 0 {
		t.Errorf("exit code %d", c)
	}
	if len(u.bad) > 0 {
		t.Errorf("stdout has lines that are not JSON: %q", u.bad)
	}
}

// TestUpLongSessionBuffer: while the app is down, Podio gets 200 and the
// events are held; when the app comes up they reach it in arrival order,
// and the hook is never suspended.
func TestUpLongSessionBuffer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	u := startJSONUp(t, "--forward-to", "http://"+addr+"/hook")
	mock := u.ready(t)

	fireItems(t, mock, 1, 20)
	u.await(t, "20 queued", func() bool {
		return len(u.lines("delivery", "outcome", "queued")) == 20 && len(u.lines("hook_state", "state", "queued")) == 20
	})
	// Podio (the mock) delivers up to 10 at once, so the order of arrival
	// is not quite the order of the events. The app must get them in the
	// order they arrived, which is the order of their records' IDs.
	queued := u.lines("delivery", "outcome", "queued")
	seq := func(d map[string]any) int {
		id := d["id"].(string)
		n, _ := strconv.Atoi(id[strings.LastIndex(id, "-")+1:])
		return n
	}
	slices.SortFunc(queued, func(a, b map[string]any) int { return seq(a) - seq(b) })
	var arrival []string
	for _, d := range queued {
		arrival = append(arrival, d["request"].(map[string]any)["body"].(string))
	}

	got := make(chan string, 20)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	app.Listener = ln
	app.Start()
	t.Cleanup(app.Close)
	for i := range 20 {
		select {
		case b := <-got:
			if b != arrival[i] {
				t.Errorf("held event %d: the app got %q, want %q", i+1, b, arrival[i])
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the app got %d of 20 held events", i)
		}
	}
	u.await(t, "flushed", func() bool { return len(u.lines("hook_state", "state", "flushed")) > 0 })
	if c := u.interrupt(t); c != 0 {
		t.Errorf("exit code %d", c)
	}
	if s := u.lines("hook_state", "state", "suspended"); len(s) > 0 {
		t.Errorf("suspended: %v", s)
	}
	if len(u.bad) > 0 {
		t.Errorf("stdout has lines that are not JSON: %q", u.bad)
	}
}
