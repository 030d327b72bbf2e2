package mockpodio_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestNewObjectsSurviveState checks --state keeps what issue 11 added:
// files and their bytes, item tags and files, statuses and their tags,
// forms, spaces, orgs and memberships, and the ids handed out next.
func TestNewObjectsSurviveState(t *testing.T) {
	path := t.TempDir() + "/state.json"
	clock := mockpodio.NewManualClock(clockStart)
	mk := func() *mockpodio.Server {
		return newServer(t, withSeed(t, false), withClock(clock), func(s *mockpodio.Server) { s.StateFile = path })
	}
	s := mk()
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	fileID := uploadFile(t, s, tok, "/file/", "notes.txt", "the bytes")
	itemID := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}, "tags": []string{"x", "y"}, "file_ids": []int64{fileID}})
	res := do(t, s, tok, "POST", "/status/space/2001/", map[string]any{"value": "hello"})
	mustStatus(t, "status", res, 200)
	statusID := num(t, field(t, res.Body, "status_id"))
	mustStatus(t, "tag status", do(t, s, tok, "POST", "/tag/status/"+itoa(statusID)+"/", []string{"s"}), 204)
	res = do(t, s, tok, "POST", "/form/app/3001/", map[string]any{"settings": map[string]any{"captcha": true}, "domains": []string{"a.example"}})
	mustStatus(t, "form", res, 200)
	formID := num(t, field(t, res.Body, "form_id"))
	mustStatus(t, "deactivate", do(t, s, tok, "POST", "/form/"+itoa(formID)+"/deactivate", nil), 204)
	res = do(t, s, tok, "POST", "/space/", map[string]any{"org_id": 888, "name": "Kept", "privacy": "open"})
	mustStatus(t, "space", res, 200)
	spaceID := num(t, field(t, res.Body, "space_id"))
	mustStatus(t, "member", do(t, s, tok, "POST", "/space/"+itoa(spaceID)+"/member/", map[string]any{"users": []int64{1002}, "role": "light"}), 200)
	mustStatus(t, "end member", do(t, s, tok, "DELETE", "/space/2001/member/1001", nil), 204)
	paths := []string{
		"/item/" + itoa(itemID), "/file/" + itoa(fileID), "/status/" + itoa(statusID), "/tag/app/3001/",
		"/item/" + itoa(itemID) + "/revision/",
		"/form/" + itoa(formID), "/space/" + itoa(spaceID), "/org/", "/space/" + itoa(spaceID) + "/member/",
		"/space/2001/member/1001", "/space/2001/member/",
	}
	read := func(s *mockpodio.Server, tok string) []string {
		var out []string
		for _, p := range paths {
			out = append(out, do(t, s, tok, "GET", p, nil).Raw)
		}
		status, raw := getRaw(t, s.URL+"/file/"+itoa(fileID)+"/raw?oauth_token="+tok)
		return append(out, itoa(int64(status))+" "+raw)
	}
	before := read(s, tok)
	s.Close()

	s2 := mk()
	tok2, err := s2.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	after := read(s2, tok2)
	// Links name the server's own URL, which changed.
	for i := range after {
		before[i] = replaceAll(before[i], s.URL, "{url}")
		after[i] = replaceAll(after[i], s2.URL, "{url}")
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("after a restart (-before +after):\n%s", diff)
	}
	if got := uploadFile(t, s2, tok2, "/file/", "n.txt", "n"); got != fileID+1 {
		t.Errorf("next file id after a restart = %d, want %d", got, fileID+1)
	}
}
