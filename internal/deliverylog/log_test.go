package deliverylog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// record returns a delivery record of item n.
func record(n int) Record {
	return Record{
		Time:      t0.Add(time.Duration(n) * time.Second),
		Source:    "up",
		Kind:      "delivery",
		Type:      "item.create",
		HookID:    101,
		IDs:       []string{"item_id=" + strconv.Itoa(n)},
		Outcome:   "forwarded",
		Status:    200,
		LatencyMS: 3.5,
		Target:    "http://localhost:3000/hook",
		Request: Request{
			Method: "POST",
			Path:   "/hook",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   []byte("type=item.create&hook_id=101&item_id=" + strconv.Itoa(n)),
		},
		Response: Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("ok\n")},
	}
}

func openLog(t *testing.T, dir string, opts Options) *Log {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendAll(t *testing.T, l *Log, recs ...Record) []Record {
	t.Helper()
	var out []Record
	for _, r := range recs {
		got, err := l.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got)
	}
	return out
}

func TestAppendReadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "devhook") // created by Open
	l := openLog(t, dir, Options{Run: "run1"})

	big := record(3)
	big.Response.Body = bytes.Repeat([]byte("x"), MaxBody+10)
	rejected := Record{Time: t0, Source: "up", Kind: "rejected", Outcome: "rejected", Status: 404,
		Request: Request{Method: "GET", Path: "/wrong", Query: "a=1"}}
	got := appendAll(t, l, record(1), record(2), big, rejected)

	want := []Record{record(1), record(2), big, rejected}
	for i := range want {
		want[i].ID = "run1-" + strconv.Itoa(i+1)
	}
	want[2].Response.Body = bytes.Repeat([]byte("x"), MaxBody)
	want[2].Response.BodyTruncated = true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Append returned (-want +got):\n%s", diff)
	}
	read, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, read); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
	if fi, err := os.Stat(fileName(dir, 0)); err != nil {
		t.Error(err)
	} else if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("log file mode = %v, want 0600", perm)
	}
}

