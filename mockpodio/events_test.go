package mockpodio_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// eventEnv is a seeded permissive server with a validating receiver.
type eventEnv struct {
	s     *mockpodio.Server
	token string
	rc    *mockpodio.Receiver
	hooks map[string]int64 // by the path of their URL on rc, e.g. "/app/item.create"
}

func newEventEnv(t *testing.T) *eventEnv {
	t.Helper()
	// One delivery in flight per hook: these tests read a hook's
	// deliveries in the order its events fired.
	s := newServer(t, withSeed(t, false), func(s *mockpodio.Server) { s.HookConcurrency = 1 })
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &eventEnv{s: s, token: token, rc: mockpodio.NewReceiver(t, s), hooks: map[string]int64{}}
}

// hook registers an active hook for typ on refType/refID, at URL path
// "/<name>/<typ>" on the receiver, and returns the path.
func (e *eventEnv) hook(t *testing.T, name, refType string, refID int64, typ string) string {
	t.Helper()
	path := "/" + name + "/" + typ
	hk, err := e.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: refType, ID: refID}, typ, mockpodio.HookURL(e.rc.URL+path))
	if err != nil {
		t.Fatal(err)
	}
	e.hooks[path] = hk.HookID
	return path
}

// allHooks registers the hooks TestEventParams expects deliveries on.
func (e *eventEnv) allHooks(t *testing.T) {
	t.Helper()
	for _, typ := range []string{"item.create", "item.update", "item.delete", "comment.create", "comment.delete", "app.update", "app.delete"} {
		e.hook(t, "app", "app", seedAppID, typ)
	}
	for _, typ := range []string{"item.create", "item.update", "item.delete"} {
		e.hook(t, "title", "app_field", seedTitleField, typ)
	}
	e.hook(t, "status", "app_field", seedStatusField, "item.update")
	for _, typ := range []string{"app.create", "task.create", "task.update", "task.delete"} {
		e.hook(t, "space", "space", seedSpaceID, typ)
	}
}

// received closes the server, which waits for every delivery, and
// returns the events (hook.verify left out) the receiver got, by path.
func (e *eventEnv) received(t *testing.T) map[string][]url.Values {
	t.Helper()
	// Close waits for every delivery. Idle client connections are closed
	// first: Shutdown would wait 5 s for one that never sent a request.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	e.s.Close()
	for _, d := range e.s.Deliveries() {
		if d.Outcome != mockpodio.OutcomeDelivered {
			t.Errorf("delivery %d (%s to hook %d): %s %s", d.ID, d.Type, d.HookID, d.Outcome, d.Error)
		}
	}
	got := map[string][]url.Values{}
	for _, h := range e.rc.Events() {
		if h.Type == "hook.verify" {
			continue
		}
		if ct := h.Header.Get("Content-Type"); h.Method != "POST" || ct != "application/x-www-form-urlencoded" || h.Query != "" {
			t.Errorf("event request %s %s?%s with Content-Type %q", h.Method, h.Path, h.Query, ct)
		}
		form, err := url.ParseQuery(h.Body)
		if err != nil {
			t.Fatal(err)
		}
		got[h.Path] = append(got[h.Path], form)
	}
	return got
}

// form builds the expected form of an event to the hook at path.
func (e *eventEnv) form(path, typ string, kv ...string) url.Values {
	v := url.Values{"type": {typ}, "hook_id": {itoa(e.hooks[path])}}
	for i := 0; i+1 < len(kv); i += 2 {
		v[kv[i]] = []string{kv[i+1]}
	}
	return v
}

// item returns the item's id and current item_revision_id as strings.
func (e *eventEnv) item(t *testing.T, id int64) (string, string) {
	t.Helper()
	return itoa(id), itoa(itemRevisionID(t, e.s, e.token, id))
}

