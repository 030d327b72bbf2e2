package main

import (
	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/inspector"
)

// inspectFlag is the --inspect flag of up and mock.
func inspectFlag() cli.Flag {
	return &cli.StringFlag{Name: "inspect", Value: inspector.DefaultAddr, EnvVars: []string{"DEVHOOK_INSPECT"},
		Usage: "serve the web inspector on this loopback `ADDR` (--inspect=false to turn it off)"}
}
