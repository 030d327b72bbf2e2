package mockpodio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ControlClient is a typed Go client of a mock's control API, the routes
// under /_mock/, for tests that run the mock as a separate process
// (`devhook mock`). Each method is the Server method of the same name,
// over HTTP; a refused call returns an error wrapping the [*APIError] the
// mock answered.
type ControlClient struct {
	// URL is the mock's base URL, e.g. "http://127.0.0.1:8080".
	URL string
	// HTTPClient sends the calls. nil means http.DefaultClient.
	HTTPClient *http.Client
	// PollInterval is how often AwaitDelivery and AwaitHook ask the mock
	// again. 0 means 20 ms.
	PollInterval time.Duration
}

// maxControlAnswer bounds the body a ControlClient reads.
const maxControlAnswer = 256 << 20

// Hooks returns every live hook (GET /_mock/hooks).
func (c *ControlClient) Hooks(ctx context.Context) ([]Hook, error) {
	var out []Hook
	err := c.do(ctx, http.MethodGet, "hooks", nil, &out)
	return out, err
}

// DeliveryFilter selects deliveries for [ControlClient.Deliveries]; its
// zero value selects all.
type DeliveryFilter struct {
	// HookID keeps the deliveries to one hook; 0 means any.
	HookID int64
	// Type keeps one event type; empty means any.
	Type string
	// Outcome keeps one outcome; empty means any.
	Outcome Outcome
	// After keeps the deliveries recorded after the one with this ID.
	After int64
}

// Deliveries returns the recorded deliveries f selects, oldest first
// (GET /_mock/deliveries).
func (c *ControlClient) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	q := url.Values{}
	if f.HookID != 0 {
		q.Set("hook_id", strconv.FormatInt(f.HookID, 10))
	}
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	if f.Outcome != "" {
		q.Set("outcome", string(f.Outcome))
	}
	// Page by page: a page shorter than the limit is the last.
	q.Set("limit", strconv.Itoa(MaxDeliveriesPage))
	after := f.After
	var out []Delivery
	for {
		q.Set("after", strconv.FormatInt(after, 10))
		var page []Delivery
		if err := c.do(ctx, http.MethodGet, "deliveries?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < MaxDeliveriesPage {
			break
		}
		after = page[len(page)-1].ID
	}
	for i := range out {
		out[i].Duration = time.Duration(out[i].DurationMS * float64(time.Millisecond))
	}
	return out, nil
}

// Stats returns the mock's counters (GET /_mock/stats).
func (c *ControlClient) Stats(ctx context.Context) (Stats, error) {
	var out Stats
	err := c.do(ctx, http.MethodGet, "stats", nil, &out)
	return out, err
}

// ClockState returns the mock clock's reading (GET /_mock/clock).
func (c *ControlClient) ClockState(ctx context.Context) (ClockState, error) {
	var out ClockState
	err := c.do(ctx, http.MethodGet, "clock", nil, &out)
	return out, err
}

// Advance moves the mock's manual clock forward by d and returns its new
// reading (POST /_mock/clock/advance).
func (c *ControlClient) Advance(ctx context.Context, d time.Duration) (ClockState, error) {
	var out ClockState
	err := c.do(ctx, http.MethodPost, "clock/advance", map[string]Duration{"duration": {d}}, &out)
	return out, err
}

// FireEvent fires an event of type typ on ref with params, as
// [Server.FireEvent] does, and returns the event id (POST /_mock/events).
func (c *ControlClient) FireEvent(ctx context.Context, ref Ref, typ string, params map[string]string) (int64, error) {
	body := struct {
		RefType string            `json:"ref_type"`
		RefID   int64             `json:"ref_id"`
		Type    string            `json:"type"`
		Params  map[string]string `json:"params,omitempty"`
	}{ref.Type, ref.ID, typ, params}
	var out struct {
		EventID int64 `json:"event_id"`
	}
	err := c.do(ctx, http.MethodPost, "events", body, &out)
	return out.EventID, err
}

// Fire is [ControlClient.FireEvent] with the ref given as its type and
// id: the form of a caller that does not import this package, such as
// `devhook trigger`, which takes it through an interface of its own.
func (c *ControlClient) Fire(ctx context.Context, refType string, refID int64, typ string, params map[string]string) (int64, error) {
	return c.FireEvent(ctx, Ref{Type: refType, ID: refID}, typ, params)
}

// HookCount returns how many live hooks of event type typ are registered
// on refType refID, and how many of those are active (GET /_mock/hooks).
func (c *ControlClient) HookCount(ctx context.Context, refType string, refID int64, typ string) (n, active int, err error) {
	hooks, err := c.Hooks(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, h := range hooks {
		if h.RefType == refType && h.RefID == refID && h.Type == typ {
			n++
			if h.Status == "active" {
				active++
			}
		}
	}
	return n, active, nil
}

// CurrentFaults returns the faults in force (GET /_mock/faults).
func (c *ControlClient) CurrentFaults(ctx context.Context) (Faults, error) {
	var out Faults
	err := c.do(ctx, http.MethodGet, "faults", nil, &out)
	return out, err
}

// AddFaults adds f to the faults in force and returns them all
// (POST /_mock/faults).
func (c *ControlClient) AddFaults(ctx context.Context, f Faults) (Faults, error) {
	var out Faults
	err := c.do(ctx, http.MethodPost, "faults", f, &out)
	return out, err
}

// ClearFaults removes every fault (DELETE /_mock/faults).
func (c *ControlClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}

// Reset empties the mock and loads its seed again (POST /_mock/reset).
func (c *ControlClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "reset", nil, nil)
}

// AwaitDelivery polls the mock until a recorded delivery satisfies match
// and returns it, like [Server.AwaitDelivery]. It fails when ctx ends or
// a call fails.
func (c *ControlClient) AwaitDelivery(ctx context.Context, match func(Delivery) bool) (Delivery, error) {
	var after int64
	var found *Delivery
	err := c.poll(ctx, func() (bool, error) {
		ds, err := c.Deliveries(ctx, DeliveryFilter{After: after})
		if err != nil {
			return false, err
		}
		for i := range ds {
			if match(ds[i]) {
				found = &ds[i]
				return true, nil
			}
			after = ds[i].ID
		}
		return false, nil
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("mockpodio: await delivery: %w", err)
	}
	return *found, nil
}

// AwaitHook polls the mock until hook id's snapshot satisfies match and
// returns it, like [Server.AwaitHook]. It fails when ctx ends or a call
// fails.
func (c *ControlClient) AwaitHook(ctx context.Context, id int64, match func(Hook) bool) (Hook, error) {
	var found Hook
	err := c.poll(ctx, func() (bool, error) {
		hooks, err := c.Hooks(ctx)
		if err != nil {
			return false, err
		}
		for _, h := range hooks {
			if h.HookID == id && match(h) {
				found = h
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return Hook{}, fmt.Errorf("mockpodio: await hook %d: %w", id, err)
	}
	return found, nil
}

// poll calls try until it reports done, fails, or ctx ends.
func (c *ControlClient) poll(ctx context.Context, try func() (bool, error)) error {
	every := c.PollInterval
	if every <= 0 {
		every = 20 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		done, err := try()
		if done || err != nil {
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// do makes one control call: body, if any, as JSON; a 2xx answer decoded
// into out unless out is nil.
func (c *ControlClient) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+"/_mock/"+path, r)
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxControlAnswer))
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("%s /_mock/%s: %w", method, path, parseAPIError(res.StatusCode, raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("mockpodio: %s /_mock/%s: decode %.200q: %w", method, path, raw, err)
		}
	}
	return nil
}
