package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/devhookhq/devhook/internal/fakeedge"
	"github.com/devhookhq/devhook/mockpodio"
)

// TestMain makes the test binary itself the devhook of the scripts and of
// the subprocess tests: `devhook` on the PATH is a copy of it, so no build
// is needed.
func TestMain(m *testing.M) {
	testscript.Main(withTestEnv{m}, map[string]func(){"devhook": func() { os.Exit(devhookMain()) }})
}

// withTestEnv keeps the in-process and subprocess tests' deliveries out of
// ~/.local/state and their inspectors off the fixed port.
type withTestEnv struct{ m *testing.M }

func (w withTestEnv) Run() int {
	dir, err := os.MkdirTemp("", "devhook-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("DEVHOOK_STATE_DIR", filepath.Join(dir, "state"))
	os.Setenv("DEVHOOK_INSPECT", "127.0.0.1:0")
	os.Setenv("DEVHOOK_MOCK_ADDR", "127.0.0.1:0")
	os.Setenv("GORACE", raceOptions)
	return w.m.Run()
}

// raceOptions are the race detector's options for the devhook processes
// the tests start: without its default 1 s sleep at exit, which would
// otherwise be most of each command's time.
var raceOptions = strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")

// TestScripts runs the command-level tests in testdata/script: each
// .txtar file is a script of devhook commands and checks of their output
// (see scriptCmds for the commands beyond testscript's own).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Setup: func(e *testscript.Env) error {
			e.Setenv("DEVHOOK_STATE_DIR", filepath.Join(e.WorkDir, "state"))
			e.Setenv("DEVHOOK_INSPECT", "127.0.0.1:0")
			e.Setenv("DEVHOOK_MOCK_ADDR", "127.0.0.1:0")
			e.Setenv("GORACE", raceOptions)
			e.Values[scriptKey{}] = &scriptState{procs: map[string]*outLines{}}
			return nil
		},
		Cmds: scriptCmds,
	})
}

// scriptKey is the key of a script's *scriptState in its Values.
type scriptKey struct{}

// scriptState is what a script's commands started: background processes,
// local apps, mocks and edges, by name.
type scriptState struct {
	mu    sync.Mutex
	procs map[string]*outLines
	edge  *fakeedge.Server
	podio *mockpodio.Server // the outside Podio of the podio command
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(scriptKey{}).(*scriptState)
}

func (s *scriptState) get(ts *testscript.TestScript, name string) *outLines {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.procs[name]
	if !ok {
		ts.Fatalf("nothing named %q was started", name)
	}
	return l
}

func (s *scriptState) add(ts *testscript.TestScript, name string, l *outLines) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.procs[name]; ok {
		ts.Fatalf("%q is already started", name)
	}
	s.procs[name] = l
}

// outLines collects the output of something running in the background, line
// by line, so a script can await a line.
type outLines struct {
	mu    sync.Mutex
	all   []string
	seen  int           // lines await has looked at
	added chan struct{} // signalled on every new line
	cmd   *exec.Cmd     // nil for in-process things
	done  chan struct{} // closed when cmd has exited
}

func newOutLines() *outLines { return &outLines{added: make(chan struct{}, 1)} }

func (l *outLines) add(s string) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

func (l *outLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n") + "\n"
}

// await returns the submatches of the next line, after those an earlier
// await matched, that matches re.
func (l *outLines) await(ctx context.Context, re *regexp.Regexp) ([]string, error) {
	for {
		l.mu.Lock()
		for i := l.seen; i < len(l.all); i++ {
			if m := re.FindStringSubmatch(l.all[i]); m != nil {
				l.seen = i + 1
				l.mu.Unlock()
				return m, nil
			}
		}
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-l.doneCh():
			// One more pass for the last lines, then give up.
			l.mu.Lock()
			for i := l.seen; i < len(l.all); i++ {
				if m := re.FindStringSubmatch(l.all[i]); m != nil {
					l.seen = i + 1
					l.mu.Unlock()
					return m, nil
				}
			}
			l.mu.Unlock()
			return nil, fmt.Errorf("exited with no line matching %s", re)
		case <-ctx.Done():
			return nil, fmt.Errorf("no line matching %s within 20 s", re)
		}
	}
}

func (l *outLines) doneCh() <-chan struct{} {
	if l.done == nil {
		return nil
	}
	return l.done
}

// scriptTimeout bounds every wait of a script command.
const scriptTimeout = 20 * time.Second