func TestEventParams(t *testing.T) {
	// Each case prepares objects before the hooks exist, so that only its
	// write can deliver; then it returns the forms it expects, by path.
	tests := []struct {
		name  string
		prep  func(t *testing.T, e *eventEnv) int64
		write func(t *testing.T, e *eventEnv, id int64) map[string][]url.Values
	}{
		{"item.create with external_id", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			id, rev := e.item(t, createItem(t, e.s, e.token, seedAppID, map[string]any{"external_id": "bug-1", "fields": map[string]any{"title": "A", "status": 1}}))
			kv := []string{"item_id", id, "item_revision_id", rev, "external_id", "bug-1"}
			return map[string][]url.Values{
				"/app/item.create":   {e.form("/app/item.create", "item.create", kv...)},
				"/title/item.create": {e.form("/title/item.create", "item.create", kv...)},
			}
		}},
		{"item.create without external_id, no hooked field", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			id, rev := e.item(t, createItem(t, e.s, e.token, seedAppID, map[string]any{"fields": map[string]any{"priority": 1}}))
			return map[string][]url.Values{
				"/app/item.create": {e.form("/app/item.create", "item.create", "item_id", id, "item_revision_id", rev, "external_id", "")},
			}
		}},
		{"item.create in another app", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			createItem(t, e.s, e.token, 3002, map[string]any{"fields": map[string]any{"title": "A"}})
			return map[string][]url.Values{}
		}},
		{"item.update of the title", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(item), map[string]any{"fields": map[string]any{"title": "B"}}), 200)
			id, rev := e.item(t, item)
			kv := []string{"item_id", id, "item_revision_id", rev, "external_id", "bug-1"}
			return map[string][]url.Values{
				"/app/item.update":   {e.form("/app/item.update", "item.update", kv...)},
				"/title/item.update": {e.form("/title/item.update", "item.update", kv...)},
			}
		}},
		{"item.update of the status", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(item), map[string]any{"fields": map[string]any{"title": "A", "status": 2}}), 200)
			id, rev := e.item(t, item)
			kv := []string{"item_id", id, "item_revision_id", rev, "external_id", "bug-1"}
			return map[string][]url.Values{
				"/app/item.update":    {e.form("/app/item.update", "item.update", kv...)},
				"/status/item.update": {e.form("/status/item.update", "item.update", kv...)},
			}
		}},
		{"item values of both fields", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(item)+"/value", map[string]any{"title": "B", "status": 3}), 200)
			id, rev := e.item(t, item)
			kv := []string{"item_id", id, "item_revision_id", rev, "external_id", "bug-1"}
			return map[string][]url.Values{
				"/app/item.update":    {e.form("/app/item.update", "item.update", kv...)},
				"/title/item.update":  {e.form("/title/item.update", "item.update", kv...)},
				"/status/item.update": {e.form("/status/item.update", "item.update", kv...)},
			}
		}},
		{"item.update of the external_id only", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(item), map[string]any{"external_id": "bug-2"}), 200)
			id, rev := e.item(t, item)
			return map[string][]url.Values{
				"/app/item.update": {e.form("/app/item.update", "item.update", "item_id", id, "item_revision_id", rev, "external_id", "bug-2")},
			}
		}},
		{"item.update that changes nothing", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(item), map[string]any{"fields": map[string]any{"title": "A", "status": 1}}), 204)
			return map[string][]url.Values{}
		}},
		{"item.delete", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			id, rev := e.item(t, item)
			mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/item/"+id, nil), 204)
			kv := []string{"item_id", id, "item_revision_id", rev, "external_id", "bug-1"}
			return map[string][]url.Values{
				"/app/item.delete":   {e.form("/app/item.delete", "item.delete", kv...)},
				"/title/item.delete": {e.form("/title/item.delete", "item.delete", kv...)},
			}
		}},
		{"comment.create", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			res := do(t, e.s, e.token, "POST", "/comment/item/"+itoa(item)+"/", map[string]any{"value": "hi"})
			mustStatus(t, "comment", res, 200)
			c := itoa(num(t, field(t, res.Body, "comment_id")))
			return map[string][]url.Values{
				"/app/comment.create": {e.form("/app/comment.create", "comment.create", "item_id", itoa(item), "comment_id", c)},
			}
		}},
		{"comment.delete", seedComment, func(t *testing.T, e *eventEnv, c int64) map[string][]url.Values {
			item := num(t, field(t, field(t, do(t, e.s, e.token, "GET", "/comment/"+itoa(c), nil).Body, "ref"), "id"))
			mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/comment/"+itoa(c), nil), 204)
			return map[string][]url.Values{
				"/app/comment.delete": {e.form("/app/comment.delete", "comment.delete", "item_id", itoa(item), "comment_id", itoa(c))},
			}
		}},
		{"comment update fires nothing", seedComment, func(t *testing.T, e *eventEnv, c int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/comment/"+itoa(c), map[string]any{"value": "new"}), 204)
			return map[string][]url.Values{}
		}},
		{"task.create on the space", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			res := do(t, e.s, e.token, "POST", "/task/", map[string]any{"text": "x", "ref_type": "space", "ref_id": seedSpaceID})
			mustStatus(t, "task", res, 200)
			return map[string][]url.Values{
				"/space/task.create": {e.form("/space/task.create", "task.create", "task_id", itoa(num(t, field(t, res.Body, "task_id"))))},
			}
		}},
		{"task.create on an item of the space", seedItem, func(t *testing.T, e *eventEnv, item int64) map[string][]url.Values {
			res := do(t, e.s, e.token, "POST", "/task/item/"+itoa(item)+"/", map[string]any{"text": "x"})
			mustStatus(t, "task", res, 200)
			return map[string][]url.Values{
				"/space/task.create": {e.form("/space/task.create", "task.create", "task_id", itoa(num(t, field(t, res.Body, "task_id"))))},
			}
		}},
		{"private task.create", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			mustStatus(t, "task", do(t, e.s, e.token, "POST", "/task/space/2001/", map[string]any{"text": "x", "private": true}), 200)
			return map[string][]url.Values{}
		}},
		{"task.create on another space", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			mustStatus(t, "task", do(t, e.s, e.token, "POST", "/task/space/2999/", map[string]any{"text": "x"}), 200)
			return map[string][]url.Values{}
		}},
		{"task.update", seedTask, func(t *testing.T, e *eventEnv, task int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/task/"+itoa(task), map[string]any{"text": "y"}), 200)
			return map[string][]url.Values{"/space/task.update": {e.form("/space/task.update", "task.update", "task_id", itoa(task))}}
		}},
		{"task complete is a task.update", seedTask, func(t *testing.T, e *eventEnv, task int64) map[string][]url.Values {
			mustStatus(t, "complete", do(t, e.s, e.token, "POST", "/task/"+itoa(task)+"/complete", nil), 200)
			return map[string][]url.Values{"/space/task.update": {e.form("/space/task.update", "task.update", "task_id", itoa(task))}}
		}},
		{"task.delete", seedTask, func(t *testing.T, e *eventEnv, task int64) map[string][]url.Values {
			mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/task/"+itoa(task), nil), 204)
			return map[string][]url.Values{"/space/task.delete": {e.form("/space/task.delete", "task.delete", "task_id", itoa(task))}}
		}},
		{"app.create in the space", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			res := do(t, e.s, e.token, "POST", "/app/", map[string]any{"space_id": seedSpaceID, "config": map[string]any{"name": "New"}})
			mustStatus(t, "app", res, 200)
			return map[string][]url.Values{
				"/space/app.create": {e.form("/space/app.create", "app.create", "app_id", itoa(num(t, field(t, res.Body, "app_id"))))},
			}
		}},
		{"app.create in another space", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			mustStatus(t, "app", do(t, e.s, e.token, "POST", "/app/", map[string]any{"space_id": 2999, "config": map[string]any{"name": "New"}}), 200)
			return map[string][]url.Values{}
		}},
		{"app.update", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/app/3001", map[string]any{"config": map[string]any{"name": "Bugs 2"}}), 204)
			return map[string][]url.Values{"/app/app.update": {e.form("/app/app.update", "app.update", "app_id", "3001")}}
		}},
		{"app.delete", nil, func(t *testing.T, e *eventEnv, _ int64) map[string][]url.Values {
			mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/app/3001", nil), 204)
			return map[string][]url.Values{"/app/app.delete": {e.form("/app/app.delete", "app.delete", "app_id", "3001")}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEventEnv(t)
			var id int64
			if tt.prep != nil {
				id = tt.prep(t, e)
			}
			e.allHooks(t)
			want := tt.write(t, e, id)
			got := e.received(t)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events received, by hook URL path (-want +got):\n%s", diff)
			}
		})
	}
}

