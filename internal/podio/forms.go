package podio

import (
	"context"
	"fmt"
	"net/http"
)

// Form is a webform: what devhook needs of it.
type Form struct {
	// FormID is the form's id.
	FormID int64 `json:"form_id"`
	// AppID is the app it adds items to.
	AppID int64 `json:"app_id"`
	// Status is "active" or "disabled".
	Status string `json:"status"`
	// Domains are the sites it may be embedded on.
	Domains []string `json:"domains"`
}

// CreateForm creates a webform on an app with POST /form/app/{appID}/ and
// returns its id. It fires form.create unless opts.NoHook.
func (c *Client) CreateForm(ctx context.Context, appID int64, domains []string, opts WriteOptions) (int64, error) {
	if domains == nil {
		domains = []string{}
	}
	in := struct {
		Domains []string `json:"domains"`
	}{domains}
	var out struct {
		FormID int64 `json:"form_id"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/form/app/"+id(appID)+"/", opts.query(), in, &out); err != nil {
		return 0, fmt.Errorf("create form on app %d: %w", appID, err)
	}
	return out.FormID, nil
}

// GetForm returns a webform with GET /form/{formID}.
func (c *Client) GetForm(ctx context.Context, formID int64) (Form, error) {
	var out Form
	if _, err := c.call(ctx, http.MethodGet, "/form/"+id(formID), nil, nil, &out); err != nil {
		return Form{}, fmt.Errorf("get form %d: %w", formID, err)
	}
	return out, nil
}

// UpdateForm sets a webform's domains with PUT /form/{formID}. It fires
// form.update unless opts.NoHook.
func (c *Client) UpdateForm(ctx context.Context, formID int64, domains []string, opts WriteOptions) error {
	if domains == nil {
		domains = []string{}
	}
	in := struct {
		Domains []string `json:"domains"`
	}{domains}
	if _, err := c.call(ctx, http.MethodPut, "/form/"+id(formID), opts.query(), in, nil); err != nil {
		return fmt.Errorf("update form %d: %w", formID, err)
	}
	return nil
}

// DeleteForm deletes a webform with DELETE /form/{formID}. It fires
// form.delete unless opts.NoHook.
func (c *Client) DeleteForm(ctx context.Context, formID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/form/"+id(formID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete form %d: %w", formID, err)
	}
	return nil
}
