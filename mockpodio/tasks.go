package mockpodio

import (
	"net/http"
	"strconv"

	"github.com/devhookhq/devhook/fixtures"
)

// Task choices: a task fires the task.* hooks of the space it belongs to
// (through its reference: a space, an app in it, or an item of such an
// app) unless it is private. Podio: "a shared task is created in the
// space". A task without a reference belongs to no space.

type taskWrite struct {
	Text        *string `json:"text"`
	Description *string `json:"description"`
	Private     *bool   `json:"private"`
	DueDate     *string `json:"due_date"`
	ExternalID  *string `json:"external_id"`
	RefType     string  `json:"ref_type"`
	RefID       any     `json:"ref_id"`
}

// applyOptional sets the task fields a write names; the others keep their
// values.
func (body taskWrite) applyOptional(t *task) {
	if body.Description != nil {
		t.Description = *body.Description
	}
	if body.Private != nil {
		t.Private = *body.Private
	}
	if body.DueDate != nil {
		t.DueDate = *body.DueDate
	}
	if body.ExternalID != nil {
		t.ExternalID = *body.ExternalID
	}
}

var taskRefTypes = map[string]bool{"item": true, "app": true, "space": true, "status": true, "conversation": true}

func (s *Server) handleCreateTask(c *call) (int, any, error) {
	var body taskWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Text == nil || *body.Text == "" {
		return 0, nil, invalid("text is required")
	}
	refType, refIDRaw := body.RefType, ""
	if body.RefID != nil {
		refIDRaw = toString(body.RefID)
	}
	if rt, ok := c.params["ref_type"]; ok {
		refType, refIDRaw = rt, c.params["ref_id"]
	}
	var refID int64
	if refType != "" {
		if !taskRefTypes[refType] {
			return 0, nil, invalid("Invalid ref_type %q for a task", refType)
		}
		id, ok := parseID(refIDRaw)
		if !ok {
			return 0, nil, invalid("Invalid ref_id %q: must be a positive integer", refIDRaw)
		}
		refID = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	spaceID, err := s.taskSpaceLocked(refType, refID)
	if err != nil {
		return 0, nil, err
	}
	t := &task{ID: next(&s.ids.task), Text: *body.Text, Status: "active", RefType: refType, RefID: refID,
		SpaceID: spaceID, CreatedOn: s.now(), CreatedBy: c.auth.Ref}
	body.applyOptional(t)
	s.tasks[t.ID] = t
	s.touchLocked(kindTasks, t.ID)
	s.fireTaskLocked(c, t, "task.create")
	return http.StatusOK, s.taskJSONLocked(t), nil
}

// taskSpaceLocked finds the space a task's reference belongs to.
func (s *Server) taskSpaceLocked(refType string, refID int64) (int64, error) {
	switch refType {
	case "":
		return 0, nil
	case "space":
		if _, ok := s.spaces[refID]; !ok {
			if s.Strict {
				return 0, notFound("space", refID)
			}
			s.spaces[refID] = &space{ID: refID, Name: "Space " + strconv.FormatInt(refID, 10)}
			s.ids.space = max(s.ids.space, refID)
			s.touchLocked(kindSpaces, refID)
		}
		return refID, nil
	case "app":
		a, ok := s.apps[refID]
		if !ok || a.Deleted {
			return 0, notFound("app", refID)
		}
		return a.SpaceID, nil
	case "item":
		it, ok := s.items[refID]
		if !ok || it.Deleted {
			return 0, notFound("item", refID)
		}
		return s.apps[it.AppID].SpaceID, nil
	}
	return 0, nil // status and conversation: not modelled, no space
}

func (s *Server) fireTaskLocked(c *call, t *task, typ string) {
	if t.SpaceID == 0 || t.Private || !c.hooksEnabled() {
		return
	}
	s.fireLocked(typ, []param{{"task_id", strconv.FormatInt(t.ID, 10)}}, target{fixtures.RefSpace, t.SpaceID})
}

func (s *Server) liveTaskLocked(c *call) (*task, error) {
	id, err := c.id("task_id")
	if err != nil {
		return nil, err
	}
	t, ok := s.tasks[id]
	if !ok || t.Deleted {
		return nil, notFound("task", id)
	}
	return t, nil
}

func (s *Server) handleGetTask(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.liveTaskLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.taskJSONLocked(t), nil
}

func (s *Server) handleUpdateTask(c *call) (int, any, error) {
	var body taskWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.liveTaskLocked(c)
	if err != nil {
		return 0, nil, err
	}
	s.touchLocked(kindTasks, t.ID)
	if body.Text != nil {
		if *body.Text == "" {
			return 0, nil, invalid("text cannot be empty")
		}
		t.Text = *body.Text
	}
	body.applyOptional(t)
	s.fireTaskLocked(c, t, "task.update")
	return http.StatusOK, s.taskJSONLocked(t), nil
}

func (s *Server) handleDeleteTask(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.liveTaskLocked(c)
	if err != nil {
		return 0, nil, err
	}
	t.Deleted = true
	s.touchLocked(kindTasks, t.ID)
	s.fireTaskLocked(c, t, "task.delete")
	return statusNoContent, nil, nil
}

func (s *Server) handleCompleteTask(c *call) (int, any, error) {
	return s.setTaskStatus(c, "completed")
}

func (s *Server) handleIncompleteTask(c *call) (int, any, error) {
	return s.setTaskStatus(c, "active")
}

// setTaskStatus completes or reopens a task; a change fires task.update.
func (s *Server) setTaskStatus(c *call, status string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.liveTaskLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if t.Status != status {
		t.Status = status
		s.touchLocked(kindTasks, t.ID)
		s.fireTaskLocked(c, t, "task.update")
	}
	if status == "completed" {
		return http.StatusOK, map[string]any{"recurring_task_id": nil}, nil
	}
	return statusNoContent, nil, nil
}

// taskJSON is a task as Podio's API returns it
// (https://developers.podio.com/doc/tasks). Its fields are in the order
// of their keys, as the maps it replaced encoded them.
type taskJSON struct {
	CreatedBy   byline       `json:"created_by"`
	CreatedOn   string       `json:"created_on"`
	CreatedVia  viaJSON      `json:"created_via"`
	Description string       `json:"description"`
	DueDate     *string      `json:"due_date"`
	ExternalID  *string      `json:"external_id"`
	Link        string       `json:"link"`
	Private     bool         `json:"private"`
	Ref         *taskRefJSON `json:"ref"`
	SpaceID     *int64       `json:"space_id"`
	Status      string       `json:"status"`
	TaskID      int64        `json:"task_id"`
	Text        string       `json:"text"`
}

type taskRefJSON struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

func (s *Server) taskJSONLocked(t *task) taskJSON {
	out := taskJSON{
		TaskID: t.ID, Text: t.Text, Description: t.Description, Status: t.Status,
		Private: t.Private, DueDate: nilIfEmpty(t.DueDate), ExternalID: nilIfEmpty(t.ExternalID),
		SpaceID: nilIfZero(t.SpaceID), CreatedOn: podioTime(t.CreatedOn),
		CreatedBy: s.bylineLocked(t.CreatedBy), CreatedVia: via(),
		Link: "https://podio.com/mock/tasks/" + strconv.FormatInt(t.ID, 10),
	}
	if t.RefType != "" {
		out.Ref = &taskRefJSON{Type: t.RefType, ID: t.RefID}
	}
	return out
}

// nilIfEmpty is s, or nil (JSON null) when it is empty. s is a copy: the
// answer is encoded after the lock is released.
func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nilIfZero is n, or nil (JSON null) when it is 0.
func nilIfZero(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}
