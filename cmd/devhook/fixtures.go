package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
)

type fixturesListOptions struct{}

type fixturesShowOptions struct {
	args []string
}

func fixturesCommand(e *env) *cli.Command {
	usageErr := func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	return &cli.Command{
		Name:  "fixtures",
		Usage: "list and show the webhook events Podio sends",
		Description: `The catalogue of Podio's webhook events: the objects a hook for each can be
registered on (REF TYPES), the form parameters each delivery carries
besides type and hook_id, and an example delivery. "devhook trigger" sends
these examples.`,
		OnUsageError: usageErr,
		Action: func(c *cli.Context) error {
			if !c.Args().Present() {
				return usagef("fixtures needs a command: list or show")
			}
			return usagef("unknown fixtures command %q: use list or show", c.Args().First())
		},
		Subcommands: []*cli.Command{
			{
				Name:            "list",
				Usage:           "list every event type with its reference types and parameters",
				ArgsUsage:       " ",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Action: func(c *cli.Context) error {
					if c.Args().Present() {
						return usagef("fixtures list takes no arguments, got %q", c.Args().First())
					}
					return runFixturesList(c.Context, fixturesListOptions{}, e.stdout)
				},
			},
			{
				Name:            "show",
				Usage:           "show an event's parameters as JSON and its form body as Podio sends it",
				ArgsUsage:       "EVENT",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Action: func(c *cli.Context) error {
					return runFixturesShow(c.Context, fixturesShowOptions{args: c.Args().Slice()}, e.stdout)
				},
			},
		},
	}
}

func runFixturesList(_ context.Context, _ fixturesListOptions, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tREF TYPES\tPARAMS\tDESCRIPTION")
	for _, s := range fixtures.Specs() {
		ev, err := fixtures.Get(s.Type)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Type, orDash(strings.Join(s.RefTypes, ",")),
			orDash(strings.Join(s.Params, ",")), ev.Description)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runFixturesShow(_ context.Context, opts fixturesShowOptions, stdout io.Writer) error {
	if len(opts.args) != 1 {
		return usagef("fixtures show takes one event type, such as item.create; see %s fixtures list", selfCommand())
	}
	ev, err := fixtures.Get(opts.args[0])
	if err != nil {
		return err
	}
	spec, _ := fixtures.Lookup(ev.Type)
	params, err := json.MarshalIndent(ev.Params, "", "  ")
	if err != nil {
		return err
	}
	where := "ref types: none (Podio sends it to every new hook)"
	if len(spec.RefTypes) > 0 {
		where = "ref types: " + strings.Join(spec.RefTypes, ", ")
	}
	_, err = fmt.Fprintf(stdout, "%s: %s\n%s\n\nparams:\n%s\n\nform body (POST, Content-Type: application/x-www-form-urlencoded):\n%s\n",
		ev.Type, ev.Description, where, params, ev.Body())
	return err
}
