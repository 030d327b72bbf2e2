package podio

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// testUA is the User-Agent the test clients send.
const testUA = "devhook/test"

// gotRequest is one request as the fake saw it, in a form cmp can diff.
type gotRequest struct {
	Method        string
	Path          string
	Query         string // raw query
	Authorization string
	ContentType   string
	Accept        string
	UserAgent     string
	// Body is the decoded JSON for application/json, url.Values for a
	// form, the raw text otherwise, and nil when the body is empty.
	Body any
}

// reply is what the fake answers to one request.
type reply struct {
	status int
	header map[string]string
	body   string
}

// jsonReply answers status with a JSON body.
func jsonReply(status int, body string) reply {
	return reply{status: status, header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: body}
}

// fake is a scripted Podio: it answers requests with its replies in order
// and records every request.
type fake struct {
	t       *testing.T
	mu      sync.Mutex // guards replies, got
	replies []reply
	got     []gotRequest
}

// newFake starts a fake on 127.0.0.1 that answers with replies in order.
func newFake(t *testing.T, replies ...reply) (*httptest.Server, *fake) {
	t.Helper()
	f := &fake{t: t, replies: replies}
	return newServer(t, f), f
}

// ServeHTTP records r and sends the next reply.
func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := capture(f.t, r)
	f.mu.Lock()
	f.got = append(f.got, g)
	if len(f.replies) == 0 {
		f.mu.Unlock()
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "fake: no reply left", http.StatusTeapot)
		return
	}
	rep := f.replies[0]
	f.replies = f.replies[1:]
	f.mu.Unlock()
	rep.write(w)
}

// write sends the reply.
func (rep reply) write(w http.ResponseWriter) {
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

// newServer starts h on 127.0.0.1 for the length of the test.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// requests returns a copy of the requests seen so far.
func (f *fake) requests() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.got...)
}

// reset forgets the requests seen so far.
func (f *fake) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = nil
}

// capture turns r into a gotRequest.
func capture(t *testing.T, r *http.Request) gotRequest {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read request body: %v", err)
	}
	g := gotRequest{
		Method:        r.Method,
		Path:          r.URL.Path,
		Query:         r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"),
		ContentType:   r.Header.Get("Content-Type"),
		Accept:        r.Header.Get("Accept"),
		UserAgent:     r.Header.Get("User-Agent"),
	}
	if len(raw) == 0 {
		return g
	}
	switch {
	case g.ContentType == "application/json":
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL, err)
		}
		g.Body = v
	case strings.HasPrefix(g.ContentType, "application/x-www-form-urlencoded"):
		v, err := url.ParseQuery(string(raw))
		if err != nil {
			t.Errorf("%s %s: body is not a form: %v", r.Method, r.URL, err)
		}
		g.Body = v
	default:
		g.Body = string(raw)
	}
	return g
}

// mustJSON parses a JSON literal the way capture parses a JSON body.
func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON literal %s: %v", s, err)
	}
	return v
}

// apiRequest is what the client must send for an API call: the given
// method, path and query, "Authorization: OAuth2 <token>", Accept and
// User-Agent, and, when body is not empty, the JSON body with
// "Content-Type: application/json". An empty body means no body and no
// Content-Type at all.
func apiRequest(t *testing.T, method, path, query, token, body string) gotRequest {
	t.Helper()
	g := gotRequest{
		Method:        method,
		Path:          path,
		Query:         query,
		Authorization: "OAuth2 " + token,
		Accept:        "application/json",
		UserAgent:     testUA,
	}
	if body != "" {
		g.ContentType = "application/json"
		g.Body = mustJSON(t, body)
	}
	return g
}

// tokenRequest is what the client must send to POST /oauth/token: a form
// body and no Authorization header.
func tokenRequest(form url.Values) gotRequest {
	return gotRequest{
		Method:      http.MethodPost,
		Path:        "/oauth/token",
		ContentType: "application/x-www-form-urlencoded",
		Accept:      "application/json",
		UserAgent:   testUA,
		Body:        form,
	}
}

// Test credentials and the token requests they make.
var (
	appCreds = Credentials{ClientID: "cid", ClientSecret: NewSecret("csecret-xyz"), AppID: 42, AppToken: NewSecret("apptok-xyz")}
	appForm  = url.Values{
		"grant_type":    {"app"},
		"client_id":     {"cid"},
		"client_secret": {"csecret-xyz"},
		"app_id":        {"42"},
		"app_token":     {"apptok-xyz"},
	}
	pwCreds = Credentials{ClientID: "cid", ClientSecret: NewSecret("csecret-xyz"), Username: "ann@example.com", Password: NewSecret("hunter2-xyz")}
	pwForm  = url.Values{
		"grant_type":    {"password"},
		"client_id":     {"cid"},
		"client_secret": {"csecret-xyz"},
		"username":      {"ann@example.com"},
		"password":      {"hunter2-xyz"},
	}
)

// refreshForm is the refresh request for refresh token rt.
func refreshForm(rt string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {"cid"},
		"client_secret": {"csecret-xyz"},
	}
}

// tokenReply issues access token at with refresh token rt.
func tokenReply(at, rt string) reply {
	return jsonReply(http.StatusOK, `{"access_token":"`+at+`","token_type":"bearer","expires_in":28800,"refresh_token":"`+rt+`","ref":{"type":"app","id":42},"scope":"app:read app:write"}`)
}

// newTestClient returns a client for srv with the test User-Agent.
func newTestClient(srv *httptest.Server) *Client {
	return &Client{BaseURL: srv.URL, HTTPClient: srv.Client(), UserAgent: testUA}
}

// authed starts a fake whose first reply issues tok1/ref1 to the app
// credentials, authenticates a client against it, and forgets that
// request, so the fake's requests start with the test's own calls.
func authed(t *testing.T, replies ...reply) (*Client, *fake) {
	t.Helper()
	srv, f := newFake(t, append([]reply{tokenReply("tok1", "ref1")}, replies...)...)
	c := newTestClient(srv)
	if err := c.Authenticate(t.Context(), appCreds); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	f.reset()
	return c, f
}
