package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMockStateLockedCLI is issue 13 item 2 at the command line: while a
// `devhook mock --state F` runs, a second one on F exits 1 with one line
// naming F, and the first goes on serving.
func TestMockStateLockedCLI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	first := start(t, nil, "mock", "--addr", "127.0.0.1:0", "--quiet", "--inspect=false", "--state", file)
	base := first.await(t, mockURLLine)[1]

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"devhook", "mock", "--addr", "127.0.0.1:0", "--quiet", "--inspect=false", "--state", file}, &stdout, &stderr)
	if code != exitError {
		t.Fatalf("second mock: exit code %d, want %d; stderr:\n%s", code, exitError, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if want := "devhook: state " + file + ": another mock has it open"; lines[len(lines)-1] != want {
		t.Errorf("second mock: last stderr line %q, want %q", lines[len(lines)-1], want)
	}
	var stats struct {
		Events *int64 `json:"events"`
	}
	getJSON(t, base+"/_mock/stats", &stats)
	if stats.Events == nil {
		t.Errorf("the first mock does not serve /_mock/stats after the second one exited")
	}
}
