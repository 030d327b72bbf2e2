package mockpodio

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// Status messages (https://developers.podio.com/doc/status): posted in a space, they fire
// status.create, status.update and status.delete on the space's hooks.

// status is a status message.
type status struct {
	ID        int64     `json:"status_id"`
	SpaceID   int64     `json:"space_id"`
	Value     string    `json:"value"`
	FileIDs   []int64   `json:"file_ids"`
	Tags      []string  `json:"tags"`
	CreatedOn time.Time `json:"created_on"`
	CreatedBy ref       `json:"created_by"`
	Deleted   bool      `json:"deleted"`
}

type statusWrite struct {
	Value   *string  `json:"value"`
	FileIDs *[]int64 `json:"file_ids"`
}

// spaceForWriteLocked returns the space a write names; permissive mode
// creates an unknown one, as task creation does.
func (s *Server) spaceForWriteLocked(id int64) (*space, error) {
	if sp, ok := s.spaces[id]; ok {
		return sp, nil
	}
	if s.Strict {
		return nil, notFound("space", id)
	}
	sp := &space{ID: id, Name: "Space " + strconv.FormatInt(id, 10)}
	s.spaces[id] = sp
	s.ids.space = max(s.ids.space, id)
	s.touchLocked(kindSpaces, id)
	return sp, nil
}

func statusParams(st *status) []param {
	return []param{{"status_id", strconv.FormatInt(st.ID, 10)}}
}

func (s *Server) handleCreateStatus(c *call) (int, any, error) {
	spaceID, err := c.id("space_id")
	if err != nil {
		return 0, nil, err
	}
	var body statusWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Value == nil || strings.TrimSpace(*body.Value) == "" {
		return 0, nil, invalid("value is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fileIDs []int64
	if body.FileIDs != nil {
		fileIDs = uniqueIDs(*body.FileIDs)
		if err := s.checkAttachableLocked(fileIDs, "", 0); err != nil {
			return 0, nil, err
		}
	}
	if _, err := s.spaceForWriteLocked(spaceID); err != nil {
		return 0, nil, err
	}
	st := &status{ID: next(&s.ids.status), SpaceID: spaceID, Value: *body.Value, Tags: []string{},
		CreatedOn: s.now(), CreatedBy: c.auth.Ref}
	s.statuses[st.ID] = st
	s.touchLocked(kindStatuses, st.ID)
	s.setFilesLocked(fileHolder{ids: &st.FileIDs, kind: kindStatuses, id: st.ID}, "status", st.ID, fileIDs)
	if c.hooksEnabled() {
		s.fireLocked("status.create", statusParams(st), target{fixtures.RefSpace, spaceID})
	}
	return http.StatusOK, s.statusJSONLocked(s.baseURL(c), st), nil
}

func (s *Server) liveStatusLocked(c *call) (*status, error) {
	id, err := c.id("status_id")
	if err != nil {
		return nil, err
	}
	st, ok := s.statuses[id]
	if !ok || st.Deleted {
		return nil, notFound("status", id)
	}
	return st, nil
}

func (s *Server) handleGetStatus(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.liveStatusLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.statusJSONLocked(s.baseURL(c), st), nil
}

// handleUpdateStatus is PUT /status/{id}: value and file_ids, each only
// when given. It fires status.update even when nothing changed. INFERRED.
func (s *Server) handleUpdateStatus(c *call) (int, any, error) {
	var body statusWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Value != nil && strings.TrimSpace(*body.Value) == "" {
		return 0, nil, invalid("value cannot be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.liveStatusLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if body.FileIDs != nil {
		ids := uniqueIDs(*body.FileIDs)
		if err := s.checkAttachableLocked(ids, "status", st.ID); err != nil {
			return 0, nil, err
		}
		s.setFilesLocked(fileHolder{ids: &st.FileIDs, kind: kindStatuses, id: st.ID}, "status", st.ID, ids)
	}
	if body.Value != nil {
		st.Value = *body.Value
	}
	s.touchLocked(kindStatuses, st.ID)
	if c.hooksEnabled() {
		s.fireLocked("status.update", statusParams(st), target{fixtures.RefSpace, st.SpaceID})
	}
	return statusNoContent, nil, nil
}

func (s *Server) handleDeleteStatus(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.liveStatusLocked(c)
	if err != nil {
		return 0, nil, err
	}
	st.Deleted = true
	s.touchLocked(kindStatuses, st.ID)
	if c.hooksEnabled() {
		s.fireLocked("status.delete", statusParams(st), target{fixtures.RefSpace, st.SpaceID})
	}
	return statusNoContent, nil, nil
}

// statusJSON is Podio's Status (docs status/get-status-message-22337).
type statusJSON struct {
	StatusID   int64      `json:"status_id"`
	Value      string     `json:"value"`
	RichValue  string     `json:"rich_value"`
	Link       string     `json:"link"`
	SpaceID    int64      `json:"space_id"`
	CreatedOn  string     `json:"created_on"`
	CreatedBy  any        `json:"created_by"`
	CreatedVia any        `json:"created_via"`
	Comments   []any      `json:"comments"`
	Files      []fileJSON `json:"files"`
	Tasks      []any      `json:"tasks"`
	Tags       []string   `json:"tags"`
}

func (s *Server) statusJSONLocked(base string, st *status) statusJSON {
	return statusJSON{StatusID: st.ID, Value: st.Value, RichValue: st.Value, SpaceID: st.SpaceID,
		Link:      fmt.Sprintf("https://podio.com/mock/status/%d", st.ID),
		CreatedOn: podioTime(st.CreatedOn), CreatedBy: s.bylineLocked(st.CreatedBy), CreatedVia: via(),
		Comments: []any{}, Files: s.filesJSONLocked(base, st.FileIDs), Tasks: []any{}, Tags: slices.Clone(nonNil(st.Tags))}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
