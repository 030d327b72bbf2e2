package mockpodio

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

// Item choices the reference leaves open (https://developers.podio.com/doc/hooks, https://developers.podio.com/doc/items).
const (
	// noExternalID is the external_id sent in item events for an item
	// without one. UNVERIFIED: an empty string.
	noExternalID = ""
	// filterDefaultLimit and filterMaxLimit bound POST /item/app/{id}/filter.
	filterDefaultLimit = 30
	filterMaxLimit     = 500
)

// fieldChange is a resolved field and its new normalised values.
type fieldChange struct {
	f      *field
	values []map[string]any
}

// parseFields reads "fields" in either form Podio accepts: an object keyed
// by external_id or field_id, or an array of {external_id|field_id, values}.
func (s *Server) parseFieldsLocked(a *app, raw any) ([]fieldChange, error) {
	var out []fieldChange
	add := func(key string, v any) error {
		f, err := s.resolveFieldLocked(a, key)
		if err != nil {
			return err
		}
		vals, err := normaliseValues(f, v)
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].f == f {
				out[i].values = vals
				return nil
			}
		}
		out = append(out, fieldChange{f, vals})
		return nil
	}
	switch fs := raw.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		keys := make([]string, 0, len(fs))
		for k := range fs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := add(k, fs[k]); err != nil {
				return nil, err
			}
		}
	case []any:
		for i, e := range fs {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, invalid("Invalid value for fields[%d]: must be object", i)
			}
			key := ""
			switch {
			case m["external_id"] != nil:
				key = fmt.Sprint(m["external_id"])
			case m["field_id"] != nil:
				key = fmt.Sprint(m["field_id"])
			default:
				return nil, invalid("Invalid value for fields[%d]: needs external_id or field_id", i)
			}
			if err := add(key, m["values"]); err != nil {
				return nil, err
			}
		}
	default:
		return nil, invalid("Invalid value for fields: must be object or array")
	}
	return out, nil
}

// resolveFieldLocked finds the app's field by external_id or field_id.
// Permissive mode creates an unknown external_id as a text field.
func (s *Server) resolveFieldLocked(a *app, key string) (*field, error) {
	for _, id := range a.FieldIDs {
		if f := s.fields[id]; f.ExternalID == key {
			return f, nil
		}
	}
	if id, ok := parseID(key); ok {
		if f, ok := s.fields[id]; ok && f.AppID == a.ID {
			return f, nil
		}
		return nil, invalid("Invalid field %s: no such field in app %d", key, a.ID)
	}
	if s.Strict || strings.TrimSpace(key) == "" {
		return nil, invalid("Invalid field %q: no such field in app %d", key, a.ID)
	}
	f := &field{ID: next(&s.ids.field), AppID: a.ID, ExternalID: key, Label: key, Type: "text"}
	s.fields[f.ID] = f
	a.FieldIDs = append(a.FieldIDs, f.ID)
	s.touchLocked(kindFields, f.ID)
	s.touchLocked(kindApps, a.ID)
	return f, nil
}

// normaliseValues turns any of Podio's value forms ([{sub: v}], [v],
// {sub: v}, v) into a list of sub-id maps, checked against the field type.
func normaliseValues(f *field, v any) ([]map[string]any, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return []map[string]any{}, nil
	case []any:
		list = x
	default:
		list = []any{x}
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			m = map[string]any{"value": e}
		}
		nv, err := normaliseValue(f, m)
		if err != nil {
			return nil, err
		}
		out = append(out, nv)
	}
	return out, nil
}

