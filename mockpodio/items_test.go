package mockpodio_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// itemJSON is the item shape of https://developers.podio.com/doc/items.
type itemJSON struct {
	ItemID             int64           `json:"item_id"`
	AppItemID          int64           `json:"app_item_id"`
	AppItemIDFormatted string          `json:"app_item_id_formatted"`
	Revision           int             `json:"revision"`
	ExternalID         *string         `json:"external_id"`
	Title              string          `json:"title"`
	Link               string          `json:"link"`
	CreatedOn          string          `json:"created_on"`
	App                itemApp         `json:"app"`
	CreatedBy          byline          `json:"created_by"`
	CreatedVia         viaJSON         `json:"created_via"`
	CurrentRevision    itemRevision    `json:"current_revision"`
	Fields             []itemFieldJSON `json:"fields"`
}

type itemApp struct {
	AppID    int64  `json:"app_id"`
	Name     string `json:"name"`
	ItemName string `json:"item_name"`
	Status   string `json:"status"`
	SpaceID  int64  `json:"space_id"`
}

type itemRevision struct {
	ItemRevisionID int64   `json:"item_revision_id"`
	Revision       int     `json:"revision"`
	CreatedBy      byline  `json:"created_by"`
	CreatedVia     viaJSON `json:"created_via"`
	CreatedOn      string  `json:"created_on"`
}

type itemFieldJSON struct {
	FieldID    int64            `json:"field_id"`
	ExternalID string           `json:"external_id"`
	Label      string           `json:"label"`
	Type       string           `json:"type"`
	Values     []map[string]any `json:"values"`
}

// The seeded app's fields and values as an item shows them.
var (
	titleValues = func(vs ...string) itemFieldJSON {
		f := itemFieldJSON{FieldID: seedTitleField, ExternalID: "title", Label: "Title", Type: "text"}
		for _, v := range vs {
			f.Values = append(f.Values, map[string]any{"value": v})
		}
		return f
	}
	statusValue = func(id int, text, color string) itemFieldJSON {
		return itemFieldJSON{FieldID: seedStatusField, ExternalID: "status", Label: "Status", Type: "category",
			Values: []map[string]any{{"value": map[string]any{"id": float64(id), "text": text, "status": "active", "color": color}}}}
	}
	priorityValue = func(v string) itemFieldJSON {
		return itemFieldJSON{FieldID: seedPriorityField, ExternalID: "priority", Label: "Priority", Type: "number",
			Values: []map[string]any{{"value": v}}}
	}
)

func strp(s string) *string { return &s }

