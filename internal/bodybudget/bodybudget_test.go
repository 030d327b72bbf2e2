package bodybudget_test

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/devhookhq/devhook/internal/bodybudget"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestRead: a body is read only into room reserved in the budget; a
// declared length that does not fit, or is over the limit, is refused
// before any of it is read; a body of unknown length is refused as soon
// as it passes what is free, or the limit.
func TestRead(t *testing.T) {
	const limit = 100 << 10
	tests := []struct {
		name     string
		size     int
		chunked  bool  // no Content-Length
		used     int64 // of the budget's 256 KiB, before
		wantErr  error
		readNone bool // refused before reading
	}{
		{"known length", 50 << 10, false, 0, nil, false},
		{"known length at the limit", limit, false, 0, nil, false},
		{"known length over the limit", limit + 1, false, 0, bodybudget.ErrTooLarge, true},
		{"known length, budget full", 50 << 10, false, 220 << 10, bodybudget.ErrBusy, true},
		{"chunked", 70 << 10, true, 0, nil, false},
		{"chunked at the limit", limit, true, 0, nil, false},
		{"chunked over the limit", limit + 1, true, 0, bodybudget.ErrTooLarge, false},
		{"chunked, budget full", 70 << 10, true, 200 << 10, bodybudget.ErrBusy, false},
		{"empty", 0, false, 0, nil, false},
		{"empty chunked", 0, true, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := bytes.Repeat([]byte("x"), tt.size)
			src := &countingReader{r: bytes.NewReader(want)}
			r := httptest.NewRequest("POST", "/", src)
			r.ContentLength = int64(tt.size)
			if tt.chunked {
				r.ContentLength = -1
			}
			const bound = 256 << 10
			b := &bodybudget.Budget{}
			b.Take(tt.used, bound)
			body, held, err := b.Read(r, limit, bound)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := b.InUse(); got != tt.used+held {
				t.Errorf("budget in use %d, want %d before + %d held", got, tt.used, held)
			}
			if b.InUse() > bound {
				t.Errorf("budget in use %d, past its %d", b.InUse(), bound)
			}
			if err == nil {
				if !bytes.Equal(body, want) {
					t.Errorf("body %d bytes, want %d", len(body), len(want))
				}
				if held < int64(len(body)) || held > int64(max(2*len(body), bodybudget.Chunk)) {
					t.Errorf("held %d for a body of %d", held, len(body))
				}
			}
			if tt.readNone && src.n != 0 {
				t.Errorf("read %d bytes of a body refused by its length", src.n)
			}
			if !tt.chunked && tt.wantErr == bodybudget.ErrBusy && held != 0 {
				t.Errorf("held %d for a refused body", held)
			}
			b.Give(held)
			if got := b.InUse(); got != tt.used {
				t.Errorf("after give: in use %d, want %d", got, tt.used)
			}
		})
	}
}
