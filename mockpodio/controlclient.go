package mockpodio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ControlClient calls the control API (/_mock/...) of a mock running in
// another process, such as `devhook mock`, the way `devhook trigger
// --mock` does. Podio's own routes are for a Podio client (devhook's is
// internal/podio); the control API is the mock's alone, so its client
// lives here. The zero value is not usable: set URL.
type ControlClient struct {
	// URL is the mock's base URL, e.g. "http://127.0.0.1:8080".
	URL string
	// HTTPClient sends the calls. nil means http.DefaultClient.
	HTTPClient *http.Client
}

// maxControlAnswer bounds how much of an answer the client reads.
const maxControlAnswer = 16 << 20

// Hooks returns every hook, as GET /_mock/hooks lists them.
func (c *ControlClient) Hooks(ctx context.Context) ([]Hook, error) {
	var out []Hook
	if err := c.call(ctx, http.MethodGet, "hooks", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FireEvent fires an event with POST /_mock/events, as [Server.FireEvent]
// does in process, and returns the event's id.
func (c *ControlClient) FireEvent(ctx context.Context, refType string, refID int64, typ string, params map[string]string) (int64, error) {
	in := map[string]any{"ref_type": refType, "ref_id": refID, "type": typ, "params": params}
	var out struct {
		EventID int64 `json:"event_id"`
	}
	if err := c.call(ctx, http.MethodPost, "events", in, &out); err != nil {
		return 0, err
	}
	return out.EventID, nil
}

// call sends one control call and decodes a 2xx answer into out. A
// non-2xx answer is an [*APIError] read from the mock's error body.
func (c *ControlClient) call(ctx context.Context, method, route string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("mockpodio: encode %s /_mock/%s: %w", method, route, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.URL, "/")+"/_mock/"+route, body)
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, route, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: %w", method, route, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxControlAnswer))
	if err != nil {
		return fmt.Errorf("mockpodio: %s /_mock/%s: read the answer: %w", method, route, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var eb errorBody
		snippet := strings.TrimSpace(string(raw[:min(len(raw), 300)]))
		ae := &APIError{StatusCode: resp.StatusCode, Description: snippet}
		if json.Unmarshal(raw, &eb) == nil && eb.Error != "" {
			ae.Code, ae.Description, ae.Detail, ae.Parameters = eb.Error, eb.Description, eb.ErrorDetail, eb.ErrorParameters
		}
		return fmt.Errorf("%s /_mock/%s: %w", method, route, ae)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("mockpodio: %s /_mock/%s: decode the answer: %w", method, route, err)
		}
	}
	return nil
}
