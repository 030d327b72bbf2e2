package mockpodio

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// DefaultMaxBodyBytesInFlight bounds the request body bytes the mock holds
// at once, across every API and control request it is reading or serving,
// when [Server.MaxBodyBytesInFlight] is 0: sixteen bodies of the 4 MiB one
// request may carry ([DefaultMaxBodyBytes]), or some hundred thousand of a
// client's usual few hundred bytes.
const DefaultMaxBodyBytesInFlight = 64 << 20

// maxControlBody bounds the JSON body of a /_mock/ control route
// (decodeControl).
const maxControlBody = 1 << 20

// bodyChunk is the reservation, and read, step for a body whose length is
// not declared.
const bodyChunk = 32 << 10

// bodyBudget counts the request body bytes the mock holds, against its
// bound. Bytes are reserved before they are read and given back when the
// request's answer is written, so concurrent large bodies cannot take more
// memory than the bound, whatever their number.
type bodyBudget struct {
	mu   sync.Mutex // guards used
	used int64
}

// take reserves n bytes out of max and reports whether they fitted; it
// never waits.
func (b *bodyBudget) take(n, max int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > max {
		return false
	}
	b.used += n
	return true
}

// give returns n bytes taken earlier.
func (b *bodyBudget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse returns the bytes taken and not given back.
func (b *bodyBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (s *Server) maxBodyBytesInFlight() int64 {
	if s.MaxBodyBytesInFlight > 0 {
		return s.MaxBodyBytesInFlight
	}
	return DefaultMaxBodyBytesInFlight
}

// errBusy is the error of a request whose body does not fit in what is
// left of MaxBodyBytesInFlight; busy wraps it in its answer.
var errBusy = errors.New("mockpodio: too many request body bytes in flight")

// busy is the answer to a request whose body does not fit: 503 in Podio's
// error shape, before the body is read or anything changed. The client
// may retry.
func busy(max int64) error {
	return &busyError{errorf(http.StatusServiceUnavailable, codeUnavailable,
		"The mock is reading too many request bodies at once (%d bytes at most in flight); retry shortly", max)}
}

// busyError is the APIError of busy, which also matches errBusy.
type busyError struct{ *APIError }

func (e *busyError) Unwrap() []error { return []error{e.APIError, errBusy} }

// refuseBusy answers err (from busy) at once and then reads and drops
// the rest of the body, at most limit bytes, in a small buffer: a client
// still sending gets the answer instead of a connection reset, and the
// body is never held.
func (s *Server) refuseBusy(w http.ResponseWriter, r *http.Request, err error, limit int64) {
	rc := http.NewResponseController(w)
	if rc.EnableFullDuplex() != nil {
		writeError(w, r, err) // net/http closes the connection after it
		return
	}
	// With a Content-Length the client has the whole answer before the
	// handler has read the rest of the body.
	ans := &answerBuffer{header: w.Header(), status: http.StatusOK}
	writeError(ans, r, err)
	w.Header().Set("Content-Length", strconv.Itoa(ans.body.Len()))
	w.WriteHeader(ans.status)
	w.Write(ans.body.Bytes())
	rc.Flush()
	io.Copy(io.Discard, io.LimitReader(r.Body, limit+1))
}

// answerBuffer is an http.ResponseWriter that keeps the answer, to send
// it with its length.
type answerBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answerBuffer) Header() http.Header         { return a.header }
func (a *answerBuffer) WriteHeader(status int)      { a.status = status }
func (a *answerBuffer) Write(b []byte) (int, error) { return a.body.Write(b) }

// readBody reads r's body, at most limit bytes, reserving every byte in
// s.bodies before it is read. A body whose declared length is over limit
// gets 413 unread; one whose declared length does not fit in the budget
// gets busy's 503 before any of it is read (the caller answers it with
// refuseBusy); one of unknown length is read a chunk at a time, each
// reserved first. It returns the body and the bytes reserved, which the
// caller gives back once it no longer holds the body (also on error).
func (s *Server) readBody(r *http.Request, limit int64) (body []byte, held int64, err error) {
	if r.Body == nil || r.Body == http.NoBody { // a GET has none: no buffer to allocate
		return nil, 0, nil
	}
	max := s.maxBodyBytesInFlight()
	if r.ContentLength > limit {
		return nil, 0, errTooLarge(limit)
	}
	if r.ContentLength >= 0 {
		if !s.bodies.take(r.ContentLength, max) {
			return nil, 0, busy(max)
		}
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, r.ContentLength, invalid("Could not read the request body: %v", err)
		}
		return body, r.ContentLength, nil
	}
	for {
		step := min(int64(bodyChunk), limit+1-int64(len(body)))
		if !s.bodies.take(step, max) {
			return nil, held, busy(max)
		}
		held += step
		body = append(body, make([]byte, step)...)
		n, err := io.ReadFull(r.Body, body[len(body)-int(step):])
		body = body[:len(body)-int(step)+n]
		if int64(len(body)) > limit {
			return nil, held, errTooLarge(limit)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return body, held, nil
		}
		if err != nil {
			return nil, held, invalid("Could not read the request body: %v", err)
		}
	}
}

func errTooLarge(limit int64) error {
	return errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "Request body too large: more than %d bytes", limit)
}

// reserveControl reserves what a /_mock/ control request's body may take
// (its declared length, else maxControlBody) before decodeControl reads it.
func (s *Server) reserveControl(r *http.Request) (held int64, err error) {
	n := int64(maxControlBody)
	if r.ContentLength >= 0 && r.ContentLength < n {
		n = r.ContentLength
	}
	if max := s.maxBodyBytesInFlight(); !s.bodies.take(n, max) {
		return 0, busy(max)
	}
	return n, nil
}
