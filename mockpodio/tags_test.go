package mockpodio_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantTags checks the item's tags after a request.
func wantTags(name string, tags ...string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		if tags == nil {
			tags = []string{}
		}
		if diff := cmp.Diff(tags, itemTags(t, w, w.ids[name])); diff != "" {
			t.Errorf("%s tags (-want +got):\n%s", name, diff)
		}
	}
}

func TestTagRoutes(t *testing.T) {
	tests := []routeCase{
		{name: "add", method: "POST", path: "/tag/item/{item}/", body: []string{"c", "a"}, wantStatus: 204, check: wantTags("item", "a", "b", "c")},
		{name: "add without slash", method: "POST", path: "/tag/item/{item}", body: []string{"d"}, wantStatus: 204, check: wantTags("item", "a", "b", "d")},
		{name: "add duplicates", method: "POST", path: "/tag/item/{item2}/", body: []string{"x", "x", " y "}, wantStatus: 204, check: wantTags("item2", "b", "x", "y")},
		{name: "add nothing", method: "POST", path: "/tag/item/{item}/", body: "[]", wantStatus: 204, check: wantTags("item", "a", "b")},
		{name: "replace", method: "PUT", path: "/tag/item/{item}/", body: []string{"z"}, wantStatus: 204, check: wantTags("item", "z")},
		{name: "replace with none", method: "PUT", path: "/tag/item/{item}", body: "[]", wantStatus: 204, check: wantTags("item")},
		{name: "remove", method: "DELETE", path: "/tag/item/{item}/?text=a", wantStatus: 204, check: wantTags("item", "b")},
		{name: "remove without slash", method: "DELETE", path: "/tag/item/{item}?text=b", wantStatus: 204, check: wantTags("item", "a")},
		{name: "remove a missing tag", method: "DELETE", path: "/tag/item/{item}/?text=nope", wantStatus: 204, check: wantTags("item", "a", "b")},
		{name: "tag a status", method: "POST", path: "/tag/status/{status}/", body: []string{"s1"}, wantStatus: 204,
			check: func(t *testing.T, w w2World, res response) {
				got := do(t, w.s, w.token, "GET", w.expand("/status/{status}"), nil)
				if tags := field(t, got.Body, "tags"); !cmp.Equal(tags, []any{"s1"}) {
					t.Errorf("status tags = %v, want [s1]", tags)
				}
			}},
		{name: "remove without text", method: "DELETE", path: "/tag/item/{item}/", wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "body an object", method: "POST", path: "/tag/item/{item}/", body: map[string]any{"tags": []string{"c"}}, wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "body of numbers", method: "PUT", path: "/tag/item/{item}/", body: "[1,2]", wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "no body", method: "POST", path: "/tag/item/{item}/", wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "blank tag", method: "POST", path: "/tag/item/{item}/", body: []string{"c", " "}, wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "malformed JSON", method: "PUT", path: "/tag/item/{item}/", body: `["a"`, wantStatus: 400, wantErr: "invalid_value", check: wantTags("item", "a", "b")},
		{name: "unknown ref_type", method: "POST", path: "/tag/app/3001/", body: []string{"c"}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown item", method: "POST", path: "/tag/item/999999/", body: []string{"c"}, wantStatus: 404, wantErr: "not_found"},
		{name: "bad item id", method: "PUT", path: "/tag/item/x/", body: []string{"c"}, wantStatus: 404, wantErr: "not_found"},
		{name: "deleted item", method: "POST", path: "/tag/item/{deleted_item}/", body: []string{"c"}, wantStatus: 410, wantErr: "gone"},
		{name: "deleted status", method: "POST", path: "/tag/status/{deleted_status}/", body: []string{"c"}, wantStatus: 404, wantErr: "not_found"},
		{name: "no token", method: "POST", path: "/tag/item/{item}/", body: []string{"c"}, token: "-", wantStatus: 401, wantErr: "unauthorized", check: wantTags("item", "a", "b")},

		{name: "app tags", method: "GET", path: "/tag/app/3001/", wantStatus: 200, check: wantAppTags(`[{"count":2,"text":"b"},{"count":1,"text":"a"}]`)},
		{name: "app tags as rb sends it", method: "GET", path: "/tag/app/3001/?limit=&text=", wantStatus: 200, check: wantAppTags(`[{"count":2,"text":"b"},{"count":1,"text":"a"}]`)},
		{name: "app tags limited", method: "GET", path: "/tag/app/3001?limit=1", wantStatus: 200, check: wantAppTags(`[{"count":2,"text":"b"}]`)},
		{name: "app tags by text", method: "GET", path: "/tag/app/3001/?text=A", wantStatus: 200, check: wantAppTags(`[{"count":1,"text":"a"}]`)},
		{name: "app tags bad limit", method: "GET", path: "/tag/app/3001/?limit=x", wantStatus: 400, wantErr: "invalid_value"},
		{name: "app tags zero limit", method: "GET", path: "/tag/app/3001/?limit=0", wantStatus: 400, wantErr: "invalid_value"},
		{name: "app tags of an unknown app", method: "GET", path: "/tag/app/9999/", wantStatus: 404, wantErr: "not_found"},
	}
	runRouteCases(t, tests)
}

// wantAppTags checks a GET /tag/app/ answer.
func wantAppTags(want string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		var got, exp any
		decodeJSON(t, res.Raw, &got)
		decodeJSON(t, want, &exp)
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("app tags (-want +got):\n%s", diff)
		}
	}
}

func TestItemWriteTags(t *testing.T) {
	tests := []routeCase{
		{name: "update replaces tags", method: "PUT", path: "/item/{item}", body: map[string]any{"tags": []string{"b", "c"}}, wantStatus: 200, check: wantTags("item", "b", "c")},
		{name: "update with the same tags", method: "PUT", path: "/item/{item}", body: map[string]any{"tags": []string{"b", "a"}}, wantStatus: 204, check: wantTags("item", "a", "b")},
		{name: "update without tags keeps them", method: "PUT", path: "/item/{item}", body: map[string]any{"fields": map[string]any{"title": "new"}}, wantStatus: 200, check: wantTags("item", "a", "b")},
		{name: "update with a blank tag", method: "PUT", path: "/item/{item}", body: map[string]any{"fields": map[string]any{"title": "new"}, "tags": []string{""}}, wantStatus: 400, wantErr: "invalid_value",
			check: func(t *testing.T, w w2World, res response) {
				if got := do(t, w.s, w.token, "GET", w.expand("/item/{item}"), nil); field(t, got.Body, "title") != "one" {
					t.Errorf("title = %v after a refused update, want one", field(t, got.Body, "title"))
				}
			}},
		{name: "tags not strings", method: "POST", path: "/item/app/3001/", body: `{"tags":[1]}`, wantStatus: 400, wantErr: "invalid_value"},
	}
	runRouteCases(t, tests)
}
