// Package trigger makes one webhook event happen, the job of `devhook
// trigger`: it POSTs the event's form straight to a receiver as Podio
// would ([Config.To]; once, or as a burst with a summary), or it performs
// in a running mock the API call that fires the event in Podio
// ([Config.Mock]; see actions.go), or it fires the event through the
// mock's control API, for the types no API call fires and on request.
//
// It prints what it does to [Config.Out], every text that comes from a
// receiver escaped for the terminal (package termsafe). An error in how
// it was called matches [ErrUsage] and comes before any request.
package trigger

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/usage"
)

// ErrUsage marks an error in how trigger was called: an unknown event or
// parameter, a bad URL or a combination of options that does not go
// together. Run returns it before sending anything. It is [usage.Err].
var ErrUsage = usage.Err

var usagef = usage.Errorf

// Config says which event to make happen, and how. Exactly one of To and
// Mock is set. The option names in Run's messages are those of `devhook
// trigger`'s flags, which the fields mirror.
type Config struct {
	// Event is the event type, e.g. "item.create" (fixtures.Names).
	Event string
	// Set are parameters to change, "key=value" each, in order
	// (fixtures.ParseSet).
	Set []string
	// Out gets what trigger prints. nil means io.Discard.
	Out io.Writer

	// To is the URL of a receiver to POST the event's form to. Its query
	// pairs move into the body, as Podio does with hook URLs.
	To string
	// Repeat is how many times to send it (at least 1), Concurrency how
	// many requests at a time (at least 1); more than one prints a
	// summary instead of the answer.
	Repeat, Concurrency int
	// Timeout bounds each exchange (positive); Podio waits 15 s.
	Timeout time.Duration

	// Mock is the base URL of a running mock to make the event happen in.
	Mock string
	// Credentials sign in to the mock with Podio's API.
	Credentials podio.Credentials
	// Control reaches the mock's control API: a
	// *mockpodio.ControlClient for Mock.
	Control Control
	// App is the app to act in; 0 means DefaultApp. Space is the space of
	// space events; 0 means App's space.
	App, Space int64
	// DefaultApp is the app to act in without App: the app signed in
	// with, else the mock's seed app.
	DefaultApp int64
	// DefaultUser is the user member.add and member.remove act on without
	// --set user_id: one of the mock's seed users that is not the one
	// signed in.
	DefaultUser int64
	// ForceControl fires the event through the control API even when an
	// API call could make it happen.
	ForceControl bool
	// Command is the CLI's name, for hints such as "devhook up registers
	// one"; empty means "devhook".
	Command string
}

// Control is what trigger needs of the mock's control API (the routes
// under /_mock/); *mockpodio.ControlClient has these methods.
type Control interface {
	// Fire fires an event of type typ on refType refID with params, as
	// POST /_mock/events does, and returns the event's id.
	Fire(ctx context.Context, refType string, refID int64, typ string, params map[string]string) (int64, error)
	// HookCount returns how many live hooks of typ are registered on
	// refType refID, and how many of them are active.
	HookCount(ctx context.Context, refType string, refID int64, typ string) (n, active int, err error)
}

// Run makes cfg's event happen and prints what it did to cfg.Out. A
// receiver that does not answer 2xx, or a mock that refuses a call, is an
// error; so is ctx ending.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Command == "" {
		cfg.Command = "devhook"
	}
	ev, err := fixtures.Get(cfg.Event)
	if err != nil {
		return usage.Wrap(err)
	}
	set, err := fixtures.ParseSet(cfg.Set)
	if err != nil {
		return usage.Wrap(err)
	}
	if ev, err = ev.With(set); err != nil {
		return usage.Wrap(err)
	}
	switch {
	case cfg.To != "" && cfg.Mock != "":
		return usagef("trigger takes --to or --mock, not both")
	case cfg.To != "":
		return post(ctx, cfg, ev)
	case cfg.Mock != "":
		return perform(ctx, cfg, set)
	}
	return usagef("trigger needs --to URL (POST the event to a handler) or --mock URL (perform it in a running mock)")
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
