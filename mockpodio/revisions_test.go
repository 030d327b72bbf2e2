package mockpodio_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// revisionEntry is Podio's ItemRevision (https://developers.podio.com/doc/items).
type revisionEntry struct {
	ItemRevisionID int64   `json:"item_revision_id"`
	Revision       int     `json:"revision"`
	Type           string  `json:"type"`
	AppRevision    int     `json:"app_revision"`
	CreatedOn      string  `json:"created_on"`
	CreatedBy      byline  `json:"created_by"`
	CreatedVia     viaJSON `json:"created_via"`
	User           byline  `json:"user"`
}

// diffEntry is one field of a revision difference.
type diffEntry struct {
	FieldID    int64            `json:"field_id"`
	ExternalID string           `json:"external_id"`
	Type       string           `json:"type"`
	Label      string           `json:"label"`
	Config     map[string]any   `json:"config"`
	From       []map[string]any `json:"from"`
	To         []map[string]any `json:"to"`
}

// revisionWorld is an item with three revisions: created with title A and
// status Open, then title B, then status Closed and priority 5; and a
// deleted item.
type revisionWorld struct {
	s       *mockpodio.Server
	token   string
	item    int64
	deleted int64
	revIDs  []int64 // item_revision_id of revisions 0, 1, 2
}

func newRevisionWorld(t *testing.T) revisionWorld {
	t.Helper()
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	w := revisionWorld{s: s, token: token}
	w.item = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "A", "status": 1}})
	w.deleted = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "gone"}})
	mustStatus(t, "delete", do(t, s, w.token, "DELETE", "/item/"+itoa(w.deleted), nil), 204)
	get := func() int64 {
		var it itemJSON
		res := do(t, s, w.token, "GET", "/item/"+itoa(w.item), nil)
		mustStatus(t, "get item", res, 200)
		decodeJSON(t, res.Raw, &it)
		return it.CurrentRevision.ItemRevisionID
	}
	w.revIDs = append(w.revIDs, get())
	mustStatus(t, "update 1", do(t, s, w.token, "PUT", "/item/"+itoa(w.item), map[string]any{"fields": map[string]any{"title": "B"}}), 200)
	w.revIDs = append(w.revIDs, get())
	mustStatus(t, "update 2", do(t, s, w.token, "PUT", "/item/"+itoa(w.item)+"/value", map[string]any{"status": 3, "priority": 5}), 200)
	w.revIDs = append(w.revIDs, get())
	// A write that changes nothing makes no revision.
	mustStatus(t, "no-op update", do(t, s, w.token, "PUT", "/item/"+itoa(w.item), map[string]any{"fields": map[string]any{"title": "B"}}), 204)
	return w
}

