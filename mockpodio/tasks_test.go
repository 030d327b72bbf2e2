package mockpodio_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// taskJSON is the part of a task the tests check.
type taskJSON struct {
	TaskID      int64   `json:"task_id"`
	Text        string  `json:"text"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	Private     bool    `json:"private"`
	DueDate     *string `json:"due_date"`
	ExternalID  *string `json:"external_id"`
	Ref         *struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"ref"`
	SpaceID   *int64 `json:"space_id"`
	CreatedOn string `json:"created_on"`
	CreatedBy byline `json:"created_by"`
}

func i64p(n int64) *int64 { return &n }

func TestCreateTask(t *testing.T) {
	tests := []struct {
		name        string
		strict      bool
		path        string
		body        any
		wantStatus  int
		wantErr     string
		wantRef     string // "type id"
		wantSpaceID *int64
	}{
		{name: "POST /task/ on a space", path: "/task/", body: map[string]any{"text": "Do it", "ref_type": "space", "ref_id": 2001},
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "POST /task without slash", path: "/task", body: map[string]any{"text": "Do it", "ref_type": "space", "ref_id": "2001"},
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "POST /task/space/{id}/", path: "/task/space/2001/", body: map[string]any{"text": "Do it"},
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "POST /task/app/{id}", path: "/task/app/3001", body: map[string]any{"text": "Do it"},
			wantStatus: 200, wantRef: "app 3001", wantSpaceID: i64p(2001)},
		{name: "POST /task/ with no reference", path: "/task/", body: map[string]any{"text": "Do it"},
			wantStatus: 200},
		{name: "JSON without Content-Type", path: "/task/", body: `{"text":"Do it","ref_type":"space","ref_id":2001}`,
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "hook=false and silent=true", path: "/task/?hook=false&silent=true", body: map[string]any{"text": "Do it", "ref_type": "space", "ref_id": 2001},
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "unknown space is made when permissive", path: "/task/space/888/", body: map[string]any{"text": "Do it"},
			wantStatus: 200, wantRef: "space 888", wantSpaceID: i64p(888)},
		{name: "text missing", path: "/task/", body: map[string]any{"ref_type": "space", "ref_id": 2001}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "text empty", path: "/task/", body: map[string]any{"text": ""}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "empty body", path: "/task/", body: "", wantStatus: 400, wantErr: "invalid_value"},
		{name: "null body", path: "/task/", body: "null", wantStatus: 400, wantErr: "invalid_value"},
		{name: "body not JSON", path: "/task/", body: "{", wantStatus: 400, wantErr: "invalid_value"},
		{name: "bad ref_type", path: "/task/", body: map[string]any{"text": "x", "ref_type": "planet", "ref_id": 1}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "bad ref_id", path: "/task/space/abc/", body: map[string]any{"text": "x"}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown app", path: "/task/app/999/", body: map[string]any{"text": "x"}, wantStatus: 404, wantErr: "not_found"},
		{name: "unknown item", path: "/task/item/99999999/", body: map[string]any{"text": "x"}, wantStatus: 404, wantErr: "not_found"},
		{name: "strict: seeded space", strict: true, path: "/task/space/2001/", body: map[string]any{"text": "x"},
			wantStatus: 200, wantRef: "space 2001", wantSpaceID: i64p(2001)},
		{name: "strict: unknown space", strict: true, path: "/task/space/888/", body: map[string]any{"text": "x"}, wantStatus: 404, wantErr: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, tt.strict), withClock(mockpodio.NewManualClock(clockStart)))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			res := do(t, s, token, "POST", tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("POST %s = %d %q, want %d %q: %s", tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got taskJSON
			decodeJSON(t, res.Raw, &got)
			want := taskJSON{Text: "Do it", Status: "active", SpaceID: tt.wantSpaceID,
				CreatedOn: "2026-11-25 10:00:00", CreatedBy: byline{Type: "app", ID: seedAppID, Name: "Bugs"}}
			if tt.strict {
				want.Text = "x"
			}
			opts := cmp.Options{cmpopts.IgnoreFields(taskJSON{}, "TaskID", "Ref")}
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("task (-want +got):\n%s", diff)
			}
			gotRef := ""
			if got.Ref != nil {
				gotRef = got.Ref.Type + " " + itoa(got.Ref.ID)
			}
			if gotRef != tt.wantRef {
				t.Errorf("ref = %q, want %q", gotRef, tt.wantRef)
			}
			if got.TaskID <= 0 {
				t.Errorf("task_id = %d, want positive", got.TaskID)
			}
			var stored taskJSON
			decodeJSON(t, do(t, s, token, "GET", "/task/"+itoa(got.TaskID), nil).Raw, &stored)
			if diff := cmp.Diff(got, stored); diff != "" {
				t.Errorf("GET /task/%d (-create +get):\n%s", got.TaskID, diff)
			}
		})
	}
}

