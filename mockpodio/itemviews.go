package mockpodio

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Item reads beyond GET /item/{id} (https://developers.podio.com/doc/items): the basic
// item, its values, one field's values, and the app's items as a list.

// Item-list choices the reference leaves open.
const (
	// listDefaultLimit is the page size of GET /item/app/{id}/ when the
	// query gives none: the filter operation's documented default. INFERRED.
	listDefaultLimit = filterDefaultLimit
	// listDefaultSort is the sort key when the query gives none; the
	// order is ascending unless sort_desc is true. INFERRED.
	listDefaultSort = "item_id"
)

// listIgnoredParams are query parameters of GET /item/app/{id}/ that are
// not filters: Podio's generic ones.
var listIgnoredParams = map[string]bool{"limit": true, "offset": true, "sort_by": true, "sort_desc": true, "fields": true, "hook": true, "silent": true}

// handleGetItemBasic answers GET /item/{id}/basic: the item "without
// auxiliary data". The mock's item carries none, so it is the item.
func (s *Server) handleGetItemBasic(c *call) (int, any, error) {
	return s.handleGetItem(c)
}

// fieldValuesJSON is one element of GET /item/{id}/value.
type fieldValuesJSON struct {
	FieldID    int64            `json:"field_id"`
	ExternalID string           `json:"external_id"`
	Type       string           `json:"type"`
	Label      string           `json:"label"`
	Values     []map[string]any `json:"values"`
}

func (s *Server) handleGetItemValues(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := []fieldValuesJSON{}
	for _, fid := range s.apps[it.AppID].FieldIDs {
		vals := it.Values[fid]
		if len(vals) == 0 {
			continue
		}
		f := s.fields[fid]
		out = append(out, fieldValuesJSON{FieldID: f.ID, ExternalID: f.ExternalID, Type: f.Type, Label: f.Label, Values: vals})
	}
	return http.StatusOK, out, nil
}

// handleGetItemFieldValues answers GET /item/{id}/value/{field}, the field
// given by field_id or external_id: its values, [] when it has none.
func (s *Server) handleGetItemFieldValues(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	f := s.lookupFieldLocked(s.apps[it.AppID], c.params["field"])
	if f == nil {
		return 0, nil, notFound("field", c.params["field"])
	}
	return http.StatusOK, valuesOrEmpty(it.Values[f.ID]), nil
}

// lookupFieldLocked finds an app's field by external_id or field_id,
// never creating one.
func (s *Server) lookupFieldLocked(a *app, key string) *field {
	for _, id := range a.FieldIDs {
		if f := s.fields[id]; f.ExternalID == key {
			return f
		}
	}
	if id, ok := parseID(key); ok {
		if f, ok := s.fields[id]; ok && f.AppID == a.ID {
			return f
		}
	}
	return nil
}

// itemListJSON is the answer of GET /item/app/{id}/ and of the filter.
type itemListJSON struct {
	Total    int        `json:"total"`
	Filtered int        `json:"filtered"`
	Items    []itemJSON `json:"items"`
}

// handleListItems answers GET /item/app/{app_id}/ (and its /v2/ form) with
// limit, offset, sort_by, sort_desc, and {key}=value filters where key is
// external_id or a field's external_id or field_id.
func (s *Server) handleListItems(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	limit, offset := listDefaultLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > filterMaxLimit {
			return 0, nil, invalid("Invalid limit %q: must be 1 to %d", v, filterMaxLimit)
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, invalid("Invalid offset %q: must be 0 or more", v)
		}
		offset = n
	}
	desc := false
	if v := q.Get("sort_desc"); v != "" {
		desc = !falsy(v)
	}
	sortBy := q.Get("sort_by")
	if sortBy == "" {
		sortBy = listDefaultSort
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[appID]
	if !ok || a.Deleted {
		return 0, nil, notFound("app", appID)
	}
	key, err := s.itemSortKeyLocked(a, sortBy)
	if err != nil {
		return 0, nil, err
	}
	type filter struct {
		f     *field // nil for external_id
		value string
	}
	var filters []filter
	for _, k := range sortedQueryKeys(q) {
		if listIgnoredParams[k] {
			continue
		}
		if k == "external_id" {
			filters = append(filters, filter{nil, q.Get(k)})
			continue
		}
		f := s.lookupFieldLocked(a, k)
		if f == nil {
			return 0, nil, invalid("Invalid filter %q: not external_id nor a field of app %d", k, a.ID)
		}
		filters = append(filters, filter{f, q.Get(k)})
	}
	var all []*item
	for _, it := range s.items {
		if it.AppID != appID || it.Deleted {
			continue
		}
		keep := true
		for _, fl := range filters {
			if fl.f == nil {
				keep = keep && it.ExternalID == fl.value
			} else {
				keep = keep && hasValueText(it.Values[fl.f.ID], fl.value)
			}
		}
		if keep {
			all = append(all, it)
		}
	}
	total := 0
	for _, it := range s.items {
		if it.AppID == appID && !it.Deleted {
			total++
		}
	}
	sort.Slice(all, func(i, j int) bool {
		ki, kj := key(all[i]), key(all[j])
		if ki == kj {
			ki, kj = fmt.Sprintf("%020d", all[i].ID), fmt.Sprintf("%020d", all[j].ID)
		}
		if desc {
			return ki > kj
		}
		return ki < kj
	})
	out := itemListJSON{Total: total, Filtered: len(all), Items: []itemJSON{}}
	for i := offset; i < len(all) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, s.itemJSONLocked(all[i]))
	}
	return http.StatusOK, out, nil
}

