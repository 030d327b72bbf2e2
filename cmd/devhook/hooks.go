package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/render"
)

// hookRefOptions name what hooks are registered on: exactly one of an
// app, a space or an app field, as the raw flag values.
type hookRefOptions struct {
	app, space, field string
}

type hooksListOptions struct {
	podio podioOptions
	ref   hookRefOptions
	json  bool
}

type hooksCreateOptions struct {
	podio  podioOptions
	ref    hookRefOptions
	events []string
	url    string
}

type hooksDeleteOptions struct {
	podio podioOptions
	ids   []string
}

type hooksVerifyOptions struct {
	podio podioOptions
	ids   []string
	code  string
}

func hooksCommand(e *env) *cli.Command {
	refFlags := func(verb string) []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "app", Usage: verb + " on the app with this `ID`"},
			&cli.StringFlag{Name: "space", Usage: verb + " on the space with this `ID`"},
			&cli.StringFlag{Name: "field", Usage: verb + " on the app field with this `ID`"},
		}
	}
	refFrom := func(c *cli.Context) hookRefOptions {
		return hookRefOptions{app: c.String("app"), space: c.String("space"), field: c.String("field")}
	}
	usageErr := func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	return &cli.Command{
		Name:  "hooks",
		Usage: "list, create, delete and verify Podio hooks by hand",
		Description: `Manages the hooks of an app, a space or an app field on Podio, or on the mock
with --podio-url. A new hook is inactive until it is verified: Podio POSTs a
hook.verify with a code to the hook's URL, and "devhook hooks verify ID --code
CODE" sends the code back.

Credentials come from the PODIO_* environment variables or the flags.`,
		OnUsageError: usageErr,
		Action: func(c *cli.Context) error {
			if !c.Args().Present() {
				return usagef("hooks needs a command: list, create, delete or verify")
			}
			return usagef("unknown hooks command %q: use list, create, delete or verify", c.Args().First())
		},
		Subcommands: []*cli.Command{
			{
				Name:            "list",
				Usage:           "list the hooks of an app, a space or an app field",
				ArgsUsage:       " ",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Flags: append(append(refFlags("the hooks"),
					&cli.BoolFlag{Name: "json", Usage: "print JSON"}),
					hooksPodioFlags()...),
				Action: hooksAction("list", false, func(c *cli.Context, _ []string, po podioOptions) error {
					return runHooksList(c.Context, hooksListOptions{podio: po, ref: refFrom(c), json: c.Bool("json")}, e.stdout)
				}),
			},
			{
				Name:            "create",
				Usage:           "create hooks, one per --event",
				ArgsUsage:       " ",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Flags: append(append(refFlags("create the hooks"),
					&cli.StringSliceFlag{Name: "event", Usage: "event `TYPE` to hook, such as item.create (repeat for several)"},
					&cli.StringFlag{Name: "url", Usage: "`URL` Podio POSTs the events to"}),
					hooksPodioFlags()...),
				Action: hooksAction("create", false, func(c *cli.Context, _ []string, po podioOptions) error {
					return runHooksCreate(c.Context, hooksCreateOptions{
						podio: po, ref: refFrom(c), events: c.StringSlice("event"), url: c.String("url"),
					}, e.stdout)
				}),
			},
			{
				Name:            "delete",
				Usage:           "delete hooks",
				ArgsUsage:       "ID [ID...]",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Flags:           hooksPodioFlags(),
				Action: hooksAction("delete", true, func(c *cli.Context, args []string, po podioOptions) error {
					return runHooksDelete(c.Context, hooksDeleteOptions{podio: po, ids: args}, e.stdout)
				}),
			},
			{
				Name:  "verify",
				Usage: "ask Podio for a new hook.verify, or with --code validate the hook",
				Description: `Without --code, asks Podio to send a new hook.verify, with a new code, to
the hook's URL. With --code, sends that code back: the hook becomes active.`,
				ArgsUsage:       "ID",
				OnUsageError:    usageErr,
				HideHelpCommand: true,
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "code", Usage: "the `CODE` of the hook.verify the hook's URL received"},
				}, hooksPodioFlags()...),
				Action: hooksAction("verify", true, func(c *cli.Context, args []string, po podioOptions) error {
					return runHooksVerify(c.Context, hooksVerifyOptions{podio: po, ids: args, code: c.String("code")}, e.stdout)
				}),
			},
		},
	}
}

// hooksPodioFlags are the hooks subcommands' Podio flags: the credentials,
// and --mock.
func hooksPodioFlags() []cli.Flag {
	return append(podioFlags(),
		&cli.StringFlag{Name: "mock", Usage: "talk to the running mock at this `URL` (e.g. http://127.0.0.1:8080) with its default seed's credentials, unless PODIO_* give others"})
}

