package mockpodio_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestControlClient drives a mock's control API over HTTP, as devhook
// trigger --mock does: the hooks it lists are the server's, an event it
// fires is delivered, and a refused call is an *APIError with the mock's
// status and Podio error code.
func TestControlClient(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", mockpodio.NewReceiver(t, s))
	if err != nil {
		t.Fatal(err)
	}
	hook := h.HookID
	c := &mockpodio.ControlClient{URL: s.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}}

	hooks, err := c.Hooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].HookID != hook || hooks[0].Status != "active" {
		t.Errorf("Hooks = %+v, want hook %d, active", hooks, hook)
	}

	id, err := c.FireEvent(ctx, "app", mockpodio.DefaultAppID, "item.create", map[string]string{"external_id": "cc"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.EventID == id })
	if err != nil {
		t.Fatal(err)
	}
	if d.HookID != hook || d.Params["external_id"] != "cc" || d.Outcome != mockpodio.OutcomeDelivered {
		t.Errorf("delivery = %+v, want item.create with external_id cc delivered to hook %d", d, hook)
	}

	_, err = c.FireEvent(ctx, "app", mockpodio.DefaultAppID, "no.such", nil)
	ae, ok := errors.AsType[*mockpodio.APIError](err)
	if !ok || ae.StatusCode != http.StatusBadRequest || ae.Code != "invalid_value" {
		t.Errorf("FireEvent of an unknown type: %v, want a 400 invalid_value *APIError", err)
	}
}
