package podio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// TimeLayout is the layout of Podio date-times, which are UTC with no zone
// suffix, such as "2014-12-10 15:25:32".
const TimeLayout = "2006-01-02 15:04:05"

// Hook statuses as Podio reports them in [Hook.Status].
const (
	HookActive   = "active"
	HookInactive = "inactive"
)

// Hook is one element of the [Client.ListHooks] answer.
type Hook struct {
	// HookID is the hook's id.
	HookID int64
	// Status is [HookActive] or [HookInactive]; a hook is inactive until it
	// is verified.
	Status string
	// Type is the event the hook fires on, such as "item.create".
	Type string
	// URL is where Podio POSTs the events.
	URL string
	// CreatedOn is when the hook was created, in UTC; zero when Podio sent
	// none.
	CreatedOn time.Time
}

// hookJSON is a hook object on the wire.
type hookJSON struct {
	HookID    int64  `json:"hook_id"`
	Status    string `json:"status"`
	Type      string `json:"type"`
	URL       string `json:"url"`
	CreatedOn string `json:"created_on"`
}

// CreateHook registers a hook on a reference with POST
// /hook/{refType}/{refID}/ and returns its id. refType is "app" (refID is
// an app_id), "app_field" (a field_id) or "space" (a space_id);
// eventType is an event such as "item.create". The new hook is inactive
// until it is verified: Podio POSTs a hook.verify to hookURL, whose code goes
// back through [Client.ValidateHook].
func (c *Client) CreateHook(ctx context.Context, refType string, refID int64, hookURL, eventType string) (hookID int64, err error) {
	in := struct {
		URL  string `json:"url"`
		Type string `json:"type"`
	}{hookURL, eventType}
	var out struct {
		HookID int64 `json:"hook_id"`
	}
	if _, err := c.call(ctx, http.MethodPost, refPath("/hook/", refType, refID), nil, in, &out); err != nil {
		return 0, fmt.Errorf("create hook: %w", err)
	}
	return out.HookID, nil
}

// ListHooks returns the hooks on a reference with GET
// /hook/{refType}/{refID}/.
func (c *Client) ListHooks(ctx context.Context, refType string, refID int64) ([]Hook, error) {
	var out []hookJSON
	if _, err := c.call(ctx, http.MethodGet, refPath("/hook/", refType, refID), nil, nil, &out); err != nil {
		return nil, fmt.Errorf("list hooks: %w", err)
	}
	hooks := make([]Hook, 0, len(out))
	for _, h := range out {
		created, err := parseTime(h.CreatedOn)
		if err != nil {
			return nil, fmt.Errorf("list hooks: hook %d: %w", h.HookID, err)
		}
		hooks = append(hooks, Hook{HookID: h.HookID, Status: h.Status, Type: h.Type, URL: h.URL, CreatedOn: created})
	}
	return hooks, nil
}

// DeleteHook deletes a hook with DELETE /hook/{hookID}.
func (c *Client) DeleteHook(ctx context.Context, hookID int64) error {
	if _, err := c.call(ctx, http.MethodDelete, "/hook/"+id(hookID), nil, nil, nil); err != nil {
		return fmt.Errorf("delete hook %d: %w", hookID, err)
	}
	return nil
}

// RequestVerification asks Podio to send a new hook.verify to the hook's
// URL with POST /hook/{hookID}/verify/request, sent with no body.
func (c *Client) RequestVerification(ctx context.Context, hookID int64) error {
	if _, err := c.call(ctx, http.MethodPost, "/hook/"+id(hookID)+"/verify/request", nil, nil, nil); err != nil {
		return fmt.Errorf("request verification of hook %d: %w", hookID, err)
	}
	return nil
}

// ValidateHook sends back the code of a hook.verify with POST
// /hook/{hookID}/verify/validate {"code": code}. On success the hook is
// active. A wrong code gives an [*Error] matching [ErrBadRequest].
func (c *Client) ValidateHook(ctx context.Context, hookID int64, code string) error {
	in := struct {
		Code string `json:"code"`
	}{code}
	if _, err := c.call(ctx, http.MethodPost, "/hook/"+id(hookID)+"/verify/validate", nil, in, nil); err != nil {
		return fmt.Errorf("validate hook %d: %w", hookID, err)
	}
	return nil
}

// refPath returns prefix + "{refType}/{refID}/".
func refPath(prefix, refType string, refID int64) string {
	return prefix + url.PathEscape(refType) + "/" + id(refID) + "/"
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// parseTime parses a Podio date-time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(TimeLayout, s, time.UTC)
}
