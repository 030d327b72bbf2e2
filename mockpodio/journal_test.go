package mockpodio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/hookrules"
	"github.com/devhookhq/devhook/mockpodio"
)

// stateJSON decodes a state document for comparing.
func stateJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("state does not parse: %v", err)
	}
	return v
}

// TestJournalMatchesSnapshot runs every write route of the API, and the
// rules fed by failing deliveries, with compaction out of the way: the
// state file read back (snapshot + journal) equals the state in memory.
// A route whose changes the journal misses fails here.
func TestJournalMatchesSnapshot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	clock := mockpodio.NewManualClock(clockStart)
	s := newServer(t, withClock(clock), withSeed(t, false), withState(file),
		func(s *mockpodio.Server) { mockpodio.SetCompactBytes(s, 1<<40) })

	tok := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {itoa(seedAppID)},
		"app_token": {seedAppToken}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}, "", "")
	mustStatus(t, "token", tok, http.StatusOK)
	access := field(t, tok.Body, "access_token").(string)
	refresh := field(t, tok.Body, "refresh_token").(string)

	hit := map[string]bool{} // the write routes run
	call := func(route string, res response, want int) response {
		t.Helper()
		hit[route] = true
		mustStatus(t, route, res, want)
		return res
	}
	call("POST oauth/token/v2", do(t, s, "", "POST", "/oauth/token/v2", map[string]string{"grant_type": "password", "username": "new@example.com",
		"password": "pw", "client_id": seedClientID, "client_secret": seedClientSecret}), http.StatusOK)
	call("POST oauth/token", postForm(t, s, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {seedClientID}, "client_secret": {seedClientSecret}}, "", ""), http.StatusOK)

	app := call("POST app", do(t, s, access, "POST", "/app/", map[string]any{"space_id": 2999, "config": map[string]any{"name": "New"},
		"fields": []any{map[string]any{"type": "text", "config": map[string]any{"label": "Title"}}}}), http.StatusOK)
	appID := num(t, field(t, app.Body, "app_id"))
	call("PUT app/{app_id}", do(t, s, access, "PUT", "/app/"+itoa(appID), map[string]any{"config": map[string]any{"name": "Renamed"}}), http.StatusNoContent)

	rc := mockpodio.NewReceiver(t, s)
	hook := createHook(t, s, access, "app", seedAppID, "item.create", rc.URL+"/h")
	hit["POST hook/{ref_type}/{ref_id}"] = true
	_, code := awaitVerify(t, s, hook, 0)
	call("POST hook/{hook_id}/verify/validate", do(t, s, access, "POST", "/hook/"+itoa(hook)+"/verify/validate", map[string]string{"code": code}), http.StatusNoContent)
	hk, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.update", failingReceiver(t, s))
	if err != nil {
		t.Fatal(err)
	}
	failing := hk.HookID
	silent := mockpodio.NewReceiver(t, s) // does not validate: the hook is deleted below
	silent.IgnoreVerify()
	spaceHook := createHook(t, s, access, "space", 2777, "app.create", silent.URL+"/space")
	call("POST hook/{hook_id}/verify/request", do(t, s, access, "POST", "/hook/"+itoa(spaceHook)+"/verify/request", nil), http.StatusNoContent)
	call("DELETE hook/{hook_id}", do(t, s, access, "DELETE", "/hook/"+itoa(spaceHook), nil), http.StatusNoContent)

	item := createItem(t, s, access, seedAppID, map[string]any{"fields": map[string]any{"title": "One", "newfield": "permissive"}})
	hit["POST item/app/{app_id}"] = true
	call("POST item/app/{app_id}/filter", do(t, s, access, "POST", "/item/app/"+itoa(seedAppID)+"/filter", map[string]any{}), http.StatusOK)
	call("PUT item/{item_id}", do(t, s, access, "PUT", "/item/"+itoa(item), map[string]any{"fields": map[string]any{"title": "Two"}}), http.StatusOK)
	call("PUT item/{item_id}/value", do(t, s, access, "PUT", "/item/"+itoa(item)+"/value", map[string]any{"title": "Three"}), http.StatusOK)
	call("PUT item/{item_id}/value/{field}", do(t, s, access, "PUT", "/item/"+itoa(item)+"/value/title", "\"Four\""), http.StatusOK)
	other := createItem(t, s, access, seedAppID, map[string]any{"fields": map[string]any{"title": "Gone"}})
	call("DELETE item/{item_id}", do(t, s, access, "DELETE", "/item/"+itoa(other), nil), http.StatusNoContent)

	cm := call("POST comment/{ref_type}/{ref_id}", do(t, s, access, "POST", "/comment/item/"+itoa(item), map[string]any{"value": "c"}), http.StatusOK)
	cmPath := "/comment/" + itoa(num(t, field(t, cm.Body, "comment_id")))
	call("PUT comment/{comment_id}", do(t, s, access, "PUT", cmPath, map[string]any{"value": "d"}), http.StatusNoContent)
	call("DELETE comment/{comment_id}", do(t, s, access, "DELETE", cmPath, nil), http.StatusNoContent)

	tk := call("POST task", do(t, s, access, "POST", "/task/", map[string]any{"text": "t", "ref_type": "space", "ref_id": 2888}), http.StatusOK)
	tkPath := "/task/" + itoa(num(t, field(t, tk.Body, "task_id")))
	call("POST task/{ref_type}/{ref_id}", do(t, s, access, "POST", "/task/item/"+itoa(item), map[string]any{"text": "u"}), http.StatusOK)
	call("PUT task/{task_id}", do(t, s, access, "PUT", tkPath, map[string]any{"text": "t2", "description": "d"}), http.StatusOK)
	call("POST task/{task_id}/complete", do(t, s, access, "POST", tkPath+"/complete", nil), http.StatusOK)
	call("POST task/{task_id}/incomplete", do(t, s, access, "POST", tkPath+"/incomplete", nil), http.StatusNoContent)
	call("DELETE task/{task_id}", do(t, s, access, "DELETE", tkPath, nil), http.StatusNoContent)
	call("DELETE app/{app_id}", do(t, s, access, "DELETE", "/app/"+itoa(appID), nil), http.StatusNoContent)

	// Files, tags, statuses, members, forms and spaces.
	upload := func(route, path string) int64 {
		body, ct := multipartBody(t, strp("bytes of "+path), strp("f.txt"), false)
		return num(t, field(t, call(route, upload(t, s, access, path, body, ct), http.StatusOK).Body, "file_id"))
	}
	f1 := upload("POST file", "/file/")
	f2 := upload("POST file/v2", "/file/v2/")
	f3 := upload("POST file", "/file")
	call("POST file/{file_id}/attach", do(t, s, access, "POST", "/file/"+itoa(f1)+"/attach", map[string]any{"ref_type": "item", "ref_id": item}), http.StatusNoContent)
	call("POST file/{file_id}/replace", do(t, s, access, "POST", "/file/"+itoa(f2)+"/replace", map[string]any{"old_file_id": f1}), http.StatusNoContent)
	call("DELETE file/{file_id}", do(t, s, access, "DELETE", "/file/"+itoa(f2), nil), http.StatusNoContent)
	call("PUT item/{item_id}", do(t, s, access, "PUT", "/item/"+itoa(item), map[string]any{"tags": []string{"t0"}, "file_ids": []int64{f3}}), http.StatusOK)
	call("POST tag/{ref_type}/{ref_id}", do(t, s, access, "POST", "/tag/item/"+itoa(item)+"/", []string{"t1", "t2"}), http.StatusNoContent)
	call("PUT tag/{ref_type}/{ref_id}", do(t, s, access, "PUT", "/tag/item/"+itoa(item)+"/", []string{"t2", "t3"}), http.StatusNoContent)
	call("DELETE tag/{ref_type}/{ref_id}", do(t, s, access, "DELETE", "/tag/item/"+itoa(item)+"/?text=t3", nil), http.StatusNoContent)
	st := call("POST status/space/{space_id}", do(t, s, access, "POST", "/status/space/2999/", map[string]any{"value": "s"}), http.StatusOK)
	stPath := "/status/" + itoa(num(t, field(t, st.Body, "status_id")))
	call("PUT status/{status_id}", do(t, s, access, "PUT", stPath, map[string]any{"value": "s2", "file_ids": []int64{f1}}), http.StatusNoContent)
	call("POST tag/{ref_type}/{ref_id}", do(t, s, access, "POST", "/tag/status/"+stPath[len("/status/"):]+"/", []string{"st"}), http.StatusNoContent)
	call("DELETE status/{status_id}", do(t, s, access, "DELETE", stPath, nil), http.StatusNoContent)
	sp := call("POST space", do(t, s, access, "POST", "/space/", map[string]any{"org_id": 699, "name": "Journaled"}), http.StatusOK)
	spPath := "/space/" + itoa(num(t, field(t, sp.Body, "space_id")))
	call("POST space/{space_id}/member", do(t, s, access, "POST", spPath+"/member/", map[string]any{"users": []int64{1002, 4444}, "mails": []string{"m@example.com"}}), http.StatusOK)
	call("PUT space/{space_id}/member/{user_ids}", do(t, s, access, "PUT", spPath+"/member/1002", map[string]any{"role": "admin"}), http.StatusNoContent)
	call("DELETE space/{space_id}/member/{user_ids}", do(t, s, access, "DELETE", spPath+"/member/1002,4444", nil), http.StatusNoContent)
	fm := call("POST form/app/{app_id}", do(t, s, access, "POST", "/form/app/"+itoa(seedAppID)+"/", map[string]any{"settings": map[string]any{"x": 1}}), http.StatusOK)
	fmPath := "/form/" + itoa(num(t, field(t, fm.Body, "form_id")))
	call("PUT form/{form_id}", do(t, s, access, "PUT", fmPath, map[string]any{"domains": []string{"d"}}), http.StatusNoContent)
	call("POST form/{form_id}/deactivate", do(t, s, access, "POST", fmPath+"/deactivate", nil), http.StatusNoContent)
	call("POST form/{form_id}/activate", do(t, s, access, "POST", fmPath+"/activate", nil), http.StatusNoContent)
	call("DELETE form/{form_id}", do(t, s, access, "DELETE", fmPath, nil), http.StatusNoContent)

	// Failures feed the rules in the background.
	for range hookrules.SuspendThreshold + 1 {
		if _, err := s.FireEvent("app", seedAppID, "item.update", nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	if _, err := s.AwaitHook(ctx, failing, func(h mockpodio.Hook) bool { return h.SuspendedUntil != nil }); err != nil {
		t.Fatal(err)
	}
	// Deliveries still in flight would end after the clock moves, perhaps
	// after the save: wait until every one has its outcome.
	for {
		st := s.Stats()
		var done int64
		for _, n := range st.EventOutcomes {
			done += int64(n)
		}
		if done == st.Targeted {
			break
		}
		if err := s.AwaitDeliveries(ctx, int(st.Deliveries)+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveState(); err != nil {
		t.Fatal(err)
	}

	var missed []string
	for _, r := range mockpodio.WriteRoutes() {
		if !hit[r] {
			missed = append(missed, r)
		}
	}
	if len(missed) > 0 {
		t.Errorf("write routes this test does not run (add them): %v", missed)
	}
	journal, err := os.ReadFile(file + ".journal")
	if err != nil || len(journal) == 0 {
		t.Fatalf("journal: %d bytes, %v: the writes were not journaled", len(journal), err)
	}
	got, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want, err := mockpodio.SnapshotJSON(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stateJSON(t, want), stateJSON(t, got)); diff != "" {
		t.Errorf("state file read back differs from the state in memory (-memory +file):\n%s", diff)
	}
}

// fullDisk wraps the state files: while full is set, a write stores at
// most room bytes and fails with ENOSPC, like a disk that fills up; a
// sync fails with EIO when syncFails is set.
type fullDisk struct {
	mu        sync.Mutex
	full      bool
	syncFails bool
	room      int
}

func (d *fullDisk) set(full, syncFails bool, room int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.full, d.syncFails, d.room = full, syncFails, room
}

func (d *fullDisk) wrap(f mockpodio.StateWriter) mockpodio.StateWriter { return &fullFile{f, d} }

type fullFile struct {
	mockpodio.StateWriter
	d *fullDisk
}

func (f *fullFile) Write(b []byte) (int, error) {
	f.d.mu.Lock()
	full, room := f.d.full, f.d.room
	f.d.mu.Unlock()
	if !full {
		return f.StateWriter.Write(b)
	}
	n, _ := f.StateWriter.Write(b[:min(room, len(b))])
	return n, &os.PathError{Op: "write", Path: "state", Err: syscall.ENOSPC}
}

func (f *fullFile) Sync() error {
	f.d.mu.Lock()
	fails := f.d.syncFails
	f.d.mu.Unlock()
	if fails {
		return &os.PathError{Op: "sync", Path: "state", Err: syscall.EIO}
	}
	return f.StateWriter.Sync()
}

// TestStateWriteFailure: a write that cannot be saved, whether the
// journal or a compaction fails, is answered 503 in Podio's error shape
// and is not kept: the item does not exist, its id is handed out again,
// and a restart finds exactly the acknowledged writes.
func TestStateWriteFailure(t *testing.T) {
	tests := []struct {
		name      string
		compact   int64 // journal size that triggers a compaction
		room      int   // bytes a failing write stores
		syncFails bool
	}{
		{"journal disk full", 1 << 40, 0, false},
		{"journal line cut short", 1 << 40, 17, false},
		{"journal sync error", 1 << 40, 1 << 20, true},
		{"compaction disk full", 1, 100, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state.json")
			disk := &fullDisk{}
			s := newServer(t, withSeed(t, false), withState(file), func(s *mockpodio.Server) {
				mockpodio.WrapStateFiles(s, disk.wrap)
				mockpodio.SetCompactBytes(s, tt.compact)
			})
			tok, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			acked := []int64{createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "kept"}})}

			disk.set(true, tt.syncFails, tt.room)
			res := do(t, s, tok, "POST", "/item/app/"+itoa(seedAppID), map[string]any{"fields": map[string]any{"title": "lost"}})
			mustStatus(t, "create on a full disk", res, http.StatusServiceUnavailable)
			if keys := keysOf(res.Body); !slices.Contains(keys, "error") || !slices.Contains(keys, "error_description") {
				t.Errorf("body %s is not Podio's error shape", res.Raw)
			}
			lost := acked[0] + 1
			mustStatus(t, "GET the refused item", do(t, s, tok, "GET", "/item/"+itoa(lost), nil), http.StatusNotFound)

			disk.set(false, false, 0)
			next := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "after"}})
			if next != lost {
				t.Errorf("the next item got id %d, want %d: the refused one's id is free again", next, lost)
			}
			acked = append(acked, next)

			b, err := mockpodio.ReadStateFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var st struct {
				Items []struct {
					ID    int64 `json:"item_id"`
					Title string
				} `json:"items"`
			}
			json.Unmarshal(b, &st)
			var ids []int64
			for _, it := range st.Items {
				ids = append(ids, it.ID)
			}
			if diff := cmp.Diff(acked, ids); diff != "" {
				t.Errorf("items in the state file (-acknowledged +file):\n%s", diff)
			}
			s.Close()
			s2 := newServer(t, withSeed(t, false), withState(file))
			tok2, err := s2.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			res = do(t, s2, tok2, "GET", "/item/"+itoa(next), nil)
			mustStatus(t, "GET after restart", res, http.StatusOK)
			if got := fmt.Sprint(field(t, res.Body, "title")); got != "after" {
				t.Errorf("item %d after restart has title %q, want %q", next, got, "after")
			}
		})
	}
}

