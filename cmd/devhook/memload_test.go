package main

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
)

// startMemBinary starts the devhook binary of the memory tests
// (TestUpMemoryBounded, TestMockMemoryBounded) with args: this test's, or
// DEVHOOK_MEM_BIN's to measure another build. Each line it prints, stdout
// and stderr together, goes to onLine, from one goroutine. The process is
// killed when the test ends.
func startMemBinary(t *testing.T, onLine func(string), args ...string) *exec.Cmd {
	t.Helper()
	bin := os.Getenv("DEVHOOK_MEM_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("devhook"); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			onLine(sc.Text())
		}
	}()
	return cmd
}
