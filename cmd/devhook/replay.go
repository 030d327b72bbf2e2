package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/feed"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// replayShown is how much of the response body replay prints.
const replayShown = 4 << 10

type replayOptions struct {
	id string // the record to re-send
	to string // where to; empty means the record's target
}

func replayCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "send a logged delivery again, byte for byte",
		ArgsUsage: "ID",
		Description: `Re-sends delivery ID (see devhook deliveries) with its method, headers and
form body: by default to where it went (the local app for devhook up, the
hook URL for devhook mock), or to --to URL. Prints the answer's status,
latency and body, and logs the replay as a new delivery. An answer other
than 2xx, or none, makes it exit 1.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "send to this `URL` instead, e.g. http://localhost:3000/podio/hook"},
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice() // flagsFirst put the flags before them
			if len(args) != 1 {
				return usagef("replay takes one delivery ID (see %s deliveries), got %d arguments", selfCommand(), len(args))
			}
			return runReplay(c.Context, replayOptions{id: args[0], to: c.String("to")}, e.stdout, e.stderr)
		},
	}
}

func runReplay(ctx context.Context, opts replayOptions, stdout, stderr io.Writer) error {
	var to *url.URL
	if opts.to != "" {
		var err error
		if to, err = feed.ParseURL(opts.to); err != nil {
			return usagef("--to must be an http(s) URL such as http://localhost:3000/hook, not %q", opts.to)
		}
	}
	dir, err := deliverylog.Dir()
	if err != nil {
		return err
	}
	rec, err := deliverylog.Find(dir, opts.id)
	if errors.Is(err, deliverylog.ErrNotFound) {
		return fmt.Errorf("no delivery %s in %s (see %s deliveries)", opts.id, dir, selfCommand())
	}
	if err != nil {
		return fmt.Errorf("read delivery log: %w", err)
	}
	if err := feed.Whole(rec); err != nil {
		return fmt.Errorf("delivery %s cannot be replayed: %w", rec.ID, err)
	}
	if to == nil {
		if to, err = feed.Target(rec); err != nil {
			if errors.Is(err, feed.ErrNoTarget) {
				return usageError{err}
			}
			return err
		}
	}

	out := feed.Resend(ctx, rec, to)
	logged, err := deliverylog.AppendTo(dir, out)
	if err != nil {
		fmt.Fprintf(stderr, "devhook: warning: the replay was not logged: %v\n", err)
	}
	fmt.Fprintf(stdout, "%s %s  (replay of %s", termsafe.String(out.Request.Method), termsafe.String(out.Target), termsafe.String(rec.ID))
	if logged.ID != "" {
		fmt.Fprintf(stdout, ", logged as %s", logged.ID)
	}
	fmt.Fprintln(stdout, ")")
	if out.Response.Status == 0 {
		return fmt.Errorf("replay %s to %s: %s", rec.ID, out.Target, out.Error)
	}
	fmt.Fprintf(stdout, "-> %d  %s\n", out.Status, deliverylog.FormatLatencyMS(out.LatencyMS))
	printReplayBody(stdout, out.Response.Body)
	if out.Outcome != deliverylog.OutcomeReplayed {
		return fmt.Errorf("replay %s to %s: %s", rec.ID, out.Target, out.Error)
	}
	return nil
}

// printReplayBody prints the first replayShown bytes of body, ending with a
// newline.
func printReplayBody(w io.Writer, body []byte) {
	if len(body) == 0 {
		return
	}
	fmt.Fprintln(w, termsafe.Lines(strings.TrimSuffix(string(body[:min(len(body), replayShown)]), "\n")))
	if len(body) > replayShown {
		fmt.Fprintf(w, "[body truncated: first %d bytes shown]\n", replayShown)
	}
}
