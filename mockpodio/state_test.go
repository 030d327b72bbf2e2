package mockpodio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/mockpodio"
)

// withState makes the server keep its state in file.
func withState(file string) func(*mockpodio.Server) {
	return func(s *mockpodio.Server) { s.StateFile = file }
}

// failingReceiver validates its hooks and answers every event 500.
func failingReceiver(t *testing.T, s *mockpodio.Server) *mockpodio.Receiver {
	t.Helper()
	rcv := mockpodio.NewReceiver(t, s)
	rcv.Steer(func(ev mockpodio.Event) mockpodio.Response {
		if ev.Type == fixtures.VerifyEvent {
			return mockpodio.Response{}
		}
		return mockpodio.Response{Status: http.StatusInternalServerError}
	})
	return rcv
}

// TestStateRoundTrip: everything a client made, and the rules' counters,
// survive a restart on the same StateFile.
func TestStateRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	clock := mockpodio.NewManualClock(clockStart)
	s1 := newServer(t, withClock(clock), withSeed(t, false), withState(file))

	tok := postForm(t, s1, "/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {itoa(seedAppID)},
		"app_token": {seedAppToken}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}, "", "")
	mustStatus(t, "token", tok, http.StatusOK)
	access := field(t, tok.Body, "access_token").(string)
	refresh := field(t, tok.Body, "refresh_token").(string)

	// A verified hook, one suspended by its failures, an unverified one
	// and a deleted one.
	rc := mockpodio.NewReceiver(t, s1)
	hk, err := s1.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", mockpodio.HookURL(rc.URL+"/ok"))
	if err != nil {
		t.Fatal(err)
	}
	verified := hk.HookID
	hk, err = s1.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.update", mockpodio.HookURL(failingReceiver(t, s1).URL+"/fail"))
	if err != nil {
		t.Fatal(err)
	}
	failing := hk.HookID
	silent := mockpodio.NewReceiver(t, s1)
	silent.IgnoreVerify()
	unverified := createHook(t, s1, access, "app", seedAppID, "item.delete", silent.URL+"/silent")
	_, code := awaitVerify(t, s1, unverified, 0)
	deleted := createHook(t, s1, access, "app", seedAppID, "comment.create", silent.URL+"/gone")
	mustStatus(t, "delete hook", do(t, s1, access, "DELETE", "/hook/"+itoa(deleted), nil), http.StatusNoContent)
	for range hookrules.SuspendThreshold + 1 {
		if _, err := s1.FireEvent("app", seedAppID, "item.update", nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	if _, err := s1.AwaitHook(ctx, failing, func(h mockpodio.Hook) bool { return h.SuspendedUntil != nil }); err != nil {
		t.Fatal(err)
	}

	item := createItem(t, s1, access, seedAppID, map[string]any{"fields": map[string]any{
		"title": "Persisted", "status": 2, "priority": 3, "notes": map[string]any{"value": "free", "n": 1.5}}})
	awaitEvent(t, s1, verified, "item.create")
	comment := do(t, s1, access, "POST", "/comment/item/"+itoa(item)+"/", map[string]any{"value": "a comment"})
	mustStatus(t, "comment", comment, http.StatusOK)
	task := do(t, s1, access, "POST", "/task/", map[string]any{"text": "a task", "ref_type": "item", "ref_id": item})
	mustStatus(t, "task", task, http.StatusOK)
	commentPath := "/comment/" + itoa(num(t, field(t, comment.Body, "comment_id")))
	taskPath := "/task/" + itoa(num(t, field(t, task.Body, "task_id")))
	if err := s1.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}

	wantHooks := s1.Hooks()
	wantGets := map[string]any{}
	for _, p := range []string{"/item/" + itoa(item), commentPath, taskPath} {
		res := do(t, s1, access, "GET", p, nil)
		mustStatus(t, "GET "+p, res, http.StatusOK)
		wantGets[p] = res.Body
	}
	s1.Close()

	// A fresh clock: the restart resumes at the saved reading.
	s2 := newServer(t, withClock(mockpodio.NewManualClock(clockStart.Add(-24*time.Hour))), withSeed(t, false), withState(file))
	if got, want := s2.ClockState().Now, clockStart.Add(time.Minute); !got.Equal(want) {
		t.Errorf("clock after restart = %v, want %v", got, want)
	}
	if diff := cmp.Diff(wantHooks, s2.Hooks()); diff != "" {
		t.Errorf("Hooks() after restart (-want +got):\n%s", diff)
	}
	for p, want := range wantGets {
		res := do(t, s2, access, "GET", p, nil) // the old token still works
		if diff := cmp.Diff(want, res.Body); diff != "" {
			t.Errorf("GET %s after restart (-want +got):\n%s", p, diff)
		}
	}
	if h, ok := s2.Hook(failing); !ok || h.SuspendedUntil == nil || !h.SuspendedUntil.Equal(clockStart.Add(hookrules.SuspendFor)) {
		t.Errorf("Hook(%d) after restart = %+v, want suspended until %v", failing, h, clockStart.Add(hookrules.SuspendFor))
	}

	// The refresh token still works, and so does the token it makes.
	res := postForm(t, s2, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {seedClientID}, "client_secret": {seedClientSecret}}, "", "")
	mustStatus(t, "refresh after restart", res, http.StatusOK)
	mustStatus(t, "GET with the refreshed token", do(t, s2, field(t, res.Body, "access_token").(string), "GET", "/item/"+itoa(item), nil), http.StatusOK)

	// The code of the verification sent before the restart still validates.
	mustStatus(t, "validate after restart", do(t, s2, access, "POST", "/hook/"+itoa(unverified)+"/verify/validate", map[string]string{"code": code}), http.StatusNoContent)

	// New objects get fresh ids.
	rc2 := mockpodio.NewReceiver(t, s2)
	hk2, err := s2.CreateHook(awaitCtx(t), mockpodio.AppRef(seedAppID), "item.create", rc2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hk2.HookID, deleted+1; got != want {
		t.Errorf("new hook id = %d, want %d", got, want)
	}
	if got, want := createItem(t, s2, access, seedAppID, map[string]any{"fields": map[string]any{"title": "Next"}}), item+1; got != want {
		t.Errorf("new item id = %d, want %d", got, want)
	}

	// Updating the category to the value it has changes nothing.
	mustStatus(t, "update to the same value", do(t, s2, access, "PUT", "/item/"+itoa(item)+"/value/status", 2), http.StatusNoContent)

	// The suspension ends on the restored clock.
	if err := s2.Advance(hookrules.SuspendFor); err != nil {
		t.Fatal(err)
	}
	if h, _ := s2.Hook(failing); h.SuspendedUntil != nil {
		t.Errorf("Hook(%d).SuspendedUntil = %v after the suspension, want nil", failing, h.SuspendedUntil)
	}
	s2.Close()
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*tmp*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestStateSavedBeforeAnswer: once a client has the answer to a write, the
// write is in the file.
func TestStateSavedBeforeAnswer(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, withSeed(t, false), withState(file))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		id := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "n" + strconv.Itoa(i)}})
		b, err := mockpodio.ReadStateFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Version int
			Items   []struct {
				ID int64 `json:"item_id"`
			}
		}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if st.Version != mockpodio.StateVersion || len(st.Items) != i+1 || st.Items[i].ID != id {
			t.Fatalf("after creating item %d the file has version %d, items %v", id, st.Version, st.Items)
		}
	}
}

