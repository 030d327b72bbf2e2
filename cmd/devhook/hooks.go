package main

import (
	"os"

	"github.com/devhookhq/devhook/internal/hookadmin"
	"github.com/urfave/cli/v2"
)

func hooksCommand(e *env) *cli.Command {
	refFlags := func(verb string) []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "app", Usage: verb + " on the app with this `ID`"},
			&cli.StringFlag{Name: "space", Usage: verb + " on the space with this `ID`"},
			&cli.StringFlag{Name: "field", Usage: verb + " on the app field with this `ID`"},
		}
	}
	refFrom := func(c *cli.Context) hookadmin.Ref {
		return hookadmin.Ref{App: c.String("app"), Space: c.String("space"), Field: c.String("field")}
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
					return hookadmin.List(c.Context, po.SignIn, refFrom(c), c.Bool("json"), e.stdout)
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
					return hookadmin.Create(c.Context, po.SignIn, refFrom(c), c.StringSlice("event"), c.String("url"), e.stdout)
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
					return hookadmin.Delete(c.Context, po.SignIn, args, e.stdout)
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
					return hookadmin.Verify(c.Context, po.SignIn, args, c.String("code"), e.stdout)
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
			po = withMockDefaults(po, u.String())
		}
		return do(c, args, po)
	}
}
