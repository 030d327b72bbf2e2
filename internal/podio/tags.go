package podio

import (
	"context"
	"fmt"
	"net/http"
)

// AddTags adds tags to an object (refType item or status) with
// POST /tag/{refType}/{refID}/, a bare JSON array; tags already there are
// kept. On an item it fires tag.add unless opts.NoHook.
func (c *Client) AddTags(ctx context.Context, refType string, refID int64, tags []string, opts WriteOptions) error {
	if tags == nil {
		tags = []string{}
	}
	if _, err := c.call(ctx, http.MethodPost, "/tag/"+refType+"/"+id(refID)+"/", opts.query(), tags, nil); err != nil {
		return fmt.Errorf("tag %s %d: %w", refType, refID, err)
	}
	return nil
}

// RemoveTag removes one tag from an object with
// DELETE /tag/{refType}/{refID}/?text=. On an item it fires tag.delete
// unless opts.NoHook.
func (c *Client) RemoveTag(ctx context.Context, refType string, refID int64, text string, opts WriteOptions) error {
	q := opts.query()
	q.Set("text", text)
	if _, err := c.call(ctx, http.MethodDelete, "/tag/"+refType+"/"+id(refID)+"/", q, nil, nil); err != nil {
		return fmt.Errorf("untag %s %d: %w", refType, refID, err)
	}
	return nil
}