// TestStateBadFile: a file that cannot be loaded fails Start with a
// StateError and is left as it is.
func TestStateBadFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // in the error
	}{
		{"empty", "", "not a state file"},
		{"truncated", `{"version":1,"hooks":[{"hook_id":1`, "not a state file"},
		{"not json", "hooks: []\n", "not a state file"},
		{"no version", `{"hooks":[]}`, "no version"},
		{"unknown version", `{"version":2,"hooks":[]}`, "unknown version 2"},
		{"unknown key", `{"version":1,"hookz":[]}`, "hookz"},
		{"dangling item", `{"version":1,"items":[{"item_id":5,"app_id":9}]}`, "item 5: app 9 is not in apps"},
		{"duplicate hook", `{"version":1,"hooks":[{"hook_id":5},{"hook_id":5}]}`, "hook 5"},
		{"id counter behind its items", `{"version":1,"ids":{"app":3001,"item":1000000},"apps":[{"app_id":3001,"next_app_item_id":2}],"items":[{"item_id":1000001,"app_id":3001,"app_item_id":1}]}`,
			"ids.item is 1000000, behind item 1000001"},
		{"id counter behind its hooks", `{"version":1,"ids":{"hook":100},"hooks":[{"hook_id":101}]}`, "ids.hook is 100, behind hook 101"},
		{"app item counter behind", `{"version":1,"ids":{"app":3001,"item":1000001},"apps":[{"app_id":3001,"next_app_item_id":1}],"items":[{"item_id":1000001,"app_id":3001,"app_item_id":1}]}`,
			"next_app_item_id 1 is not past item 1000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := mockpodio.NewUnstartedServer()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s.StateFile = file
			err = s.Start()
			if !errors.Is(err, mockpodio.ErrBadState) {
				t.Fatalf("Start() = %v, want %v", err, mockpodio.ErrBadState)
			}
			se, ok := errors.AsType[*mockpodio.StateError](err)
			if !ok || se.Path != file || !strings.Contains(se.Err.Error(), tt.want) {
				t.Errorf("Start() = %v, want a StateError for %s containing %q", err, file, tt.want)
			}
			s.Close()
			if b, _ := os.ReadFile(file); !bytes.Equal(b, []byte(tt.content)) {
				t.Errorf("the file was changed to %q", b)
			}
		})
	}
}