func TestRevisions(t *testing.T) {
	w := newRevisionWorld(t)
	if w.revIDs[0] == w.revIDs[1] || w.revIDs[1] == w.revIDs[2] || w.revIDs[0] >= w.revIDs[2] {
		t.Fatalf("item_revision_ids %v: want a new, higher one per write", w.revIDs)
	}
	app := byline{Type: "app", ID: seedAppID, Name: "Bugs"}
	rev := func(n int, typ string) revisionEntry {
		return revisionEntry{ItemRevisionID: w.revIDs[n], Revision: n, Type: typ, AppRevision: 1,
			CreatedOn: "2026-11-25 10:00:00", CreatedBy: app, CreatedVia: viaJSON{ID: 1, Name: "devhook mockpodio"}, User: app}
	}
	open := []map[string]any{{"value": map[string]any{"id": float64(1), "text": "Open", "status": "active", "color": "DCEBD8"}}}
	closed := []map[string]any{{"value": map[string]any{"id": float64(3), "text": "Closed", "status": "active", "color": "E1D8ED"}}}
	titleDiff := func(from, to string) diffEntry {
		return diffEntry{FieldID: seedTitleField, ExternalID: "title", Type: "text", Label: "Title", Config: map[string]any{"label": "Title"},
			From: []map[string]any{{"value": from}}, To: []map[string]any{{"value": to}}}
	}
	statusDiff := diffEntry{FieldID: seedStatusField, ExternalID: "status", Type: "category", Label: "Status",
		Config: map[string]any{"label": "Status"}, From: open, To: closed}
	priorityDiff := diffEntry{FieldID: seedPriorityField, ExternalID: "priority", Type: "number", Label: "Priority",
		Config: map[string]any{"label": "Priority"}, From: []map[string]any{}, To: []map[string]any{{"value": "5.0000"}}}

	tests := []struct {
		name       string
		path       string
		token      string // "" the world's, "-" none
		wantStatus int
		wantErr    string
		want       any // decoded into the same type and compared
	}{
		{name: "list", path: "/item/{item}/revision/", wantStatus: 200,
			want: []revisionEntry{rev(0, "creation"), rev(1, "update"), rev(2, "update")}},
		{name: "list without slash", path: "/item/{item}/revision", wantStatus: 200,
			want: []revisionEntry{rev(0, "creation"), rev(1, "update"), rev(2, "update")}},
		{name: "one", path: "/item/{item}/revision/1", wantStatus: 200, want: rev(1, "update")},
		{name: "the creation", path: "/item/{item}/revision/0", wantStatus: 200, want: rev(0, "creation")},
		{name: "diff 0 to 1", path: "/item/{item}/revision/0/1", wantStatus: 200, want: []diffEntry{titleDiff("A", "B")}},
		{name: "diff 1 to 2", path: "/item/{item}/revision/1/2", wantStatus: 200, want: []diffEntry{statusDiff, priorityDiff}},
		{name: "diff 0 to 2", path: "/item/{item}/revision/0/2", wantStatus: 200, want: []diffEntry{titleDiff("A", "B"), statusDiff, priorityDiff}},
		{name: "diff backwards", path: "/item/{item}/revision/1/0", wantStatus: 200, want: []diffEntry{titleDiff("B", "A")}},
		{name: "diff with itself", path: "/item/{item}/revision/2/2", wantStatus: 200, want: []diffEntry{}},
		{name: "unknown revision", path: "/item/{item}/revision/3", wantStatus: 404, wantErr: "not_found"},
		{name: "negative revision", path: "/item/{item}/revision/-1", wantStatus: 404, wantErr: "not_found"},
		{name: "revision not a number", path: "/item/{item}/revision/x", wantStatus: 404, wantErr: "not_found"},
		{name: "diff to an unknown revision", path: "/item/{item}/revision/0/9", wantStatus: 404, wantErr: "not_found"},
		{name: "diff from an unknown revision", path: "/item/{item}/revision/9/0", wantStatus: 404, wantErr: "not_found"},
		{name: "diff with a bad number", path: "/item/{item}/revision/0/99999999999", wantStatus: 404, wantErr: "not_found"},
		{name: "unknown item", path: "/item/999999/revision/", wantStatus: 404, wantErr: "not_found"},
		{name: "deleted item", path: "/item/{deleted}/revision/", wantStatus: 410, wantErr: "gone"},
		{name: "deleted item's diff", path: "/item/{deleted}/revision/0/0", wantStatus: 410, wantErr: "gone"},
		{name: "no token", path: "/item/{item}/revision/", token: "-", wantStatus: 401, wantErr: "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := expandIDs(tt.path, map[string]int64{"item": w.item, "deleted": w.deleted})
			tok := w.token
			if tt.token == "-" {
				tok = ""
			}
			res := do(t, w.s, tok, "GET", path, nil)
			if res.Status != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", path, res.Status, res.Raw, tt.wantStatus)
			}
			if tt.wantErr != "" {
				if errCode(res) != tt.wantErr {
					t.Errorf("error = %q, want %q: %s", errCode(res), tt.wantErr, res.Raw)
				}
				return
			}
			checkDecoded(t, res.Raw, tt.want)
		})
	}
}

