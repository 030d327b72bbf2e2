package mockpodio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/fixtures"
)

// The answers below were built from maps, which encoding/json writes with
// their keys sorted; they are typed structs now, for half the work per
// GET. These are the maps as they were: TestTypedJSONSameBytes checks that
// every object encodes to the same bytes either way.

func mapCommentJSON(s *Server, cm *comment) map[string]any {
	var ext any
	if cm.ExternalID != "" {
		ext = cm.ExternalID
	}
	title := ""
	if it, ok := s.items[cm.RefID]; ok {
		title = s.itemTitleLocked(it)
	}
	return map[string]any{
		"comment_id": cm.ID, "value": cm.Value, "rich_value": cm.Value, "external_id": ext,
		"ref":        map[string]any{"type": cm.RefType, "id": cm.RefID, "title": title, "link": fmt.Sprintf("https://podio.com/mock/items/%d", cm.RefID)},
		"created_on": podioTime(cm.CreatedOn), "created_by": s.bylineLocked(cm.CreatedBy), "created_via": via(),
		"files": []any{}, "like_count": 0, "is_liked": false, "last_edit_on": nil,
	}
}

func mapTaskJSON(s *Server, t *task) map[string]any {
	var ref any
	if t.RefType != "" {
		ref = map[string]any{"type": t.RefType, "id": t.RefID}
	}
	var ext any
	if t.ExternalID != "" {
		ext = t.ExternalID
	}
	var due, space any
	if t.DueDate != "" {
		due = t.DueDate
	}
	if t.SpaceID != 0 {
		space = t.SpaceID
	}
	return map[string]any{
		"task_id": t.ID, "text": t.Text, "description": t.Description, "status": t.Status,
		"private": t.Private, "due_date": due, "external_id": ext, "ref": ref,
		"space_id": space, "created_on": podioTime(t.CreatedOn),
		"created_by": s.bylineLocked(t.CreatedBy), "created_via": via(),
		"link": fmt.Sprintf("https://podio.com/mock/tasks/%d", t.ID),
	}
}

func mapAppJSON(s *Server, a *app) map[string]any {
	fields := []map[string]any{}
	for _, fid := range a.FieldIDs {
		f := s.fields[fid]
		cfg := map[string]any{"label": f.Label}
		if f.Type == "category" {
			cfg["settings"] = map[string]any{"options": f.Options}
		}
		fields = append(fields, map[string]any{"field_id": f.ID, "external_id": f.ExternalID, "type": f.Type, "label": f.Label, "status": "active", "config": cfg})
	}
	return map[string]any{
		"app_id": a.ID, "space_id": a.SpaceID, "status": "active",
		"config": map[string]any{"name": a.Name, "item_name": a.ItemName},
		"fields": fields, "link": fmt.Sprintf("https://podio.com/mock/apps/%d", a.ID),
	}
}

// typedCall serves one API call in memory and decodes its answer into out
// (unless nil).
func typedCall(t *testing.T, s *Server, token, method, path, body string, out any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "OAuth2 "+token)
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func TestTypedJSONSameBytes(t *testing.T) {
	seed, err := ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{AllowAnyPort: true, Seed: seed}
	t.Cleanup(s.Close)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	a := seed.Apps[0]
	typedCall(t, s, "", "POST", "/oauth/token",
		fmt.Sprintf("grant_type=app&app_id=%d&app_token=%s&client_id=%s&client_secret=%s", a.AppID, a.AppToken, seed.Clients[0].ClientID, seed.Clients[0].ClientSecret), &tok)
	token := tok.AccessToken
	var item struct {
		ItemID int64 `json:"item_id"`
	}
	typedCall(t, s, token, "POST", fmt.Sprintf("/item/app/%d/", a.AppID), `{"fields":{"title":"A <b>&</b> \u2028 title"}}`, &item)
	for _, body := range []string{`{"value":"plain"}`, `{"value":"with <html> & \"quotes\"","external_id":"ext-1"}`} {
		typedCall(t, s, token, "POST", fmt.Sprintf("/comment/item/%d/", item.ItemID), body, nil)
	}
	for _, body := range []string{
		`{"text":"no ref"}`,
		fmt.Sprintf(`{"text":"on the item","description":"d","due_date":"2026-12-01","private":true,"external_id":"t-1","ref_type":"item","ref_id":%d}`, item.ItemID),
		fmt.Sprintf(`{"text":"on the app","ref_type":"app","ref_id":%d}`, a.AppID),
	} {
		typedCall(t, s, token, "POST", "/task/", body, nil)
	}
	// A deleted item: the comment's title is empty.
	var orphan struct {
		ItemID int64 `json:"item_id"`
	}
	typedCall(t, s, token, "POST", fmt.Sprintf("/item/app/%d/", a.AppID), `{"fields":{"title":"gone"}}`, &orphan)
	typedCall(t, s, token, "POST", fmt.Sprintf("/comment/item/%d/", orphan.ItemID), `{"value":"on a gone item"}`, nil)
	s.mu.Lock()
	delete(s.items, orphan.ItemID)
	s.mu.Unlock()

	s.mu.Lock()
	defer s.mu.Unlock()
	type pair struct {
		name      string
		was, want any
	}
	var pairs []pair
	for _, cm := range s.comments {
		pairs = append(pairs, pair{fmt.Sprintf("comment %d", cm.ID), mapCommentJSON(s, cm), s.commentJSONLocked(cm)})
	}
	for _, tk := range s.tasks {
		pairs = append(pairs, pair{fmt.Sprintf("task %d", tk.ID), mapTaskJSON(s, tk), s.taskJSONLocked(tk)})
	}
	for _, ap := range s.apps {
		pairs = append(pairs, pair{fmt.Sprintf("app %d", ap.ID), mapAppJSON(s, ap), s.appJSONLocked(ap)})
	}
	if len(pairs) < 3+3+len(seed.Apps) {
		t.Fatalf("only %d objects to compare", len(pairs))
	}
	categories := 0
	for _, f := range s.fields {
		if f.Type == "category" && len(f.Options) > 0 {
			categories++
		}
	}
	if categories == 0 {
		t.Fatal("the seed has no category field: the settings of a field go untested")
	}
	for _, p := range pairs {
		was, err1 := json.Marshal(p.was)
		now, err2 := json.Marshal(p.want)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", p.name, err1, err2)
		}
		if !bytes.Equal(was, now) {
			t.Errorf("%s encodes differently:\nmap:   %s\ntyped: %s", p.name, was, now)
		}
	}
}