func TestItemShape(t *testing.T) {
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	created := do(t, s, token, "POST", "/item/app/3001/", map[string]any{
		"external_id": "bug-1", "fields": map[string]any{"title": "Crash", "status": 2, "priority": 3}})
	mustStatus(t, "create", created, 200)
	var fromCreate itemJSON
	decodeJSON(t, created.Raw, &fromCreate)
	id := fromCreate.ItemID

	by := byline{Type: "app", ID: seedAppID, Name: "Bugs"}
	via := viaJSON{ID: 1, Name: "devhook mockpodio"}
	want := itemJSON{
		ItemID: id, AppItemID: 1, AppItemIDFormatted: "1", Revision: 0, ExternalID: strp("bug-1"),
		Title: "Crash", CreatedOn: "2026-11-25 10:00:00",
		App:       itemApp{AppID: seedAppID, Name: "Bugs", ItemName: "Bug", Status: "active", SpaceID: seedSpaceID},
		CreatedBy: by, CreatedVia: via,
		CurrentRevision: itemRevision{Revision: 0, CreatedBy: by, CreatedVia: via, CreatedOn: "2026-11-25 10:00:00"},
		Fields:          []itemFieldJSON{titleValues("Crash"), statusValue(2, "In progress", "FFEC8A"), priorityValue("3.0000")},
	}
	ignore := cmpopts.IgnoreFields(itemJSON{}, "Link", "CurrentRevision.ItemRevisionID")
	paths := []string{"/item/" + itoa(id), "/item/" + itoa(id) + "/", "/item/" + itoa(id) + "?fields=files",
		"/item/app/3001/external_id/bug-1", "/item/app/3001/external_id/bug-1/", "/app/3001/item/1"}
	for _, path := range paths {
		t.Run("GET "+path, func(t *testing.T) {
			res := do(t, s, token, "GET", path, nil)
			mustStatus(t, "GET", res, 200)
			var got itemJSON
			decodeJSON(t, res.Raw, &got)
			if diff := cmp.Diff(want, got, ignore); diff != "" {
				t.Errorf("item (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(fromCreate, got); diff != "" {
				t.Errorf("GET differs from the create response (-create +get):\n%s", diff)
			}
			if got.CurrentRevision.ItemRevisionID <= 0 || got.Link == "" {
				t.Errorf("item_revision_id %d, link %q: want set", got.CurrentRevision.ItemRevisionID, got.Link)
			}
			if diff := cmp.Diff(bylineKeys, keysOf(field(t, res.Body, "created_by"))); diff != "" {
				t.Errorf("created_by keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(viaKeys, keysOf(field(t, res.Body, "created_via"))); diff != "" {
				t.Errorf("created_via keys (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("no external_id is null", func(t *testing.T) {
		res := do(t, s, token, "POST", "/item/app/3001/", map[string]any{"fields": map[string]any{"title": "x"}})
		mustStatus(t, "create", res, 200)
		if v, ok := res.Body.(map[string]any)["external_id"]; !ok || v != nil {
			t.Errorf("external_id = %v (present %v), want null", v, ok)
		}
	})
}

func TestCreateItem(t *testing.T) {
	tests := []struct {
		name       string
		strict     bool
		path       string // default /item/app/3001/
		body       any    // JSON-encoded unless a string, sent as it is with no Content-Type
		wantStatus int
		wantErr    string
		wantFields []itemFieldJSON
	}{
		{name: "object keyed by external_id", body: map[string]any{"fields": map[string]any{"title": "Crash", "status": 1, "priority": 2}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("Crash"), statusValue(1, "Open", "DCEBD8"), priorityValue("2.0000")}},
		{name: "object keyed by field_id", body: map[string]any{"fields": map[string]any{"4001": "Crash", "4003": "1.5"}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("Crash"), priorityValue("1.5000")}},
		{name: "array with external_id", body: map[string]any{"fields": []any{map[string]any{"external_id": "title", "values": []any{map[string]any{"value": "Crash"}}}}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("Crash")}},
		{name: "array with field_id", body: map[string]any{"fields": []any{map[string]any{"field_id": 4002, "values": []any{3}}}},
			wantStatus: 200, wantFields: []itemFieldJSON{statusValue(3, "Closed", "E1D8ED")}},
		{name: "value as [{sub: v}]", body: map[string]any{"fields": map[string]any{"title": []any{map[string]any{"value": "A"}}}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "value as [v]", body: map[string]any{"fields": map[string]any{"title": []any{"A"}}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "value as {sub: v}", body: map[string]any{"fields": map[string]any{"title": map[string]any{"value": "A"}}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "several values", body: map[string]any{"fields": map[string]any{"title": []any{"A", "B"}}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A", "B")}},
		{name: "category by option text", body: map[string]any{"fields": map[string]any{"status": "Closed"}},
			wantStatus: 200, wantFields: []itemFieldJSON{statusValue(3, "Closed", "E1D8ED")}},
		{name: "category as {value: {id}}", body: map[string]any{"fields": map[string]any{"status": map[string]any{"value": map[string]any{"id": 2}}}},
			wantStatus: 200, wantFields: []itemFieldJSON{statusValue(2, "In progress", "FFEC8A")}},
		{name: "number as a decimal string", body: map[string]any{"fields": map[string]any{"priority": "12"}},
			wantStatus: 200, wantFields: []itemFieldJSON{priorityValue("12.0000")}},
		{name: "unknown external_id makes a text field when permissive", body: map[string]any{"fields": map[string]any{"severity": "high"}},
			wantStatus: 200, wantFields: []itemFieldJSON{{ExternalID: "severity", Label: "severity", Type: "text", Values: []map[string]any{{"value": "high"}}}}},
		{name: "no fields", body: map[string]any{}, wantStatus: 200, wantFields: []itemFieldJSON{}},
		{name: "empty body", body: "", wantStatus: 200, wantFields: []itemFieldJSON{}},
		{name: "null body", body: "null", wantStatus: 200, wantFields: []itemFieldJSON{}},
		{name: "JSON without Content-Type", body: `{"fields":{"title":"Crash"}}`, wantStatus: 200, wantFields: []itemFieldJSON{titleValues("Crash")}},
		{name: "no trailing slash", path: "/item/app/3001", body: map[string]any{"fields": map[string]any{"title": "A"}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "with hook=false and silent=1", path: "/item/app/3001/?hook=false&silent=1", body: map[string]any{"fields": map[string]any{"title": "A"}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "unknown app is made when permissive", path: "/item/app/777/", body: map[string]any{"fields": map[string]any{"title": "A"}},
			wantStatus: 200, wantFields: []itemFieldJSON{{ExternalID: "title", Label: "title", Type: "text", Values: []map[string]any{{"value": "A"}}}}},
		{name: "category, no such option", body: map[string]any{"fields": map[string]any{"status": 9}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "number, not a number", body: map[string]any{"fields": map[string]any{"priority": "high"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "text, an object without value", body: map[string]any{"fields": map[string]any{"title": map[string]any{"x": 1}}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "fields a string", body: map[string]any{"fields": "title"}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "array element not an object", body: map[string]any{"fields": []any{"title"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "array element without external_id or field_id", body: map[string]any{"fields": []any{map[string]any{"values": []any{"A"}}}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown field_id", body: map[string]any{"fields": map[string]any{"999999": "A"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "external_id not a string", body: map[string]any{"external_id": 5}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "body not JSON", body: `{"fields":`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "app_id not a number", path: "/item/app/abc/", body: map[string]any{}, wantStatus: 404, wantErr: "not_found"},
		{name: "strict: seeded fields", strict: true, body: map[string]any{"fields": map[string]any{"title": "A"}},
			wantStatus: 200, wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "strict: unknown external_id", strict: true, body: map[string]any{"fields": map[string]any{"severity": "high"}}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "strict: unknown app", strict: true, path: "/item/app/777/", body: map[string]any{"fields": map[string]any{"title": "A"}}, wantStatus: 404, wantErr: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, tt.strict))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			path := tt.path
			if path == "" {
				path = "/item/app/3001/"
			}
			res := do(t, s, token, "POST", path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("POST %s = %d %q, want %d %q: %s", path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got itemJSON
			decodeJSON(t, res.Raw, &got)
			ignoreNewIDs := cmpopts.IgnoreFields(itemFieldJSON{}, "FieldID")
			opts := cmp.Options{cmpopts.EquateEmpty()}
			for _, f := range tt.wantFields {
				if f.FieldID == 0 {
					opts = append(opts, ignoreNewIDs)
					break
				}
			}
			if diff := cmp.Diff(tt.wantFields, got.Fields, opts); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if got.ItemID <= 0 || got.Revision != 0 || got.CurrentRevision.ItemRevisionID <= 0 {
				t.Errorf("item_id %d, revision %d, item_revision_id %d: want a new item at revision 0",
					got.ItemID, got.Revision, got.CurrentRevision.ItemRevisionID)
			}
			// What was stored is what GET returns.
			var again itemJSON
			decodeJSON(t, do(t, s, token, "GET", "/item/"+itoa(got.ItemID), nil).Raw, &again)
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("GET after create (-create +get):\n%s", diff)
			}
		})
	}
}

func TestUpdateItem(t *testing.T) {
	tests := []struct {
		name string
		// path is the request path; %d is the item id.
		method, path string
		body         any
		wantStatus   int
		wantErr      string
		wantBody     map[string]any // for 200
		wantRevision int            // after the call
		wantFields   []itemFieldJSON
	}{
		{name: "PUT item, one field", method: "PUT", path: "/item/%d", body: map[string]any{"fields": map[string]any{"title": "B"}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, trailing slash", method: "PUT", path: "/item/%d/", body: map[string]any{"fields": map[string]any{"title": "B"}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, current revision", method: "PUT", path: "/item/%d", body: map[string]any{"revision": 0, "fields": map[string]any{"status": "Closed"}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "A"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(3, "Closed", "E1D8ED")}},
		{name: "PUT item, stale revision", method: "PUT", path: "/item/%d", body: map[string]any{"revision": 5, "fields": map[string]any{"title": "B"}},
			wantStatus: 409, wantErr: "conflict", wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, array form", method: "PUT", path: "/item/%d", body: map[string]any{"fields": []any{map[string]any{"external_id": "priority", "values": []any{map[string]any{"value": 4}}}}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "A"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8"), priorityValue("4.0000")}},
		{name: "PUT item, [] clears a field", method: "PUT", path: "/item/%d", body: map[string]any{"fields": map[string]any{"status": []any{}}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "A"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("A")}},
		{name: "PUT item, external_id only", method: "PUT", path: "/item/%d", body: map[string]any{"external_id": "bug-2"},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "A"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, no change", method: "PUT", path: "/item/%d", body: map[string]any{"fields": map[string]any{"title": "A"}},
			wantStatus: 204, wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, JSON without Content-Type", method: "PUT", path: "/item/%d", body: `{"fields":{"title":"B"}}`,
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, hook=false and silent=true", method: "PUT", path: "/item/%d?hook=false&silent=true", body: map[string]any{"fields": map[string]any{"title": "B"}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, bad value", method: "PUT", path: "/item/%d", body: map[string]any{"fields": map[string]any{"status": "Nope"}},
			wantStatus: 400, wantErr: "invalid_value", wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT item, body not JSON", method: "PUT", path: "/item/%d", body: `{`,
			wantStatus: 400, wantErr: "invalid_value", wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT value", method: "PUT", path: "/item/%d/value", body: map[string]any{"title": "B", "priority": 7},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8"), priorityValue("7.0000")}},
		{name: "PUT value, trailing slash", method: "PUT", path: "/item/%d/value/", body: map[string]any{"title": "B"},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT value, array form", method: "PUT", path: "/item/%d/value", body: []any{map[string]any{"field_id": 4001, "values": []any{"B"}}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT value of one field", method: "PUT", path: "/item/%d/value/title", body: []any{map[string]any{"value": "B"}},
			wantStatus: 200, wantBody: map[string]any{"revision": 1.0, "title": "B"}, wantRevision: 1,
			wantFields: []itemFieldJSON{titleValues("B"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT value, no change", method: "PUT", path: "/item/%d/value", body: map[string]any{"title": "A"},
			wantStatus: 204, wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
		{name: "PUT value, unknown field_id", method: "PUT", path: "/item/%d/value", body: map[string]any{"999999": "B"},
			wantStatus: 400, wantErr: "invalid_value", wantRevision: 0,
			wantFields: []itemFieldJSON{titleValues("A"), statusValue(1, "Open", "DCEBD8")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			id := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "A", "status": 1}})
			before := itemRevisionID(t, s, token, id)
			path := sprintfID(tt.path, id)
			res := do(t, s, token, tt.method, path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("%s %s = %d %q, want %d %q: %s", tt.method, path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus == 200 {
				if diff := cmp.Diff(tt.wantBody, res.Body); diff != "" {
					t.Errorf("response (-want +got):\n%s", diff)
				}
			}
			if tt.wantStatus == 204 && res.Raw != "" {
				t.Errorf("204 body = %q, want none", res.Raw)
			}
			var got itemJSON
			decodeJSON(t, do(t, s, token, "GET", "/item/"+itoa(id), nil).Raw, &got)
			if got.Revision != tt.wantRevision || got.CurrentRevision.Revision != tt.wantRevision {
				t.Errorf("revision = %d, current_revision.revision = %d, want %d", got.Revision, got.CurrentRevision.Revision, tt.wantRevision)
			}
			if changed := got.CurrentRevision.ItemRevisionID != before; changed != (tt.wantRevision > 0) {
				t.Errorf("item_revision_id %d -> %d: changed %v, want %v", before, got.CurrentRevision.ItemRevisionID, changed, tt.wantRevision > 0)
			}
			if diff := cmp.Diff(tt.wantFields, got.Fields); diff != "" {
				t.Errorf("fields after (-want +got):\n%s", diff)
			}
		})
	}
}

// sprintfID puts id in place of the %d in path.
func sprintfID(path string, id int64) string { return strings.ReplaceAll(path, "%d", itoa(id)) }

// itemRevisionID returns the item's current_revision.item_revision_id.
func itemRevisionID(t *testing.T, s *mockpodio.Server, token string, id int64) int64 {
	t.Helper()
	var it itemJSON
	decodeJSON(t, do(t, s, token, "GET", "/item/"+itoa(id), nil).Raw, &it)
	return it.CurrentRevision.ItemRevisionID
}

// TestItemNotThere checks every item route on items that do not exist or
// were deleted.
func TestItemNotThere(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	deleted := createItem(t, s, token, seedAppID, map[string]any{"external_id": "gone", "fields": map[string]any{"title": "A"}})
	mustStatus(t, "delete", do(t, s, token, "DELETE", "/item/"+itoa(deleted), nil), 204)
	d := itoa(deleted)
	tests := []struct {
		method, path string
		body         any
		wantStatus   int
		wantErr      string
	}{
		{"GET", "/item/99999999", nil, 404, "not_found"},
		{"GET", "/item/abc", nil, 404, "not_found"},
		{"GET", "/item/" + d, nil, 410, "gone"},
		{"PUT", "/item/99999999", map[string]any{"fields": map[string]any{"title": "B"}}, 404, "not_found"},
		{"PUT", "/item/" + d, map[string]any{"fields": map[string]any{"title": "B"}}, 410, "gone"},
		{"PUT", "/item/99999999/value", map[string]any{"title": "B"}, 404, "not_found"},
		{"PUT", "/item/" + d + "/value", map[string]any{"title": "B"}, 410, "gone"},
		{"DELETE", "/item/99999999", nil, 404, "not_found"},
		{"DELETE", "/item/" + d, nil, 410, "gone"},
		{"GET", "/item/app/3001/external_id/nope", nil, 404, "not_found"},
		{"GET", "/item/app/3001/external_id/gone", nil, 404, "not_found"},
		{"GET", "/item/app/3002/external_id/gone", nil, 404, "not_found"},
		{"GET", "/item/app/abc/external_id/gone", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := do(t, s, token, tt.method, tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Errorf("%s %s = %d %q, want %d %q: %s", tt.method, tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
		})
	}
}

func TestDeleteItem(t *testing.T) {
	tests := []struct {
		name string
		path string // %d is the item id
		body string
	}{
		{"no body", "/item/%d", ""},
		{"trailing slash", "/item/%d/", ""},
		{"null body", "/item/%d", "null"},
		{"empty object", "/item/%d", "{}"},
		{"hook=false", "/item/%d?hook=false", ""},
		{"silent=1", "/item/%d?silent=1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			id := createItem(t, s, token, seedAppID, map[string]any{"external_id": "x", "fields": map[string]any{"title": "A"}})
			res := doHeader(t, s, "OAuth2 "+token, "DELETE", sprintfID(tt.path, id), tt.body)
			if res.Status != 204 || res.Raw != "" {
				t.Fatalf("DELETE = %d %q, want 204 and no body", res.Status, res.Raw)
			}
			if got := do(t, s, token, "GET", "/item/"+itoa(id), nil); got.Status != 410 || errCode(got) != "gone" {
				t.Errorf("GET after delete = %d %q, want 410 gone", got.Status, errCode(got))
			}
			if got := do(t, s, token, "GET", "/item/app/3001/external_id/x", nil); got.Status != 404 {
				t.Errorf("GET by external_id after delete = %d, want 404", got.Status)
			}
		})
	}
}

func TestGetItemByExternalID(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := createItem(t, s, token, seedAppID, map[string]any{"external_id": "dup", "fields": map[string]any{"title": "first"}})
	createItem(t, s, token, seedAppID, map[string]any{"external_id": "dup", "fields": map[string]any{"title": "second"}})
	other := createItem(t, s, token, 3002, map[string]any{"external_id": "dup", "fields": map[string]any{"title": "other app"}})
	spaced := createItem(t, s, token, seedAppID, map[string]any{"external_id": "with space", "fields": map[string]any{"title": "s"}})
	tests := []struct {
		name string
		path string
		want int64
	}{
		{"first of two with the same external_id", "/item/app/3001/external_id/dup", first},
		{"trailing slash", "/item/app/3001/external_id/dup/", first},
		{"another app's item", "/item/app/3002/external_id/dup", other},
		{"escaped external_id", "/item/app/3001/external_id/with%20space", spaced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, token, "GET", tt.path, nil)
			mustStatus(t, "GET", res, 200)
			if got := num(t, field(t, res.Body, "item_id")); got != tt.want {
				t.Errorf("item_id = %d, want %d", got, tt.want)
			}
		})
	}
}
