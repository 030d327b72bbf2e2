package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/asyncwriter"
)

func TestStartProfile(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		var warn bytes.Buffer
		startProfile("", &warn)()
		if warn.Len() != 0 {
			t.Errorf("warned %q with the profile off", warn.String())
		}
	})
	t.Run("written", func(t *testing.T) {
		dir := t.TempDir()
		var warn bytes.Buffer
		stop := startProfile(dir, &warn)
		stop()
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("devhook-%d.pprof", os.Getpid())))
		if err != nil {
			t.Fatal(err)
		}
		// A profile is gzipped protobuf.
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			t.Errorf("profile starts % x, not gzip", b[:min(len(b), 4)])
		}
		if warn.Len() != 0 {
			t.Errorf("warned %q", warn.String())
		}
	})
	t.Run("bad dir", func(t *testing.T) {
		var warn bytes.Buffer
		startProfile(filepath.Join(t.TempDir(), "missing"), &warn)()
		if !strings.HasPrefix(warn.String(), "devhook: "+profileEnv+": ") || strings.Count(warn.String(), "\n") != 1 {
			t.Errorf("warning %q, want one line naming %s", warn.String(), profileEnv)
		}
	})
}

// streamLog records the writes of two streams in the order they land.
type streamLog struct {
	mu    sync.Mutex
	lines []string
}

type streamWriter struct {
	log  *streamLog
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	for line := range strings.Lines(string(p)) {
		w.log.lines = append(w.log.lines, w.name+": "+strings.TrimSuffix(line, "\n"))
	}
	return len(p), nil
}

// TestFlushFirstKeepsOrder: a line on stderr lands after the stdout lines
// written before it, although stdout is written from another goroutine.
func TestFlushFirstKeepsOrder(t *testing.T) {
	var log streamLog
	out := asyncwriter.New(streamWriter{&log, "stdout"}, 0)
	stderr := flushFirst{streamWriter{&log, "stderr"}, out}
	var want []string
	for i := range 50 {
		fmt.Fprintf(out, "delivery %d\n", i)
		want = append(want, fmt.Sprintf("stdout: delivery %d", i))
		if i%10 == 9 {
			fmt.Fprintf(stderr, "warning %d\n", i)
			want = append(want, fmt.Sprintf("stderr: warning %d", i))
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, log.lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}