// TestStateLock: a second mock on the same state file refuses to start,
// naming the file; once the first closes, it starts.
func TestStateLock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s1 := newServer(t, withState(file))
	s2, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.StateFile = file
	err = s2.Start()
	if !errors.Is(err, mockpodio.ErrStateInUse) || !strings.Contains(err.Error(), file) {
		t.Fatalf("second Start() = %v, want ErrStateInUse naming %s", err, file)
	}
	s1.Close()
	s3 := newServer(t, withState(file))
	s3.Close()
}

// TestJournalRecovery: how the journal is read back after crashes.
func TestJournalRecovery(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, withSeed(t, false), withState(file), func(s *mockpodio.Server) { mockpodio.SetCompactBytes(s, 1<<40) })
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 3 {
		ids = append(ids, createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": fmt.Sprint(i)}}))
	}
	// Copy the files as a crash would leave them, before Close compacts.
	snap, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	journal, err := os.ReadFile(file + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(journal), "\n")
	lines = lines[:len(lines)-1] // after the last newline
	if len(lines) < 3 {
		t.Fatalf("journal has %d lines, want one per create at least", len(lines))
	}
	s.Close()
	compacted, err := os.ReadFile(file) // Close compacted: journal_seq covers every line
	if err != nil {
		t.Fatal(err)
	}

	itemIDs := func(t *testing.T, file string) []int64 {
		t.Helper()
		b, err := mockpodio.ReadStateFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Items []struct {
				ID int64 `json:"item_id"`
			} `json:"items"`
		}
		json.Unmarshal(b, &st)
		var out []int64
		for _, it := range st.Items {
			out = append(out, it.ID)
		}
		return out
	}
	last := len(lines) - 1
	tests := []struct {
		name    string
		snap    []byte // nil means the snapshot from before the lines
		journal string
		want    []int64 // the items read back
		wantErr string
	}{
		{"whole", nil, strings.Join(lines, ""), ids, ""},
		{"last line cut short", nil, strings.Join(lines[:last], "") + lines[last][:len(lines[last])/2], ids[:2], ""},
		{"crash after compacting, before emptying the journal", compacted, strings.Join(lines, ""), ids, ""},
		{"lines twice", nil, strings.Join(lines, "") + strings.Join(lines, ""), nil, "sequence"},
		{"corrupt line in the middle", nil, strings.Join(lines[:1], "") + "{garbage\n" + strings.Join(lines[1:], ""), nil, "journal line 2"},
		{"unknown kind", nil, strings.Join(lines, "") + fmt.Sprintf(`{"seq":%d,"ids":{},"set":{"gizmos":{"1":{}}}}`, len(lines)+1) + "\n", nil, "gizmos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "state.json")
			sn := snap
			if tt.snap != nil {
				sn = tt.snap
			}
			if err := os.WriteFile(f, sn, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f+".journal", []byte(tt.journal), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				s, err := mockpodio.NewUnstartedServer()
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.StateFile = f
				err = s.Start()
				if !errors.Is(err, mockpodio.ErrBadState) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start() = %v, want a bad state error containing %q", err, tt.wantErr)
				}
				return
			}
			if diff := cmp.Diff(tt.want, itemIDs(t, f)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			// A mock starts on it, drops the cut-short line and compacts.
			s := newServer(t, withSeed(t, false), withState(f))
			tok, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			next := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "next"}})
			s.Close()
			if diff := cmp.Diff(append(slices.Clone(tt.want), next), itemIDs(t, f)); diff != "" {
				t.Errorf("items after a restart and a create (-want +got):\n%s", diff)
			}
		})
	}

}

