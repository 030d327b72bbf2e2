// Command devhook builds against Podio webhooks on a laptop: a tunnel,
// automatic hook verification, forwarding to a local app, and a faithful
// offline mock of the Podio API.
package main

import "os"

func main() {
	os.Exit(run(interruptContext(), os.Args, os.Stdout, os.Stderr))
}
