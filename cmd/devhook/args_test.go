package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
)

// leafCommands returns the commands of app that run something, each with
// its path ("hooks verify").
func leafCommands(cmds []*cli.Command, prefix []string) map[string]*cli.Command {
	out := map[string]*cli.Command{}
	for _, c := range cmds {
		path := append(slices.Clone(prefix), c.Name)
		if len(c.Subcommands) > 0 {
			for k, v := range leafCommands(c.Subcommands, path) {
				out[k] = v
			}
			continue
		}
		out[strings.Join(path, " ")] = c
	}
	return out
}

// flagValue is a value to give f on the command line ("" for a boolean),
// what the command then reads, and how it reads it.
func flagValue(t *testing.T, f cli.Flag) (arg, want string, read func(c *cli.Context, name string) string) {
	sprint := func(c *cli.Context, name string) string { return fmt.Sprint(c.Value(name)) }
	switch f.(type) {
	case *cli.BoolFlag:
		return "", "true", sprint
	case *cli.StringFlag:
		return "v1", "v1", sprint
	case *cli.StringSliceFlag:
		return "v1", "[v1]", func(c *cli.Context, name string) string { return fmt.Sprint(c.StringSlice(name)) }
	case *cli.Int64SliceFlag:
		return "7", "[7]", func(c *cli.Context, name string) string { return fmt.Sprint(c.Int64Slice(name)) }
	case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag:
		return "7", "7", sprint
	case *cli.Float64Flag:
		return "1.5", "1.5", sprint
	case *cli.DurationFlag:
		return "3s", "3s", func(c *cli.Context, name string) string { return c.Duration(name).String() }
	case *cli.GenericFlag:
		return "k=v", "k=v", func(c *cli.Context, name string) string { return fmt.Sprint(c.Generic(name)) }
	}
	t.Fatalf("flag %s: type %T not covered by this test: add it", f.Names()[0], f)
	return "", "", nil
}

// TestFlagsAnywhere runs every command with each of its flags, by every
// name (long and short), before and after its argument, and checks the
// command sees the flag's value and its argument.
func TestFlagsAnywhere(t *testing.T) {
	leaves := leafCommands(newApp(&env{stdout: io.Discard, stderr: io.Discard}).Commands, nil)
	for _, want := range []string{"up", "mock", "trigger", "replay", "deliveries", "version", "fixtures list", "fixtures show",
		"hooks list", "hooks create", "hooks delete", "hooks verify"} {
		if leaves[want] == nil {
			t.Errorf("command %q missing: the test's list is out of date", want)
		}
	}
	cases := 0
	for path, cmd := range leaves {
		var args []string
		if strings.TrimSpace(cmd.ArgsUsage) != "" {
			args = []string{"ARG"}
		}
		for _, f := range cmd.Flags {
			long := f.Names()[0]
			value, want, read := flagValue(t, f)
			for _, name := range f.Names() {
				dashes := "--"
				if len(name) == 1 {
					dashes = "-"
				}
				flag := []string{dashes + name}
				if value != "" {
					flag = append(flag, value)
				}
				for _, where := range []string{"before", "after", "between"} {
					var words []string
					switch where {
					case "before":
						words = append(slices.Clone(flag), args...)
					case "after":
						words = append(slices.Clone(args), flag...)
					case "between":
						if len(args) == 0 {
							continue
						}
						words = append(append([]string{"ARG"}, flag...), "ARG2")
					}
					cases++
					gotArgs, got, err := parseOnly(t, path, func(c *cli.Context) string { return read(c, long) }, words)
					name := fmt.Sprintf("devhook %s %s", path, strings.Join(words, " "))
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					if got != want {
						t.Errorf("%s: --%s = %s, want %s", name, long, got, want)
					}
					wantArgs := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return !strings.HasPrefix(w, "ARG") })
					if diff := cmp.Diff(wantArgs, gotArgs); diff != "" {
						t.Errorf("%s: arguments (-want +got):\n%s", name, diff)
					}
				}
			}
		}
	}
	t.Logf("%d commands, %d command lines", len(leaves), cases)
}

// parseOnly runs devhook with the command at path replaced by one that
// reports its arguments and what read reads.
func parseOnly(t *testing.T, path string, read func(*cli.Context) string, words []string) (args []string, value string, err error) {
	t.Helper()
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	leaf := leafCommands(app.Commands, nil)[path]
	leaf.Action = func(c *cli.Context) error {
		args = c.Args().Slice()
		value = read(c)
		return nil
	}
	argv := append(append([]string{"devhook"}, strings.Fields(path)...), words...)
	err = app.RunContext(context.Background(), flagsFirst(app, argv))
	return args, value, err
}

// TestUnknownFlags checks that every command refuses a flag it does not
// know, long or short, wherever it is typed: exit 2 and one line.
func TestUnknownFlags(t *testing.T) {
	leaves := leafCommands(newApp(&env{stdout: io.Discard, stderr: io.Discard}).Commands, nil)
	for path, cmd := range leaves {
		for _, flag := range []string{"--no-such-flag", "-Z"} {
			words := []string{flag}
			if strings.TrimSpace(cmd.ArgsUsage) != "" {
				words = []string{"ARG", flag}
			}
			argv := append(append([]string{"devhook"}, strings.Fields(path)...), words...)
			var stdout, stderr strings.Builder
			code := run(t.Context(), argv, &stdout, &stderr)
			want := "devhook: flag provided but not defined: -" + strings.TrimLeft(flag, "-") + "\n"
			if code != exitUsage || stderr.String() != want {
				t.Errorf("%s: exit %d, stderr %q; want exit 2, %q", strings.Join(argv, " "), code, stderr.String(), want)
			}
		}
	}
}

func TestFlagsFirst(t *testing.T) {
	app := newApp(&env{stdout: io.Discard, stderr: io.Discard})
	tests := []struct{ in, want string }{
		{"devhook trigger item.create --to U -n 5 -c 2", "devhook trigger --to U -n 5 -c 2 item.create"},
		{"devhook trigger item.create --repeat=5 --quiet", "devhook trigger --repeat=5 --quiet item.create"},
		{"devhook hooks verify 101 --code abc", "devhook hooks verify --code abc 101"},
		{"devhook hooks verify 101 --help", "devhook hooks verify --help"},
		{"devhook replay -- -odd-id", "devhook replay -- -odd-id"},
		{"devhook replay x -- --to", "devhook replay -- x --to"},
		{"devhook --version", "devhook --version"},
		{"devhook nosuch --x 1", "devhook nosuch --x 1"},
		{"devhook trigger item.create --unknown 1", "devhook trigger --unknown item.create 1"},
		{"devhook hooks frob --app 1", "devhook hooks frob --app 1"},
		{"devhook hooks verify 101 --code", "devhook hooks verify --code"},
	}
	for _, tt := range tests {
		if got := strings.Join(flagsFirst(app, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("flagsFirst(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
