package session

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

// DefaultAppEvents are the events registered on an app when no event is
// given.
var DefaultAppEvents = []string{"item.create", "item.update", "item.delete"}

// Refs are what devhook up is asked to register hooks on (its --app,
// --field, --space and --event).
type Refs struct {
	Apps, Fields, Spaces []int64
	// Events are the event types; empty means DefaultAppEvents on apps and
	// fields (spaces need events).
	Events []string
}

// HookSpecs expands r into the hooks to register, checking each event
// against its reference type: with one kind of reference every event must
// be allowed on it, so a typo is an error rather than silently skipped;
// with several kinds sharing the events, each gets those allowed on it.
// Its errors name up's flags.
func (r Refs) HookSpecs() ([]HookSpec, error) {
	var out []HookSpec
	add := func(refType string, ids []int64, events []string) error {
		for _, id := range ids {
			if id <= 0 {
				return fmt.Errorf("--%s wants a positive id, not %d", flagOf(refType), id)
			}
			for _, ev := range events {
				if !fixtures.Allowed(refType, ev) {
					return fmt.Errorf("event %q cannot be registered on --%s: it takes %s", ev, flagOf(refType), strings.Join(fixtures.EventsOn(refType), ", "))
				}
				out = append(out, HookSpec{RefType: refType, RefID: id, Event: ev})
			}
		}
		return nil
	}
	itemEvents := r.Events
	if len(itemEvents) == 0 {
		itemEvents = DefaultAppEvents
	}
	if len(r.Spaces) > 0 && len(r.Events) == 0 {
		return nil, fmt.Errorf("--space needs --event (one of %s)", strings.Join(fixtures.EventsOn(fixtures.RefSpace), ", "))
	}
	if err := add(fixtures.RefApp, r.Apps, allowedIfMixed(fixtures.RefApp, itemEvents, len(r.Fields)+len(r.Spaces) > 0)); err != nil {
		return nil, err
	}
	if err := add(fixtures.RefAppField, r.Fields, allowedIfMixed(fixtures.RefAppField, itemEvents, len(r.Apps)+len(r.Spaces) > 0)); err != nil {
		return nil, err
	}
	if err := add(fixtures.RefSpace, r.Spaces, allowedIfMixed(fixtures.RefSpace, r.Events, len(r.Apps)+len(r.Fields) > 0)); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no hooks to register: give --app ID (and --event TYPE), --field ID or --space ID --event TYPE")
	}
	return out, nil
}

// allowedIfMixed keeps the events allowed on refType when several kinds
// of reference share one event list (mixed); otherwise it keeps them all.
func allowedIfMixed(refType string, events []string, mixed bool) []string {
	if !mixed {
		return events
	}
	var out []string
	for _, ev := range events {
		if fixtures.Allowed(refType, ev) {
			out = append(out, ev)
		}
	}
	return out
}

func flagOf(refType string) string {
	if refType == fixtures.RefAppField {
		return "field"
	}
	return refType
}

// ForwardTarget returns the local URL deliveries are forwarded to: rawURL
// (up's --forward-to), or else http://localhost:port/ (--port, 3000 when
// 0). Its errors name up's flags.
func ForwardTarget(rawURL string, port int) (*url.URL, error) {
	if rawURL != "" && port != 0 {
		return nil, fmt.Errorf("give --port or --forward-to, not both")
	}
	if rawURL == "" {
		if port == 0 {
			port = 3000
		}
		if port < 1 || port > 65535 {
			return nil, fmt.Errorf("--port must be 1 to 65535, not %d", port)
		}
		rawURL = "http://localhost:" + strconv.Itoa(port) + "/"
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--forward-to must be an http(s) URL such as http://localhost:3000/hook, not %q", rawURL)
	}
	return u, nil
}
