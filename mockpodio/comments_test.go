package mockpodio_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// commentJSON is the comment shape of https://developers.podio.com/doc/comments.
type commentJSON struct {
	CommentID  int64   `json:"comment_id"`
	Value      string  `json:"value"`
	RichValue  string  `json:"rich_value"`
	ExternalID *string `json:"external_id"`
	Ref        struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"ref"`
	CreatedOn  string  `json:"created_on"`
	CreatedBy  byline  `json:"created_by"`
	CreatedVia viaJSON `json:"created_via"`
	Files      []any   `json:"files"`
	LikeCount  int     `json:"like_count"`
	IsLiked    bool    `json:"is_liked"`
	LastEditOn *string `json:"last_edit_on"`
}

func TestCreateComment(t *testing.T) {
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	item := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}})
	deleted := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "B"}})
	mustStatus(t, "delete", do(t, s, token, "DELETE", "/item/"+itoa(deleted), nil), 204)
	it := itoa(item)

	tests := []struct {
		name           string
		path           string
		body           any
		wantStatus     int
		wantErr        string
		wantValue      string
		wantExternalID *string
	}{
		{"trailing slash", "/comment/item/" + it + "/", map[string]any{"value": "hello"}, 200, "", "hello", nil},
		{"no trailing slash", "/comment/item/" + it, map[string]any{"value": "hello"}, 200, "", "hello", nil},
		{"with external_id", "/comment/item/" + it + "/", map[string]any{"value": "hi", "external_id": "c-1"}, 200, "", "hi", strp("c-1")},
		{"Java's query flags", "/comment/item/" + it + "?silent=0&hook=1", map[string]any{"value": "hello"}, 200, "", "hello", nil},
		{"alert_invite and hook=false", "/comment/item/" + it + "/?alert_invite=true&hook=false", map[string]any{"value": "hello"}, 200, "", "hello", nil},
		{"JSON without Content-Type", "/comment/item/" + it + "/", `{"value":"hello"}`, 200, "", "hello", nil},
		{"value missing", "/comment/item/" + it + "/", map[string]any{}, 400, "invalid_value", "", nil},
		{"value empty", "/comment/item/" + it + "/", map[string]any{"value": ""}, 400, "invalid_value", "", nil},
		{"value not a string", "/comment/item/" + it + "/", map[string]any{"value": 5}, 400, "invalid_value", "", nil},
		{"empty body", "/comment/item/" + it + "/", "", 400, "invalid_value", "", nil},
		{"null body", "/comment/item/" + it + "/", "null", 400, "invalid_value", "", nil},
		{"body not JSON", "/comment/item/" + it + "/", "{", 400, "invalid_value", "", nil},
		{"unknown item", "/comment/item/99999999/", map[string]any{"value": "hello"}, 404, "not_found", "", nil},
		{"deleted item", "/comment/item/" + itoa(deleted) + "/", map[string]any{"value": "hello"}, 410, "gone", "", nil},
		{"item id not a number", "/comment/item/abc/", map[string]any{"value": "hello"}, 404, "not_found", "", nil},
		{"ref_type the mock does not model", "/comment/status/1/", map[string]any{"value": "hello"}, 400, "invalid_value", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, token, "POST", tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("POST %s = %d %q, want %d %q: %s", tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got commentJSON
			decodeJSON(t, res.Raw, &got)
			want := commentJSON{Value: tt.wantValue, RichValue: tt.wantValue, ExternalID: tt.wantExternalID,
				CreatedOn: "2026-11-25 10:00:00", CreatedBy: byline{Type: "app", ID: seedAppID, Name: "Bugs"},
				CreatedVia: viaJSON{ID: 1, Name: "devhook mockpodio"}, Files: []any{}}
			want.Ref.Type, want.Ref.ID = "item", item
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(commentJSON{}, "CommentID")); diff != "" {
				t.Errorf("comment (-want +got):\n%s", diff)
			}
			if got.CommentID <= 0 {
				t.Errorf("comment_id = %d, want positive", got.CommentID)
			}
			var stored commentJSON
			decodeJSON(t, do(t, s, token, "GET", "/comment/"+itoa(got.CommentID), nil).Raw, &stored)
			if diff := cmp.Diff(got, stored); diff != "" {
				t.Errorf("GET /comment/%d (-create +get):\n%s", got.CommentID, diff)
			}
		})
	}
}

func TestDeleteComment(t *testing.T) {
	tests := []struct {
		name string
		path string // %d is the comment id
		body string
	}{
		{"no trailing slash", "/comment/%d", ""},
		{"trailing slash", "/comment/%d/", ""},
		{"null body", "/comment/%d/", "null"},
		{"empty object", "/comment/%d", "{}"},
		{"hook=false", "/comment/%d?hook=false", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			item := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}})
			c := do(t, s, token, "POST", "/comment/item/"+itoa(item)+"/", map[string]any{"value": "x"})
			mustStatus(t, "comment", c, 200)
			id := num(t, field(t, c.Body, "comment_id"))
			res := doHeader(t, s, "OAuth2 "+token, "DELETE", sprintfID(tt.path, id), tt.body)
			if res.Status != 204 || res.Raw != "" {
				t.Fatalf("DELETE = %d %q, want 204 and no body", res.Status, res.Raw)
			}
			if got := do(t, s, token, "GET", "/comment/"+itoa(id), nil); got.Status != 404 {
				t.Errorf("GET after delete = %d, want 404", got.Status)
			}
			if got := do(t, s, token, "DELETE", "/comment/"+itoa(id), nil); got.Status != 404 || errCode(got) != "not_found" {
				t.Errorf("second DELETE = %d %q, want 404 not_found", got.Status, errCode(got))
			}
			if list := do(t, s, token, "GET", "/comment/item/"+itoa(item)+"/", nil); len(list.Body.([]any)) != 0 {
				t.Errorf("comments listed after delete: %s", list.Raw)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		s := newServer(t)
		token := tokenFor(t, s, "42", "apptok")
		for _, path := range []string{"/comment/99999999", "/comment/abc", "/comment/0"} {
			if got := do(t, s, token, "DELETE", path, nil); got.Status != 404 || errCode(got) != "not_found" {
				t.Errorf("DELETE %s = %d %q, want 404 not_found", path, got.Status, errCode(got))
			}
		}
	})
}
