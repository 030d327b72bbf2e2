package mockpodio_test

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// startOnFlag is the flag StartOn's messages name.
const startOnFlag = "mock-addr"

func TestStartOn(t *testing.T) {
	taken, dir := busyAddr(t), t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	held := filepath.Join(dir, "held.json")
	holder := &mockpodio.Server{Seed: mockpodio.DefaultSeed(), StateFile: held}
	if err := holder.StartOn("127.0.0.1:0", "addr", false, new(strings.Builder)); err != nil {
		t.Fatalf("holder: %v", err)
	}
	defer holder.Close()

	for name, tt := range map[string]struct {
		addr, state string
		fallback    bool
		wantErr     string // a regexp; "" for a start
		wantWarn    string // a regexp for all of stderr
	}{
		"a free port":          {"127.0.0.1:0", "", false, "", ``},
		"taken, with fallback": {taken, "", true, "", `^devhook: warning: ` + regexp.QuoteMeta(taken) + ` is taken \(.+\): the mock listens on http://127\.0\.0\.1:\d+ instead; give that URL to --mock\n$`},
		"taken, no fallback":   {taken, "", false, `^listen on ` + regexp.QuoteMeta(taken) + `: .+ \(--mock-addr 127\.0\.0\.1:0 picks a free port\)$`, ``},
		"a state file in use":  {"127.0.0.1:0", held, false, `^state ` + regexp.QuoteMeta(held) + `: another mock has it open$`, ``},
		"a state file of junk": {"127.0.0.1:0", garbage, false, `^state ` + regexp.QuoteMeta(garbage) + `: .+`, ``},
		"a bad address":        {"127.0.0.1:notaport", "", false, `^listen on 127\.0\.0\.1:notaport: .+ \(--mock-addr 127\.0\.0\.1:0 picks a free port\)$`, ``},
	} {
		t.Run(name, func(t *testing.T) {
			s := &mockpodio.Server{Seed: mockpodio.DefaultSeed(), StateFile: tt.state}
			var stderr strings.Builder
			err := s.StartOn(tt.addr, startOnFlag, tt.fallback, &stderr)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("StartOn: %v", err)
				}
				defer s.Close()
				if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || strings.HasSuffix(s.URL, ":0") {
					t.Errorf("URL = %q, want a loopback URL with its port", s.URL)
				}
			} else if err == nil || !regexp.MustCompile(tt.wantErr).MatchString(err.Error()) {
				t.Errorf("StartOn error = %v, want one matching %s", err, tt.wantErr)
			}
			if !regexp.MustCompile(tt.wantWarn).MatchString(stderr.String()) || (tt.wantWarn == "" && stderr.Len() > 0) {
				t.Errorf("stderr = %q, want %s", stderr.String(), tt.wantWarn)
			}
		})
	}
}

// busyAddr returns a loopback address something else listens on until the
// test ends.
func busyAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}
