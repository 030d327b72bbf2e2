package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// profileEnv names a directory devhook writes a CPU profile of its whole
// run into, as devhook-PID.pprof, for measuring it under load
// (scripts/bench passes it through; `go tool pprof` reads the file). Unset
// means no profile: it costs nothing by default.
const profileEnv = "DEVHOOK_CPUPROFILE"

// startProfile starts a CPU profile into dir when dir is not empty and
// returns the function that ends it. A profile that cannot start is a
// warning on stderr, never a reason not to run.
func startProfile(dir string, stderr io.Writer) (stop func()) {
	if dir == "" {
		return func() {}
	}
	name := filepath.Join(dir, fmt.Sprintf("devhook-%d.pprof", os.Getpid()))
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintf(stderr, "devhook: %s: %v\n", profileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(name)
		fmt.Fprintf(stderr, "devhook: %s: %v\n", profileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "devhook: %s: %v\n", profileEnv, err)
		}
	}
}