// TestJournalCompaction: once the journal outgrows the snapshot, a save
// writes a new snapshot and empties the journal; nothing is lost.
func TestJournalCompaction(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, withSeed(t, false), withState(file), func(s *mockpodio.Server) { mockpodio.SetCompactBytes(s, 4096) })
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	compactions := 0
	prev := int64(0)
	for i := range 60 {
		ids = append(ids, createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": strings.Repeat("x", 200) + fmt.Sprint(i)}}))
		fi, err := os.Stat(file + ".journal")
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < prev {
			compactions++
		}
		prev = fi.Size()
	}
	if compactions == 0 {
		t.Errorf("the journal never shrank: no compaction")
	}
	b, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Items []struct {
			ID int64 `json:"item_id"`
		} `json:"items"`
	}
	json.Unmarshal(b, &st)
	if len(st.Items) != len(ids) {
		t.Errorf("state file holds %d items, want %d", len(st.Items), len(ids))
	}
}

// BenchmarkCreateWithState measures one item create through the listener,
// saved before the answer, on a state of 500 and of 6,000 items (about
// 430 bytes each, as in issue 13's report): with the journal the cost
// does not grow with the state.
func BenchmarkCreateWithState(b *testing.B) {
	for _, n := range []int{500, 6000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			var sb strings.Builder
			fmt.Fprintf(&sb, `{"version":1,"ids":{"space":2001,"app":3001,"field":4001,"item":%d,"revision":%d,"comment":7000000,"task":8000000,"hook":100,"user":1001},`, 1000000+n, 5000000+n)
			sb.WriteString(`"clients":[{"client_id":"devhook","client_secret":"devhook-secret"}],"spaces":[{"space_id":2001,"name":"S","url_label":"s"}],`)
			fmt.Fprintf(&sb, `"apps":[{"app_id":3001,"space_id":2001,"app_token":"devhook-app-token","name":"A","item_name":"I","field_ids":[4001],"next_app_item_id":%d}],`, n+1)
			sb.WriteString(`"fields":[{"field_id":4001,"app_id":3001,"external_id":"title","label":"Title","type":"text"}],"items":[`)
			for i := range n {
				if i > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"item_id":%d,"app_id":3001,"app_item_id":%d,"revision":0,"revision_id":%d,"values":{"4001":[{"value":"Item number %d %s"}]},"created_on":"2026-11-25T10:00:00Z","created_by":{"type":"app","id":3001}}`,
					1000001+i, 1+i, 5000001+i, i, strings.Repeat("x", 200))
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
			s.StateFile = file
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			res, err := http.PostForm(s.URL+"/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {"3001"},
				"app_token": {"devhook-app-token"}, "client_id": {"devhook"}, "client_secret": {"devhook-secret"}})
			if err != nil {
				b.Fatal(err)
			}
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			json.NewDecoder(res.Body).Decode(&tok)
			res.Body.Close()
			body := `{"fields":{"title":"new ` + strings.Repeat("y", 200) + `"}}`
			for b.Loop() {
				req, _ := http.NewRequest("POST", s.URL+"/item/app/3001", strings.NewReader(body))
				req.Header.Set("Authorization", "OAuth2 "+tok.AccessToken)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("create: status %d", res.StatusCode)
				}
			}
		})
	}
}
