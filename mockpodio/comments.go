package mockpodio

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/devhookhq/devhook/fixtures"
)

// commentRefTypes are the objects the mock lets you comment on. Podio
// has more (status, task, ...); only item comments fire hooks.
var commentRefTypes = map[string]bool{"item": true}

type commentWrite struct {
	Value      *string `json:"value"`
	ExternalID string  `json:"external_id"`
}

func (s *Server) handleCreateComment(c *call) (int, any, error) {
	if !commentRefTypes[c.params["ref_type"]] {
		return 0, nil, invalid("Invalid ref_type %q: the mock supports comments on item", c.params["ref_type"])
	}
	itemID, err := c.id("ref_id")
	if err != nil {
		return 0, nil, err
	}
	var body commentWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Value == nil || *body.Value == "" {
		return 0, nil, invalid("value is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[itemID]
	if !ok {
		return 0, nil, notFound("item", itemID)
	}
	if it.Deleted {
		return 0, nil, errorf(http.StatusGone, codeGone, "Item has been deleted")
	}
	cm := &comment{ID: next(&s.ids.comment), RefType: "item", RefID: itemID, Value: *body.Value,
		ExternalID: body.ExternalID, CreatedOn: s.now(), CreatedBy: c.auth.Ref}
	s.comments[cm.ID] = cm
	s.touchLocked(kindComments, cm.ID)
	if c.hooksEnabled() {
		s.fireLocked("comment.create", commentParams(cm), target{fixtures.RefApp, it.AppID})
	}
	return http.StatusOK, s.commentJSONLocked(cm), nil
}

func commentParams(cm *comment) []param {
	return []param{{"item_id", strconv.FormatInt(cm.RefID, 10)}, {"comment_id", strconv.FormatInt(cm.ID, 10)}}
}

func (s *Server) liveCommentLocked(c *call) (*comment, error) {
	id, err := c.id("comment_id")
	if err != nil {
		return nil, err
	}
	cm, ok := s.comments[id]
	if !ok || cm.Deleted {
		return nil, notFound("comment", id)
	}
	return cm, nil
}

func (s *Server) handleGetComment(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cm, err := s.liveCommentLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.commentJSONLocked(cm), nil
}

func (s *Server) handleListComments(c *call) (int, any, error) {
	if !commentRefTypes[c.params["ref_type"]] {
		return 0, nil, invalid("Invalid ref_type %q: the mock supports comments on item", c.params["ref_type"])
	}
	itemID, err := c.id("ref_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[itemID]; !ok {
		return 0, nil, notFound("item", itemID)
	}
	var list []*comment
	for _, cm := range s.comments {
		if cm.RefID == itemID && !cm.Deleted {
			list = append(list, cm)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	out := make([]commentJSON, 0, len(list))
	for _, cm := range list {
		out = append(out, s.commentJSONLocked(cm))
	}
	return http.StatusOK, out, nil
}

// handleUpdateComment changes a comment's text. Podio has no
// comment.update hook event, so it fires nothing.
func (s *Server) handleUpdateComment(c *call) (int, any, error) {
	var body commentWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Value == nil || *body.Value == "" {
		return 0, nil, invalid("value is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cm, err := s.liveCommentLocked(c)
	if err != nil {
		return 0, nil, err
	}
	cm.Value = *body.Value
	s.touchLocked(kindComments, cm.ID)
	return statusNoContent, nil, nil
}

func (s *Server) handleDeleteComment(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cm, err := s.liveCommentLocked(c)
	if err != nil {
		return 0, nil, err
	}
	cm.Deleted = true
	s.touchLocked(kindComments, cm.ID)
	if it, ok := s.items[cm.RefID]; ok && c.hooksEnabled() {
		s.fireLocked("comment.delete", commentParams(cm), target{fixtures.RefApp, it.AppID})
	}
	return statusNoContent, nil, nil
}

// commentJSON is a comment as Podio's API returns it
// (https://developers.podio.com/doc/comments). Its fields are in the
// order of their keys, as the maps it replaced encoded them.
type commentJSON struct {
	CommentID  int64          `json:"comment_id"`
	CreatedBy  byline         `json:"created_by"`
	CreatedOn  string         `json:"created_on"`
	CreatedVia viaJSON        `json:"created_via"`
	ExternalID *string        `json:"external_id"`
	Files      []struct{}     `json:"files"`
	IsLiked    bool           `json:"is_liked"`
	LastEditOn *string        `json:"last_edit_on"`
	LikeCount  int            `json:"like_count"`
	Ref        commentRefJSON `json:"ref"`
	RichValue  string         `json:"rich_value"`
	Value      string         `json:"value"`
}

type commentRefJSON struct {
	ID    int64  `json:"id"`
	Link  string `json:"link"`
	Title string `json:"title"`
	Type  string `json:"type"`
}

func (s *Server) commentJSONLocked(cm *comment) commentJSON {
	var ext *string
	if cm.ExternalID != "" {
		e := cm.ExternalID // a copy: the answer is encoded after the lock is released
		ext = &e
	}
	title := ""
	if it, ok := s.items[cm.RefID]; ok {
		title = s.itemTitleLocked(it)
	}
	return commentJSON{
		CommentID: cm.ID, Value: cm.Value, RichValue: cm.Value, ExternalID: ext,
		Ref:       commentRefJSON{Type: cm.RefType, ID: cm.RefID, Title: title, Link: "https://podio.com/mock/items/" + strconv.FormatInt(cm.RefID, 10)},
		CreatedOn: podioTime(cm.CreatedOn), CreatedBy: s.bylineLocked(cm.CreatedBy), CreatedVia: via(),
		Files: []struct{}{},
	}
}