func TestUpdateDeleteCompleteTask(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string // %d is the task id
		body       any
		wantStatus int
		wantErr    string
		wantBody   map[string]any // for a 200, only these keys are compared
		wantText   string         // after the call; "" when deleted
		wantState  string
	}{
		{name: "PUT text", method: "PUT", path: "/task/%d", body: map[string]any{"text": "New"},
			wantStatus: 200, wantBody: map[string]any{"text": "New"}, wantText: "New", wantState: "active"},
		{name: "PUT, trailing slash", method: "PUT", path: "/task/%d/", body: map[string]any{"description": "d"},
			wantStatus: 200, wantBody: map[string]any{"description": "d"}, wantText: "Old", wantState: "active"},
		{name: "PUT, hook=0", method: "PUT", path: "/task/%d?hook=0", body: map[string]any{"text": "New"},
			wantStatus: 200, wantBody: map[string]any{"text": "New"}, wantText: "New", wantState: "active"},
		{name: "PUT, no body", method: "PUT", path: "/task/%d", body: "",
			wantStatus: 200, wantBody: map[string]any{"text": "Old"}, wantText: "Old", wantState: "active"},
		{name: "PUT, empty text", method: "PUT", path: "/task/%d", body: map[string]any{"text": ""},
			wantStatus: 400, wantErr: "invalid_value", wantText: "Old", wantState: "active"},
		{name: "PUT, text not a string", method: "PUT", path: "/task/%d", body: map[string]any{"text": 1},
			wantStatus: 400, wantErr: "invalid_value", wantText: "Old", wantState: "active"},
		{name: "PUT, unknown task", method: "PUT", path: "/task/99999999", body: map[string]any{"text": "New"},
			wantStatus: 404, wantErr: "not_found", wantText: "Old", wantState: "active"},
		{name: "DELETE", method: "DELETE", path: "/task/%d", wantStatus: 204},
		{name: "DELETE, trailing slash", method: "DELETE", path: "/task/%d/", wantStatus: 204},
		{name: "DELETE, null body", method: "DELETE", path: "/task/%d", body: "null", wantStatus: 204},
		{name: "DELETE, hook=false", method: "DELETE", path: "/task/%d?hook=false", wantStatus: 204},
		{name: "DELETE, unknown task", method: "DELETE", path: "/task/99999999",
			wantStatus: 404, wantErr: "not_found", wantText: "Old", wantState: "active"},
		{name: "DELETE, id not a number", method: "DELETE", path: "/task/abc",
			wantStatus: 404, wantErr: "not_found", wantText: "Old", wantState: "active"},
		{name: "complete", method: "POST", path: "/task/%d/complete",
			wantStatus: 200, wantBody: map[string]any{"recurring_task_id": nil}, wantText: "Old", wantState: "completed"},
		{name: "complete, trailing slash, empty body", method: "POST", path: "/task/%d/complete/", body: "",
			wantStatus: 200, wantBody: map[string]any{"recurring_task_id": nil}, wantText: "Old", wantState: "completed"},
		{name: "incomplete", method: "POST", path: "/task/%d/incomplete",
			wantStatus: 204, wantText: "Old", wantState: "active"},
		{name: "complete, unknown task", method: "POST", path: "/task/99999999/complete",
			wantStatus: 404, wantErr: "not_found", wantText: "Old", wantState: "active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false))
			token, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := do(t, s, token, "POST", "/task/space/2001/", map[string]any{"text": "Old"})
			mustStatus(t, "create task", c, 200)
			id := num(t, field(t, c.Body, "task_id"))
			res := do(t, s, token, tt.method, sprintfID(tt.path, id), tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("%s %s = %d %q, want %d %q: %s", tt.method, tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus == 204 && res.Raw != "" {
				t.Errorf("204 body = %q, want none", res.Raw)
			}
			if tt.wantBody != nil {
				got := map[string]any{}
				for k := range tt.wantBody {
					got[k] = field(t, res.Body, k)
				}
				if diff := cmp.Diff(tt.wantBody, got); diff != "" {
					t.Errorf("response (-want +got):\n%s", diff)
				}
			}
			after := do(t, s, token, "GET", "/task/"+itoa(id), nil)
			if tt.wantText == "" {
				if after.Status != 404 {
					t.Errorf("GET after delete = %d, want 404", after.Status)
				}
				return
			}
			mustStatus(t, "GET", after, 200)
			if got := [2]any{field(t, after.Body, "text"), field(t, after.Body, "status")}; got != [2]any{tt.wantText, tt.wantState} {
				t.Errorf("after: text, status = %v, want %q, %q", got, tt.wantText, tt.wantState)
			}
		})
	}
}
