package mockpodio_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// fuzzMaxBody is the body cap of the fuzzed servers: small, so the 413
// path is reached without megabytes of input.
const fuzzMaxBody = 4096

// fuzzServer is a fresh, unstarted mock with the default seed, a manual
// clock and deliveries answered 200 in memory (a fuzzed hook URL must never
// reach the network), with a token and one item to act on. It is served
// through ServeHTTP only.
type fuzzServer struct {
	s     *mockpodio.Server
	token string
	item  int64
}

func newFuzzServer(t *testing.T, strict bool) *fuzzServer {
	t.Helper()
	seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	s := &mockpodio.Server{
		Seed:         seed,
		Strict:       strict,
		AllowAnyPort: true,
		Clock:        mockpodio.NewManualClock(clockStart),
		MaxBodyBytes: fuzzMaxBody,
		HTTPClient:   &http.Client{Transport: okTransport{}},
	}
	t.Cleanup(s.Close)
	fs := &fuzzServer{s: s}
	form := url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {seedAppToken},
		"client_id": {seedClientID}, "client_secret": {seedClientSecret}}
	rec := fs.serve("POST", "/oauth/token", "application/x-www-form-urlencoded", form.Encode(), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	fs.token = tok.AccessToken
	rec = fs.serve("POST", "/item/app/3001/", "application/json", `{"external_id":"ext-1","fields":{"title":"A"}}`, "OAuth2 "+fs.token)
	if rec.Code != http.StatusOK {
		t.Fatalf("create item: %d %s", rec.Code, rec.Body)
	}
	var it struct {
		ItemID int64 `json:"item_id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil {
		t.Fatal(err)
	}
	fs.item = it.ItemID
	return fs
}

// serve sends one request through ServeHTTP. An empty authorization sends
// no Authorization header.
func (fs *fuzzServer) serve(method, path, contentType, body, authorization string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://podio.test"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	fs.s.ServeHTTP(rec, req)
	return rec
}

// okTransport answers every delivery 200 without a network.
type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// checkAPIAnswer fails unless an answer is what Podio could send: never a
// 5xx, a 4xx always in Podio's error shape, any other body valid JSON.
func checkAPIAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	raw := rec.Body.Bytes()
	if rec.Code >= 500 {
		t.Fatalf("%s: status %d, want < 500: %s", what, rec.Code, raw)
	}
	if rec.Code >= 400 {
		var body map[string]json.RawMessage
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("%s: %d body is not a JSON object: %v: %q", what, rec.Code, err, raw)
		}
		var keys []string
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, errorKeys) {
			t.Fatalf("%s: %d error keys = %v, want %v", what, rec.Code, keys, errorKeys)
		}
		var e apiError
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("%s: %d error body: %v: %q", what, rec.Code, err, raw)
		}
		if e.Error == "" || e.Description == "" {
			t.Fatalf("%s: %d error or error_description empty: %q", what, rec.Code, raw)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d Content-Type = %q, want application/json; charset=utf-8", what, rec.Code, ct)
		}
		return
	}
	if len(raw) > 0 && !json.Valid(raw) {
		t.Fatalf("%s: %d body is not JSON: %q", what, rec.Code, raw)
	}
}

// FuzzAPI sends one request of any method, path, headers and body to the
// API (the /_mock/ control routes aside): never a panic, never a 5xx, and
// every 4xx in Podio's error shape.
func FuzzAPI(f *testing.F) {
	// auth: "" sends the valid token, "-" sends none, anything else is the
	// raw Authorization header. {item} is the live item's id.
	seeds := []struct{ method, path, ctype, auth, body string }{
		{"GET", "/item/{item}", "", "", ""},
		{"PUT", "/item/{item}", "application/json", "", `{"fields":{"title":"B"},"revision":1}`},
		{"PUT", "/item/{item}/value", "", "", `{"title":"B"}`},
		{"PUT", "/item/{item}/value/title", "", "", `["B"]`},
		{"DELETE", "/item/{item}", "", "", ""},
		{"POST", "/item/app/3001/", "", "", `{"fields":[{"external_id":"status","values":[{"value":1}]}]}`},
		{"POST", "/item/app/3001/filter", "", "", `{"limit":-1,"offset":"x"}`},
		{"GET", "/item/app/3001/external_id/ext-1", "", "", ""},
		{"GET", "/app/3001/item/1", "", "", ""},
		{"GET", "/item/{item}/basic", "", "", ""},
		{"GET", "/item/{item}/value", "", "", ""},
		{"GET", "/item/{item}/value/4001", "", "", ""},
		{"GET", "/item/app/3001/?limit=2&offset=x&sort_by=title&sort_desc=1&status=Open", "", "", ""},
		{"GET", "/item/app/3001/v2/?external_id=ext-1", "", "", ""},
		{"GET", "/item/{item}/revision/", "", "", ""},
		{"GET", "/item/{item}/revision/0", "", "", ""},
		{"GET", "/item/{item}/revision/0/99999999999999999999", "", "", ""},
		{"POST", "/file/", "multipart/form-data; boundary=b", "", "--b\r\nContent-Disposition: form-data; name=\"source\"; filename=\"a\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\na.txt\r\n--b--\r\n"},
		{"POST", "/file/v2/", "multipart/form-data; boundary=b", "", "--b\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nx\r\n--b--"},
		{"POST", "/file", "multipart/form-data", "", "garbage"},
		{"GET", "/file/9000001/raw?oauth_token=x", "", "-", ""},
		{"GET", "/file/9000001/raw/large", "", "", ""},
		{"POST", "/file/9000001/attach", "", "", `{"ref_type":"item","ref_id":"{item}"}`},
		{"POST", "/file/9000002/replace", "", "", `{"old_file_id":9000001}`},
		{"DELETE", "/file/9000001", "", "", ""},
		{"POST", "/tag/item/{item}/", "", "", `["a","b"]`},
		{"PUT", "/tag/item/{item}", "", "", `[1]`},
		{"DELETE", "/tag/item/{item}/?text=a", "", "", ""},
		{"GET", "/tag/app/3001/?limit=&text=", "", "", ""},
		{"POST", "/status/space/2001/", "", "", `{"value":"v","file_ids":[9000001]}`},
		{"PUT", "/status/6000001", "", "", `{"value":""}`},
		{"DELETE", "/status/6000001", "", "", ""},
		{"PUT", "/item/{item}", "", "", `{"tags":["x"],"file_ids":[1,1]}`},
		{"POST", "/space/2001/member/", "", "", `{"role":"light","users":[1002],"mails":["a@b.c"]}`},
		{"DELETE", "/space/2001/member/1001,1002,", "", "", ""},
		{"PUT", "/space/2001/member/1001", "", "", `{"role":"admin"}`},
		{"GET", "/space/2001/member/1001/v2", "", "", ""},
		{"POST", "/form/app/3001/", "", "", `{"settings":{"a":1},"fields":[{"field_id":4001,"settings":[]}]}`},
		{"PUT", "/form/701", "", "", `{"domains":null}`},
		{"POST", "/form/701/deactivate", "", "", ""},
		{"DELETE", "/form/701", "", "", ""},
		{"POST", "/space/", "", "", `{"org_id":601,"name":"S","privacy":"open"}`},
		{"GET", "/space/org/601/", "", "", ""},
		{"GET", "/org/601/space", "", "", ""},
		{"GET", "/org/", "", "", ""},
		{"POST", "/hook/app/3001/", "", "", `{"url":"http://127.0.0.1:1/h","type":"item.create"}`},
		{"POST", "/hook/space/2001/", "", "", `{"url":"file:///etc/passwd","type":"task.create"}`},
		{"GET", "/hook/app_field/4001", "", "", ""},
		{"POST", "/hook/1/verify/validate", "", "", `{"code":123}`},
		{"POST", "/hook/1/verify/request", "", "", ""},
		{"DELETE", "/hook/9223372036854775808", "", "", ""},
		{"POST", "/comment/item/{item}", "", "", `{"value":"c"}`},
		{"GET", "/comment/item/{item}/", "", "", ""},
		{"PUT", "/comment/1", "", "", `{"value":null}`},
		{"POST", "/task", "", "", `{"text":"t","ref_type":"item","ref_id":"{item}"}`},
		{"POST", "/task/space/2001", "", "", `{"text":"t","due_date":"2026-13-45"}`},
		{"POST", "/task/1/complete", "", "", ""},
		{"POST", "/app/", "", "", `{"space_id":2001,"config":{"name":"X"}}`},
		{"PUT", "/app/3001", "", "", `{"config":[]}`},
		{"DELETE", "/app/3001", "", "", ""},
		{"POST", "/oauth/token", "application/x-www-form-urlencoded", "-", "grant_type=refresh_token&refresh_token=x&client_id=c"},
		{"POST", "/oauth/token/v2", "application/json", "-", `{"grant_type":"password","username":"dev@example.com","password":"devhook","client_id":"c"}`},
		{"GET", "/item/{item}", "", "-", ""},
		{"GET", "/item/{item}", "", "Bearer", ""},
		{"GET", "/item/{item}", "", "OAuth2 nope", ""},
		{"PATCH", "/item/-1", "text/plain", "", "{"},
		{"POST", "/item/app/3001/", "", "", strings.Repeat("x", fuzzMaxBody+1)},
		{"GET", "//item//{item}//?hook=false&fields=files", "", "", ""},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.path, sd.ctype, sd.auth, []byte(sd.body))
	}
	f.Fuzz(func(t *testing.T, method, path, ctype, auth string, body []byte) {
		fs := newFuzzServer(t, false)
		path = strings.ReplaceAll(path, "{item}", itoa(fs.item))
		u, err := url.ParseRequestURI("http://podio.test" + path)
		if err != nil || strings.HasPrefix(strings.TrimLeft(u.Path, "/"), "_mock") {
			t.Skip()
		}
		req, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		switch auth {
		case "":
			req.Header.Set("Authorization", "OAuth2 "+fs.token)
		case "-":
		default:
			req.Header.Set("Authorization", auth)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		fs.s.ServeHTTP(rec, req)
		checkAPIAnswer(t, fmt.Sprintf("%s %s", method, path), rec)
	})
}

// FuzzItemFields sends any "fields" value to the item writes (create,
// update, set values): never a panic or 5xx, a 4xx in Podio's shape that
// changes nothing, and a 2xx whose item reads back.
func FuzzItemFields(f *testing.F) {
	for _, v := range []string{
		`{"title":"A"}`,
		`{"title":["A","B"],"status":"Open","priority":1}`,
		`{"4001":[{"value":"A"}],"4002":[{"value":{"id":1}}]}`,
		`[{"external_id":"title","values":[{"value":"A"}]},{"field_id":4003,"values":2.5}]`,
		`[{"field_id":"x"}]`,
		`[1,2]`,
		`{"title":{"value":{}}}`,
		`{"title":null,"new-field":"x","other":{}}`,
		`{"priority":"1e400"}`,
		`{"priority":1e400}`,
		`{"priority":"NaN"}`,
		`{"status":{"value":"Nope"}}`,
		`{"9223372036854775808":"x"}`,
		`{"":"x"}`,
		`"text"`,
		`{"title":"A","zzz":{"no":"value"}}`,
	} {
		f.Add(v, false)
		f.Add(v, true)
	}
	f.Fuzz(func(t *testing.T, fields string, strict bool) {
		if !json.Valid([]byte(fields)) {
			t.Skip()
		}
		fs := newFuzzServer(t, strict)
		auth := "OAuth2 " + fs.token
		writes := []struct{ method, path, body string }{
			{"POST", "/item/app/3001/", `{"fields":` + fields + `}`},
			{"PUT", "/item/" + itoa(fs.item), `{"fields":` + fields + `}`},
			{"PUT", "/item/" + itoa(fs.item) + "/value", fields},
		}
		for _, w := range writes {
			what := w.method + " " + w.path + " " + w.body
			before := fs.state(t)
			rec := fs.serve(w.method, w.path, "application/json", w.body, auth)
			checkAPIAnswer(t, what, rec)
			if rec.Code >= 400 {
				if after := fs.state(t); after != before {
					t.Fatalf("%s: %d changed the state:\nbefore %s\nafter  %s", what, rec.Code, before, after)
				}
				continue
			}
			get := fs.serve("GET", "/item/"+itoa(fs.item), "", "", auth)
			if get.Code != http.StatusOK {
				t.Fatalf("%s: then GET item: %d %s", what, get.Code, get.Body)
			}
		}
	})
}

// state is everything an API client can see of app 3001 and the live
// item, plus the mock's counters, as one comparable string.
func (fs *fuzzServer) state(t *testing.T) string {
	t.Helper()
	auth := "OAuth2 " + fs.token
	var b strings.Builder
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/app/3001", ""},
		{"GET", "/item/" + itoa(fs.item), ""},
		{"POST", "/item/app/3001/filter", `{"limit":500}`},
		{"GET", "/hook/app/3001", ""},
	} {
		rec := fs.serve(r.method, r.path, "application/json", r.body, auth)
		fmt.Fprintf(&b, "%s %s -> %d %s\n", r.method, r.path, rec.Code, rec.Body)
	}
	st, err := json.Marshal(fs.s.Stats())
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := json.Marshal(fs.s.Hooks())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "stats %s\nhooks %s\n", st, hooks)
	return b.String()
}
