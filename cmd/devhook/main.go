// Command devhook builds against Podio webhooks on a laptop: a tunnel,
// automatic hook verification, forwarding to a local app, and a faithful
// offline mock of the Podio API.
package main

import (
	"os"

	"github.com/devhookhq/devhook/internal/gcheadroom"
)

// gcHeadroom is how far devhook's heap may grow between collections when
// its live heap is smaller (see internal/gcheadroom; GOGC overrides it).
const gcHeadroom = 64 << 20

func main() {
	os.Exit(devhookMain())
}

// devhookMain runs devhook with the process's arguments and streams, and
// returns its exit code. The tests run it as the devhook command of their
// scripts.
func devhookMain() int {
	gcheadroom.Set(gcHeadroom)
	defer startProfile(os.Getenv(profileEnv), os.Stderr)()
	return run(interruptContext(), os.Args, os.Stdout, os.Stderr)
}