// itemSortKeyLocked returns a function giving an item's sort key for
// sort_by: created_on, item_id, app_item_id, title, or a field.
func (s *Server) itemSortKeyLocked(a *app, by string) (func(*item) string, error) {
	switch by {
	case "item_id", "app_item_id", "created_on", "last_edit_on":
		return func(it *item) string {
			switch by {
			case "app_item_id":
				return fmt.Sprintf("%020d", it.AppItemID)
			case "created_on", "last_edit_on":
				return it.CreatedOn.UTC().Format("2006-01-02T15:04:05.000000000") + fmt.Sprintf("%020d", it.ID)
			}
			return fmt.Sprintf("%020d", it.ID)
		}, nil
	case "title":
		return func(it *item) string { return strings.ToLower(s.itemTitleLocked(it)) }, nil
	}
	f := s.lookupFieldLocked(a, by)
	if f == nil {
		return nil, invalid("Invalid sort_by %q: use item_id, app_item_id, created_on, title or a field of app %d", by, a.ID)
	}
	return func(it *item) string {
		vals := it.Values[f.ID]
		if len(vals) == 0 {
			return ""
		}
		t := valueText(vals[0])
		if n, err := strconv.ParseFloat(t, 64); err == nil && (f.Type == "number" || f.Type == "progress" || f.Type == "duration") {
			return fmt.Sprintf("%030.6f", n+1e15) // numeric order for non-huge numbers
		}
		return strings.ToLower(t)
	}, nil
}

// valueText is a value's text: a category's option text, or its value.
func valueText(v map[string]any) string {
	switch x := v["value"].(type) {
	case map[string]any:
		if t, ok := x["text"].(string); ok {
			return t
		}
		return fmt.Sprint(x["id"])
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// hasValueText reports whether one of vals reads as want: its text, or
// for a category its option id. Numbers compare as numbers.
func hasValueText(vals []map[string]any, want string) bool {
	for _, v := range vals {
		t := valueText(v)
		if t == want {
			return true
		}
		if m, ok := v["value"].(map[string]any); ok && fmt.Sprint(m["id"]) == want {
			return true
		}
		a, err1 := strconv.ParseFloat(t, 64)
		b, err2 := strconv.ParseFloat(want, 64)
		if err1 == nil && err2 == nil && a == b {
			return true
		}
	}
	return false
}

func sortedQueryKeys(q map[string][]string) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
