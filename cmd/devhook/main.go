// Command devhook builds against Podio webhooks on a laptop: a tunnel,
// automatic hook verification, forwarding to a local app, and a faithful
// offline mock of the Podio API.
package main

import "os"

func main() {
	os.Exit(devhookMain())
}

// devhookMain runs devhook with the process's arguments and streams, and
// returns its exit code. The tests run it as the devhook command of their
// scripts.
func devhookMain() int {
	defer startProfile(os.Getenv(profileEnv), os.Stderr)()
	return run(interruptContext(), os.Args, os.Stdout, os.Stderr)
}