// TestItemUpdateHandlerPattern is what a webhook handler does on
// item.update: read the item's current revision, fetch the difference
// from the one before, and see the field that changed.
func TestItemUpdateHandlerPattern(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	itemID := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "Crash", "status": "Open"}})

	type seen struct {
		revisionID int64
		diff       []diffEntry
		err        string
	}
	got := make(chan seen, 1)
	handler := func(form map[string]string) {
		var out seen
		defer func() { got <- out }()
		var it itemJSON
		res := do(t, s, token, "GET", "/item/"+form["item_id"], nil)
		if res.Status != http.StatusOK {
			out.err = res.Raw
			return
		}
		decodeJSON(t, res.Raw, &it)
		out.revisionID = it.CurrentRevision.ItemRevisionID
		n := it.CurrentRevision.Revision
		res = do(t, s, token, "GET", "/item/"+form["item_id"]+"/revision/"+itoa(int64(n-1))+"/"+itoa(int64(n)), nil)
		if res.Status != http.StatusOK {
			out.err = res.Raw
			return
		}
		decodeJSON(t, res.Raw, &out.diff)
	}
	// The receiver hands each item.update to handler and answers at once,
	// as a handler doing its work asynchronously does.
	rc := mockpodio.NewReceiver(t, s)
	rc.Steer(func(ev mockpodio.Event) mockpodio.Response {
		if ev.Type == "item.update" {
			go handler(ev.Params)
		}
		return mockpodio.Response{}
	})
	if _, err := s.CreateHook(awaitCtx(t), mockpodio.AppRef(seedAppID), "item.update", rc); err != nil {
		t.Fatal(err)
	}

	mustStatus(t, "update", do(t, s, token, "PUT", "/item/"+itoa(itemID), map[string]any{"fields": map[string]any{"status": "Closed"}}), 200)
	var out seen
	select {
	case out = <-got:
	case <-t.Context().Done():
		t.Fatal("no item.update reached the handler")
	}
	if out.err != "" {
		t.Fatalf("handler: %s", out.err)
	}
	d := awaitDelivery(t, s, func(d mockpodio.Delivery) bool { return d.Type == "item.update" })
	if d.Params["item_revision_id"] != itoa(out.revisionID) {
		t.Errorf("event item_revision_id %s, item's current revision %d: want the same", d.Params["item_revision_id"], out.revisionID)
	}
	if len(out.diff) != 1 || out.diff[0].ExternalID != "status" || valueTextOf(out.diff[0].From) != "Open" || valueTextOf(out.diff[0].To) != "Closed" {
		t.Errorf("diff = %+v, want status Open -> Closed", out.diff)
	}
}

// valueTextOf is the category text of the first value.
func valueTextOf(vals []map[string]any) string {
	if len(vals) == 0 {
		return ""
	}
	m, _ := vals[0]["value"].(map[string]any)
	s, _ := m["text"].(string)
	return s
}

func TestRevisionsSurviveState(t *testing.T) {
	path := t.TempDir() + "/state.json"
	mk := func() *mockpodio.Server {
		return newServer(t, withSeed(t, false), func(s *mockpodio.Server) { s.StateFile = path })
	}
	s := mk()
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	id := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "A", "status": "Open"}})
	mustStatus(t, "update", do(t, s, tok, "PUT", "/item/"+itoa(id), map[string]any{"fields": map[string]any{"status": "Closed"}}), 200)
	before := do(t, s, tok, "GET", "/item/"+itoa(id)+"/revision/0/1", nil)
	mustStatus(t, "diff", before, 200)
	s.Close()

	s2 := mk()
	tok2, err := s2.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	after := do(t, s2, tok2, "GET", "/item/"+itoa(id)+"/revision/0/1", nil)
	mustStatus(t, "diff after restart", after, 200)
	if diff := cmp.Diff(before.Body, after.Body); diff != "" {
		t.Errorf("diff after a restart (-before +after):\n%s", diff)
	}
}