// seedItem, seedComment and seedTask make an object for a case of
// TestEventParams before its hooks exist.
func seedItem(t *testing.T, e *eventEnv) int64 {
	return createItem(t, e.s, e.token, seedAppID, map[string]any{"external_id": "bug-1", "fields": map[string]any{"title": "A", "status": 1}})
}

func seedComment(t *testing.T, e *eventEnv) int64 {
	res := do(t, e.s, e.token, "POST", "/comment/item/"+itoa(seedItem(t, e))+"/", map[string]any{"value": "hi"})
	mustStatus(t, "comment", res, 200)
	return num(t, field(t, res.Body, "comment_id"))
}

func seedTask(t *testing.T, e *eventEnv) int64 {
	res := do(t, e.s, e.token, "POST", "/task/space/2001/", map[string]any{"text": "x"})
	mustStatus(t, "task", res, 200)
	return num(t, field(t, res.Body, "task_id"))
}

// flagWrite is a write whose hooks a query flag may switch off.
type flagWrite struct {
	name string
	typ  string // the event it fires
	key  string // the param naming the object, e.g. item_id
	// prep makes the objects of the flagged write and of the later one,
	// before any hook exists; nil means none are needed.
	prep func(t *testing.T, e *eventEnv) (int64, int64)
	// ref is where the hook for an object goes.
	ref func(obj int64) (string, int64)
	// act writes on obj with query q ("" or "?...") and returns the
	// value of key the event carries.
	act func(t *testing.T, e *eventEnv, obj int64, q string) string
}

