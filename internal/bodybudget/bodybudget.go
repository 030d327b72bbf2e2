// Package bodybudget bounds the request body bytes a server holds at
// once, across every request it is reading or serving: each byte is
// reserved before it is read, so concurrent large bodies cannot take more
// memory than the bound, whatever their number. The relay and the mock's
// API both read their bodies through it (README "Security and limits").
package bodybudget

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// ErrTooLarge is Read's error for a body over its limit.
var ErrTooLarge = errors.New("request body too large")

// ErrBusy is Read's error when the body does not fit in what is left of
// the budget.
var ErrBusy = errors.New("too many request body bytes in flight")

// Chunk is the first buffer, and reservation, for a body of unknown
// length.
const Chunk = 32 << 10

// Budget counts the bytes taken and not given back. The zero value is an
// empty budget; the bound is given to each call, so that a server may
// read it from its configuration.
type Budget struct {
	mu   sync.Mutex // guards used
	used int64
}

// Take reserves n bytes out of max and reports whether they fitted; it
// never waits.
func (b *Budget) Take(n, max int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > max {
		return false
	}
	b.used += n
	return true
}

// Give returns n bytes taken earlier.
func (b *Budget) Give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// InUse returns the bytes taken and not given back.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Read reads r's body, at most limit bytes, reserving every byte out of
// bound before it is read: a body whose declared length is over limit, or
// does not fit, is refused before any of it is read, and one of unknown
// length as soon as it passes either. It returns the body and the bytes
// it reserved, which the caller gives back once it no longer holds the
// body (also on error). The errors are ErrTooLarge, ErrBusy, or the
// read's own.
func (b *Budget) Read(r *http.Request, limit, bound int64) (body []byte, held int64, err error) {
	if r.ContentLength > limit {
		return nil, 0, ErrTooLarge
	}
	if r.ContentLength >= 0 {
		if !b.Take(r.ContentLength, bound) {
			return nil, 0, ErrBusy
		}
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, r.ContentLength, err
		}
		return body, r.ContentLength, nil
	}
	// Unknown length (chunked): the buffer grows by doubling, each new
	// capacity reserved before it is allocated, up to one byte more than
	// the limit, to tell a body of exactly limit bytes from a larger one.
	for {
		if len(body) == cap(body) {
			size := min(max(2*int64(cap(body)), Chunk), limit+1)
			if size <= int64(len(body)) {
				return nil, held, ErrTooLarge
			}
			if !b.Take(size-held, bound) {
				return nil, held, ErrBusy
			}
			held = size
			grown := make([]byte, len(body), size)
			copy(grown, body)
			body = grown
		}
		n, err := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if int64(len(body)) > limit {
			return nil, held, ErrTooLarge
		}
		if err == io.EOF {
			return body, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
}
