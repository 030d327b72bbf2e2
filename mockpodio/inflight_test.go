package mockpodio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestBodiesInFlightBounded: request bodies held at once, across the
// Podio routes and the /_mock/ control routes, stay within
// MaxBodyBytesInFlight. Six requests declare 400 KiB each and send none of
// it: the bytes are reserved before they are read, so two are held (800
// KiB of the 1 MiB allowed) and the other four get 503 in Podio's error
// shape at once, unread. Nothing stored changes; once every request has
// ended, nothing is held.
func TestBodiesInFlightBounded(t *testing.T) {
	const (
		budget = 1 << 20
		size   = 400 << 10 // more than net/http discards after a handler, so a refusal does not wait for the body
		n      = 6
		fit    = budget / size
	)
	for _, tc := range []struct {
		name, path string
		auth       bool
	}{
		{"Podio route", "/item/app/" + itoa(seedAppID) + "/", true},
		{"control route", "/_mock/events", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false), func(s *mockpodio.Server) { s.MaxBodyBytesInFlight = budget })
			tok, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			before, err := mockpodio.SnapshotJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			ctx := awaitCtx(t)
			type result struct {
				status int
				raw    string
				err    error
			}
			results := make(chan result, n)
			pipes := make([]*io.PipeWriter, n)
			for i := range n {
				pr, pw := io.Pipe()
				pipes[i] = pw
				req, err := http.NewRequestWithContext(ctx, "POST", s.URL+tc.path, pr)
				if err != nil {
					t.Fatal(err)
				}
				req.ContentLength = size
				req.Header.Set("Content-Type", "application/json")
				if tc.auth {
					req.Header.Set("Authorization", "OAuth2 "+tok)
				}
				go func() {
					res, err := http.DefaultTransport.RoundTrip(req)
					if err != nil {
						results <- result{err: err}
						return
					}
					raw, err := io.ReadAll(res.Body)
					res.Body.Close()
					results <- result{status: res.StatusCode, raw: string(raw), err: err}
				}()
			}
			next := func() result {
				t.Helper()
				select {
				case r := <-results:
					if r.err != nil {
						t.Fatal(r.err)
					}
					return r
				case <-ctx.Done():
					t.Fatalf("%d bytes held in flight, and no more answers: %v", mockpodio.BodyBytesInFlight(s), ctx.Err())
					return result{}
				}
			}
			for range n - fit {
				r := next()
				if r.status != http.StatusServiceUnavailable {
					t.Fatalf("a request past the bound got %d %s, want 503", r.status, r.raw)
				}
				var e map[string]any
				if err := json.Unmarshal([]byte(r.raw), &e); err != nil {
					t.Fatalf("503 body %q is not JSON: %v", r.raw, err)
				}
				if e["error"] != "unavailable" || e["error_description"] == "" {
					t.Errorf("503 body %s is not Podio's error shape", r.raw)
				}
			}
			if got := mockpodio.BodyBytesInFlight(s); got != fit*size {
				t.Errorf("%d bytes held in flight, want %d (%d bodies of %d)", got, fit*size, fit, size)
			}
			// Let the held requests end: their bodies are not valid JSON.
			for _, pw := range pipes {
				go func() {
					io.Copy(pw, strings.NewReader(strings.Repeat("x", size)))
					pw.Close()
				}()
			}
			for range fit {
				if r := next(); r.status != http.StatusBadRequest {
					t.Errorf("a held request got %d %s, want 400 for its body", r.status, r.raw)
				}
			}
			after, err := mockpodio.SnapshotJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("refused requests changed the state (-before +after):\n%s", diff)
			}
			s.Close() // waits for the handlers
			if got := mockpodio.BodyBytesInFlight(s); got != 0 {
				t.Errorf("%d bytes still held after every request ended", got)
			}
		})
	}
}

// TestChunkedBodyReserved: a body of unknown length is reserved as its
// buffer grows (internal/bodybudget): one that passes what is free gets 503 and
// stores nothing; one that fits is served and gives its bytes back.
func TestChunkedBodyReserved(t *testing.T) {
	const budget = 64 << 10
	s := newServer(t, withSeed(t, false), func(s *mockpodio.Server) { s.MaxBodyBytesInFlight = budget })
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	before, err := mockpodio.SnapshotJSON(s)
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) response {
		t.Helper()
		// A MultiReader has no length: the request goes chunked.
		req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+"/item/app/"+itoa(seedAppID)+"/", io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "OAuth2 "+tok)
		return send(t, s, req)
	}
	big := `{"fields":{"title":"` + strings.Repeat("x", budget) + `"}}`
	res := post(big)
	mustStatus(t, "chunked body past the bound", res, http.StatusServiceUnavailable)
	if errCode(res) != "unavailable" {
		t.Errorf("error %s, want unavailable", res.Raw)
	}
	after, err := mockpodio.SnapshotJSON(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("a refused request changed the state (-before +after):\n%s", diff)
	}
	mustStatus(t, "chunked body within the bound", post(`{"fields":{"title":"`+strings.Repeat("x", budget/2)+`"}}`), http.StatusOK)
	s.Close()
	if got := mockpodio.BodyBytesInFlight(s); got != 0 {
		t.Errorf("%d bytes still held after every request ended", got)
	}
}
