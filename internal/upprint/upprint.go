// Package upprint prints a devhook up session's events (package session):
// lines for people, or the --json stream. Untrusted text in a line is
// quoted with termsafe.Quote, as in package render's lines.
package upprint

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// Printer prints a devhook up session's events: deliveries and the banner on
// Stdout, warnings on Stderr. With JSON, Stdout carries only the --json
// stream (session.StreamLine) and the lines for people go to Stderr.
type Printer struct {
	Stdout, Stderr io.Writer
	JSON           bool
	// Command is how hints name devhook, e.g. "devhook" or "go run
	// ./cmd/devhook".
	Command string
	// MockURL is the embedded mock's URL with up --mock, else "".
	MockURL string
	// MockToken returns the mock's throwaway access token for the banner's
	// curl hint, or "" (nil: none).
	MockToken func() string
}

// Print prints ev. It is a session.Sink.
func (p *Printer) Print(ev session.Event) {
	if p.JSON {
		if line, ok := session.StreamLine(ev); ok {
			fmt.Fprintf(p.Stdout, "%s\n", line)
			return
		}
	}
	switch ev := ev.(type) {
	case session.Warning:
		fmt.Fprintln(p.Stderr, termsafe.Lines(ev.Text))
	case session.Delivery:
		fmt.Fprintln(p.Out(), render.Line(ev.Record))
	case session.HookState:
		if ev.State == session.StateQueued && ev.Count > 1 {
			return // the delivery line says queued; the first one explains
		}
		fmt.Fprintf(p.Out(), "devhook: %s\n", termsafe.Lines(ev.Line))
	case session.Replayed:
		if p.JSON {
			if b, err := render.JSON(ev.Record); err == nil {
				fmt.Fprintf(p.Stdout, "%s\n", b)
			}
			return
		}
		fmt.Fprintln(p.Stdout, render.Line(ev.Record))
	case session.Ready:
		p.ready(ev)
	case session.Stopping:
		fmt.Fprintf(p.Out(), "\ndevhook: shutting down\n")
	case session.Waiting:
		fmt.Fprintf(p.Stderr, "devhook: waiting for %d %s (up to %d s); Ctrl-C again to quit now\n",
			ev.N, plural(ev.N, "delivery", "deliveries"), int(ev.UpTo/time.Second))
	case session.Undelivered:
		p.undelivered(ev)
	case session.HooksKept:
		fmt.Fprintf(p.Out(), "Keeping hooks %s (--keep).\n", joinIDs(ev.IDs))
	case session.HooksDeleted:
		fmt.Fprintf(p.Out(), "Deleted hooks %s.\n", joinIDs(ev.IDs))
	}
}

// Out is where the lines for people go: Stdout, or Stderr when Stdout
// carries the --json stream.
func (p *Printer) Out() io.Writer {
	if p.JSON {
		return p.Stderr
	}
	return p.Stdout
}

// undelivered lists the held events that never reached the app.
func (p *Printer) undelivered(ev session.Undelivered) {
	w := p.Stderr
	n := len(ev.Records)
	fmt.Fprintf(w, "devhook: %d %s held while your app was down %s not delivered:\n", n, plural(n, "event", "events"), plural(n, "was", "were"))
	logged := false
	for i, r := range ev.Records {
		id := ev.IDs[i]
		if id != "" {
			logged = true
			id = "  " + termsafe.Quote(id)
		}
		fmt.Fprintf(w, "  %s  %s  hook %d  %s%s\n", r.Time.Format("15:04:05"), termsafe.Quote(r.Type), r.HookID, termsafe.Quote(strings.Join(r.IDs, " ")), id)
	}
	if logged {
		fmt.Fprintf(w, "They stay in the delivery log: `%s replay ID` sends one, and the next `%s up` to the same app delivers them.\n", p.Command, p.Command)
	}
}

func (p *Printer) ready(ev session.Ready) {
	w := p.Out()
	fmt.Fprintf(w, "Forwarding  %s -> %s\n", termsafe.Quote(ev.HookURL), termsafe.Quote(ev.Target))
	if p.MockURL != "" {
		fmt.Fprintf(w, "Podio       embedded mock at %s (offline)\n", p.MockURL)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOOK\tREF\tEVENT\tSTATUS")
	app := int64(0)
	for _, h := range ev.Hooks {
		status := "active"
		if h.Reused {
			status += " (reused)"
		}
		fmt.Fprintf(tw, "%d\t%s %d\t%s\t%s\n", h.ID, h.RefType, h.RefID, termsafe.Quote(h.Event), status)
		if app == 0 && h.RefType == fixtures.RefApp {
			app = h.RefID
		}
	}
	tw.Flush()
	if p.MockURL != "" && p.MockToken != nil && app != 0 {
		if tok := p.MockToken(); tok != "" {
			fmt.Fprintf(w, "Fire an event (the mock's own throwaway token):\n  curl -s -H 'Authorization: OAuth2 %s' -d '{\"fields\":{\"title\":\"Hello from devhook\"}}' %s/item/app/%d/\n",
				tok, p.MockURL, app)
			fmt.Fprintf(w, "  or: %s trigger item.create --mock %s --app %d\n", p.Command, p.MockURL, app)
		}
	}
	if ev.InspectorURL != "" {
		fmt.Fprintf(w, "Inspector   %s\n", ev.InspectorURL)
	}
	fmt.Fprintln(w, "Waiting for events. Ctrl-C removes the hooks and exits.")
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
