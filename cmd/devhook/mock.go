package main

import "github.com/urfave/cli/v2"

func mockCommand(e *env) *cli.Command {
	return &cli.Command{Name: "mock", Usage: "run the mock Podio API"}
}