func normaliseValue(f *field, m map[string]any) (map[string]any, error) {
	switch f.Type {
	case "text":
		v, ok := m["value"]
		if !ok {
			return nil, invalid("Invalid value for field %s: text needs value", f.ExternalID)
		}
		switch x := v.(type) {
		case string:
			return map[string]any{"value": x}, nil
		case json.Number:
			return map[string]any{"value": x.String()}, nil
		}
		return nil, invalid("Invalid value %v for field %s: must be string", v, f.ExternalID)
	case "number", "progress", "duration":
		var n float64
		var err error
		switch x := m["value"].(type) {
		case json.Number:
			n, err = x.Float64()
		case string:
			n, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		default:
			err = fmt.Errorf("not a number")
		}
		if err != nil {
			return nil, invalid("Invalid value %v for field %s: must be number", m["value"], f.ExternalID)
		}
		return map[string]any{"value": strconv.FormatFloat(n, 'f', 4, 64)}, nil
	case "category":
		v := m["value"]
		if mm, ok := v.(map[string]any); ok {
			v = mm["id"]
		}
		for _, o := range f.Options {
			switch x := v.(type) {
			case json.Number:
				if x.String() == strconv.FormatInt(o.ID, 10) {
					return categoryValue(o), nil
				}
			case string:
				if x == o.Text || x == strconv.FormatInt(o.ID, 10) {
					return categoryValue(o), nil
				}
			}
		}
		return nil, invalid("Invalid value %v for field %s: not an option", m["value"], f.ExternalID)
	}
	cp := make(map[string]any, len(m))
	for k, v := range m {
		cp[k] = v
	}
	return cp, nil
}

func categoryValue(o fieldOption) map[string]any {
	return map[string]any{"value": map[string]any{"id": o.ID, "text": o.Text, "status": "active", "color": o.Color}}
}

// checkpointLocked returns a function that removes the apps, spaces and
// fields permissive mode created since the checkpoint, so a request that
// fails after creating them changes nothing. It must be called under the
// lock that was held at the checkpoint.
func (s *Server) checkpointLocked() (undo func()) {
	saved := s.ids
	apps, spaces, fields := maps.Clone(s.apps), maps.Clone(s.spaces), maps.Clone(s.fields)
	nFields := make(map[int64]int, len(s.apps))
	for id, a := range s.apps {
		nFields[id] = len(a.FieldIDs)
	}
	return func() {
		s.ids = saved
		s.apps, s.spaces, s.fields = apps, spaces, fields
		for id, a := range s.apps {
			a.FieldIDs = a.FieldIDs[:nFields[id]]
		}
	}
}

// appForWriteLocked returns the app of an item write; permissive mode
// creates an unknown one.
func (s *Server) appForWriteLocked(id int64) (*app, error) {
	a, ok := s.apps[id]
	if ok && !a.Deleted {
		return a, nil
	}
	if s.Strict || ok {
		return nil, notFound("app", id)
	}
	return s.createAppLocked(id, s.defaultSpaceLocked(), "App "+strconv.FormatInt(id, 10), "Item"), nil
}

// itemTargets are the objects an item event fires on: the app, and the
// app_field hooks of the fields in changed.
func itemTargets(it *item, changed []int64) []target {
	ts := []target{{fixtures.RefApp, it.AppID}}
	for _, fid := range changed {
		ts = append(ts, target{fixtures.RefAppField, fid})
	}
	return ts
}

func itemParams(it *item) []param {
	ext := it.ExternalID
	if ext == "" {
		ext = noExternalID
	}
	return []param{
		{"item_id", strconv.FormatInt(it.ID, 10)},
		{"item_revision_id", strconv.FormatInt(it.RevisionID, 10)},
		{"external_id", ext},
	}
}

type itemWrite struct {
	ExternalID *string   `json:"external_id"`
	Fields     any       `json:"fields"`
	Revision   *int      `json:"revision"`
	Tags       *[]string `json:"tags"`
	FileIDs    *[]int64  `json:"file_ids"`
}