func twoItems(t *testing.T, e *eventEnv) (int64, int64) { return seedItem(t, e), seedItem(t, e) }
func twoComments(t *testing.T, e *eventEnv) (int64, int64) {
	return seedComment(t, e), seedComment(t, e)
}
func twoTasks(t *testing.T, e *eventEnv) (int64, int64) { return seedTask(t, e), seedTask(t, e) }
func twoApps(t *testing.T, e *eventEnv) (int64, int64) {
	mk := func() int64 {
		res := do(t, e.s, e.token, "POST", "/app/", map[string]any{"space_id": seedSpaceID, "config": map[string]any{"name": "X"}})
		mustStatus(t, "app", res, 200)
		return num(t, field(t, res.Body, "app_id"))
	}
	return mk(), mk()
}
func onSeedApp(int64) (string, int64)   { return "app", seedAppID }
func onSeedSpace(int64) (string, int64) { return "space", seedSpaceID }
func onApp(obj int64) (string, int64)   { return "app", obj }

var flagWrites = []flagWrite{
	{"create item", "item.create", "item_id", nil, onSeedApp, func(t *testing.T, e *eventEnv, _ int64, q string) string {
		res := do(t, e.s, e.token, "POST", "/item/app/3001/"+q, map[string]any{"fields": map[string]any{"title": "x"}})
		mustStatus(t, "create", res, 200)
		return itoa(num(t, field(t, res.Body, "item_id")))
	}},
	{"update item", "item.update", "item_id", twoItems, onSeedApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(obj)+q, map[string]any{"fields": map[string]any{"title": "changed"}}), 200)
		return itoa(obj)
	}},
	{"update item values", "item.update", "item_id", twoItems, onSeedApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+itoa(obj)+"/value"+q, map[string]any{"title": "changed"}), 200)
		return itoa(obj)
	}},
	{"delete item", "item.delete", "item_id", twoItems, onSeedApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/item/"+itoa(obj)+q, nil), 204)
		return itoa(obj)
	}},
	{"create comment", "comment.create", "comment_id", twoItems, onSeedApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		res := do(t, e.s, e.token, "POST", "/comment/item/"+itoa(obj)+"/"+q, map[string]any{"value": "hi"})
		mustStatus(t, "comment", res, 200)
		return itoa(num(t, field(t, res.Body, "comment_id")))
	}},
	{"delete comment", "comment.delete", "comment_id", twoComments, onSeedApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/comment/"+itoa(obj)+q, nil), 204)
		return itoa(obj)
	}},
	{"create task", "task.create", "task_id", nil, onSeedSpace, func(t *testing.T, e *eventEnv, _ int64, q string) string {
		res := do(t, e.s, e.token, "POST", "/task/"+q, map[string]any{"text": "x", "ref_type": "space", "ref_id": seedSpaceID})
		mustStatus(t, "task", res, 200)
		return itoa(num(t, field(t, res.Body, "task_id")))
	}},
	{"update task", "task.update", "task_id", twoTasks, onSeedSpace, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/task/"+itoa(obj)+q, map[string]any{"text": "y"}), 200)
		return itoa(obj)
	}},
	{"complete task", "task.update", "task_id", twoTasks, onSeedSpace, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "complete", do(t, e.s, e.token, "POST", "/task/"+itoa(obj)+"/complete"+q, nil), 200)
		return itoa(obj)
	}},
	{"delete task", "task.delete", "task_id", twoTasks, onSeedSpace, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/task/"+itoa(obj)+q, nil), 204)
		return itoa(obj)
	}},
	{"create app", "app.create", "app_id", nil, onSeedSpace, func(t *testing.T, e *eventEnv, _ int64, q string) string {
		res := do(t, e.s, e.token, "POST", "/app/"+q, map[string]any{"space_id": seedSpaceID, "config": map[string]any{"name": "X"}})
		mustStatus(t, "app", res, 200)
		return itoa(num(t, field(t, res.Body, "app_id")))
	}},
	{"update app", "app.update", "app_id", nil, onSeedApp, func(t *testing.T, e *eventEnv, _ int64, q string) string {
		mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/app/3001"+q, map[string]any{"config": map[string]any{"name": "Y"}}), 204)
		return "3001"
	}},
	{"delete app", "app.delete", "app_id", twoApps, onApp, func(t *testing.T, e *eventEnv, obj int64, q string) string {
		mustStatus(t, "delete", do(t, e.s, e.token, "DELETE", "/app/"+itoa(obj)+q, nil), 204)
		return itoa(obj)
	}},
}

