package asyncwriter_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/devhookhq/devhook/internal/asyncwriter"
)

// stuckWriter blocks its first Write until released, as a terminal nobody
// reads does.
type stuckWriter struct {
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
}

func (s *stuckWriter) Write(p []byte) (int, error) {
	s.once.Do(func() { <-s.release })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.buf.Write(p)
}

// TestEveryLineInOrder: with the writer stuck, lines are taken at once;
// after Close every one was written, in order, in fewer writes than lines.
func TestEveryLineInOrder(t *testing.T) {
	sw := &stuckWriter{release: make(chan struct{})}
	a := asyncwriter.New(sw, 0)
	var want bytes.Buffer
	const lines = 10_000
	for i := range lines {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		if _, err := io.WriteString(a, line); err != nil {
			t.Fatal(err)
		}
	}
	close(sw.release)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sw.buf.Bytes(), want.Bytes()) {
		t.Errorf("written %d bytes, want the %d written, in order", sw.buf.Len(), want.Len())
	}
	if sw.writes >= lines {
		t.Errorf("%d writes for %d lines: not batched", sw.writes, lines)
	}
	if _, err := a.Write([]byte("late\n")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// TestLimitKeepsOrder: with a limit smaller than what is written while
// the writer is stuck, Write waits for room and nothing is lost or
// reordered.
func TestLimitKeepsOrder(t *testing.T) {
	sw := &stuckWriter{release: make(chan struct{})}
	a := asyncwriter.New(sw, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, s := range []string{"0123456789", "abcdefghij", "klmnopqrst", "x"} {
			io.WriteString(a, s)
		}
	}()
	close(sw.release)
	<-done
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sw.buf.String(); got != "0123456789abcdefghijklmnopqrstx" {
		t.Errorf("written %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriterErrorIsReported: the first error of the writer comes back
// from Close and later Writes.
func TestWriterErrorIsReported(t *testing.T) {
	a := asyncwriter.New(failWriter{}, 0)
	io.WriteString(a, "x\n")
	if err := a.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close = %v, want disk full", err)
	}
}

// TestFlushWaitsForTheWrites: Flush returns only once every byte written
// before it reached the writer, which is released while Flush waits.
func TestFlushWaitsForTheWrites(t *testing.T) {
	sw := &stuckWriter{release: make(chan struct{})}
	a := asyncwriter.New(sw, 0)
	defer a.Close()
	var want bytes.Buffer
	for i := range 100 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		io.WriteString(a, line)
	}
	go close(sw.release)
	a.Flush()
	sw.mu.Lock()
	got := sw.buf.String()
	sw.mu.Unlock()
	if got != want.String() {
		t.Errorf("after Flush the writer has %d bytes, want the %d written before it", len(got), want.Len())
	}
	a.Flush() // nothing waiting: returns at once
}
