package podio

import (
	"context"
	"fmt"
	"net/http"
)

// App is a Podio app as GET /app/{app_id} returns it: what devhook needs
// of it.
type App struct {
	// AppID is the app's id.
	AppID int64
	// SpaceID is the workspace the app is in.
	SpaceID int64
	// Name is config.name.
	Name string
	// ItemName is config.item_name, what one item is called.
	ItemName string
	// Fields are the app's fields, in order.
	Fields []AppField
}

// AppField is one field of an [App].
type AppField struct {
	// FieldID is the field's id.
	FieldID int64
	// ExternalID is the field's external_id, such as "title".
	ExternalID string
	// Type is the field type, such as "text" or "category".
	Type string
	// Label is config.label.
	Label string
}

// appJSON is an app on the wire.
type appJSON struct {
	AppID   int64 `json:"app_id"`
	SpaceID int64 `json:"space_id"`
	Config  struct {
		Name     string `json:"name"`
		ItemName string `json:"item_name"`
	} `json:"config"`
	Fields []struct {
		FieldID    int64  `json:"field_id"`
		ExternalID string `json:"external_id"`
		Type       string `json:"type"`
		Config     struct {
			Label string `json:"label"`
		} `json:"config"`
	} `json:"fields"`
}

// AppConfig is what [Client.CreateApp] and [Client.UpdateApp] send as an
// app's config.
type AppConfig struct {
	Name     string `json:"name"`
	ItemName string `json:"item_name,omitempty"`
}

// GetApp returns an app with GET /app/{appID}.
func (c *Client) GetApp(ctx context.Context, appID int64) (App, error) {
	var out appJSON
	if _, err := c.call(ctx, http.MethodGet, "/app/"+id(appID), nil, nil, &out); err != nil {
		return App{}, fmt.Errorf("get app %d: %w", appID, err)
	}
	a := App{AppID: out.AppID, SpaceID: out.SpaceID, Name: out.Config.Name, ItemName: out.Config.ItemName}
	for _, f := range out.Fields {
		a.Fields = append(a.Fields, AppField{FieldID: f.FieldID, ExternalID: f.ExternalID, Type: f.Type, Label: f.Config.Label})
	}
	return a, nil
}

// CreateApp adds an app to a space with POST /app/, body {"space_id",
// "config"}, and returns its id. opts.NoHook keeps it from firing
// app.create; opts.ExternalID is not used.
func (c *Client) CreateApp(ctx context.Context, spaceID int64, config AppConfig, opts WriteOptions) (int64, error) {
	in := struct {
		SpaceID int64     `json:"space_id"`
		Config  AppConfig `json:"config"`
	}{spaceID, config}
	var out struct {
		AppID int64 `json:"app_id"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/app/", opts.query(), in, &out); err != nil {
		return 0, fmt.Errorf("create app in space %d: %w", spaceID, err)
	}
	return out.AppID, nil
}

// UpdateApp changes an app's config with PUT /app/{appID}, body
// {"config"}. Podio fires app.update even when nothing changed.
func (c *Client) UpdateApp(ctx context.Context, appID int64, config AppConfig, opts WriteOptions) error {
	in := struct {
		Config AppConfig `json:"config"`
	}{config}
	if _, err := c.call(ctx, http.MethodPut, "/app/"+id(appID), opts.query(), in, nil); err != nil {
		return fmt.Errorf("update app %d: %w", appID, err)
	}
	return nil
}

// DeleteApp deletes an app with DELETE /app/{appID}.
func (c *Client) DeleteApp(ctx context.Context, appID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/app/"+id(appID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete app %d: %w", appID, err)
	}
	return nil
}