func TestHookQueryFlag(t *testing.T) {
	queries := []struct {
		q        string
		wantFire bool
	}{
		{"?hook=false", false},
		{"?hook=FALSE", false},
		{"?hook=False", false},
		{"?hook=0", false},
		{"?hook=no", false},
		{"?hook=NO", false},
		{"?hook=No", false},
		{"?hook=false&silent=true", false},
		{"?silent=1&hook=0", false},
		{"?silent=true", true},
		{"?silent=1", true},
		{"?hook=true&silent=true", true},
		{"?hook=true", true},
		{"?hook=TRUE", true},
		{"?hook=1", true},
		{"?hook=yes", true},
	}
	for _, w := range flagWrites {
		for _, qq := range queries {
			t.Run(w.name+" "+qq.q, func(t *testing.T) {
				e := newEventEnv(t)
				var obj1, obj2 int64
				if w.prep != nil {
					obj1, obj2 = w.prep(t, e)
				}
				rt1, id1 := w.ref(obj1)
				rt2, id2 := w.ref(obj2)
				first := e.hook(t, "first", rt1, id1, w.typ)
				later := first
				if rt2 != rt1 || id2 != id1 {
					later = e.hook(t, "later", rt2, id2, w.typ)
				}

				before := e.s.Stats().Events
				v1 := w.act(t, e, obj1, qq.q)
				if got, want := e.s.Stats().Events-before, map[bool]int64{false: 0, true: 1}[qq.wantFire]; got != want {
					t.Errorf("events fired by the write with %s = %d, want %d", qq.q, got, want)
				}
				// A later write without the flag delivers. A hook's queue is
				// first in, first out, so once the later event is recorded the
				// first write's would be too, had it fired.
				v2 := w.act(t, e, obj2, "")
				var firstID int64
				if qq.wantFire {
					firstID = awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool {
						return d.HookID == e.hooks[first] && d.Type == w.typ && d.Params[w.key] == v1
					}).ID
				}
				awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool {
					return d.HookID == e.hooks[later] && d.Type == w.typ && d.Params[w.key] == v2 && d.ID != firstID
				})
				var got []string
				for _, d := range e.s.Deliveries() {
					if d.Type == "hook.verify" {
						continue
					}
					if d.Outcome != mockpodio.OutcomeDelivered {
						t.Errorf("delivery %d: %s %s", d.ID, d.Outcome, d.Error)
					}
					got = append(got, d.Params[w.key])
				}
				want := []string{v2}
				if qq.wantFire {
					want = []string{v1, v2}
				}
				if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
					t.Errorf("%s of the events delivered (-want +got):\n%s", w.key, diff)
				}
			})
		}
	}
}

