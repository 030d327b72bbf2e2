package mockpodio

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/devhookhq/devhook/internal/bodybudget"
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
// s.bodies before it is read (internal/bodybudget). A body whose declared
// length is over limit gets 413 unread; one whose declared length does not
// fit in the budget gets busy's 503 before any of it is read (the caller
// answers it with refuseBusy); one of unknown length is refused as soon as
// it passes either. It returns the body and the bytes reserved, which the
// caller gives back once it no longer holds the body (also on error).
func (s *Server) readBody(r *http.Request, limit int64) (body []byte, held int64, err error) {
	if r.Body == nil || r.Body == http.NoBody { // a GET has none: no buffer to allocate
		return nil, 0, nil
	}
	max := s.maxBodyBytesInFlight()
	body, held, err = s.bodies.Read(r, limit, max)
	switch {
	case errors.Is(err, bodybudget.ErrTooLarge):
		return nil, held, errTooLarge(limit)
	case errors.Is(err, bodybudget.ErrBusy):
		return nil, held, busy(max)
	case err != nil:
		return nil, held, invalid("Could not read the request body: %v", err)
	}
	return body, held, nil
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
	if max := s.maxBodyBytesInFlight(); !s.bodies.Take(n, max) {
		return 0, busy(max)
	}
	return n, nil
}
