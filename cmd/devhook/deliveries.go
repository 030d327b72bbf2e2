package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

// defaultLast is how many deliveries `devhook deliveries` lists by default.
const defaultLast = 20

type deliveriesOptions struct {
	last int    // how many of the newest to list; 0 means all
	typ  string // only this event type
	hook int64  // only this hook
	json bool
}

func deliveriesCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "deliveries",
		Usage: "list the webhook deliveries devhook up and devhook mock logged",
		Description: `Lists the deliveries logged under the state directory ($DEVHOOK_STATE_DIR,
else $XDG_STATE_HOME/devhook, else ~/.local/state/devhook), newest last.
Give an ID to devhook replay to send one again.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: defaultLast, Usage: "list the newest `N` (0 lists all)"},
			&cli.StringFlag{Name: "type", Usage: "only deliveries of event `TYPE`, e.g. item.create"},
			&cli.Int64Flag{Name: "hook", Usage: "only deliveries to hook `ID`"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per delivery, with request and response"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("deliveries takes no arguments, got %q", c.Args().First())
			}
			return runDeliveries(c.Context, deliveriesOptions{
				last: c.Int("last"), typ: c.String("type"), hook: c.Int64("hook"), json: c.Bool("json"),
			}, e.stdout, e.stderr)
		},
	}
}

func runDeliveries(ctx context.Context, opts deliveriesOptions, stdout, stderr io.Writer) error {
	q := deliverylog.Query{Type: opts.typ, HookID: opts.hook, Last: opts.last}
	if err := q.Check(selfCommand()); err != nil {
		return err
	}
	dir, err := deliverylog.Dir()
	if err != nil {
		return err
	}
	c, err := deliverylog.ReadAll(dir)
	if err != nil {
		return fmt.Errorf("read delivery log: %w", err)
	}
	render.Skipped(stderr, c.Skipped)
	recs := q.Select(c.Records)
	if len(recs) == 0 {
		// Keep stdout valid JSON lines in --json mode.
		w := stdout
		if opts.json {
			w = stderr
		}
		if len(c.Records) == 0 {
			fmt.Fprintf(w, "no deliveries logged yet in %s\n", dir)
		} else {
			fmt.Fprintf(w, "no deliveries match (%d logged in %s)\n", len(c.Records), dir)
		}
		return nil
	}
	if opts.json {
		return render.JSONLines(stdout, recs)
	}
	return render.Table(stdout, recs)
}