func TestHookURLQueryMovedToBody(t *testing.T) {
	tests := []struct {
		name      string
		suffix    string     // appended to the receiver's URL
		wantPath  string     // the path the receiver sees
		wantExtra url.Values // pairs added to every form
	}{
		{"one pair", "/h?secret=s3", "/h", url.Values{"secret": {"s3"}}},
		{"two pairs", "/h?a=1&b=2", "/h", url.Values{"a": {"1"}, "b": {"2"}}},
		{"escaped value", "/h?x=a%20b%26c", "/h", url.Values{"x": {"a b&c"}}},
		{"repeated key", "/h?x=1&x=2", "/h", url.Values{"x": {"1", "2"}}},
		{"key without value", "/h?flag", "/h", url.Values{"flag": {""}}},
		{"empty query", "/h?", "/h", url.Values{}},
		{"no query", "/h", "/h", url.Values{}},
		{"root path", "/?token=abc", "/", url.Values{"token": {"abc"}}},
		{"fragment is dropped", "/h?k=v#frag", "/h", url.Values{"k": {"v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEventEnv(t)
			hookURL := e.rc.URL + tt.suffix
			hk, err := e.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", mockpodio.HookURL(hookURL))
			if err != nil {
				t.Fatal(err)
			}
			id := hk.HookID
			item := createItem(t, e.s, e.token, seedAppID, map[string]any{"external_id": "q", "fields": map[string]any{"title": "A"}})
			d := awaitEvent(t, e.s, id, "item.create")
			verify, code := awaitVerify(t, e.s, id, 0)

			withExtra := func(v url.Values) url.Values {
				for k, vs := range tt.wantExtra {
					v[k] = append(v[k], vs...)
				}
				return v
			}
			want := []hit{
				{Method: "POST", Path: tt.wantPath, ContentType: "application/x-www-form-urlencoded",
					Form: withExtra(url.Values{"type": {"hook.verify"}, "hook_id": {itoa(id)}, "code": {code}})},
				{Method: "POST", Path: tt.wantPath, ContentType: "application/x-www-form-urlencoded",
					Form: withExtra(url.Values{"type": {"item.create"}, "hook_id": {itoa(id)}, "item_id": {itoa(item)},
						"item_revision_id": {itoa(itemRevisionID(t, e.s, e.token, item))}, "external_id": {"q"}})},
			}
			got := hitsOf(e.rc)
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(hit{}, "Body"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("requests received (-want +got):\n%s", diff)
			}
			wantURL := e.rc.URL + tt.wantPath
			if verify.URL != wantURL || d.URL != wantURL {
				t.Errorf("Delivery.URL = %q, %q, want %q", verify.URL, d.URL, wantURL)
			}
			// The hook keeps its URL as registered.
			list := do(t, e.s, e.token, "GET", "/hook/app/3001/", nil)
			if got := field(t, list.Body.([]any)[0], "url"); got != hookURL {
				t.Errorf("listed url = %v, want %q", got, hookURL)
			}
		})
	}
}

func TestAppFieldHookOnlyWhenItsFieldChanges(t *testing.T) {
	e := newEventEnv(t)
	item := seedItem(t, e) // title A, status Open
	status := e.hook(t, "status", "app_field", seedStatusField, "item.update")
	app := e.hook(t, "app", "app", seedAppID, "item.update")
	steps := []struct {
		name       string
		path       string
		body       any
		wantStatus int
		wantField  bool // the status hook gets this update
	}{
		{"title only", "/item/%d", map[string]any{"fields": map[string]any{"title": "B"}}, 200, false},
		{"status to the value it has", "/item/%d", map[string]any{"fields": map[string]any{"title": "C", "status": "Open"}}, 200, false},
		{"external_id only", "/item/%d", map[string]any{"external_id": "bug-9"}, 200, false},
		{"status by id", "/item/%d", map[string]any{"fields": map[string]any{"status": 2}}, 200, true},
		{"status through /value", "/item/%d/value", map[string]any{"status": 3}, 200, true},
		{"status through /value/status", "/item/%d/value/status", []any{1}, 200, true},
		{"status cleared", "/item/%d", map[string]any{"fields": map[string]any{"status": []any{}}}, 200, true},
		{"status still clear", "/item/%d", map[string]any{"fields": map[string]any{"status": []any{}, "title": "D"}}, 200, false},
	}
	var wantField []string
	for _, st := range steps {
		mustStatus(t, st.name, do(t, e.s, e.token, "PUT", sprintfID(st.path, item), st.body), st.wantStatus)
		rev := itoa(itemRevisionID(t, e.s, e.token, item))
		// Every step is a change, so the app hook gets it; once it has,
		// the status hook's event (fired in the same call) is queued too.
		awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool {
			return d.HookID == e.hooks[app] && d.Params["item_revision_id"] == rev
		})
		if st.wantField {
			wantField = append(wantField, rev)
			awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool {
				return d.HookID == e.hooks[status] && d.Params["item_revision_id"] == rev
			})
		}
	}
	// A last status change: once it is recorded on the status hook, every
	// earlier event to that hook is too (its queue is first in, first out).
	mustStatus(t, "last", do(t, e.s, e.token, "PUT", "/item/"+itoa(item), map[string]any{"fields": map[string]any{"status": 1}}), 200)
	last := itoa(itemRevisionID(t, e.s, e.token, item))
	wantField = append(wantField, last)
	awaitDelivery(t, e.s, func(d mockpodio.Delivery) bool {
		return d.HookID == e.hooks[status] && d.Params["item_revision_id"] == last
	})
	var got []string
	for _, d := range eventsTo(e.s, e.hooks[status]) {
		got = append(got, d.Params["item_revision_id"])
	}
	if diff := cmp.Diff(wantField, got); diff != "" {
		t.Errorf("item_revision_id of the status hook's events (-want +got):\n%s", diff)
	}
}

