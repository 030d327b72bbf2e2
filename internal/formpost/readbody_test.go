package formpost

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestReadBody: a body of declared length and one of unknown length are
// read alike, kept up to max, and a body that breaks off is an error.
func TestReadBody(t *testing.T) {
	broken := errors.New("broken")
	tests := []struct {
		name          string
		r             io.Reader
		max           int
		size          int64
		want          string
		wantTruncated bool
		wantErr       error
	}{
		{"declared, short", strings.NewReader("ok"), 10, 2, "ok", false, nil},
		{"unknown, short", strings.NewReader("ok"), 10, -1, "ok", false, nil},
		{"declared empty", strings.NewReader(""), 10, 0, "", false, nil},
		{"declared, one byte at a time", iotest.OneByteReader(strings.NewReader("hello")), 10, 5, "hello", false, nil},
		{"longer than declared, kept up to max", strings.NewReader("0123456789abc"), 5, 2, "01234", true, nil},
		{"declared at max: read as unknown", strings.NewReader("0123456789"), 5, 10, "01234", true, nil},
		{"declared, breaks off", io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(broken)), 10, 4, "ab", false, broken},
		{"unknown, breaks off", io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(broken)), 10, -1, "ab", false, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readBody(tt.r, tt.max, tt.size)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, string(b.kept)); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if tt.want == "" && b.kept != nil {
				t.Errorf("kept %q, want nil for an empty body", b.kept)
			}
			if b.truncated != tt.wantTruncated {
				t.Errorf("truncated %v, want %v", b.truncated, tt.wantTruncated)
			}
		})
	}
}