// scriptCmds are the commands the scripts have beyond testscript's own:
//
//	bg NAME PROG ARGS...      start PROG (devhook) in the background, its stdout and stderr as NAME's lines
//	await NAME REGEXP [VAR...] wait for NAME's next line matching REGEXP; set VARs to its submatches
//	interrupt NAME [-9]       send SIGINT (or SIGKILL with -9), wait for the exit; NAME's output becomes stdout; fails on a non-zero exit unless negated
//	exited NAME CODE          wait for NAME to exit by itself with CODE; its output becomes stdout
//	app NAME [STATUS]         a local app answering STATUS (200); $NAME_URL and $NAME_PORT; each request is a line "METHOD PATH BODY" and a line "  Content-Type: TYPE"
//	podio NAME [SEED]         an outside Podio (a mock) from SEED, permissive without one; $PODIO_URL; its hook.verify and deliveries reach only loopback (or the ngrok edge)
//	awaitdelivery N TYPE HOOK wait until the outside Podio has made N deliveries of TYPE to hook HOOK
//	ngrok-edge                a fake ngrok edge accepting authtoken good-token; sets DEVHOOK_NGROK_CONNECT_URL and DEVHOOK_NGROK_CA
//	ngrok-drop                drop every agent session of the ngrok edge, as a network failure would
//	curl [-s] [-X M] [-H H]... [-d DATA]... URL   an HTTP request; the body to stdout; fails on no answer
//	grab VAR REGEXP           set VAR to the first submatch of REGEXP in the last stdout
//	freeport VAR              set VAR to a loopback host:port nothing listens on
//	hold ADDR                 keep ADDR (host:port) taken for the rest of the script, if nothing else has it
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"bg":            cmdBg,
	"awaitdelivery": cmdAwaitDelivery,
	"await":         cmdAwait,
	"interrupt":     cmdInterrupt,
	"exited":        cmdExited,
	"app":           cmdApp,
	"podio":         cmdPodio,
	"ngrok-edge":    cmdNgrokEdge,
	"ngrok-drop":    cmdNgrokDrop,
	"curl":          cmdCurl,
	"grab":          cmdGrab,
	"freeport":      cmdFreeport,
	"hold":          cmdHold,
}

func cmdBg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: bg NAME PROG ARGS...")
	}
	path, err := exec.LookPath(args[1])
	ts.Check(err)
	cmd := exec.Command(path, args[2:]...)
	cmd.Args[0] = args[1] // as a shell starts it: hints name the command as typed
	cmd.Dir = ts.Getenv("WORK")
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DEVHOOK_") || strings.HasPrefix(kv, "PODIO_") || strings.HasPrefix(kv, "NGROK_") {
			continue // the script's environment only
		}
		env = append(env, kv)
	}
	for _, k := range scriptEnvKeys {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	cmd.Env = env
	l := newOutLines()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	l.cmd, l.done = cmd, make(chan struct{})
	ts.Check(cmd.Start())
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			l.add(sc.Text())
		}
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		<-scanned // every line the process wrote is added before it counts as done
		close(l.done)
	}()
	state(ts).add(ts, args[0], l)
	ts.Defer(func() {
		cmd.Process.Kill()
		<-l.done
	})
}

// scriptEnvKeys are the variables a script may set for the processes it
// starts with bg.
var scriptEnvKeys = []string{
	"HOME", "TMPDIR", "GORACE",
	"DEVHOOK_STATE_DIR", "DEVHOOK_INSPECT", "DEVHOOK_MOCK_ADDR", "DEVHOOK_SECRET", "DEVHOOK_NGROK_CONNECT_URL", "DEVHOOK_NGROK_CA", "DEVHOOK_PROBE",
	"PODIO_URL", "PODIO_CLIENT_ID", "PODIO_CLIENT_SECRET", "PODIO_APP_ID", "PODIO_APP_TOKEN", "PODIO_USERNAME", "PODIO_PASSWORD",
	"NGROK_AUTHTOKEN",
}

func cmdAwait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: await NAME REGEXP [VAR...]")
	}
	l := state(ts).get(ts, args[0])
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	m, err := l.await(ctx, re)
	if err != nil {
		ts.Logf("%s so far:\n%s", args[0], l.text())
		ts.Fatalf("await %s: %v", args[0], err)
	}
	for i, v := range args[2:] {
		if i+1 >= len(m) {
			ts.Fatalf("await %s: %s has no submatch %d for %s", args[0], re, i+1, v)
		}
		ts.Setenv(v, m[i+1])
	}
}

// finish waits for l's process to exit, bounded, writes its output to
// stdout and checks its exit code.
func finish(ts *testscript.TestScript, name string, l *outLines, check func(code int) error) {
	select {
	case <-l.done:
	case <-time.After(scriptTimeout):
		ts.Logf("%s so far:\n%s", name, l.text())
		ts.Fatalf("%s did not exit within %s", name, scriptTimeout)
	}
	io.WriteString(ts.Stdout(), l.text())
	if err := check(l.cmd.ProcessState.ExitCode()); err != nil {
		ts.Logf("%s:\n%s", name, l.text())
		ts.Fatalf("%s: %v", name, err)
	}
}

func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: interrupt NAME [-9]")
	}
	l := state(ts).get(ts, args[0])
	sig := syscall.SIGINT
	if len(args) == 2 {
		if args[1] != "-9" {
			ts.Fatalf("interrupt: signal %q: only -9", args[1])
		}
		sig = syscall.SIGKILL
	}
	if l.cmd == nil {
		ts.Fatalf("interrupt: %s is not a process", args[0])
	}
	ts.Check(l.cmd.Process.Signal(sig))
	finish(ts, args[0], l, func(code int) error {
		if (code != 0) != neg {
			return fmt.Errorf("exit code %d", code)
		}
		return nil
	})
}

