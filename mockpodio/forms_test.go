package mockpodio_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// formEntry is Podio's Form (net Models/Form.cs).
type formEntry struct {
	FormID      int64            `json:"form_id"`
	AppID       int64            `json:"app_id"`
	SpaceID     int64            `json:"space_id"`
	Status      string           `json:"status"`
	Settings    map[string]any   `json:"settings"`
	Domains     []string         `json:"domains"`
	Fields      []map[string]any `json:"fields"`
	Attachments bool             `json:"attachments"`
}

// wantForm checks a form after a request; nil want means it is gone.
func wantForm(name string, want func(w w2World) *formEntry) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		got := do(t, w.s, w.token, "GET", "/form/"+itoa(w.ids[name]), nil)
		exp := want(w)
		if exp == nil {
			if got.Status != 404 {
				t.Errorf("GET form %s = %d, want 404", name, got.Status)
			}
			return
		}
		mustStatus(t, "get form", got, 200)
		checkDecoded(t, got.Raw, *exp)
	}
}

// seededForm is the world's form as made.
func seededForm(w w2World) *formEntry {
	return &formEntry{FormID: w.ids["form"], AppID: seedAppID, SpaceID: seedSpaceID, Status: "active",
		Settings: map[string]any{"theme": "light"}, Domains: []string{"example.com"},
		Fields: []map[string]any{{"field_id": float64(seedTitleField)}}}
}

func TestFormRoutes(t *testing.T) {
	with := func(f func(*formEntry)) func(w w2World) *formEntry {
		return func(w w2World) *formEntry { e := seededForm(w); f(e); return e }
	}
	gone := func(w2World) *formEntry { return nil }
	tests := []routeCase{
		{name: "create", method: "POST", path: "/form/app/3001/", body: `{"settings":{"captcha":true},"domains":[],"fields":[{"field_id":4002,"settings":{"required":true}}],"attachments":true}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				w.ids["new"] = num(t, field(t, res.Body, "form_id"))
				if diff := cmp.Diff([]string{"form_id"}, keysOf(res.Body)); diff != "" {
					t.Errorf("answer keys (-want +got):\n%s", diff)
				}
				wantForm("new", func(w w2World) *formEntry {
					return &formEntry{FormID: w.ids["new"], AppID: seedAppID, SpaceID: seedSpaceID, Status: "active",
						Settings: map[string]any{"captcha": true}, Domains: []string{},
						Fields: []map[string]any{{"field_id": float64(seedStatusField), "settings": map[string]any{"required": true}}}, Attachments: true}
				})(t, w, res)
			}},
		{name: "create without slash and body", method: "POST", path: "/form/app/3001", wantStatus: 200},
		{name: "create with another app's field", method: "POST", path: "/form/app/3001/", body: `{"fields":[{"field_id":99}]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with settings not an object", method: "POST", path: "/form/app/3001/", body: `{"settings":[1]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with domains not strings", method: "POST", path: "/form/app/3001/", body: `{"domains":[1]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create on an unknown app", method: "POST", path: "/form/app/9999/", body: `{}`, wantStatus: 404, wantErr: "not_found"},
		{name: "create without a token", method: "POST", path: "/form/app/3001/", body: `{}`, token: "-", wantStatus: 401, wantErr: "unauthorized"},
		{name: "get", method: "GET", path: "/form/{form}", wantStatus: 200, check: wantForm("form", seededForm)},
		{name: "get a deleted form", method: "GET", path: "/form/{deleted_form}", wantStatus: 404, wantErr: "not_found"},
		{name: "get an unknown form", method: "GET", path: "/form/1", wantStatus: 404, wantErr: "not_found"},
		{name: "list", method: "GET", path: "/form/app/3001/", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) { checkDecoded(t, res.Raw, []formEntry{*seededForm(w)}) }},
		{name: "list on an unknown app", method: "GET", path: "/form/app/9999/", wantStatus: 404, wantErr: "not_found"},
		{name: "update", method: "PUT", path: "/form/{form}", body: `{"domains":["a.example"]}`, wantStatus: 204,
			check: wantForm("form", with(func(e *formEntry) { e.Domains = []string{"a.example"} }))},
		{name: "update with another app's field", method: "PUT", path: "/form/{form}", body: `{"domains":["x"],"fields":[{"field_id":1}]}`, wantStatus: 400, wantErr: "invalid_value",
			check: wantForm("form", seededForm)},
		{name: "update a deleted form", method: "PUT", path: "/form/{deleted_form}", body: `{}`, wantStatus: 404, wantErr: "not_found"},
		{name: "update with malformed JSON", method: "PUT", path: "/form/{form}", body: `{`, wantStatus: 400, wantErr: "invalid_value", check: wantForm("form", seededForm)},
		{name: "deactivate", method: "POST", path: "/form/{form}/deactivate", wantStatus: 204,
			check: wantForm("form", with(func(e *formEntry) { e.Status = "disabled" }))},
		{name: "activate an active form", method: "POST", path: "/form/{form}/activate", wantStatus: 400, wantErr: "invalid_value", check: wantForm("form", seededForm)},
		{name: "deactivate a deleted form", method: "POST", path: "/form/{deleted_form}/deactivate", wantStatus: 404, wantErr: "not_found"},
		{name: "activate with a bad id", method: "POST", path: "/form/x/activate", wantStatus: 404, wantErr: "not_found"},
		{name: "delete", method: "DELETE", path: "/form/{form}", wantStatus: 204, check: wantForm("form", gone)},
		{name: "delete a deleted form", method: "DELETE", path: "/form/{deleted_form}", wantStatus: 404, wantErr: "not_found"},
	}
	runRouteCases(t, tests)
}

func TestFormActivateAfterDeactivate(t *testing.T) {
	w := newW2World(t)
	path := "/form/" + itoa(w.ids["form"])
	mustStatus(t, "deactivate", do(t, w.s, w.token, "POST", path+"/deactivate", nil), 204)
	res := do(t, w.s, w.token, "POST", path+"/deactivate", nil)
	if res.Status != 400 || errCode(res) != "invalid_value" {
		t.Errorf("deactivate a disabled form = %d %s, want 400", res.Status, res.Raw)
	}
	mustStatus(t, "activate", do(t, w.s, w.token, "POST", path+"/activate", nil), 204)
	wantForm("form", seededForm)(t, w, response{})
}
