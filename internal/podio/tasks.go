package podio

import (
	"context"
	"fmt"
	"net/http"
)

// Task is a task as GET /task/{task_id} returns it: what devhook needs of
// it.
type Task struct {
	// TaskID is the task's id.
	TaskID int64
	// Text is the task's text.
	Text string
	// SpaceID is the workspace the task is in; 0 for a private task.
	SpaceID int64
}

// TaskCreate is the body of [Client.CreateTask].
type TaskCreate struct {
	// Text is the task's text.
	Text string `json:"text"`
	// RefType and RefID attach the task to an object, such as "space" 2001;
	// a task on a space fires that space's task hooks.
	RefType string `json:"ref_type,omitempty"`
	RefID   int64  `json:"ref_id,omitempty"`
}

// CreateTask creates a task with POST /task/ and returns its id.
// opts.NoHook keeps it from firing task.create; opts.ExternalID is not
// used.
func (c *Client) CreateTask(ctx context.Context, task TaskCreate, opts WriteOptions) (int64, error) {
	var out struct {
		TaskID int64 `json:"task_id"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/task/", opts.query(), task, &out); err != nil {
		return 0, fmt.Errorf("create task: %w", err)
	}
	return out.TaskID, nil
}

// GetTask returns a task with GET /task/{taskID}.
func (c *Client) GetTask(ctx context.Context, taskID int64) (Task, error) {
	var out struct {
		TaskID  int64  `json:"task_id"`
		Text    string `json:"text"`
		SpaceID int64  `json:"space_id"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/task/"+id(taskID), nil, nil, &out); err != nil {
		return Task{}, fmt.Errorf("get task %d: %w", taskID, err)
	}
	return Task{TaskID: out.TaskID, Text: out.Text, SpaceID: out.SpaceID}, nil
}

// UpdateTask changes a task's text with PUT /task/{taskID}, body {"text"}.
func (c *Client) UpdateTask(ctx context.Context, taskID int64, text string, opts WriteOptions) error {
	in := struct {
		Text string `json:"text"`
	}{text}
	if _, err := c.call(ctx, http.MethodPut, "/task/"+id(taskID), opts.query(), in, nil); err != nil {
		return fmt.Errorf("update task %d: %w", taskID, err)
	}
	return nil
}

// DeleteTask deletes a task with DELETE /task/{taskID}.
func (c *Client) DeleteTask(ctx context.Context, taskID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/task/"+id(taskID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete task %d: %w", taskID, err)
	}
	return nil
}
