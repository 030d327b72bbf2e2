package mockpodio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// BenchmarkGetObjects serves the GET routes of comments, tasks and apps
// through the handler, as a user's API client calls them: run with
// -benchmem for the allocations per GET.
func BenchmarkGetObjects(b *testing.B) {
	s := &mockpodio.Server{AllowAnyPort: true}
	b.Cleanup(s.Close)
	rec := serveRecorded(b, s, "POST", "/oauth/token", "", "application/x-www-form-urlencoded",
		"grant_type=app&app_id=7&app_token=tok&client_id=cid&client_secret=csec")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	token := tok.AccessToken
	var item struct {
		ItemID int64 `json:"item_id"`
	}
	rec = serveRecorded(b, s, "POST", "/item/app/7/", token, "application/json", `{"fields":{"title":"Bench"}}`)
	if err := json.Unmarshal(rec.Body.Bytes(), &item); err != nil {
		b.Fatal(err)
	}
	var comment struct {
		CommentID int64 `json:"comment_id"`
	}
	for i := range 3 {
		rec = serveRecorded(b, s, "POST", fmt.Sprintf("/comment/item/%d/", item.ItemID), token, "application/json",
			fmt.Sprintf(`{"value":"comment %d","external_id":"c%d"}`, i, i))
		if err := json.Unmarshal(rec.Body.Bytes(), &comment); err != nil {
			b.Fatal(err)
		}
	}
	var task struct {
		TaskID int64 `json:"task_id"`
	}
	rec = serveRecorded(b, s, "POST", "/task/", token, "application/json",
		fmt.Sprintf(`{"text":"Call back","due_date":"2026-12-01","ref_type":"item","ref_id":%d}`, item.ItemID))
	if err := json.Unmarshal(rec.Body.Bytes(), &task); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"comment", fmt.Sprintf("/comment/%d", comment.CommentID)},
		{"comments-of-item", fmt.Sprintf("/comment/item/%d/", item.ItemID)},
		{"task", fmt.Sprintf("/task/%d", task.TaskID)},
		{"app", "/app/7"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			req.Header.Set("Authorization", "OAuth2 "+token)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				s.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
