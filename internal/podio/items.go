package podio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// WriteOptions are the query flags of the write calls (items, comments,
// tasks, apps).
type WriteOptions struct {
	// NoHook sends hook=false: the change fires no hooks. A hook receiver
	// sets it when it writes back to the item that triggered it, so it
	// does not trigger itself forever.
	NoHook bool
	// Silent sends silent=true: no stream update and no notifications.
	// Hooks still fire.
	Silent bool
	// ExternalID is sent as the item's external_id by [Client.CreateItem]
	// and [Client.UpdateItem] when it is not empty. [Client.DeleteItem]
	// ignores it.
	ExternalID string
}

// query returns the hook and silent flags; false/true as podio-php, .NET
// and podio-py send them.
func (o WriteOptions) query() url.Values {
	q := url.Values{}
	if o.NoHook {
		q.Set("hook", "false")
	}
	if o.Silent {
		q.Set("silent", "true")
	}
	return q
}

// Item is a Podio item as the create and get calls return it.
type Item struct {
	// ItemID is the item's global id.
	ItemID int64
	// AppItemID is the item's number within its app.
	AppItemID int64
	// AppID is the app the item is in (app.app_id).
	AppID int64
	// Revision is the revision counter; the creation revision is 0.
	Revision int
	// Title is the item's title.
	Title string
	// ExternalID is the item's external_id; empty when it has none.
	ExternalID string
	// CurrentRevisionID is current_revision.item_revision_id, the id that
	// hook events carry as item_revision_id (not the Revision counter).
	CurrentRevisionID int64
	// Fields is the raw JSON "fields" array, for callers that need values.
	Fields json.RawMessage
}

// itemJSON is an item on the wire.
type itemJSON struct {
	ItemID    int64 `json:"item_id"`
	AppItemID int64 `json:"app_item_id"`
	App       *struct {
		AppID int64 `json:"app_id"`
	} `json:"app"`
	Revision        int     `json:"revision"`
	Title           string  `json:"title"`
	ExternalID      *string `json:"external_id"`
	CurrentRevision *struct {
		ItemRevisionID int64 `json:"item_revision_id"`
	} `json:"current_revision"`
	Fields json.RawMessage `json:"fields"`
}

func (j itemJSON) item() Item {
	it := Item{
		ItemID:    j.ItemID,
		AppItemID: j.AppItemID,
		Revision:  j.Revision,
		Title:     j.Title,
		Fields:    j.Fields,
	}
	if j.ExternalID != nil {
		it.ExternalID = *j.ExternalID
	}
	if j.App != nil {
		it.AppID = j.App.AppID
	}
	if j.CurrentRevision != nil {
		it.CurrentRevisionID = j.CurrentRevision.ItemRevisionID
	}
	return it
}

// itemWrite is the body of create and update.
type itemWrite struct {
	ExternalID string         `json:"external_id,omitempty"`
	Fields     map[string]any `json:"fields"`
}

// CreateItem adds an item to an app with POST /item/app/{appID}/, body
// {"fields": fields} plus external_id from opts. fields is keyed by field
// external_id or field_id, each value in any form Podio accepts (a bare
// value, a list, {"sub_id": v}). It returns the item as Podio answers;
// fields missing from the answer stay zero.
func (c *Client) CreateItem(ctx context.Context, appID int64, fields map[string]any, opts WriteOptions) (Item, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	var out itemJSON
	in := itemWrite{ExternalID: opts.ExternalID, Fields: fields}
	if _, err := c.call(ctx, http.MethodPost, "/item/app/"+id(appID)+"/", opts.query(), in, &out); err != nil {
		return Item{}, fmt.Errorf("create item in app %d: %w", appID, err)
	}
	return out.item(), nil
}

// ItemUpdate is the answer to [Client.UpdateItem].
type ItemUpdate struct {
	// Changed is false when Podio answered 204 No Content, which it does
	// when the update changed nothing; Revision and Title are then zero.
	Changed bool
	// Revision is the item's new revision counter.
	Revision int
	// Title is the item's title after the update.
	Title string
}

// UpdateItem changes the given fields of an item with PUT /item/{itemID},
// body {"fields": fields} plus external_id from opts. Fields left out keep
// their values; an empty list clears a field.
func (c *Client) UpdateItem(ctx context.Context, itemID int64, fields map[string]any, opts WriteOptions) (ItemUpdate, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	var out struct {
		Revision int    `json:"revision"`
		Title    string `json:"title"`
	}
	in := itemWrite{ExternalID: opts.ExternalID, Fields: fields}
	status, err := c.call(ctx, http.MethodPut, "/item/"+id(itemID), opts.query(), in, &out)
	if status == http.StatusNoContent && errors.Is(err, ErrEmptyResponse) {
		return ItemUpdate{}, nil
	}
	if err != nil {
		return ItemUpdate{}, fmt.Errorf("update item %d: %w", itemID, err)
	}
	return ItemUpdate{Changed: true, Revision: out.Revision, Title: out.Title}, nil
}

// DeleteItem deletes an item with DELETE /item/{itemID}, sent with no
// body.
func (c *Client) DeleteItem(ctx context.Context, itemID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/item/"+id(itemID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete item %d: %w", itemID, err)
	}
	return nil
}

// GetItem returns an item with GET /item/{itemID}.
func (c *Client) GetItem(ctx context.Context, itemID int64) (Item, error) {
	var out itemJSON
	if _, err := c.call(ctx, http.MethodGet, "/item/"+id(itemID), nil, nil, &out); err != nil {
		return Item{}, fmt.Errorf("get item %d: %w", itemID, err)
	}
	return out.item(), nil
}
