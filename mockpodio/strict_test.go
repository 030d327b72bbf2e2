package mockpodio_test

import (
	"net/url"
	"testing"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// TestStrictMode runs the routes against the default seed with Strict
// set: only the seeded clients, apps, fields, spaces and users exist.
func TestStrictMode(t *testing.T) {
	seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, func(s *mockpodio.Server) { s.Seed = seed; s.Strict = true })
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {seedUsername}, "password": {seedPassword}},
		seedClientID, seedClientSecret)
	mustStatus(t, "password grant", res, 200)
	userToken := field(t, res.Body, "access_token").(string)
	rc := mockpodio.NewReceiver(t, s)
	rc.IgnoreVerify()
	hook := func(typ string) map[string]string { return map[string]string{"url": rc.URL, "type": typ} }

	tests := []struct {
		name         string
		token        string
		method, path string
		body         any
		wantStatus   int
		wantErr      string
	}{
		{"hook on the seeded app", token, "POST", "/hook/app/3001/", hook("item.create"), 200, ""},
		{"hook on an unknown app", token, "POST", "/hook/app/42/", hook("item.create"), 404, "not_found"},
		{"hooks of an unknown app", token, "GET", "/hook/app/42/", nil, 404, "not_found"},
		{"hooks of the seeded app, user token", userToken, "GET", "/hook/app/3001/", nil, 200, ""},
		{"hook on the seeded space", token, "POST", "/hook/space/2001/", hook("task.create"), 200, ""},
		{"hook on an unknown space", token, "POST", "/hook/space/999/", hook("task.create"), 404, "not_found"},
		{"hook on a seeded field", token, "POST", "/hook/app_field/4002/", hook("item.update"), 200, ""},
		{"hook on an unknown field", token, "POST", "/hook/app_field/9999/", hook("item.update"), 404, "not_found"},
		{"hook on a seeded field, not an item event", token, "POST", "/hook/app_field/4002/", hook("comment.create"), 400, "invalid_value"},
		{"item with the seeded fields", token, "POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"title": "A", "status": "Closed", "priority": 2}}, 200, ""},
		{"item with field ids", token, "POST", "/item/app/3001/", map[string]any{"fields": []any{map[string]any{"field_id": 4001, "values": []any{"A"}}}}, 200, ""},
		{"item with an unknown external_id", token, "POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"severity": "high"}}, 400, "invalid_value"},
		{"item with another app's field id", token, "POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"9999": "x"}}, 400, "invalid_value"},
		{"item with an unknown category option", token, "POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"status": "Reopened"}}, 400, "invalid_value"},
		{"item in an unknown app", token, "POST", "/item/app/42/", map[string]any{"fields": map[string]any{"title": "A"}}, 404, "not_found"},
		{"item by external_id in an unknown app", token, "GET", "/item/app/42/external_id/x", nil, 404, "not_found"},
		{"task on the seeded space", token, "POST", "/task/space/2001/", map[string]any{"text": "x"}, 200, ""},
		{"task on an unknown space", token, "POST", "/task/space/999/", map[string]any{"text": "x"}, 404, "not_found"},
		{"task on the seeded app", token, "POST", "/task/app/3001/", map[string]any{"text": "x"}, 200, ""},
		{"task on an unknown app", token, "POST", "/task/app/42/", map[string]any{"text": "x"}, 404, "not_found"},
		{"app in the seeded space", token, "POST", "/app/", map[string]any{"space_id": 2001, "config": map[string]any{"name": "A"}}, 200, ""},
		{"app in an unknown space", token, "POST", "/app/", map[string]any{"space_id": 999, "config": map[string]any{"name": "A"}}, 404, "not_found"},
		{"the seeded app", token, "GET", "/app/3001", nil, 200, ""},
		{"an unknown app", token, "GET", "/app/42", nil, 404, "not_found"},
		{"update an unknown app", token, "PUT", "/app/42", map[string]any{"config": map[string]any{"name": "A"}}, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, tt.token, tt.method, tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Errorf("%s %s = %d %q, want %d %q: %s", tt.method, tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
		})
	}
}