func (s *Server) handleCreateItem(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	var body itemWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	undo := s.checkpointLocked()
	a, err := s.appForWriteLocked(appID)
	if err != nil {
		return 0, nil, err
	}
	changes, err := s.parseFieldsLocked(a, body.Fields)
	if err != nil {
		undo()
		return 0, nil, err
	}
	extras, err := s.parseItemExtrasLocked(body, "", 0)
	if err != nil {
		undo()
		return 0, nil, err
	}
	it := &item{
		ID: next(&s.ids.item), AppID: a.ID, AppItemID: a.NextAppID, RevisionID: next(&s.ids.revision),
		Values: map[int64][]map[string]any{}, CreatedOn: s.now(), CreatedBy: c.auth.Ref,
	}
	a.NextAppID++
	if body.ExternalID != nil {
		it.ExternalID = *body.ExternalID
	}
	var changed []int64
	for _, ch := range changes {
		if len(ch.values) > 0 {
			it.Values[ch.f.ID] = ch.values
			changed = append(changed, ch.f.ID)
		}
	}
	s.recordRevisionLocked(it, "creation", c.auth.Ref)
	s.items[it.ID] = it
	s.touchLocked(kindItems, it.ID)
	s.touchLocked(kindApps, a.ID)
	if c.hooksEnabled() {
		s.fireLocked("item.create", itemParams(it), itemTargets(it, changed)...)
	}
	s.applyItemExtrasLocked(c, it, extras)
	return http.StatusOK, s.itemJSONLocked(it), nil
}

// liveItemLocked returns the item of the {item_id} path parameter: 404
// for an unknown one, 410 for a deleted one.
func (s *Server) liveItemLocked(c *call) (*item, error) {
	id, err := c.id("item_id")
	if err != nil {
		return nil, err
	}
	it, ok := s.items[id]
	if !ok {
		return nil, notFound("item", id)
	}
	if it.Deleted {
		return nil, errorf(http.StatusGone, codeGone, "Item has been deleted")
	}
	return it, nil
}

func (s *Server) handleGetItem(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.itemJSONLocked(it), nil
}

