package mockpodio_test

import (
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// fieldValues is one element of GET /item/{id}/value.
type fieldValues struct {
	FieldID    int64            `json:"field_id"`
	ExternalID string           `json:"external_id"`
	Type       string           `json:"type"`
	Label      string           `json:"label"`
	Values     []map[string]any `json:"values"`
}

// itemList is the answer of GET /item/app/{id}/.
type itemList struct {
	Total    int `json:"total"`
	Filtered int `json:"filtered"`
	Items    []struct {
		ItemID int64  `json:"item_id"`
		Title  string `json:"title"`
	} `json:"items"`
}

type listed struct {
	ItemID int64
	Title  string
}

func TestItemReads(t *testing.T) {
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Five items: titles c, a, e, b, d; statuses Open, Closed, Open, Open, Closed.
	var ids []int64
	titles := []string{"c", "a", "e", "b", "d"}
	for i, title := range titles {
		status := []string{"Open", "Closed", "Open", "Open", "Closed"}[i]
		body := map[string]any{"fields": map[string]any{"title": title, "status": status, "priority": 10 - i}}
		if i == 2 {
			body["external_id"] = "ext-e"
		}
		ids = append(ids, createItem(t, s, token, seedAppID, body))
	}
	deleted := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "gone"}})
	mustStatus(t, "delete", do(t, s, token, "DELETE", "/item/"+itoa(deleted), nil), 204)
	bare := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "bare"}})
	mustStatus(t, "delete bare", do(t, s, token, "DELETE", "/item/"+itoa(bare), nil), 204)
	l := func(idx ...int) []listed {
		out := []listed{}
		for _, i := range idx {
			out = append(out, listed{ids[i], titles[i]})
		}
		return out
	}
	first := ids[0]

	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantErr    string
		want       any
		// total and filtered of a list answer
		total, filtered int
	}{
		{name: "values", path: "/item/{first}/value", wantStatus: 200, want: []fieldValues{
			{FieldID: seedTitleField, ExternalID: "title", Type: "text", Label: "Title", Values: []map[string]any{{"value": "c"}}},
			{FieldID: seedStatusField, ExternalID: "status", Type: "category", Label: "Status",
				Values: []map[string]any{{"value": map[string]any{"id": float64(1), "text": "Open", "status": "active", "color": "DCEBD8"}}}},
			{FieldID: seedPriorityField, ExternalID: "priority", Type: "number", Label: "Priority", Values: []map[string]any{{"value": "10.0000"}}},
		}},
		{name: "field values by external_id", path: "/item/{first}/value/title", wantStatus: 200, want: []map[string]any{{"value": "c"}}},
		{name: "field values by field_id", path: "/item/{first}/value/4003", wantStatus: 200, want: []map[string]any{{"value": "10.0000"}}},
		{name: "field values with a slash", path: "/item/{first}/value/title/", wantStatus: 200, want: []map[string]any{{"value": "c"}}},
		{name: "unknown field", path: "/item/{first}/value/nope", wantStatus: 404, wantErr: "not_found"},
		{name: "unknown field id", path: "/item/{first}/value/99999", wantStatus: 404, wantErr: "not_found"},
		{name: "values of a deleted item", path: "/item/{deleted}/value", wantStatus: 410, wantErr: "gone"},
		{name: "field values of an unknown item", path: "/item/999999/value/title", wantStatus: 404, wantErr: "not_found"},
		{name: "basic of a deleted item", path: "/item/{deleted}/basic", wantStatus: 410, wantErr: "gone"},
		{name: "basic of an unknown item", path: "/item/0/basic", wantStatus: 404, wantErr: "not_found"},

		{name: "list", path: "/item/app/3001/", wantStatus: 200, want: l(0, 1, 2, 3, 4), total: 5, filtered: 5},
		{name: "list without slash", path: "/item/app/3001", wantStatus: 200, want: l(0, 1, 2, 3, 4), total: 5, filtered: 5},
		{name: "list v2", path: "/item/app/3001/v2/", wantStatus: 200, want: l(0, 1, 2, 3, 4), total: 5, filtered: 5},
		{name: "limit and offset", path: "/item/app/3001/?limit=2&offset=1", wantStatus: 200, want: l(1, 2), total: 5, filtered: 5},
		{name: "offset past the end", path: "/item/app/3001/?offset=9", wantStatus: 200, want: l(), total: 5, filtered: 5},
		{name: "sort by title", path: "/item/app/3001/?sort_by=title", wantStatus: 200, want: l(1, 3, 0, 4, 2), total: 5, filtered: 5},
		{name: "sort by title descending", path: "/item/app/3001/?sort_by=title&sort_desc=true&limit=3", wantStatus: 200, want: l(2, 4, 0), total: 5, filtered: 5},
		{name: "sort by a number field", path: "/item/app/3001/?sort_by=priority", wantStatus: 200, want: l(4, 3, 2, 1, 0), total: 5, filtered: 5},
		{name: "sort by created_on descending", path: "/item/app/3001/?sort_by=created_on&sort_desc=1", wantStatus: 200, want: l(4, 3, 2, 1, 0), total: 5, filtered: 5},
		{name: "sort_desc false", path: "/item/app/3001/?sort_desc=false", wantStatus: 200, want: l(0, 1, 2, 3, 4), total: 5, filtered: 5},
		{name: "filter by external_id", path: "/item/app/3001/v2/?external_id=ext-e", wantStatus: 200, want: l(2), total: 5, filtered: 1},
		{name: "filter by category text", path: "/item/app/3001/?status=Closed", wantStatus: 200, want: l(1, 4), total: 5, filtered: 2},
		{name: "filter by category id", path: "/item/app/3001/?4002=1", wantStatus: 200, want: l(0, 2, 3), total: 5, filtered: 3},
		{name: "filter by number", path: "/item/app/3001/?priority=8", wantStatus: 200, want: l(2), total: 5, filtered: 1},
		{name: "filter matching nothing", path: "/item/app/3001/?title=zzz", wantStatus: 200, want: l(), total: 5, filtered: 0},
		{name: "limit 0", path: "/item/app/3001/?limit=0", wantStatus: 400, wantErr: "invalid_value"},
		{name: "limit too big", path: "/item/app/3001/?limit=501", wantStatus: 400, wantErr: "invalid_value"},
		{name: "limit not a number", path: "/item/app/3001/?limit=x", wantStatus: 400, wantErr: "invalid_value"},
		{name: "negative offset", path: "/item/app/3001/?offset=-1", wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown sort_by", path: "/item/app/3001/?sort_by=nope", wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown filter", path: "/item/app/3001/?nope=1", wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown app", path: "/item/app/9999/", wantStatus: 404, wantErr: "not_found"},
		{name: "bad app id", path: "/item/app/x/", wantStatus: 404, wantErr: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := expandIDs(tt.path, map[string]int64{"first": first, "deleted": deleted})
			res := do(t, s, token, "GET", path, nil)
			if res.Status != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", path, res.Status, res.Raw, tt.wantStatus)
			}
			if tt.wantErr != "" {
				if errCode(res) != tt.wantErr {
					t.Errorf("error = %q, want %q", errCode(res), tt.wantErr)
				}
				return
			}
			if want, ok := tt.want.([]listed); ok {
				var got itemList
				decodeJSON(t, res.Raw, &got)
				if got.Total != tt.total || got.Filtered != tt.filtered {
					t.Errorf("total, filtered = %d, %d, want %d, %d", got.Total, got.Filtered, tt.total, tt.filtered)
				}
				gotList := []listed{}
				for _, it := range got.Items {
					gotList = append(gotList, listed{it.ItemID, it.Title})
				}
				checkDecodedValue(t, want, gotList)
				return
			}
			checkDecoded(t, res.Raw, tt.want)
		})
	}

	t.Run("basic is the item", func(t *testing.T) {
		full := do(t, s, token, "GET", "/item/"+itoa(first), nil)
		basic := do(t, s, token, "GET", "/item/"+itoa(first)+"/basic", nil)
		mustStatus(t, "basic", basic, 200)
		checkDecodedValue(t, full.Body, basic.Body)
	})
	t.Run("no token", func(t *testing.T) {
		for _, p := range []string{"/item/" + itoa(first) + "/basic", "/item/" + itoa(first) + "/value", "/item/app/3001/"} {
			if res := do(t, s, "", "GET", p, nil); res.Status != 401 || errCode(res) != "unauthorized" {
				t.Errorf("GET %s without a token = %d %s, want 401 unauthorized", p, res.Status, res.Raw)
			}
		}
	})
}
