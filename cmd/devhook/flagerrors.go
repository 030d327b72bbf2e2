package main

import (
	"regexp"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"
)

// badFlagValue matches the flag package's error for a value that does not
// parse: `invalid value "5" for flag -connect-timeout: parse error`.
var badFlagValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([\w-]+): `)

// flagUsageError turns a parsing error of flags into a usage error that
// says what the flag wants: a duration with its unit, a number.
func flagUsageError(flags []cli.Flag, err error) error {
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil {
		return usageError{err}
	}
	value, name := m[1], m[2]
	f := findFlag(flags, name)
	switch f.(type) {
	case *cli.DurationFlag:
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			return usagef("--%s %s: use a unit, e.g. %ss", name, value, value)
		}
		return usagef("--%s wants a duration such as 5s, 500ms or 1m30s, not %q", name, value)
	case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Uint64Flag, *cli.IntSliceFlag, *cli.Int64SliceFlag:
		return usagef("--%s wants a number, not %q", name, value)
	case *cli.Float64Flag:
		return usagef("--%s wants a number such as 1.5, not %q", name, value)
	}
	return usageError{err}
}

// findFlag returns the flag of flags called name, or nil.
func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// checkFlagValues refuses values every command refuses: a negative
// duration.
func checkFlagValues(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		df, ok := f.(*cli.DurationFlag)
		if !ok || !c.IsSet(df.Name) {
			continue
		}
		if d := c.Duration(df.Name); d < 0 {
			return usagef("--%s cannot be negative, not %s", df.Name, d)
		}
	}
	return nil
}

// setFlagChecks makes c and its subcommands report bad flags as usage
// errors (exit 2, one line) instead of urfave's help dump, in words that
// say what the flag wants, and refuse negative durations.
func setFlagChecks(c *cli.Command) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return flagUsageError(c.Flags, err) }
	if own := c.Before; own != nil {
		c.Before = func(ctx *cli.Context) error {
			if err := checkFlagValues(ctx); err != nil {
				return err
			}
			return own(ctx)
		}
	} else {
		c.Before = checkFlagValues
	}
	for _, sub := range c.Subcommands {
		setFlagChecks(sub)
	}
}
