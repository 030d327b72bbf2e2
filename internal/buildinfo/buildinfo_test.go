package buildinfo

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "(devel)"},
		{"no version", &debug.BuildInfo{}, "(devel)"},
		{"local build, no VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"go install @v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{
			"local build in a checkout",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
				Settings: vcs("vcs", "git", "vcs.revision", "91d5e15c0ffee1234567890abcdef0123456789a", "vcs.time", "2026-11-30T11:05:07Z", "vcs.modified", "false")},
			"(devel) (revision 91d5e15c0ffe, 2026-11-30T11:05:07Z)",
		},
		{
			"stamped pseudo-version, changed tree",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130110507-91d5e15c0ffe+dirty"},
				Settings: vcs("vcs.revision", "91d5e15c0ffe", "vcs.modified", "true")},
			"v0.0.0-20261130110507-91d5e15c0ffe+dirty (revision 91d5e15c0ffe, modified)",
		},
	}
	for _, tt := range tests {
		if got := versionOf(tt.info); got != tt.want {
			t.Errorf("%s: versionOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCommandFor(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "cmd", "devhook"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "cmd", "devhook", "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	goRunExe := filepath.Join(os.TempDir(), "go-build1234567", "b001", "exe", "devhook")
	v123 := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	tests := []struct {
		name, arg0, exe string
		info            *debug.BuildInfo
		wd, want        string
	}{
		{"go run in the repository", goRunExe, goRunExe, devel, repo, "go run ./cmd/devhook"},
		{"go run ...@v1.2.3 elsewhere", goRunExe, goRunExe, v123, elsewhere, "go run " + MainPackage + "@v1.2.3"},
		{"go run ...@latest elsewhere", goRunExe, goRunExe, devel, elsewhere, "go run " + MainPackage + "@latest"},
		{"go install, on PATH", "devhook", "/root/go/bin/devhook", v123, elsewhere, "devhook"},
		{"a build started by its path", "./devhook", filepath.Join(repo, "devhook"), devel, repo, "./devhook"},
		{"an absolute path", "/opt/tools/devhook", "/opt/tools/devhook", devel, elsewhere, "/opt/tools/devhook"},
		{"go test", "/tmp/go-build1/b001/devhook.test", "/tmp/go-build1/b001/devhook.test", devel, repo, "devhook"},
	}
	for _, tt := range tests {
		if got := commandFor(tt.arg0, tt.exe, tt.info, tt.wd); got != tt.want {
			t.Errorf("%s: commandFor = %q, want %q", tt.name, got, tt.want)
		}
	}
}
