package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/buildinfo"
)

func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print devhook's version (as devhook --version does)",
		Description: `Prints the module version devhook was built from (v1.2.3 for go install
...@v1.2.3) and, when the build recorded one, the VCS revision, its time and
whether the tree had changes. A build with neither prints (devel).`,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("version takes no arguments, got %q", c.Args().First())
			}
			fmt.Fprintf(e.stdout, "devhook version %s\n", buildinfo.Version())
			return nil
		},
	}
}

// selfCommand is how hints name devhook (buildinfo.Command).
var selfCommand = buildinfo.Command