func TestEveryActiveHookGetsTheEvent(t *testing.T) {
	e := newEventEnv(t)
	quiet := mockpodio.NewReceiver(t, e.s) // never validates
	quiet.IgnoreVerify()
	a := e.hook(t, "a", "app", seedAppID, "item.create")
	b := e.hook(t, "b", "app", seedAppID, "item.create")
	onField := e.hook(t, "field", "app_field", seedTitleField, "item.create")
	other := e.hook(t, "other", "app", seedAppID, "item.update")
	inactive := createHook(t, e.s, e.token, "app", seedAppID, "item.create", quiet.URL+"/inactive")
	deleted := e.hook(t, "deleted", "app", seedAppID, "item.create")
	mustStatus(t, "delete hook", do(t, e.s, e.token, "DELETE", "/hook/"+itoa(e.hooks[deleted]), nil), 204)

	item := itoa(createItem(t, e.s, e.token, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}}))
	got := map[int64]mockpodio.Outcome{}
	for _, id := range []int64{e.hooks[a], e.hooks[b], e.hooks[onField], inactive} {
		d := awaitEvent(t, e.s, id, "item.create")
		if d.Params["item_id"] != item || d.Params["hook_id"] != itoa(id) {
			t.Errorf("hook %d got item_id %s hook_id %s, want %s %d", id, d.Params["item_id"], d.Params["hook_id"], item, id)
		}
		got[id] = d.Outcome
	}
	want := map[int64]mockpodio.Outcome{
		e.hooks[a]: mockpodio.OutcomeDelivered, e.hooks[b]: mockpodio.OutcomeDelivered,
		e.hooks[onField]: mockpodio.OutcomeDelivered, inactive: mockpodio.OutcomeDroppedInactive,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes by hook (-want +got):\n%s", diff)
	}
	// An item.update that reaches the other hook; by then nothing else
	// may have reached it, nor the deleted hook.
	mustStatus(t, "update", do(t, e.s, e.token, "PUT", "/item/"+item, map[string]any{"fields": map[string]any{"title": "B"}}), 200)
	awaitEvent(t, e.s, e.hooks[other], "item.update")
	if evs := eventTypes(eventsTo(e.s, e.hooks[other])); !cmp.Equal([]string{"item.update"}, evs) {
		t.Errorf("item.update hook got %v, want [item.update]", evs)
	}
	if evs := eventsTo(e.s, e.hooks[deleted]); len(evs) != 0 {
		t.Errorf("deleted hook has %d deliveries recorded", len(evs))
	}
	for _, h := range quiet.Events() {
		if h.Type != "hook.verify" {
			t.Errorf("inactive hook's receiver got %s", h.Type)
		}
	}
}
