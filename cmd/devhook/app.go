package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/buildinfo"
	"github.com/devhookhq/devhook/internal/termsafe"
	"github.com/devhookhq/devhook/internal/usage"
)

// Exit codes of devhook. They are the only ones the command returns.
const (
	exitOK    = 0 // success, or a clean shutdown on Ctrl-C
	exitError = 1 // the command failed: the message says why
	exitUsage = 2 // bad flags or arguments

	exitInterrupted = 130 // a second Ctrl-C cut the shutdown short
)

// usageError marks an error caused by how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// env is what every command shares: its output streams.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                 "devhook",
		Usage:                "build against Podio webhooks on a laptop",
		Version:              buildinfo.Version(),
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		ExitErrHandler:       func(*cli.Context, error) {},
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			upCommand(e),
			hooksCommand(e),
			mockCommand(e),
			fixturesCommand(e),
			triggerCommand(e),
			deliveriesCommand(e),
			replayCommand(e),
			versionCommand(e),
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
	}
	for _, c := range app.Commands {
		setFlagChecks(c)
		setExamples(c, c.Name)
	}
	return app
}

// run runs devhook with args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	app := newApp(e)
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err != nil {
		fmt.Fprintf(stderr, "devhook: %s\n", termsafe.Lines(err.Error()))
	}
	return exitCode(err)
}

// exitCode maps a command's error to the exit code: 0, 2 for a usage
// error (usageError, or from the packages usage.Err), 1 for anything else.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(usageError)), errors.Is(err, usage.Err):
		return exitUsage
	}
	return exitError
}

// interruptContext is cancelled by the first Ctrl-C (or SIGTERM); a
// second one exits at once, whatever the command is still doing.
func interruptContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
		<-sig
		os.Exit(exitInterrupted)
	}()
	return ctx
}
