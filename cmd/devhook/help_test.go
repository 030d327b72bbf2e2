package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// allCommands returns every command of cmds and their subcommands by path.
func allCommands(cmds []*cli.Command, prefix string) map[string]*cli.Command {
	out := map[string]*cli.Command{}
	for _, c := range cmds {
		path := strings.TrimSpace(prefix + " " + c.Name)
		out[path] = c
		for k, v := range allCommands(c.Subcommands, path) {
			out[k] = v
		}
	}
	return out
}

// takesInput reports whether c takes arguments, flags (other than --help)
// or subcommands.
func takesInput(c *cli.Command) bool {
	return strings.TrimSpace(c.ArgsUsage) != "" || len(c.Flags) > 0 || len(c.Subcommands) > 0
}

// TestHelpExamples checks that the --help of every command that takes
// arguments or flags ends with two or three examples, lines starting with
// "devhook ", that each example parses as the command it names, and that
// no flag's default is printed twice.
func TestHelpExamples(t *testing.T) {
	cmds := allCommands(newApp(&env{stdout: io.Discard, stderr: io.Discard}).Commands, "")
	twice := regexp.MustCompile(`\(default.*\(default`)
	for path, c := range cmds {
		var stdout, stderr strings.Builder
		argv := append(append([]string{"devhook"}, strings.Fields(path)...), "--help")
		if code := run(t.Context(), argv, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d, stderr %q", strings.Join(argv, " "), code, stderr.String())
			continue
		}
		help := stdout.String()
		for _, line := range strings.Split(help, "\n") {
			if twice.MatchString(line) {
				t.Errorf("devhook %s --help prints a default twice: %s", path, strings.TrimSpace(line))
			}
		}
		if !takesInput(c) {
			continue
		}
		head, tail, ok := strings.Cut(help, "\nEXAMPLES:\n")
		if !ok || head == "" {
			t.Errorf("devhook %s --help has no EXAMPLES section:\n%s", path, help)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(tail, "\n"), "\n")
		if len(lines) < 2 || len(lines) > 3 {
			t.Errorf("devhook %s --help ends with %d examples, want 2 or 3:\n%s", path, len(lines), tail)
		}
		for _, ex := range lines {
			if !strings.HasPrefix(ex, "devhook ") {
				t.Errorf("devhook %s --help: example %q does not start with \"devhook \"", path, ex)
				continue
			}
			if err := parseExample(ex); err != nil {
				t.Errorf("devhook %s --help: example %q does not parse: %v", path, ex, err)
			}
		}
	}
}

// parseExample runs an example with every command's action replaced by
// one that only checks the arguments: flags and their values parse, and a
// command that takes no arguments gets none.
func parseExample(ex string) error {
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	for path, c := range allCommands(app.Commands, "") {
		takesArgs := strings.TrimSpace(c.ArgsUsage) != ""
		parent := len(c.Subcommands) > 0
		c.Action = func(ctx *cli.Context) error {
			if parent {
				return usagef("%s needs a subcommand", path)
			}
			if !takesArgs && ctx.Args().Present() {
				return usagef("%s takes no arguments, got %q", path, ctx.Args().First())
			}
			if takesArgs && !ctx.Args().Present() {
				return usagef("%s needs an argument", path)
			}
			return nil
		}
	}
	return app.RunContext(context.Background(), flagsFirst(app, strings.Fields(ex)))
}
