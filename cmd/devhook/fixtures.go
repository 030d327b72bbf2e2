package main

import (
	"context"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/render"
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
	return render.Fixtures(stdout)
}

func runFixturesShow(_ context.Context, opts fixturesShowOptions, stdout io.Writer) error {
	if len(opts.args) != 1 {
		return usagef("fixtures show takes one event type, such as item.create; see %s fixtures list", selfCommand())
	}
	ev, err := fixtures.Get(opts.args[0])
	if err != nil {
		return err
	}
	return render.Fixture(stdout, ev)
}