func TestAppendDefaultsTime(t *testing.T) {
	l := openLog(t, t.TempDir(), Options{})
	before := time.Now()
	r, err := l.Append(Record{Source: "mock", Kind: "delivery"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Time.Before(before) || r.Time.After(time.Now()) {
		t.Errorf("Append set Time = %v, want between %v and now", r.Time, before)
	}
	if want := l.Run() + "-1"; r.ID != want {
		t.Errorf("ID = %q, want %q", r.ID, want)
	}
}

func TestAppendAfterClose(t *testing.T) {
	l := openLog(t, t.TempDir(), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(record(1)); err == nil {
		t.Error("Append after Close succeeded, want an error")
	}
}

// lineSize is the size of record(n)'s line in the log.
func lineSize(t *testing.T, n int) int64 {
	r := record(n)
	r.ID = "rot-" + strconv.Itoa(n)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(b) + 1)
}

func TestRotation(t *testing.T) {
	tests := []struct {
		name     string
		maxFiles int
		perFile  int // records that fit in a file
		appends  int
	}{
		{"one file", 1, 3, 10},
		{"two files", 2, 3, 10},
		{"three files", 3, 4, 40},
		{"default files", 0, 2, 25},
		{"no rotation needed", 3, 5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// Records 10 to 99 have lines of one size.
			maxBytes := int64(tt.perFile) * lineSize(t, 10)
			l := openLog(t, dir, Options{Run: "rot", MaxBytes: maxBytes, MaxFiles: tt.maxFiles})
			for i := 10; i < 10+tt.appends; i++ {
				appendAll(t, l, record(i))
			}
			maxFiles := tt.maxFiles
			if maxFiles == 0 {
				maxFiles = DefaultMaxFiles
			}
			files, err := logFiles(dir)
			if err != nil {
				t.Fatal(err)
			}
			wantFiles := min(maxFiles, (tt.appends+tt.perFile-1)/tt.perFile)
			if len(files) != wantFiles {
				t.Errorf("%d files %v, want %d", len(files), files, wantFiles)
			}
			for _, f := range files {
				if fi, err := os.Stat(f); err != nil {
					t.Error(err)
				} else if fi.Size() > maxBytes {
					t.Errorf("%s has %d bytes, more than MaxBytes %d", f, fi.Size(), maxBytes)
				}
			}
			// The newest records survive, in order: the whole files kept.
			kept := (wantFiles-1)*tt.perFile + (tt.appends-1)%tt.perFile + 1
			var want []string
			for i := 10 + tt.appends - kept; i < 10+tt.appends; i++ {
				want = append(want, "rot-"+strconv.Itoa(i-9))
			}
			got, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, ids(got)); diff != "" {
				t.Errorf("IDs read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOversizedRecordGetsItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{Run: "big", MaxBytes: 100, MaxFiles: 5})
	appendAll(t, l, record(1), record(2), record(3))
	files, err := logFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Errorf("%d files %v, want 3 (one record each)", len(files), files)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"big-1", "big-2", "big-3"}, ids(got)); diff != "" {
		t.Errorf("IDs read (-want +got):\n%s", diff)
	}
}

func ids(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{Run: "torn"})
	appendAll(t, l, record(1), record(2))
	l.Close()

	// A crash in the middle of the third write.
	line, err := json.Marshal(record(3))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(fileName(dir, 0), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(line[:len(line)/2]); err != nil {
		t.Fatal(err)
	}
	f.Close()

	c, err := ReadAll(dir)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if diff := cmp.Diff([]string{"torn-1", "torn-2"}, ids(c.Records)); diff != "" {
		t.Errorf("IDs read (-want +got):\n%s", diff)
	}
	wantSkipped := []Skipped{{File: fileName(dir, 0), Line: 3}}
	if diff := cmp.Diff(wantSkipped, c.Skipped, cmpopts.IgnoreFields(Skipped{}, "Err")); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}

	// The next run starts on a line of its own.
	l2 := openLog(t, dir, Options{Run: "next"})
	appendAll(t, l2, record(4))
	c, err = ReadAll(dir)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if diff := cmp.Diff([]string{"torn-1", "torn-2", "next-1"}, ids(c.Records)); diff != "" {
		t.Errorf("IDs read after reopening (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSkipped, c.Skipped, cmpopts.IgnoreFields(Skipped{}, "Err")); diff != "" {
		t.Errorf("skipped after reopening (-want +got):\n%s", diff)
	}
}

func TestReadSkipsCorruptLines(t *testing.T) {
	dir := t.TempDir()
	good, err := json.Marshal(Record{ID: "a-1", Time: t0, Source: "up", Kind: "delivery"})
	if err != nil {
		t.Fatal(err)
	}
	content := "not json\n" + string(good) + "\n\n{}\n" + `{"id":"a-2"}` + "\n"
	if err := os.WriteFile(fileName(dir, 0), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a-1", "a-2"}, ids(c.Records)); diff != "" {
		t.Errorf("IDs read (-want +got):\n%s", diff)
	}
	var lines []int
	for _, s := range c.Skipped {
		lines = append(lines, s.Line)
	}
	if diff := cmp.Diff([]int{1, 4}, lines); diff != "" {
		t.Errorf("skipped lines (-want +got):\n%s", diff)
	}
}

func TestReadMissingDir(t *testing.T) {
	got, err := Read(filepath.Join(t.TempDir(), "nothing"))
	if err != nil || len(got) != 0 {
		t.Errorf("Read(missing dir) = %v, %v; want no records, nil", got, err)
	}
}

func TestConcurrentAppend(t *testing.T) {
	const writers, each = 8, 50
	dir := t.TempDir()
	l := openLog(t, dir, Options{Run: "conc"})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := record(w*each + i)
				r.Request.Body = bytes.Repeat([]byte("b"), 1000*(w+1)) // lines of different sizes
				if _, err := l.Append(r); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	c, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != writers*each || len(c.Skipped) != 0 {
		t.Errorf("read %d records and skipped %d lines, want %d and 0", len(c.Records), len(c.Skipped), writers*each)
	}
	raw, err := os.ReadFile(fileName(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n != writers*each {
		t.Errorf("file has %d lines, want %d", n, writers*each)
	}
	seen := map[string]bool{}
	for _, r := range c.Records {
		if seen[r.ID] {
			t.Errorf("ID %s appears twice", r.ID)
		}
		seen[r.ID] = true
	}
}

// TestTwoLogsRotatingOneDir has two logs, as two processes would, append
// to one directory while rotating it: no line is lost or torn, and no file
// grows much past MaxBytes.
func TestTwoLogsRotatingOneDir(t *testing.T) {
	const each = 100
	dir := t.TempDir()
	maxBytes := 5 * lineSize(t, 10)
	logs := []*Log{
		openLog(t, dir, Options{Run: "p1", MaxBytes: maxBytes, MaxFiles: 1000}),
		openLog(t, dir, Options{Run: "p2", MaxBytes: maxBytes, MaxFiles: 1000}),
	}
	var wg sync.WaitGroup
	for _, l := range logs {
		wg.Go(func() {
			for i := range each {
				if _, err := l.Append(record(10 + i%80)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	c, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != 2*each || len(c.Skipped) != 0 {
		t.Errorf("read %d records and skipped %d lines, want %d and 0", len(c.Records), len(c.Skipped), 2*each)
	}
	// Per run, the records come in the order they were appended.
	next := map[string]int{"p1": 1, "p2": 1}
	for _, r := range c.Records {
		run, seq, _ := strings.Cut(r.ID, "-")
		if want := strconv.Itoa(next[run]); seq != want {
			t.Errorf("record %s, want %s-%s next", r.ID, run, want)
		}
		next[run]++
	}
	files, err := logFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		// A log that finds its file rotated away by the other writes one
		// more line there before it notices.
		if fi, err := os.Stat(f); err != nil {
			t.Error(err)
		} else if fi.Size() > maxBytes+lineSize(t, 10) {
			t.Errorf("%s has %d bytes, more than MaxBytes %d and one line", f, fi.Size(), maxBytes)
		}
	}
}

func TestIDsUniqueAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		l, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		appendAll(t, l, record(1), record(2), record(3))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	runs := map[string]bool{}
	for _, r := range got {
		if seen[r.ID] {
			t.Errorf("ID %s appears twice", r.ID)
		}
		seen[r.ID] = true
		run, _, _ := strings.Cut(r.ID, "-")
		runs[run] = true
	}
	if len(got) != 6 || len(runs) != 2 {
		t.Errorf("read %d records from %d runs, want 6 from 2: %v", len(got), len(runs), ids(got))
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{Run: "find"})
	recs := appendAll(t, l, record(1), record(2))
	tests := []struct {
		name    string
		dir, id string
		want    Record
		wantErr error
	}{
		{"first", dir, "find-1", recs[0], nil},
		{"second", dir, "find-2", recs[1], nil},
		{"unknown", dir, "find-3", Record{}, ErrNotFound},
		{"no log", filepath.Join(dir, "none"), "find-1", Record{}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.dir, tt.id)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Find(%q) error = %v, want %v", tt.id, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

func TestDir(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name        string
		state, xdg  string
		want        string
		wantErrHome bool
	}{
		{"DEVHOOK_STATE_DIR wins", "/tmp/dh-state", "/xdg", "/tmp/dh-state", false},
		{"XDG_STATE_HOME", "", "/xdg", "/xdg/devhook", false},
		{"relative XDG_STATE_HOME is ignored", "", "rel/state", filepath.Join(home, ".local", "state", "devhook"), false},
		{"home", "", "", filepath.Join(home, ".local", "state", "devhook"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv(StateDirEnv, tt.state)
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			got, err := Dir()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Dir() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewRun(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		r := NewRun()
		if len(r) != 6 || strings.Trim(r, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || strings.Contains(r, "-") {
			t.Errorf("NewRun() = %q, want 6 lowercase letters and digits", r)
		}
		seen[r] = true
	}
	if len(seen) < 99 {
		t.Errorf("100 runs gave %d distinct ids", len(seen))
	}
}

func ExampleLog() {
	dir, err := os.MkdirTemp("", "deliverylog-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	l, err := Open(dir, Options{Run: "k3f9a2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := l.Append(Record{
		Time: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC), Source: "up", Kind: "delivery",
		Type: "item.create", HookID: 101, Status: 200, Outcome: "forwarded",
		Request: Request{Method: "POST", Path: "/", Body: []byte("type=item.create&hook_id=101&item_id=42")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	l.Close()
	fmt.Println("appended", r.ID)

	found, err := Find(dir, "k3f9a2-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s hook %d -> %d %s: %s\n", found.ID, found.Type, found.HookID, found.Status, found.Outcome, found.Request.Body)
	_, err = Find(dir, "k3f9a2-2")
	fmt.Println(errors.Is(err, ErrNotFound))
	// Output:
	// appended k3f9a2-1
	// k3f9a2-1 item.create hook 101 -> 200 forwarded: type=item.create&hook_id=101&item_id=42
	// true
}

// TestAppendTo: each call opens the log for one record, under a run of
// its own, and the records read back in order.
func TestAppendTo(t *testing.T) {
	dir := t.TempDir()
	a, err := AppendTo(dir, Record{Source: "replay", Kind: KindDelivery, Type: "item.create", ReplayOf: "x-1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := AppendTo(dir, Record{Source: "replay", Kind: KindDelivery, Type: "item.update"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.ID == b.ID || a.Time.IsZero() {
		t.Errorf("records as written: %+v, %+v", a, b)
	}
	recs, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != a.ID || recs[1].ID != b.ID || recs[0].ReplayOf != "x-1" {
		t.Errorf("read back %+v", recs)
	}
	if err := os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := AppendTo(filepath.Join(dir, "blocked", "log"), Record{}); err == nil {
		t.Error("AppendTo under a file: no error")
	}
}
