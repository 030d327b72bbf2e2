package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is a devhook process under test, its output collected line by
// line.
type process struct {
	cmd   *exec.Cmd
	mu    sync.Mutex // guards lines
	lines []string
	added chan struct{} // signalled on every new line
	done  chan error
}

// start runs devhook with args; the process is killed at the end of the
// test if still running.
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	bin, err := exec.LookPath("devhook") // the test binary, as TestMain set it up
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	p := &process{cmd: cmd, added: make(chan struct{}, 1), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.added <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		p.done <- err
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("devhook output:\n%s", p.output())
		}
	})
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// await waits until a line matches re and returns its submatches.
func (p *process) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	seen := 0
	for {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if m := re.FindStringSubmatch(p.lines[seen]); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
		select {
		case <-p.added:
		case <-ctx.Done():
			t.Fatalf("no line matching %s in:\n%s", re, p.output())
		}
	}
}

// interrupt sends Ctrl-C and returns the exit code.
func (p *process) interrupt(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	return p.wait(t)
}

func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatalf("devhook did not exit; output:\n%s", p.output())
		return -1
	}
}

// runCLI runs devhook in-process with args, bounded to 30 s, and returns
// what run would print and return, plus the command's error.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string, err error) {
	t.Helper()
	var out, errb strings.Builder
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	app := newApp(&env{stdout: &out, stderr: &errb})
	err = app.RunContext(ctx, flagsFirst(app, append([]string{"devhook"}, args...)))
	if err != nil {
		errb.WriteString("devhook: " + err.Error() + "\n")
	}
	code = exitCode(err)
	t.Logf("devhook %s -> %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String(), errb.String(), err
}
