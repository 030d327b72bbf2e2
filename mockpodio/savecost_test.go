package mockpodio_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigStateFile writes a state file of n items of about 430 bytes each
// (issue 13's report: 2.6 MB at 6,000 items) and returns its path.
func bigStateFile(t *testing.T, n int) string {
	t.Helper()
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
	file := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestSaveCostIndependentOfState is issue 13 item 5 without a clock: on a
// state of 6,000 items (2.6 MB), each acknowledged create writes a few
// hundred bytes, appended to the journal; the state file is not
// rewritten. Before the journal, every write rewrote (and synced) the
// whole file. The creates are still there after a restart.
func TestSaveCostIndependentOfState(t *testing.T) {
	file := bigStateFile(t, 6000)
	s := newServer(t, withState(file))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Start may write the file anew, in its own form; the writes after it
	// must not.
	snapshot, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	journalBefore := journalSize(file)
	const creates = 5
	var ids []int64
	for i := range creates {
		ids = append(ids, createItem(t, s, tok, 3001, map[string]any{"fields": map[string]any{"title": fmt.Sprintf("new %d %s", i, strings.Repeat("y", 200))}}))
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snapshot, after) {
		t.Errorf("the %d-byte state file was rewritten by %d creates (now %d bytes)", len(snapshot), creates, len(after))
	}
	// Each create: well under 4 KiB.
	if grown := journalSize(file) - journalBefore; grown <= 0 || grown > creates*4<<10 {
		t.Errorf("the journal grew %d bytes with %d creates, want 1 to %d", grown, creates, creates*4<<10)
	}
	s.Close()
	s2 := newServer(t, withState(file))
	tok2, err := s2.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		mustStatus(t, "GET a create after restart", do(t, s2, tok2, "GET", "/item/"+itoa(id), nil), 200)
	}
}

func journalSize(file string) int64 {
	fi, err := os.Stat(file + ".journal")
	if err != nil {
		return 0
	}
	return fi.Size()
}
