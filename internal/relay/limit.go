package relay

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// DefaultMaxBodyBytesInFlight bounds the request body bytes a [Handler]
// holds at once, across every request it is reading or forwarding, when
// [Config.MaxBodyBytesInFlight] is zero: eight bodies of the 8 MiB a
// single request may carry, or some hundred thousand of Podio's own few
// hundred bytes.
const DefaultMaxBodyBytesInFlight = 64 << 20

// errBusy is readBody's error when the bodies in flight would pass the
// budget.
var errBusy = errors.New("relay: too many request body bytes in flight")

// errTooLarge is readBody's error for a body over maxRequestBody.
var errTooLarge = errors.New("relay: request body too large")

// budget counts the request body bytes the relay holds, against max.
type budget struct {
	max int64

	mu   sync.Mutex // guards used
	used int64
}

// take reserves n bytes and reports whether they fitted; it never waits.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// give returns n bytes taken earlier.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse returns the bytes taken and not given back.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// readChunk is the first buffer, and reservation, for a body of unknown
// length.
const readChunk = 32 << 10

// readBody reads r's body, at most limit bytes, reserving every byte in b
// before it is read: a body whose declared length does not fit is refused
// before any of it is read, and one of unknown length as soon as it
// passes what is free. It returns the body and the bytes it reserved,
// which the caller gives back once it no longer holds the body (also on
// error). The errors are errTooLarge, errBusy, or the read's own.
func readBody(r *http.Request, limit int64, b *budget) (body []byte, held int64, err error) {
	if r.ContentLength > limit {
		return nil, 0, errTooLarge
	}
	if r.ContentLength >= 0 {
		if !b.take(r.ContentLength) {
			return nil, 0, errBusy
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
			size := min(max(2*int64(cap(body)), readChunk), limit+1)
			if size <= int64(len(body)) {
				return nil, held, errTooLarge
			}
			if !b.take(size - held) {
				return nil, held, errBusy
			}
			held = size
			grown := make([]byte, len(body), size)
			copy(grown, body)
			body = grown
		}
		n, err := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if int64(len(body)) > limit {
			return nil, held, errTooLarge
		}
		if err == io.EOF {
			return body, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
}
