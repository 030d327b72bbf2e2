package mockpodio

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

// Tags on items and statuses (https://developers.podio.com/doc/tags): POST adds, PUT
// replaces, DELETE ?text= removes one, GET /tag/app/{id}/ counts them.
// Tags on items fire tag.add and tag.delete on the item's app.

// Tag choices the reference leaves open.
const (
	// tagTargetType is the target_type of tag events: the tagged object's
	// type. INFERRED "item" (only item tags fire).
	tagTargetType = "item"
	// Tag events: one tag.add for a call that adds any tags and one
	// tag.delete for a call that removes any, never one per tag, since
	// the event does not name the tag. INFERRED.
)

// tagRefTypes are the objects that take tags (docs doc/tags: "on statuses
// and items").
var tagRefTypes = map[string]bool{"item": true, "status": true}

// parseTags reads a bare JSON array of strings. Blank tags are refused;
// duplicates are dropped, the first kept.
func parseTags(c *call) ([]string, error) {
	var tags []string
	if err := c.decode(&tags); err != nil {
		return nil, err
	}
	if tags == nil {
		return nil, invalid("The body must be a JSON array of tags (strings)")
	}
	return cleanTags(tags)
}

func cleanTags(tags []string) ([]string, error) {
	out := []string{}
	for i, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, invalid("Invalid tag %d: must not be blank", i)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// taggedLocked is the object of /tag/{ref_type}/{ref_id}/: the tags it
// holds and, for an item, the item.
type tagged struct {
	tags *[]string
	item *item  // nil for a status
	kind string // the journal kind of the holder
	id   int64
}

func (s *Server) taggedLocked(c *call) (tagged, error) {
	refType := c.params["ref_type"]
	if !tagRefTypes[refType] {
		return tagged{}, invalid("Invalid ref_type %q: tags go on item or status", refType)
	}
	id, err := c.id("ref_id")
	if err != nil {
		return tagged{}, err
	}
	switch refType {
	case "item":
		it, ok := s.items[id]
		if !ok {
			return tagged{}, notFound("item", id)
		}
		if it.Deleted {
			return tagged{}, errorf(http.StatusGone, codeGone, "Item has been deleted")
		}
		return tagged{tags: &it.Tags, item: it, kind: kindItems, id: it.ID}, nil
	default:
		st, ok := s.statuses[id]
		if !ok || st.Deleted {
			return tagged{}, notFound("status", id)
		}
		return tagged{tags: &st.Tags, kind: kindStatuses, id: st.ID}, nil
	}
}

// setTagsLocked gives the object the tags and, on an item, fires tag.add
// when tags were added and tag.delete when tags were removed.
func (s *Server) setTagsLocked(c *call, tg tagged, tags []string) {
	var added, removed bool
	for _, t := range tags {
		added = added || !slices.Contains(*tg.tags, t)
	}
	for _, t := range *tg.tags {
		removed = removed || !slices.Contains(tags, t)
	}
	*tg.tags = tags
	s.touchLocked(tg.kind, tg.id)
	if tg.item != nil {
		s.fireTagEventsLocked(c, tg.item, added, removed)
	}
}

func (s *Server) fireTagEventsLocked(c *call, it *item, added, removed bool) {
	if !c.hooksEnabled() {
		return
	}
	ps := []param{{"item_id", strconv.FormatInt(it.ID, 10)}, {"target_type", tagTargetType}}
	if added {
		s.fireLocked("tag.add", ps, target{fixtures.RefApp, it.AppID})
	}
	if removed {
		s.fireLocked("tag.delete", ps, target{fixtures.RefApp, it.AppID})
	}
}

// handleAddTags is POST /tag/{ref_type}/{ref_id}/: the tags are added,
// those already there kept.
func (s *Server) handleAddTags(c *call) (int, any, error) {
	tags, err := parseTags(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tg, err := s.taggedLocked(c)
	if err != nil {
		return 0, nil, err
	}
	all := slices.Clone(*tg.tags)
	for _, t := range tags {
		if !slices.Contains(all, t) {
			all = append(all, t)
		}
	}
	s.setTagsLocked(c, tg, all)
	return statusNoContent, nil, nil
}

// handleReplaceTags is PUT /tag/{ref_type}/{ref_id}/: "Existing tags on the
// object will be overwritten".
func (s *Server) handleReplaceTags(c *call) (int, any, error) {
	tags, err := parseTags(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tg, err := s.taggedLocked(c)
	if err != nil {
		return 0, nil, err
	}
	s.setTagsLocked(c, tg, tags)
	return statusNoContent, nil, nil
}

// handleRemoveTag is DELETE /tag/{ref_type}/{ref_id}/?text=: removing a
// tag the object does not have changes nothing.
func (s *Server) handleRemoveTag(c *call) (int, any, error) {
	text := strings.TrimSpace(c.r.URL.Query().Get("text"))
	if text == "" {
		return 0, nil, invalid("The query parameter text (the tag to remove) is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tg, err := s.taggedLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if !slices.Contains(*tg.tags, text) {
		return statusNoContent, nil, nil
	}
	s.setTagsLocked(c, tg, slices.DeleteFunc(slices.Clone(*tg.tags), func(t string) bool { return t == text }))
	return statusNoContent, nil, nil
}

// tagCount is one element of GET /tag/app/{app_id}/.
type tagCount struct {
	Count int    `json:"count"`
	Text  string `json:"text"`
}

// handleAppTags is GET /tag/app/{app_id}/?limit=&text=: the tags on the
// app's items with their counts, most used first, then by text. text
// keeps the tags that start with it, in any case (INFERRED); an empty
// limit means all.
func (s *Server) handleAppTags(c *call) (int, any, error) {
	appID, err := c.id("app_id")
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, invalid("Invalid limit %q: must be a positive integer", v)
		}
		limit = n
	}
	prefix := strings.ToLower(q.Get("text"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.apps[appID]; !ok || a.Deleted {
		return 0, nil, notFound("app", appID)
	}
	counts := map[string]int{}
	for _, it := range s.items {
		if it.AppID != appID || it.Deleted {
			continue
		}
		for _, t := range it.Tags {
			if strings.HasPrefix(strings.ToLower(t), prefix) {
				counts[t]++
			}
		}
	}
	out := []tagCount{}
	for t, n := range counts {
		out = append(out, tagCount{Count: n, Text: t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Text < out[j].Text
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return http.StatusOK, out, nil
}
