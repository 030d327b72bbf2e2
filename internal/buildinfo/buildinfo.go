// Package buildinfo says which devhook this is: its version from the
// binary's build info, and how hints should name the command for the way
// this process was started (a path, a name on PATH, or go run).
package buildinfo

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
)

// MainPackage is devhook's import path, for `go install` and `go run`.
const MainPackage = "github.com/devhookhq/devhook/cmd/devhook"

// Version is devhook's version from the binary's build info.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versionOf(nil)
	}
	return versionOf(info)
}

// versionOf formats a build's version: the main module's version, then
// the VCS revision (shortened), its time and "modified" when the build
// recorded them. Without a version or a revision it is "(devel)".
func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return "(devel)"
	}
	v := info.Main.Version
	var rev, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if v == "" || (v == "(devel)" && rev == "") {
		return "(devel)"
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	details := []string{"revision " + rev}
	if at != "" {
		details = append(details, at)
	}
	if modified {
		details = append(details, "modified")
	}
	return fmt.Sprintf("%s (%s)", v, strings.Join(details, ", "))
}

// Command is how hints name devhook: a command that works for how this
// process was started.
var Command = sync.OnceValue(func() string {
	exe, _ := os.Executable()
	info, _ := debug.ReadBuildInfo()
	wd, _ := os.Getwd()
	return commandFor(os.Args[0], exe, info, wd)
})

// commandFor names devhook for hints, given how it was started: arg0, the
// executable's path, its build info and the working directory.
//
//   - Built by `go run` (a binary in Go's temporary build directory): the
//     same go run, of ./cmd/devhook inside the repository, otherwise of the
//     module at its version (or @latest).
//   - Started by a path (./devhook, /opt/bin/devhook): that path.
//   - Otherwise by its name, found on PATH: that name.
//
// The tests' binary (devhook.test) runs devhook's commands as devhook.
func commandFor(arg0, exe string, info *debug.BuildInfo, wd string) string {
	slashed := filepath.ToSlash(exe)
	if strings.Contains(slashed, "/go-build") && strings.Contains(slashed, "/exe/") {
		if wd != "" {
			if _, err := os.Stat(filepath.Join(wd, "cmd", "devhook", "main.go")); err == nil {
				return "go run ./cmd/devhook"
			}
		}
		v := "latest"
		if info != nil && strings.HasPrefix(info.Main.Version, "v") && !strings.Contains(info.Main.Version, "+") {
			v = info.Main.Version
		}
		return "go run " + MainPackage + "@" + v
	}
	if strings.HasSuffix(arg0, ".test") {
		return "devhook" // go test's binary, running devhook's commands in-process
	}
	if strings.ContainsRune(arg0, filepath.Separator) {
		return arg0
	}
	return filepath.Base(arg0)
}
