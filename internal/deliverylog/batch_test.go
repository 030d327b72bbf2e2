package deliverylog

import (
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readFiles returns the contents of dir's log files, the current one
// first.
func readFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := logFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// TestAppendAllIsAppendEach: batches of every size leave the same files,
// rotation included, as appending the records one by one, and return the
// records as Append returns them.
func TestAppendAllIsAppendEach(t *testing.T) {
	tests := []struct {
		name    string
		batches []int // sizes of the batches, in order
		perFile int
	}{
		{"one batch, one file", []int{4}, 5},
		{"one batch across rotations", []int{10}, 3},
		{"batches across rotations", []int{2, 5, 1, 7}, 4},
		{"empty batch", []int{0, 3}, 5},
		{"a file per record", []int{6}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Run: "rot", MaxBytes: int64(tt.perFile) * lineSize(t, 10), MaxFiles: 5}
			eachDir, batchDir := t.TempDir(), t.TempDir()
			each, batched := openLog(t, eachDir, opts), openLog(t, batchDir, opts)
			n := 10
			for _, size := range tt.batches {
				var rs []Record
				for range size {
					rs = append(rs, record(n))
					n++
				}
				want := appendAll(t, each, rs...)
				written, err := batched.AppendAll(rs)
				if err != nil {
					t.Fatal(err)
				}
				if written != len(rs) {
					t.Errorf("AppendAll wrote %d of %d", written, len(rs))
				}
				if diff := cmp.Diff(want, rs); diff != "" {
					t.Errorf("records as written (-Append +AppendAll):\n%s", diff)
				}
			}
			if diff := cmp.Diff(readFiles(t, eachDir), readFiles(t, batchDir)); diff != "" {
				t.Errorf("files (-Append +AppendAll):\n%s", diff)
			}
		})
	}
}

// TestAppendAllBatchStaysTogether: two logs on one directory append
// batches at once; each batch that fits in the file lands as one run of
// lines, never interleaved with the other log's.
func TestAppendAllBatchStaysTogether(t *testing.T) {
	dir := t.TempDir()
	const batches, size = 50, 20
	var wg sync.WaitGroup
	for _, run := range []string{"aaaaaa", "bbbbbb"} {
		l := openLog(t, dir, Options{Run: run})
		wg.Go(func() {
			for range batches {
				rs := make([]Record, size)
				for i := range rs {
					rs[i] = record(10 + i)
				}
				if _, err := l.AppendAll(rs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	files := readFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	lines := strings.Split(strings.TrimSuffix(files[0], "\n"), "\n")
	if len(lines) != 2*batches*size {
		t.Fatalf("%d lines, want %d", len(lines), 2*batches*size)
	}
	for i := 0; i < len(lines); i += size {
		run := lines[i][len(`{"id":"`):][:6]
		for j, line := range lines[i : i+size] {
			if !strings.HasPrefix(line, `{"id":"`+run+"-") {
				t.Fatalf("line %d is from another log than the batch starting at line %d:\n%s", i+j, i, line)
			}
		}
	}
}

func TestAppendAllClosed(t *testing.T) {
	l := openLog(t, t.TempDir(), Options{})
	l.Close()
	rs := []Record{record(1)}
	if n, err := l.AppendAll(rs); err == nil || n != 0 {
		t.Errorf("AppendAll on a closed log = %d, %v; want 0 and an error", n, err)
	}
}

// TestAppendAllStopsAtAnUnencodableRecord: the records before it are
// written and counted; it and the ones after are not.
func TestAppendAllStopsAtAnUnencodableRecord(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, Options{Run: "enc"})
	bad := record(2)
	bad.LatencyMS = math.NaN()
	n, err := l.AppendAll([]Record{record(1), bad, record(3)})
	if err == nil || n != 1 {
		t.Fatalf("AppendAll = %d, %v; want 1 and an error", n, err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"enc-1"}, ids); diff != "" {
		t.Errorf("logged (-want +got):\n%s", diff)
	}
}
