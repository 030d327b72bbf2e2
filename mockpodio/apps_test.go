package mockpodio_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// appJSON is the part of an app the tests check.
type appJSON struct {
	AppID   int64 `json:"app_id"`
	SpaceID int64 `json:"space_id"`
	Status  string
	Config  struct {
		Name     string `json:"name"`
		ItemName string `json:"item_name"`
	} `json:"config"`
	Fields []struct {
		ExternalID string `json:"external_id"`
		Type       string `json:"type"`
		Label      string `json:"label"`
	} `json:"fields"`
}

// appSummary renders an app as "space name/item_name: ext:type ...".
func appSummary(a appJSON) string {
	out := itoa(a.SpaceID) + " " + a.Config.Name + "/" + a.Config.ItemName + ":"
	for _, f := range a.Fields {
		out += " " + f.ExternalID + ":" + f.Type
	}
	return out
}

func TestCreateApp(t *testing.T) {
	fields := []any{
		map[string]any{"type": "text", "config": map[string]any{"label": "Title"}},
		map[string]any{"type": "category", "external_id": "state", "config": map[string]any{"label": "State",
			"settings": map[string]any{"options": []any{map[string]any{"id": 1, "text": "New"}}}}},
	}
	tests := []struct {
		name       string
		strict     bool
		path       string
		body       any
		wantStatus int
		wantErr    string
		want       string // appSummary of GET /app/{id}
	}{
		{name: "trailing slash", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "Leads", "item_name": "Lead"}},
			wantStatus: 200, want: "2001 Leads/Lead:"},
		{name: "no trailing slash", path: "/app", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "Leads"}},
			wantStatus: 200, want: "2001 Leads/Item:"},
		{name: "space_id as a string", path: "/app/", body: map[string]any{"space_id": "2001", "config": map[string]any{"name": "Leads"}},
			wantStatus: 200, want: "2001 Leads/Item:"},
		{name: "with fields", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "Leads"}, "fields": fields},
			wantStatus: 200, want: "2001 Leads/Item: title:text state:category"},
		{name: "JSON without Content-Type", path: "/app/", body: `{"space_id":2001,"config":{"name":"Leads"}}`,
			wantStatus: 200, want: "2001 Leads/Item:"},
		{name: "unknown space is made when permissive", path: "/app/", body: map[string]any{"space_id": 888, "config": map[string]any{"name": "Leads"}},
			wantStatus: 200, want: "888 Leads/Item:"},
		{name: "hook=false", path: "/app/?hook=false", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "Leads"}},
			wantStatus: 200, want: "2001 Leads/Item:"},
		{name: "space_id missing", path: "/app/", body: map[string]any{"config": map[string]any{"name": "Leads"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "space_id not a number", path: "/app/", body: map[string]any{"space_id": "abc", "config": map[string]any{"name": "Leads"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "name missing", path: "/app/", body: map[string]any{"space_id": 2001}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "name blank", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "  "}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown field type", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "L"},
			"fields": []any{map[string]any{"type": "hologram", "config": map[string]any{"label": "X"}}}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "field without label or external_id", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "L"},
			"fields": []any{map[string]any{"type": "text"}}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "two fields with one external_id", path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "L"},
			"fields": []any{map[string]any{"type": "text", "external_id": "a"}, map[string]any{"type": "number", "external_id": "a"}}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "empty body", path: "/app/", body: "", wantStatus: 400, wantErr: "invalid_value"},
		{name: "null body", path: "/app/", body: "null", wantStatus: 400, wantErr: "invalid_value"},
		{name: "body not JSON", path: "/app/", body: "{", wantStatus: 400, wantErr: "invalid_value"},
		{name: "strict: seeded space", strict: true, path: "/app/", body: map[string]any{"space_id": 2001, "config": map[string]any{"name": "Leads"}},
			wantStatus: 200, want: "2001 Leads/Item:"},
		{name: "strict: unknown space", strict: true, path: "/app/", body: map[string]any{"space_id": 888, "config": map[string]any{"name": "Leads"}},
			wantStatus: 404, wantErr: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, tt.strict))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			res := do(t, s, token, "POST", tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("POST %s = %d %q, want %d %q: %s", tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if diff := cmp.Diff([]string{"app_id"}, keysOf(res.Body)); diff != "" {
				t.Errorf("response keys (-want +got):\n%s", diff)
			}
			id := num(t, field(t, res.Body, "app_id"))
			got := do(t, s, token, "GET", "/app/"+itoa(id), nil)
			mustStatus(t, "GET app", got, 200)
			var a appJSON
			decodeJSON(t, got.Raw, &a)
			if a.AppID != id {
				t.Errorf("GET app_id = %d, want %d", a.AppID, id)
			}
			if s := appSummary(a); s != tt.want {
				t.Errorf("app = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestUpdateDeleteApp(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string // %d is the app id
		body       any
		wantStatus int
		wantErr    string
		want       string // appSummary after; "" when deleted
	}{
		{name: "PUT name", method: "PUT", path: "/app/%d", body: map[string]any{"config": map[string]any{"name": "New"}},
			wantStatus: 204, want: "2001 New/Item:"},
		{name: "PUT, trailing slash", method: "PUT", path: "/app/%d/", body: map[string]any{"config": map[string]any{"item_name": "Thing"}},
			wantStatus: 204, want: "2001 Old/Thing:"},
		{name: "PUT, add a field", method: "PUT", path: "/app/%d", body: map[string]any{"fields": []any{map[string]any{"type": "number", "external_id": "n"}}},
			wantStatus: 204, want: "2001 Old/Item: n:number"},
		{name: "PUT, hook=false", method: "PUT", path: "/app/%d?hook=false", body: map[string]any{"config": map[string]any{"name": "New"}},
			wantStatus: 204, want: "2001 New/Item:"},
		{name: "PUT, null body", method: "PUT", path: "/app/%d", body: "null", wantStatus: 204, want: "2001 Old/Item:"},
		{name: "PUT, blank name", method: "PUT", path: "/app/%d", body: map[string]any{"config": map[string]any{"name": ""}},
			wantStatus: 400, wantErr: "invalid_value", want: "2001 Old/Item:"},
		{name: "PUT, unknown app", method: "PUT", path: "/app/99999", body: map[string]any{"config": map[string]any{"name": "New"}},
			wantStatus: 404, wantErr: "not_found", want: "2001 Old/Item:"},
		{name: "DELETE", method: "DELETE", path: "/app/%d", wantStatus: 204},
		{name: "DELETE, trailing slash", method: "DELETE", path: "/app/%d/", wantStatus: 204},
		{name: "DELETE, null body", method: "DELETE", path: "/app/%d", body: "null", wantStatus: 204},
		{name: "DELETE, hook=no", method: "DELETE", path: "/app/%d?hook=no", wantStatus: 204},
		{name: "DELETE, unknown app", method: "DELETE", path: "/app/99999", wantStatus: 404, wantErr: "not_found", want: "2001 Old/Item:"},
		{name: "DELETE, id not a number", method: "DELETE", path: "/app/abc", wantStatus: 404, wantErr: "not_found", want: "2001 Old/Item:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := do(t, s, token, "POST", "/app/", map[string]any{"space_id": 2001, "config": map[string]any{"name": "Old"}})
			mustStatus(t, "create app", c, 200)
			id := num(t, field(t, c.Body, "app_id"))
			res := do(t, s, token, tt.method, sprintfID(tt.path, id), tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("%s %s = %d %q, want %d %q: %s", tt.method, tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus == 204 && res.Raw != "" {
				t.Errorf("204 body = %q, want none", res.Raw)
			}
			after := do(t, s, token, "GET", "/app/"+itoa(id), nil)
			if tt.want == "" {
				if after.Status != 404 {
					t.Errorf("GET after delete = %d, want 404", after.Status)
				}
				if again := do(t, s, token, "DELETE", "/app/"+itoa(id), nil); again.Status != 404 {
					t.Errorf("second DELETE = %d, want 404", again.Status)
				}
				if item := do(t, s, token, "POST", "/item/app/"+itoa(id)+"/", map[string]any{}); item.Status != 404 {
					t.Errorf("item in a deleted app = %d, want 404", item.Status)
				}
				return
			}
			var a appJSON
			decodeJSON(t, after.Raw, &a)
			if got := appSummary(a); got != tt.want {
				t.Errorf("app after = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPermissiveSpacesKeepTheirIDs checks that a space the permissive
// mode makes on the fly (for an app, a task or a hook) is never handed out
// again as the default space of an app made by the app grant.
func TestPermissiveSpacesKeepTheirIDs(t *testing.T) {
	tests := []struct {
		name string
		// makeSpace makes space 2001 on the fly.
		makeSpace func(t *testing.T, s *mockpodio.Server, token string)
	}{
		{"app in an unknown space", func(t *testing.T, s *mockpodio.Server, token string) {
			mustStatus(t, "create app", do(t, s, token, "POST", "/app/", map[string]any{"space_id": 2001, "config": map[string]any{"name": "A"}}), 200)
		}},
		{"task on an unknown space", func(t *testing.T, s *mockpodio.Server, token string) {
			mustStatus(t, "create task", do(t, s, token, "POST", "/task/space/2001/", map[string]any{"text": "x"}), 200)
		}},
		{"task with ref_type space in the body", func(t *testing.T, s *mockpodio.Server, token string) {
			mustStatus(t, "create task", do(t, s, token, "POST", "/task/", map[string]any{"text": "x", "ref_type": "space", "ref_id": 2001}), 200)
		}},
		{"hook on an unknown space", func(t *testing.T, s *mockpodio.Server, token string) {
			mustStatus(t, "list hooks", do(t, s, token, "GET", "/hook/space/2001/", nil), 200)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			// A user token, so that no app (and no default space) exists yet.
			res := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {"ann@example.com"},
				"password": {"pw"}, "client_id": {"cid"}}, "", "")
			mustStatus(t, "password grant", res, 200)
			tt.makeSpace(t, s, field(t, res.Body, "access_token").(string))
			token := tokenFor(t, s, "43", "apptok") // makes app 43 in the default space
			app := do(t, s, token, "GET", "/app/43", nil)
			mustStatus(t, "GET app", app, 200)
			if got := num(t, field(t, app.Body, "space_id")); got == 2001 {
				t.Errorf("app 43 was put in space %d, the space made on the fly before", got)
			}
		})
	}
}
