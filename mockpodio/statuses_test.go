package mockpodio_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// statusEntry is the part of Podio's Status the tests check.
type statusEntry struct {
	StatusID  int64    `json:"status_id"`
	Value     string   `json:"value"`
	RichValue string   `json:"rich_value"`
	SpaceID   int64    `json:"space_id"`
	CreatedBy byline   `json:"created_by"`
	CreatedOn string   `json:"created_on"`
	Tags      []string `json:"tags"`
	Files     []struct {
		FileID int64 `json:"file_id"`
	} `json:"files"`
}

// wantStatusValue checks a status's value, or that it is gone ("").
func wantStatusValue(name, value string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		got := do(t, w.s, w.token, "GET", "/status/"+itoa(w.ids[name]), nil)
		if value == "" {
			if got.Status != 404 {
				t.Errorf("GET status %s = %d, want 404", name, got.Status)
			}
			return
		}
		if got.Status != 200 || field(t, got.Body, "value") != value {
			t.Errorf("GET status %s = %d %s, want value %q", name, got.Status, got.Raw, value)
		}
	}
}

func TestStatusRoutes(t *testing.T) {
	app := byline{Type: "app", ID: seedAppID, Name: "Bugs"}
	tests := []routeCase{
		{name: "create", method: "POST", path: "/status/space/2001/", body: map[string]any{"value": "new"}, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				var got statusEntry
				decodeJSON(t, res.Raw, &got)
				want := statusEntry{StatusID: got.StatusID, Value: "new", RichValue: "new", SpaceID: 2001, CreatedBy: app,
					CreatedOn: "2026-11-25 10:00:00", Tags: []string{}}
				if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b []struct {
					FileID int64 `json:"file_id"`
				}) bool {
					return len(a) == len(b)
				})); diff != "" || got.StatusID <= w.ids["deleted_status"] {
					t.Errorf("status (-want +got):\n%s", diff)
				}
				w.ids["new"] = got.StatusID
				wantStatusValue("new", "new")(t, w, res)
			}},
		{name: "create without slash, with a file", method: "POST", path: "/status/space/2001", body: `{"value":"f","file_ids":[{free}]}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				w.ids["new"] = num(t, field(t, res.Body, "status_id"))
				wantContext("free", "status", "new")(t, w, res)
			}},
		{name: "create in a new space", method: "POST", path: "/status/space/7777/", body: `{"value":"x"}`, wantStatus: 200},
		{name: "create without value", method: "POST", path: "/status/space/2001/", body: `{}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with a blank value", method: "POST", path: "/status/space/2001/", body: `{"value":" "}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with value a number", method: "POST", path: "/status/space/2001/", body: `{"value":5}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with an attached file", method: "POST", path: "/status/space/2001/", body: `{"value":"x","file_ids":[{attached}]}`, wantStatus: 400, wantErr: "invalid_value",
			check: wantContext("attached", "item", "item")},
		{name: "create in a bad space id", method: "POST", path: "/status/space/x/", body: `{"value":"x"}`, wantStatus: 404, wantErr: "not_found"},
		{name: "create without a token", method: "POST", path: "/status/space/2001/", body: `{"value":"x"}`, token: "-", wantStatus: 401, wantErr: "unauthorized"},
		{name: "get", method: "GET", path: "/status/{status}", wantStatus: 200, check: wantStatusValue("status", "hi")},
		{name: "get a deleted status", method: "GET", path: "/status/{deleted_status}", wantStatus: 404, wantErr: "not_found"},
		{name: "get an unknown status", method: "GET", path: "/status/1", wantStatus: 404, wantErr: "not_found"},
		{name: "update", method: "PUT", path: "/status/{status}", body: `{"value":"changed"}`, wantStatus: 204, check: wantStatusValue("status", "changed")},
		{name: "update files", method: "PUT", path: "/status/{status}", body: `{"file_ids":[{free}]}`, wantStatus: 204,
			check: checks(wantStatusValue("status", "hi"), wantContext("free", "status", "status"))},
		{name: "update with a blank value", method: "PUT", path: "/status/{status}", body: `{"value":""}`, wantStatus: 400, wantErr: "invalid_value", check: wantStatusValue("status", "hi")},
		{name: "update with an unknown file", method: "PUT", path: "/status/{status}", body: `{"value":"v","file_ids":[3]}`, wantStatus: 400, wantErr: "invalid_value", check: wantStatusValue("status", "hi")},
		{name: "update a deleted status", method: "PUT", path: "/status/{deleted_status}", body: `{"value":"x"}`, wantStatus: 404, wantErr: "not_found"},
		{name: "update with malformed JSON", method: "PUT", path: "/status/{status}", body: `{"value":`, wantStatus: 400, wantErr: "invalid_value", check: wantStatusValue("status", "hi")},
		{name: "delete", method: "DELETE", path: "/status/{status}", wantStatus: 204, check: wantStatusValue("status", "")},
		{name: "delete a deleted status", method: "DELETE", path: "/status/{deleted_status}", wantStatus: 404, wantErr: "not_found"},
		{name: "delete with a bad id", method: "DELETE", path: "/status/0", wantStatus: 404, wantErr: "not_found"},
	}
	runRouteCases(t, tests)
}

func TestStatusInStrictModeNeedsTheSpace(t *testing.T) {
	s := newServer(t, withSeed(t, true))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res := do(t, s, tok, "POST", "/status/space/7777/", map[string]any{"value": "x"})
	if res.Status != 404 || errCode(res) != "not_found" {
		t.Errorf("status in an unknown space, strict = %d %s, want 404 not_found", res.Status, res.Raw)
	}
	mustStatus(t, "status in the seeded space", do(t, s, tok, "POST", "/status/space/2001/", map[string]any{"value": "x"}), 200)
}
