package main

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/hookadmin"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/trigger"
	"github.com/devhookhq/devhook/mockpodio"
)

// setValue collects repeated --set flags as they are, without splitting
// them on commas as cli.StringSliceFlag does, so that --set
// file_ids=1203,1204 keeps its comma.
type setValue struct{ vals []string }

func (v *setValue) Set(s string) error { v.vals = append(v.vals, s); return nil }

func (v *setValue) String() string {
	if v == nil {
		return ""
	}
	return strings.Join(v.vals, " ")
}

func triggerCommand(e *env) *cli.Command {
	var flags []cli.Flag
	flags = append(flags,
		&cli.StringFlag{Name: "to", Usage: "POST the event straight to the handler at this `URL`, as Podio would"},
		&cli.StringFlag{Name: "mock", Usage: "perform the action in the running mock at this `URL` (e.g. http://127.0.0.1:8080), so the event flows through its hooks"},
		&cli.GenericFlag{Name: "set", Value: &setValue{}, Usage: "set a parameter of the event, `KEY=VALUE` (repeatable; commas are kept)"},
		&cli.IntFlag{Name: "repeat", Aliases: []string{"n"}, Value: 1, Usage: "with --to: send the event `N` times and print a summary"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 1, Usage: "with --to: send `C` requests at a time"},
		&cli.DurationFlag{Name: "timeout", Value: formpost.DefaultTimeout, Usage: "with --to: how long (a `DURATION`) the handler has to answer; Podio waits 15 s"},
		&cli.StringFlag{Name: "app", Usage: "with --mock: the app `ID` to act in (default: the app signed in with, else 3001)"},
		&cli.StringFlag{Name: "space", Usage: "with --mock: the space `ID` of space events (default: the app's space)"},
		&cli.BoolFlag{Name: "control", Usage: "with --mock: fire the event through the mock's control API instead of performing the action"},
	)
	for _, f := range podioFlags() {
		if !slices.Contains(f.Names(), "podio-url") {
			flags = append(flags, f)
		}
	}
	return &cli.Command{
		Name:      "trigger",
		Usage:     "send a webhook event to a handler, or make one happen in the mock",
		ArgsUsage: "EVENT",
		Description: `With --to, POSTs the event's fixture (devhook fixtures show EVENT) straight to
a handler, form-encoded exactly as Podio sends it, and prints the status,
latency and the first 4 KiB of the answer; a non-2xx answer exits 1.
--repeat and --concurrency send a burst and print a summary. Query
parameters of --to move into the body, as Podio does with hook URLs.

With --mock, performs the real action in a running mock (devhook mock): an
item is created, updated or deleted, a comment, task, app, webform or
status message made, changed or deleted, a file attached, replaced or
deleted (--set action_type), a tag added or removed, a space member added
or removed, so the event reaches the mock's hooks, rules and tunnels like
a real one. The deprecated contact.* events have no action and are fired
through its control API.
Credentials default to the mock's seed (client devhook, app 3001);
the PODIO_* variables and flags override them.

--set KEY=VALUE changes a parameter: any of the event's with --to or
--control; with an action, the ids of existing objects to act on
(item_id, comment_id, task_id, app_id, form_id, status_id, user_id), an
item's external_id and file.change's action_type.`,
		Flags:        flags,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usageError{err} },
		Action: func(c *cli.Context) error {
			cfg, err := triggerConfig(c)
			if err != nil {
				return err
			}
			cfg.Out = e.stdout
			return trigger.Run(c.Context, cfg)
		},
	}
}

// triggerConfig turns trigger's arguments and flags into a trigger.Config.
func triggerConfig(c *cli.Context) (trigger.Config, error) {
	args := c.Args().Slice() // flagsFirst put the flags before them
	if len(args) != 1 {
		return trigger.Config{}, usagef("trigger takes one event type, such as item.create (see %s fixtures list)", selfCommand())
	}
	cfg := trigger.Config{
		Event: args[0], To: c.String("to"), Mock: c.String("mock"),
		Repeat: c.Int("repeat"), Concurrency: c.Int("concurrency"), Timeout: c.Duration("timeout"),
		ForceControl: c.Bool("control"), Command: selfCommand(),
	}
	if v, ok := c.Generic("set").(*setValue); ok {
		cfg.Set = slices.Clone(v.vals)
	}
	var err error
	if cfg.App, err = optionalID("app", c.String("app")); err != nil {
		return cfg, err
	}
	if cfg.Space, err = optionalID("space", c.String("space")); err != nil {
		return cfg, err
	}
	po, err := podioOptionsFrom(c)
	if err != nil || cfg.Mock == "" {
		return cfg, err
	}
	// The mock's seed (mockpodio.DefaultSeed) signs in and is acted in
	// unless the PODIO_* credentials say otherwise.
	po = withMockDefaults(po, cfg.Mock)
	if cfg.Credentials, err = po.Check(); err != nil {
		return cfg, err
	}
	cfg.DefaultApp = cmp.Or(po.AppID, mockpodio.DefaultAppID)
	cfg.DefaultUser = mockpodio.DefaultSecondUserID
	cfg.Control = &mockpodio.ControlClient{URL: po.URL, HTTPClient: &http.Client{Timeout: podio.DefaultTimeout}}
	return cfg, nil
}

// optionalID parses the value of an id flag; "" is 0.
func optionalID(flag, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, ok := hookadmin.ParseID(v)
	if !ok {
		return 0, usagef("--%s wants a number (a positive id), not %q", flag, v)
	}
	return id, nil
}