// hooksAction is the Action of a hooks subcommand: it reads the arguments
// (flags may follow them), refuses any when takesArgs is false, reads the
// Podio options and calls do.
func hooksAction(name string, takesArgs bool, do func(c *cli.Context, args []string, po podioOptions) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		args := c.Args().Slice() // flagsFirst put the flags before them
		if !takesArgs && len(args) > 0 {
			return usagef("hooks %s takes no arguments, got %q", name, args[0])
		}
		po, err := podioOptionsFrom(c)
		if err != nil {
			return err
		}
		if m := c.String("mock"); m != "" {
			if c.IsSet("podio-url") && c.String("podio-url") != os.Getenv("PODIO_URL") {
				return usagef("hooks %s takes --mock or --podio-url, not both", name)
			}
			u, err := parseHTTPURL("mock", m)
			if err != nil {
				return err
			}
			po = po.withMockDefaults(u.String())
		}
		return do(c, args, po)
	}
}

// hookTarget is a parsed hookRefOptions.
type hookTarget struct {
	refType string // fixtures.RefApp, RefSpace or RefAppField
	id      int64
}

// String names the target for people: "app 3001", "app field 4001".
func (t hookTarget) String() string {
	return strings.ReplaceAll(t.refType, "_", " ") + " " + strconv.FormatInt(t.id, 10)
}

// target checks that exactly one of --app, --space and --field is set to
// a positive id.
func (o hookRefOptions) target(cmd string) (hookTarget, error) {
	var set []hookTarget
	for _, f := range []struct{ flag, refType, v string }{
		{"app", fixtures.RefApp, o.app},
		{"space", fixtures.RefSpace, o.space},
		{"field", fixtures.RefAppField, o.field},
	} {
		if f.v == "" {
			continue
		}
		id, ok := parseHookID(f.v)
		if !ok {
			return hookTarget{}, usagef("--%s wants a number (a positive id), not %q", f.flag, f.v)
		}
		set = append(set, hookTarget{f.refType, id})
	}
	switch len(set) {
	case 0:
		return hookTarget{}, usagef("hooks %s needs one of --app, --space or --field", cmd)
	case 1:
		return set[0], nil
	}
	return hookTarget{}, usagef("hooks %s takes only one of --app, --space and --field", cmd)
}

// parseHookID parses an id given on the command line: a positive number.
func parseHookID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// parseHookIDs parses hook ids given as arguments.
func parseHookIDs(args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, ok := parseHookID(a)
		if !ok {
			return nil, usagef("a hook id is a positive number, not %q", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func runHooksList(ctx context.Context, opts hooksListOptions, stdout io.Writer) error {
	t, err := opts.ref.target("list")
	if err != nil {
		return err
	}
	cl, err := opts.podio.signIn(ctx)
	if err != nil {
		return err
	}
	hooks, err := cl.ListHooks(ctx, t.refType, t.id)
	if err != nil {
		return err
	}
	if opts.json {
		return render.HooksJSON(stdout, t.refType, t.id, hooks)
	}
	if len(hooks) == 0 {
		_, err := fmt.Fprintf(stdout, "no hooks on %s\n", t)
		return err
	}
	return render.HookTable(stdout, hooks)
}

func runHooksCreate(ctx context.Context, opts hooksCreateOptions, stdout io.Writer) error {
	t, err := opts.ref.target("create")
	if err != nil {
		return err
	}
	if len(opts.events) == 0 {
		return usagef("hooks create needs --event; allowed on %s: %s", t, strings.Join(fixtures.EventsOn(t.refType), ", "))
	}
	for _, ev := range opts.events {
		if err := fixtures.CheckHook(t.refType, t.String(), ev); err != nil {
			return usageError{err}
		}
	}
	if strings.TrimSpace(opts.url) == "" {
		return usagef("hooks create needs --url, where Podio will POST the events")
	}
	cl, err := opts.podio.signIn(ctx)
	if err != nil {
		return err
	}
	for _, ev := range opts.events {
		id, err := cl.CreateHook(ctx, t.refType, t.id, opts.url, ev)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created hook %d: %s on %s, inactive until verified\n", id, ev, t)
	}
	return nil
}

func runHooksDelete(ctx context.Context, opts hooksDeleteOptions, stdout io.Writer) error {
	if len(opts.ids) == 0 {
		return usagef("hooks delete needs at least one hook id")
	}
	ids, err := parseHookIDs(opts.ids)
	if err != nil {
		return err
	}
	cl, err := opts.podio.signIn(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := cl.DeleteHook(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted hook %d\n", id)
	}
	return nil
}

func runHooksVerify(ctx context.Context, opts hooksVerifyOptions, stdout io.Writer) error {
	if len(opts.ids) != 1 {
		return usagef("hooks verify takes one hook id, got %d", len(opts.ids))
	}
	ids, err := parseHookIDs(opts.ids)
	if err != nil {
		return err
	}
	id := ids[0]
	cl, err := opts.podio.signIn(ctx)
	if err != nil {
		return err
	}
	if opts.code == "" {
		if err := cl.RequestVerification(ctx, id); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "requested verification of hook %d: a new hook.verify is on its way to the hook's URL\n", id)
		return err
	}
	if err := cl.ValidateHook(ctx, id, opts.code); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "verified hook %d: it is active\n", id)
	return err
}