// TestStateUnwritable: a StateFile in a missing directory fails Start.
func TestStateUnwritable(t *testing.T) {
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.StateFile = filepath.Join(t.TempDir(), "missing", "state.json")
	if err := s.Start(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start() = %v, want %v", err, os.ErrNotExist)
	}
}

// BenchmarkSaveState saves a state of 1,000 hooks and 10,000 items, each
// time after a change (the manual clock moves).
func BenchmarkSaveState(b *testing.B) {
	const nHooks, nItems = 1000, 10000
	var sb strings.Builder
	sb.WriteString(`{"version":1,"ids":{"space":2001,"app":3100,"field":4001,"item":1010000,"revision":5010000,"comment":7000000,"task":8000000,"hook":1100,"user":1001},`)
	sb.WriteString(`"clock":"2026-11-25T10:00:00Z","spaces":[{"space_id":2001,"name":"S","url_label":"s"}],"apps":[`)
	for a := range 100 {
		if a > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"app_id":%d,"space_id":2001,"app_token":"t","name":"A","item_name":"I","field_ids":[4001],"next_app_item_id":101}`, 3001+a)
	}
	sb.WriteString(`],"fields":[{"field_id":4001,"app_id":3001,"external_id":"title","label":"Title","type":"text"}],"hooks":[`)
	for h := range nHooks {
		if h > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"hook_id":%d,"ref_type":"app","ref_id":%d,"type":"item.create","url":"https://example.com/h/%d","active":true,"verify_code":"c0de","created_on":"2026-11-25T10:00:00Z","history":{"failures":["2026-11-25T09:59:00Z"],"consecutive":1}}`, 101+h, 3001+h%100, h)
	}
	sb.WriteString(`],"items":[`)
	for i := range nItems {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"item_id":%d,"app_id":%d,"app_item_id":%d,"revision":0,"revision_id":%d,"values":{"4001":[{"value":"Item number %d"}]},"created_on":"2026-11-25T10:00:00Z","created_by":{"type":"app","id":3001}}`, 1000001+i, 3001+i%100, 1+i/100, 5000001+i, i)
	}
	sb.WriteString(`]}`)
	file := filepath.Join(b.TempDir(), "state.json")
	if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		b.Fatal(err)
	}
	s.Clock = mockpodio.NewManualClock(clockStart)
	s.StateFile = file
	start := time.Now()
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Logf("load %d bytes: %s", sb.Len(), time.Since(start))
	if got := len(s.Hooks()); got != nHooks {
		b.Fatalf("loaded %d hooks, want %d", got, nHooks)
	}
	for b.Loop() {
		s.Advance(time.Second)
		if err := s.SaveState(); err != nil {
			b.Fatal(err)
		}
	}
}
