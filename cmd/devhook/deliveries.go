package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
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
	if opts.last < 0 {
		return usagef("--last must be 0 (all) or more, not %d", opts.last)
	}
	if opts.hook < 0 {
		return usagef("--hook wants a positive id, not %d", opts.hook)
	}
	if opts.typ != "" {
		if _, err := fixtures.Get(opts.typ); err != nil {
			msg := fmt.Sprintf("--type %q is not an event type", opts.typ)
			if ue, ok := errors.AsType[*fixtures.UnknownEventError](err); ok && ue.Suggestion != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", ue.Suggestion)
			}
			return usagef("%s; see %s fixtures list", msg, selfCommand())
		}
	}
	dir, err := deliverylog.Dir()
	if err != nil {
		return err
	}
	c, err := deliverylog.ReadAll(dir)
	if err != nil {
		return fmt.Errorf("read delivery log: %w", err)
	}
	warnSkippedLines(stderr, c.Skipped)
	recs := deliverylog.Query{Type: opts.typ, HookID: opts.hook, Last: opts.last}.Select(c.Records)
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
		for _, r := range recs {
			b, err := render.JSON(r)
			if err != nil {
				return fmt.Errorf("encode delivery %s: %w", r.ID, err)
			}
			fmt.Fprintf(stdout, "%s\n", b)
		}
		return nil
	}
	return render.Table(stdout, recs)
}

// warnSkippedLines tells about log lines that did not parse, typically one torn
// by a crash.
func warnSkippedLines(w io.Writer, skipped []deliverylog.Skipped) {
	if len(skipped) == 0 {
		return
	}
	s := skipped[0]
	fmt.Fprintf(w, "devhook: warning: skipped %d unreadable line(s) of the delivery log, the first at %s line %d (%v)\n",
		len(skipped), filepath.Base(s.File), s.Line, s.Err)
}
