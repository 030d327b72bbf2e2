// Package asyncwriter buffers writes to a slow writer (a terminal, a pipe
// nobody reads fast) and writes them from a goroutine of its own, so a
// writer of log lines pays one copy, not a system call, per line. Nothing
// is dropped: Close writes what is left.
package asyncwriter

import (
	"io"
	"sync"
)

// DefaultLimit is how many bytes may wait before Write blocks, when Limit
// is 0.
const DefaultLimit = 1 << 20

// Writer is an io.Writer that hands its bytes to a goroutine writing them
// to W, in order, in as few writes as it can. Create it with [New].
type Writer struct {
	w     io.Writer
	limit int

	mu     sync.Mutex
	cond   sync.Cond // signalled when the goroutine took the buffer, wrote it or ended
	buf    []byte    // waiting to be written
	spare  []byte
	closed bool  // Close was called
	busy   bool  // the goroutine is writing a batch
	err    error // the first error of w
	kick   chan struct{}
	done   chan struct{}
}

// New returns a Writer writing to w; limit bounds the bytes waiting (0
// means DefaultLimit). The caller must Close it.
func New(w io.Writer, limit int) *Writer {
	if limit <= 0 {
		limit = DefaultLimit
	}
	a := &Writer{w: w, limit: limit, kick: make(chan struct{}, 1), done: make(chan struct{})}
	a.cond.L = &a.mu
	go a.run()
	return a
}

// Write queues a copy of p. It blocks only while more than the limit is
// waiting. After Close, or once w failed, it returns that error.
func (a *Writer) Write(p []byte) (int, error) {
	a.mu.Lock()
	for len(a.buf) >= a.limit && !a.closed && a.err == nil {
		a.cond.Wait()
	}
	if a.closed {
		a.mu.Unlock()
		return 0, io.ErrClosedPipe
	}
	if a.err != nil {
		err := a.err
		a.mu.Unlock()
		return 0, err
	}
	a.buf = append(a.buf, p...)
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (a *Writer) run() {
	defer close(a.done)
	for {
		a.mu.Lock()
		for len(a.buf) == 0 && !a.closed {
			a.mu.Unlock()
			<-a.kick
			a.mu.Lock()
		}
		if len(a.buf) == 0 && a.closed {
			a.mu.Unlock()
			return
		}
		batch := a.buf
		a.buf, a.spare = a.spare[:0], nil
		a.busy = true
		a.cond.Broadcast()
		a.mu.Unlock()
		_, err := a.w.Write(batch)
		a.mu.Lock()
		if err != nil && a.err == nil {
			a.err = err
		}
		a.spare = batch[:0]
		a.busy = false
		a.cond.Broadcast()
		a.mu.Unlock()
	}
}

// Flush blocks until every byte written before it has been written to w
// (or w has failed, or the Writer is closed): a writer that also writes
// to another stream, such as stderr beside stdout, calls it first to keep
// the order of the two.
func (a *Writer) Flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for (len(a.buf) > 0 || a.busy) && a.err == nil && !a.closed {
		a.cond.Wait()
	}
}

// Close writes what is waiting and stops the goroutine. It returns the
// first error of the underlying writer.
func (a *Writer) Close() error {
	a.mu.Lock()
	a.closed = true
	a.cond.Broadcast()
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default:
	}
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}
