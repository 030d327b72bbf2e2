package main

import (
	"net/url"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst moves the flags of the command that args name in front of its
// arguments, so that every command takes its flags anywhere: urfave/cli v2
// stops reading flags at the first argument, and `trigger item.create -n 5`
// would otherwise leave -n 5 as arguments. Each flag keeps its value (the
// next word, unless the flag is a boolean or is written --name=value). A
// flag the command does not know stays a flag, for urfave to refuse. After
// "--" every word is an argument; arguments that look like flags then stay
// behind a "--". With --help the arguments are left out, and so they are
// when the last flag lacks its value, for urfave to say so.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	// The command path: devhook, its own flags (--version, --help), the
	// command and its subcommands.
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		i++
	}
	cmds := app.Commands
	var leaf *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		leaf, cmds = c, c.Subcommands
		i++
	}
	if leaf == nil || len(leaf.Subcommands) > 0 {
		return args // no command, or an unknown subcommand: urfave says so
	}
	out := slices.Clone(args[:i])
	var positional []string
	dashed := false // a "--" came: the rest are arguments
	help := false   // --help came: the arguments do not matter
	rest := args[i:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case dashed:
			positional = append(positional, a)
		case a == "--":
			dashed = true
		case a == "-" || !strings.HasPrefix(a, "-"):
			positional = append(positional, a)
		default:
			out = append(out, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			help = help || slices.Contains(cli.HelpFlag.Names(), name)
			if !hasValue && takesValue(leaf, name) {
				if j+1 == len(rest) {
					// Its value is missing: urfave says so, if it
					// comes last.
					return out
				}
				j++
				out = append(out, rest[j])
			}
		}
	}
	if help {
		// urfave would read the arguments as help topics.
		return out
	}
	if slices.ContainsFunc(positional, func(p string) bool { return strings.HasPrefix(p, "-") }) {
		out = append(out, "--")
	}
	return append(out, positional...)
}

// findCommand returns the command of cmds named (or aliased) name.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether c's flag called name reads the next word as
// its value. An unknown flag does not: urfave refuses it anyway.
func takesValue(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		if !slices.Contains(f.Names(), name) {
			continue
		}
		tv, ok := f.(interface{ TakesValue() bool })
		return ok && tv.TakesValue()
	}
	return false
}

// parseHTTPURL checks that raw, the value of --flag, is an absolute http
// or https URL.
func parseHTTPURL(flag, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--%s must be an http:// or https:// URL, such as http://localhost:3000/hook, not %q", flag, raw)
	}
	return u, nil
}