func cmdExited(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: exited NAME CODE")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	l := state(ts).get(ts, args[0])
	finish(ts, args[0], l, func(code int) error {
		if code != want {
			return fmt.Errorf("exit code %d, want %d", code, want)
		}
		return nil
	})
}

func cmdApp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: app NAME [STATUS]")
	}
	status := http.StatusOK
	if len(args) == 2 {
		var err error
		status, err = strconv.Atoi(args[1])
		ts.Check(err)
	}
	l := newOutLines()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		l.add(r.Method + " " + r.URL.RequestURI() + " " + string(b))
		l.add("  Content-Type: " + r.Header.Get("Content-Type"))
		w.WriteHeader(status)
	}))
	ts.Defer(srv.Close)
	state(ts).add(ts, args[0], l)
	name := strings.ToUpper(args[0])
	ts.Setenv(name+"_URL", srv.URL)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	ts.Setenv(name+"_PORT", port)
}

func cmdPodio(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: podio NAME [SEED]")
	}
	s, err := mockpodio.NewUnstartedServer()
	ts.Check(err)
	if len(args) == 2 {
		seed, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		s.Seed, err = mockpodio.ParseSeed(seed)
		ts.Check(err)
		s.Strict = true
	}
	if edge := state(ts).edge; edge != nil {
		s.HTTPClient = edge.Client()
	} else {
		s.HTTPClient = loopbackOnly()
	}
	ts.Check(s.Start())
	ts.Defer(s.Close)
	ts.Setenv("PODIO_URL", s.URL)
	state(ts).podio = s
}

func cmdAwaitDelivery(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: awaitdelivery N TYPE HOOK")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	hook, err := strconv.ParseInt(args[2], 10, 64)
	ts.Check(err)
	s := state(ts).podio
	if s == nil {
		ts.Fatalf("awaitdelivery: no podio started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := 0
	_, err = s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool {
		if d.Type == args[1] && d.HookID == hook {
			seen++
		}
		return seen >= n
	})
	ts.Check(err)
}

// loopbackOnly is an HTTP client that reaches only loopback addresses: a
// hook URL such as https://example.com/hook fails at once, as an
// unreachable receiver does, and the test stays off the network.
func loopbackOnly() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("test: %s is not loopback, and tests stay off the network", addr)
			}
			return d.DialContext(ctx, network, addr)
		}},
	}
}

func cmdNgrokEdge(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: ngrok-edge")
	}
	edge := fakeedge.NewUnstartedServer()
	edge.Authtoken = "good-token"
	ts.Check(edge.Start())
	ts.Defer(edge.Close)
	ca := filepath.Join(ts.Getenv("WORK"), "ngrok-ca.pem")
	ts.Check(os.WriteFile(ca, edge.CAPEM, 0o600))
	state(ts).edge = edge
	ts.Setenv("DEVHOOK_NGROK_CONNECT_URL", edge.Addr)
	ts.Setenv("DEVHOOK_NGROK_CA", ca)
}

func cmdNgrokDrop(ts *testscript.TestScript, neg bool, args []string) {
	edge := state(ts).edge
	if neg || len(args) != 0 || edge == nil {
		ts.Fatalf("usage: ngrok-drop (after ngrok-edge)")
	}
	edge.DropSessions()
}

func cmdCurl(ts *testscript.TestScript, neg bool, args []string) {
	method, header := "", http.Header{}
	var data []string
	var target string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-s":
		case (a == "-H" || a == "-d" || a == "-X") && i+1 < len(args):
			i++
			switch a {
			case "-H":
				k, v, _ := strings.Cut(args[i], ":")
				header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			case "-d":
				data = append(data, args[i])
			case "-X":
				method = args[i]
			}
		case target == "" && !strings.HasPrefix(a, "-"):
			target = a
		default:
			ts.Fatalf("curl: unsupported argument %q", a)
		}
	}
	var body io.Reader
	if data != nil {
		body = strings.NewReader(strings.Join(data, "&"))
		if method == "" {
			method = http.MethodPost
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d sends
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, target, body)
	ts.Check(err)
	req.Header = header
	res, err := (&http.Client{Timeout: scriptTimeout}).Do(req)
	if err != nil {
		if !neg {
			ts.Fatalf("curl: %v", err)
		}
		return
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	ts.Check(err)
	ts.Stdout().Write(b)
	if neg {
		ts.Fatalf("curl: got an answer (%d)", res.StatusCode)
	}
}

func cmdGrab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grab VAR REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("grab: no match for %s in stdout", re)
	}
	ts.Setenv(args[0], m[1])
}

func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	addr, err := unusedAddr()
	ts.Check(err)
	ts.Setenv(args[0], addr)
}

func cmdHold(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hold ADDR")
	}
	l, err := net.Listen("tcp", args[0])
	if err != nil {
		// Taken already, which is what the script wants.
		ts.Logf("hold %s: %v", args[0], err)
		return
	}
	ts.Defer(func() { l.Close() })
}
