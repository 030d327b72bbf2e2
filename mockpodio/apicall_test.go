package mockpodio_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// newServer starts a mock for one test, empty and silent unless configure
// says otherwise, and closes it at the end.
func newServer(t *testing.T, configure ...mockpodio.Option) *mockpodio.Server {
	t.Helper()
	quiet := func(s *mockpodio.Server) { s.Seed, s.Logf = nil, nil }
	return mockpodio.NewTestServer(t, append([]mockpodio.Option{quiet}, configure...)...)
}

// response is an API answer: status, headers and decoded JSON body.
type response struct {
	Status int
	Header http.Header
	Body   any
	Raw    string
}

// do sends one API call. body is JSON-encoded unless it is a string,
// which is sent as it is.
func do(t *testing.T, s *mockpodio.Server, token, method, path string, body any) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, isString := body.(string); body != nil && !isString {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "OAuth2 "+token)
	}
	return send(t, s, req)
}

func send(t *testing.T, s *mockpodio.Server, req *http.Request) response {
	t.Helper()
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", req.Method, req.URL.Path, raw)
		}
	}
	return out
}

// tokenFor signs in with the app grant and returns the access token.
func tokenFor(t *testing.T, s *mockpodio.Server, appID, appToken string) string {
	t.Helper()
	form := url.Values{"grant_type": {"app"}, "app_id": {appID}, "app_token": {appToken},
		"client_id": {"cid"}, "client_secret": {"csec"}}
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := send(t, s, req)
	if res.Status != 200 {
		t.Fatalf("token: %d %s", res.Status, res.Raw)
	}
	return res.Body.(map[string]any)["access_token"].(string)
}

// field returns m[key] for a JSON object.
func field(t *testing.T, v any, key string) any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	return m[key]
}

// num returns a JSON number as int64.
func num(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	return int64(f)
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
