package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/internal/termsafe"
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

// replayLine is the terminal's line for a replay made from the inspector,
// in the style of the relay's lines: time, event, hook, ids, then what the
// replay got.
func replayLine(r deliverylog.Record) string {
	return r.Time.Format("15:04:05") + "  " + replaySummary(r)
}

// replaySummary is replayLine without the time, for logs that add their
// own.
func replaySummary(r deliverylog.Record) string {
	var b strings.Builder
	b.WriteString(quoteControl(orDefault(r.Type, string(r.Kind))))
	if r.HookID != 0 {
		fmt.Fprintf(&b, "  hook %d", r.HookID)
	}
	if len(r.IDs) > 0 {
		b.WriteString("  " + quoteControl(strings.Join(r.IDs, " ")))
	}
	fmt.Fprintf(&b, "  replayed from the inspector (of %s) -> ", quoteControl(r.ReplayOf))
	if r.Response.Status != 0 {
		fmt.Fprintf(&b, "%d  %s", r.Response.Status, deliverylog.FormatLatencyMS(r.LatencyMS))
	} else {
		b.WriteString("no answer")
	}
	if r.Error != "" {
		b.WriteString("  " + quoteControl(r.Error))
	}
	return b.String()
}

// quoteControl quotes s when it holds control characters, which a
// terminal would act on.
func quoteControl(s string) string {
	if termsafe.String(s) != s {
		return strconv.Quote(s)
	}
	return s
}