func (s *Server) handleGetItemByExternalID(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	ext := c.params["external_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *item
	for _, it := range s.items {
		if it.AppID == appID && !it.Deleted && it.ExternalID == ext && (found == nil || it.ID < found.ID) {
			found = it
		}
	}
	if found == nil {
		return 0, nil, notFound("item with external_id", ext)
	}
	return http.StatusOK, s.itemJSONLocked(found), nil
}

func (s *Server) handleGetItemByAppItemID(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	appItemID, err := c.id("app_item_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range s.items {
		if it.AppID == appID && it.AppItemID == appItemID && !it.Deleted {
			return http.StatusOK, s.itemJSONLocked(it), nil
		}
	}
	return 0, nil, notFound("item with app_item_id", appItemID)
}

func (s *Server) handleFilterItems(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Limit    *int `json:"limit"`
		Offset   int  `json:"offset"`
		SortDesc bool `json:"sort_desc"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	limit := filterDefaultLimit
	if body.Limit != nil {
		limit = *body.Limit
	}
	if limit < 1 || limit > filterMaxLimit || body.Offset < 0 {
		return 0, nil, invalid("Invalid limit or offset: limit must be 1 to %d, offset 0 or more", filterMaxLimit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.apps[appID]; !ok || a.Deleted {
		return 0, nil, notFound("app", appID)
	}
	var all []*item
	for _, it := range s.items {
		if it.AppID == appID && !it.Deleted {
			all = append(all, it)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if body.SortDesc {
			return all[i].ID > all[j].ID
		}
		return all[i].ID < all[j].ID
	})
	items := []itemJSON{}
	for i := body.Offset; i < len(all) && len(items) < limit; i++ {
		items = append(items, s.itemJSONLocked(all[i]))
	}
	return http.StatusOK, itemsFilterJSON{Filtered: len(all), Items: items, Total: len(all)}, nil
}

// itemsFilterJSON is the answer of POST /item/app/{app_id}/filter/, its
// fields in the order of their keys.
type itemsFilterJSON struct {
	Filtered int        `json:"filtered"`
	Items    []itemJSON `json:"items"`
	Total    int        `json:"total"`
}

func (s *Server) handleUpdateItem(c *call) (int, any, error) {
	var body itemWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	return s.updateItem(c, body, "")
}

func (s *Server) handleUpdateItemValues(c *call) (int, any, error) {
	var fields any
	if err := c.decode(&fields); err != nil {
		return 0, nil, err
	}
	return s.updateItem(c, itemWrite{Fields: fields}, "")
}

func (s *Server) handleUpdateItemFieldValues(c *call) (int, any, error) {
	var values any
	if err := c.decode(&values); err != nil {
		return 0, nil, err
	}
	key := c.params["field"]
	return s.updateItem(c, itemWrite{Fields: map[string]any{key: values}}, key)
}

// updateItem applies a write to an item: only the fields named change, a
// stale revision is a 409, and a write that changes nothing answers 204
// and fires nothing.
func (s *Server) updateItem(c *call, body itemWrite, _ string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if body.Revision != nil && *body.Revision != it.Revision {
		return 0, nil, errorf(http.StatusConflict, codeConflict,
			"The item has been updated since revision %d: the current revision is %d", *body.Revision, it.Revision)
	}
	a := s.apps[it.AppID]
	undo := s.checkpointLocked()
	changes, err := s.parseFieldsLocked(a, body.Fields)
	if err != nil {
		undo()
		return 0, nil, err
	}
	var changed []int64
	for _, ch := range changes {
		if !reflect.DeepEqual(valuesOrEmpty(it.Values[ch.f.ID]), ch.values) {
			changed = append(changed, ch.f.ID)
		}
	}
	extChanged := body.ExternalID != nil && *body.ExternalID != it.ExternalID
	extras, err := s.parseItemExtrasLocked(body, "item", it.ID)
	if err != nil {
		undo()
		return 0, nil, err
	}
	if len(changed) == 0 && !extChanged {
		if !extras.changes(it) {
			return statusNoContent, nil, nil
		}
		s.applyItemExtrasLocked(c, it, extras)
		return http.StatusOK, itemUpdateJSON{Revision: it.Revision, Title: s.itemTitleLocked(it)}, nil
	}
	for _, ch := range changes {
		if len(ch.values) == 0 {
			delete(it.Values, ch.f.ID)
		} else {
			it.Values[ch.f.ID] = ch.values
		}
	}
	if extChanged {
		it.ExternalID = *body.ExternalID
	}
	it.Revision++
	it.RevisionID = next(&s.ids.revision)
	s.touchLocked(kindItems, it.ID)
	s.recordRevisionLocked(it, "update", c.auth.Ref)
	if c.hooksEnabled() {
		s.fireLocked("item.update", itemParams(it), itemTargets(it, changed)...)
	}
	s.applyItemExtrasLocked(c, it, extras)
	return http.StatusOK, itemUpdateJSON{Revision: it.Revision, Title: s.itemTitleLocked(it)}, nil
}

func valuesOrEmpty(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func (s *Server) handleDeleteItem(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	it.Deleted = true
	s.touchLocked(kindItems, it.ID)
	if c.hooksEnabled() {
		var withValues []int64
		for fid, v := range it.Values {
			if len(v) > 0 {
				withValues = append(withValues, fid)
			}
		}
		sort.Slice(withValues, func(i, j int) bool { return withValues[i] < withValues[j] })
		s.fireLocked("item.delete", itemParams(it), itemTargets(it, withValues)...)
	}
	return statusNoContent, nil, nil
}

// itemTitleLocked is the item's title: its "title" field, else its first
// text field with a value.
func (s *Server) itemTitleLocked(it *item) string {
	a := s.apps[it.AppID]
	first := ""
	for _, fid := range a.FieldIDs {
		f := s.fields[fid]
		vals := it.Values[fid]
		if f.Type != "text" || len(vals) == 0 {
			continue
		}
		v, _ := vals[0]["value"].(string)
		if f.ExternalID == "title" {
			return v
		}
		if first == "" {
			first = v
		}
	}
	return first
}

// itemJSON is Podio's Item object. Its fields, and those of the objects
// in it, are in alphabetical order: the order the mock sent them in when
// they were maps.
type itemJSON struct {
	App                itemAppJSON         `json:"app"`
	AppItemID          int64               `json:"app_item_id"`
	AppItemIDFormatted string              `json:"app_item_id_formatted"`
	CreatedBy          byline              `json:"created_by"`
	CreatedOn          string              `json:"created_on"`
	CreatedVia         viaJSON             `json:"created_via"`
	CurrentRevision    itemRevisionRefJSON `json:"current_revision"`
	ExternalID         *string             `json:"external_id"`
	Fields             []itemFieldJSON     `json:"fields"`
	Files              []fileJSON          `json:"files"`
	ItemID             int64               `json:"item_id"`
	Link               string              `json:"link"`
	Revision           int                 `json:"revision"`
	Tags               []string            `json:"tags"`
	Title              string              `json:"title"`
}

type itemAppJSON struct {
	AppID    int64  `json:"app_id"`
	ItemName string `json:"item_name"`
	Name     string `json:"name"`
	SpaceID  int64  `json:"space_id"`
	Status   string `json:"status"`
}

type itemRevisionRefJSON struct {
	CreatedBy      byline  `json:"created_by"`
	CreatedOn      string  `json:"created_on"`
	CreatedVia     viaJSON `json:"created_via"`
	ItemRevisionID int64   `json:"item_revision_id"`
	Revision       int     `json:"revision"`
}

type itemFieldJSON struct {
	Config     itemFieldConfigJSON `json:"config"`
	ExternalID string              `json:"external_id"`
	FieldID    int64               `json:"field_id"`
	Label      string              `json:"label"`
	Status     string              `json:"status"`
	Type       string              `json:"type"`
	Values     []map[string]any    `json:"values"`
}

type itemFieldConfigJSON struct {
	Label string `json:"label"`
}

func (s *Server) itemJSONLocked(it *item) itemJSON {
	a := s.apps[it.AppID]
	fields := []itemFieldJSON{}
	for _, fid := range a.FieldIDs {
		vals, ok := it.Values[fid]
		if !ok || len(vals) == 0 {
			continue
		}
		f := s.fields[fid]
		fields = append(fields, itemFieldJSON{
			FieldID: f.ID, ExternalID: f.ExternalID, Label: f.Label, Type: f.Type,
			Status: "active", Values: vals, Config: itemFieldConfigJSON{Label: f.Label},
		})
	}
	var ext *string
	if it.ExternalID != "" {
		e := it.ExternalID // a copy: the answer is encoded after the lock is released
		ext = &e
	}
	by := s.bylineLocked(it.CreatedBy)
	created := podioTime(it.CreatedOn)
	sp := s.spaces[a.SpaceID]
	label := "space"
	if sp != nil && sp.URLLabel != "" {
		label = sp.URLLabel
	}
	return itemJSON{
		ItemID: it.ID, AppItemID: it.AppItemID, AppItemIDFormatted: strconv.FormatInt(it.AppItemID, 10),
		Revision: it.Revision, ExternalID: ext, Title: s.itemTitleLocked(it),
		Link:      fmt.Sprintf("https://podio.com/mock/%s/apps/%d/items/%d", label, a.ID, it.AppItemID),
		CreatedOn: created, CreatedBy: by, CreatedVia: via(),
		App: itemAppJSON{AppID: a.ID, Name: a.Name, ItemName: a.ItemName, Status: "active", SpaceID: a.SpaceID},
		CurrentRevision: itemRevisionRefJSON{
			ItemRevisionID: it.RevisionID, Revision: it.Revision,
			CreatedBy: by, CreatedVia: via(), CreatedOn: created,
		},
		Fields: fields, Tags: slices.Clone(nonNil(it.Tags)), Files: s.filesJSONLocked(s.baseURL(nil), it.FileIDs),
	}
}
