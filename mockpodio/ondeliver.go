package mockpodio

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/devhookhq/devhook/internal/formpost"
)

// deliver attempts p, begun at start: answered as [Server.OnDeliver]
// says, or posted to its hook URL.
func (s *Server) deliver(p *pending, start time.Time) formpost.Result {
	if s.OnDeliver == nil {
		return s.post(p)
	}
	d := &Delivery{EventID: p.eventID, HookID: p.hookID, Type: p.typ, URL: p.url,
		Params: paramMap(p.params), Body: p.body, At: start, Duplicate: p.duplicate}
	resp := s.OnDeliver(d)
	if resp == (Response{}) {
		return s.post(p)
	}
	// The answer goes through the same sender as a receiver's, so its
	// timeout and its failures read the same.
	return s.postWith(p, &http.Client{Transport: steered{s, resp}})
}

// steered is a transport that answers every request with resp.
type steered struct {
	s    *Server
	resp Response
}

// errSteeredDrop is the failure of a delivery OnDeliver dropped.
var errSteeredDrop = errors.New("connection closed without an answer (OnDeliver dropped it)")

func (t steered) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxEventBytes))
		r.Body.Close()
	}
	if t.resp.Delay > 0 && !t.s.holdFor(r.Context(), t.resp.Delay, nil) {
		return nil, heldErr(r)
	}
	if t.resp.Drop {
		return nil, errSteeredDrop
	}
	status := cmp.Or(t.resp.Status, http.StatusOK)
	return &http.Response{
		Status: http.StatusText(status), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, ContentLength: 0, Request: r,
	}, nil
}

// heldErr is why r's wait ended: its context's cause, or the server
// closing.
func heldErr(r *http.Request) error {
	if err := r.Context().Err(); err != nil {
		return err
	}
	return errors.New("mock server closed")
}
