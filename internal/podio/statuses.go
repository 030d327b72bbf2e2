package podio

import (
	"context"
	"fmt"
	"net/http"
)

// Status is a status message: what devhook needs of it.
type Status struct {
	// StatusID is the status's id.
	StatusID int64 `json:"status_id"`
	// Value is its text.
	Value string `json:"value"`
	// SpaceID is the space it was posted in.
	SpaceID int64 `json:"space_id"`
}

// CreateStatus posts a status message in a space with
// POST /status/space/{spaceID}/ and returns its id. It fires
// status.create on the space unless opts.NoHook.
func (c *Client) CreateStatus(ctx context.Context, spaceID int64, value string, opts WriteOptions) (int64, error) {
	in := struct {
		Value string `json:"value"`
	}{value}
	var out Status
	if _, err := c.call(ctx, http.MethodPost, "/status/space/"+id(spaceID)+"/", opts.query(), in, &out); err != nil {
		return 0, fmt.Errorf("create status in space %d: %w", spaceID, err)
	}
	return out.StatusID, nil
}

// GetStatus returns a status message with GET /status/{statusID}.
func (c *Client) GetStatus(ctx context.Context, statusID int64) (Status, error) {
	var out Status
	if _, err := c.call(ctx, http.MethodGet, "/status/"+id(statusID), nil, nil, &out); err != nil {
		return Status{}, fmt.Errorf("get status %d: %w", statusID, err)
	}
	return out, nil
}

// UpdateStatus changes a status message's text with PUT /status/{statusID}.
// It fires status.update unless opts.NoHook.
func (c *Client) UpdateStatus(ctx context.Context, statusID int64, value string, opts WriteOptions) error {
	in := struct {
		Value string `json:"value"`
	}{value}
	if _, err := c.call(ctx, http.MethodPut, "/status/"+id(statusID), opts.query(), in, nil); err != nil {
		return fmt.Errorf("update status %d: %w", statusID, err)
	}
	return nil
}

// DeleteStatus deletes a status message with DELETE /status/{statusID}. It
// fires status.delete unless opts.NoHook.
func (c *Client) DeleteStatus(ctx context.Context, statusID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/status/"+id(statusID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete status %d: %w", statusID, err)
	}
	return nil
}
