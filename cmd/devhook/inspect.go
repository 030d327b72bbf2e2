package main

import (
	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/inspector"
)

// inspectFlag is the --inspect flag of up and mock.
// allowHostFlag is --allow-host: names, besides localhost and IP
// addresses, the mock, relay and inspector answer requests addressed to.
func allowHostFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "allow-host", EnvVars: []string{"DEVHOOK_ALLOW_HOST"},
		Usage: "also answer requests addressed to host `NAME` (repeatable; e.g. a container's name): any name but localhost and IP addresses is refused, against DNS rebinding"}
}

func inspectFlag() cli.Flag {
	return &cli.StringFlag{Name: "inspect", Value: inspector.DefaultAddr, EnvVars: []string{"DEVHOOK_INSPECT"},
		Usage: "serve the web inspector on this loopback `ADDR` (--inspect=false to turn it off)"}
}
