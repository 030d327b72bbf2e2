// Command devhook builds against Podio webhooks on a laptop: a tunnel,
// automatic hook verification, forwarding to a local app, and a faithful
// offline mock of the Podio API.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C exits at once
	os.Exit(run(ctx, os.Args, os.Stdout, os.Stderr))
}
