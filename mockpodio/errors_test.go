package mockpodio_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// objects are live objects of every kind, made fresh for one case.
type objects struct {
	item, comment, task, app, hook int64
}

func makeObjects(t *testing.T, s *mockpodio.Server, token string, hookURL string) objects {
	t.Helper()
	var o objects
	o.item = createItem(t, s, token, seedAppID, map[string]any{"external_id": "ext-1", "fields": map[string]any{"title": "A"}})
	c := do(t, s, token, "POST", "/comment/item/"+itoa(o.item)+"/", map[string]any{"value": "c"})
	mustStatus(t, "comment", c, 200)
	o.comment = num(t, field(t, c.Body, "comment_id"))
	tk := do(t, s, token, "POST", "/task/space/2001/", map[string]any{"text": "t"})
	mustStatus(t, "task", tk, 200)
	o.task = num(t, field(t, tk.Body, "task_id"))
	a := do(t, s, token, "POST", "/app/", map[string]any{"space_id": 2001, "config": map[string]any{"name": "X"}})
	mustStatus(t, "app", a, 200)
	o.app = num(t, field(t, a.Body, "app_id"))
	o.hook = createHook(t, s, token, "app", seedAppID, "item.update", hookURL)
	return o
}

// expand fills {item}, {comment}, {task}, {app} and {hook} in path.
func (o objects) expand(path string) string {
	return strings.NewReplacer("{item}", itoa(o.item), "{comment}", itoa(o.comment), "{task}", itoa(o.task),
		"{app}", itoa(o.app), "{hook}", itoa(o.hook)).Replace(path)
}

// everyRoute is each route of the list with a request that
// succeeds on fresh objects. Paths have no trailing slash.
var everyRoute = []struct {
	method, path string
	body         string // sent as it is, with no Content-Type
	wantStatus   int
}{
	{"POST", "/hook/app/3001", `{"url":"http://127.0.0.1:1/h","type":"item.create"}`, 200},
	{"GET", "/hook/app/3001", "", 200},
	{"POST", "/hook/{hook}/verify/request", "", 204},
	{"POST", "/hook/{hook}/verify/validate", `{"code":"wrong"}`, 400},
	{"DELETE", "/hook/{hook}", "", 204},
	{"POST", "/item/app/3001", `{"fields":{"title":"B"}}`, 200},
	{"PUT", "/item/{item}", `{"fields":{"title":"B"}}`, 200},
	{"PUT", "/item/{item}/value", `{"title":"B"}`, 200},
	{"PUT", "/item/{item}/value/title", `["B"]`, 200},
	{"GET", "/item/{item}", "", 200},
	{"GET", "/item/app/3001/external_id/ext-1", "", 200},
	{"GET", "/app/3001/item/1", "", 200},
	{"POST", "/item/app/3001/filter", "", 200},
	{"DELETE", "/item/{item}", "", 204},
	{"POST", "/comment/item/{item}", `{"value":"x"}`, 200},
	{"GET", "/comment/item/{item}", "", 200},
	{"GET", "/comment/{comment}", "", 200},
	{"PUT", "/comment/{comment}", `{"value":"y"}`, 204},
	{"DELETE", "/comment/{comment}", "", 204},
	{"POST", "/task", `{"text":"x","ref_type":"space","ref_id":2001}`, 200},
	{"POST", "/task/space/2001", `{"text":"x"}`, 200},
	{"GET", "/task/{task}", "", 200},
	{"PUT", "/task/{task}", `{"text":"y"}`, 200},
	{"POST", "/task/{task}/complete", "", 200},
	{"POST", "/task/{task}/incomplete", "", 204},
	{"DELETE", "/task/{task}", "", 204},
	{"POST", "/app", `{"space_id":2001,"config":{"name":"Y"}}`, 200},
	{"GET", "/app/{app}", "", 200},
	{"PUT", "/app/{app}", `{"config":{"name":"Z"}}`, 204},
	{"DELETE", "/app/{app}", "", 204},
}

func TestTrailingSlashes(t *testing.T) {
	for _, rt := range everyRoute {
		for _, slash := range []string{"", "/"} {
			t.Run(rt.method+" "+rt.path+slash, func(t *testing.T) {
				s := newServer(t, withSeed(t, false))
				token, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				quiet := mockpodio.NewReceiver(t, s)
				quiet.IgnoreVerify()
				o := makeObjects(t, s, token, quiet.URL)
				path := o.expand(rt.path) + slash
				res := doHeader(t, s, "OAuth2 "+token, rt.method, path, rt.body)
				if res.Status != rt.wantStatus {
					t.Errorf("%s %s = %d, want %d: %s", rt.method, path, res.Status, rt.wantStatus, res.Raw)
				}
			})
		}
	}
	t.Run("token endpoints", func(t *testing.T) {
		s := newServer(t)
		for _, path := range []string{"/oauth/token", "/oauth/token/"} {
			if res := postForm(t, s, path, appForm("42", "apptok"), "", ""); res.Status != 200 {
				t.Errorf("POST %s = %d: %s", path, res.Status, res.Raw)
			}
		}
		for _, path := range []string{"/oauth/token/v2", "/oauth/token/v2/"} {
			res := doHeader(t, s, "", "POST", path, `{"grant_type":"app","app_id":42,"app_token":"apptok","client_id":"cid"}`)
			if res.Status != 200 {
				t.Errorf("POST %s = %d: %s", path, res.Status, res.Raw)
			}
		}
	})
}

func TestJSONWithoutContentType(t *testing.T) {
	// everyRoute sends every body with no Content-Type; this checks that
	// the bodies were read, not ignored.
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	quiet := mockpodio.NewReceiver(t, s)
	quiet.IgnoreVerify()
	o := makeObjects(t, s, token, quiet.URL)
	tests := []struct {
		name, method, path, body string
		check                    func(t *testing.T, res response)
	}{
		{"item fields were read", "POST", "/item/app/3001/", `{"external_id":"nc","fields":{"title":"No CT"}}`, func(t *testing.T, res response) {
			if got := field(t, res.Body, "title"); got != "No CT" {
				t.Errorf("title = %v, want No CT", got)
			}
		}},
		{"item update was read", "PUT", "/item/{item}", `{"fields":{"title":"Changed"}}`, func(t *testing.T, res response) {
			if got := field(t, res.Body, "title"); got != "Changed" {
				t.Errorf("title = %v, want Changed", got)
			}
		}},
		{"hook body was read", "POST", "/hook/app/3001/", `{"url":"http://127.0.0.1:1/nc","type":"comment.create"}`, func(t *testing.T, res response) {
			h, _ := s.Hook(num(t, field(t, res.Body, "hook_id")))
			if h.Type != "comment.create" || h.URL != "http://127.0.0.1:1/nc" {
				t.Errorf("hook = %s %s", h.Type, h.URL)
			}
		}},
		{"comment value was read", "POST", "/comment/item/{item}/", `{"value":"No CT"}`, func(t *testing.T, res response) {
			if got := field(t, res.Body, "value"); got != "No CT" {
				t.Errorf("value = %v, want No CT", got)
			}
		}},
		{"task text was read", "POST", "/task/", `{"text":"No CT"}`, func(t *testing.T, res response) {
			if got := field(t, res.Body, "text"); got != "No CT" {
				t.Errorf("text = %v, want No CT", got)
			}
		}},
		{"app config was read", "POST", "/app/", `{"space_id":2001,"config":{"name":"No CT"}}`, func(t *testing.T, res response) {
			got := do(t, s, token, "GET", "/app/"+itoa(num(t, field(t, res.Body, "app_id"))), nil)
			if name := field(t, field(t, got.Body, "config"), "name"); name != "No CT" {
				t.Errorf("name = %v, want No CT", name)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := doHeader(t, s, "OAuth2 "+token, tt.method, o.expand(tt.path), tt.body)
			if res.Status != 200 {
				t.Fatalf("%s %s = %d: %s", tt.method, tt.path, res.Status, res.Raw)
			}
			tt.check(t, res)
		})
	}
}

func TestEmptyAndNullBodies(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
	}{
		{"POST", "/hook/{hook}/verify/request", 204},
		{"DELETE", "/hook/{hook}", 204},
		{"POST", "/item/app/3001/", 200},
		{"POST", "/item/app/3001/filter/", 200},
		{"DELETE", "/item/{item}", 204},
		{"DELETE", "/comment/{comment}", 204},
		{"POST", "/task/{task}/complete", 200},
		{"POST", "/task/{task}/incomplete", 204},
		{"DELETE", "/task/{task}", 204},
		{"DELETE", "/app/{app}", 204},
		{"PUT", "/item/{item}", 204},
		{"PUT", "/task/{task}", 200},
		{"PUT", "/app/{app}", 204},
	}
	for _, tt := range tests {
		for _, body := range []string{"", "null", " null\n", "{}"} {
			t.Run(tt.method+" "+tt.path+" "+strconv.Quote(body), func(t *testing.T) {
				s := newServer(t, withSeed(t, false))
				token, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				quiet := mockpodio.NewReceiver(t, s)
				quiet.IgnoreVerify()
				o := makeObjects(t, s, token, quiet.URL)
				res := doHeader(t, s, "OAuth2 "+token, tt.method, o.expand(tt.path), body)
				if res.Status != tt.wantStatus {
					t.Errorf("%s %s with body %q = %d, want %d: %s", tt.method, tt.path, body, res.Status, tt.wantStatus, res.Raw)
				}
			})
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	s := newServer(t)
	token := tokenFor(t, s, "42", "apptok")
	tests := []struct {
		method, path string
		token        string
	}{
		{"GET", "/", token},
		{"GET", "/nothing", token},
		{"GET", "/nothing", ""},
		{"GET", "/hook", token},
		{"POST", "/item", token},
		{"GET", "/item/app/42/v3", token},
		{"PATCH", "/item/1", token},
		{"PUT", "/hook/app/42/", token},
		{"GET", "/oauth/token", ""},
		{"POST", "/oauth/token/v3", ""},
		{"GET", "/api/item/1", token},
		{"POST", "/task/1/complete/now", token},
		{"GET", "/item/1/value/title/extra", token},
	}
	for _, tt := range tests {
		name := tt.method + " " + tt.path
		if tt.token == "" {
			name += " without token"
		}
		t.Run(name, func(t *testing.T) {
			res := do(t, s, tt.token, tt.method, tt.path, nil)
			if res.Status != http.StatusNotFound {
				t.Fatalf("status = %d, want 404: %s", res.Status, res.Raw)
			}
			var got apiError
			decodeJSON(t, res.Raw, &got)
			want := apiError{Error: "not_found", Description: "No matching operation could be found. No body was given.",
				ErrorParameters: map[string]any{}, Request: apiErrorReq{URL: s.URL + tt.path, Method: tt.method}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorShape(t *testing.T) {
	// Each case gets a server of its own; prep returns the token to use.
	seedTok := func(t *testing.T, s *mockpodio.Server) string {
		tok, err := s.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	noTok := func(*testing.T, *mockpodio.Server) string { return "" }
	tests := []struct {
		name         string
		configure    func(*mockpodio.Server)
		prep         func(t *testing.T, s *mockpodio.Server) string
		method, path string
		body         any
		wantStatus   int
		wantErr      string
	}{
		{name: "400 invalid_value", prep: seedTok, method: "POST", path: "/hook/app/3001/?hook=false",
			body: map[string]string{"type": "item.create"}, wantStatus: 400, wantErr: "invalid_value"},
		{name: "400 invalid_grant", prep: noTok, method: "POST", path: "/oauth/token",
			body: url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {"wrong"}, "client_id": {"c"}}, wantStatus: 400, wantErr: "invalid_grant"},
		{name: "400 unsupported_grant_type", prep: noTok, method: "POST", path: "/oauth/token/v2",
			body: map[string]any{"grant_type": "magic", "client_id": "c"}, wantStatus: 400, wantErr: "unsupported_grant_type"},
		{name: "401 no token", prep: noTok, method: "GET", path: "/item/1", wantStatus: 401, wantErr: "unauthorized"},
		{name: "401 unknown token", prep: func(*testing.T, *mockpodio.Server) string { return "nope" },
			method: "GET", path: "/item/1?fields=files", wantStatus: 401, wantErr: "unauthorized"},
		{name: "401 expired token",
			configure: withClock(mockpodio.NewManualClock(clockStart)),
			prep: func(t *testing.T, s *mockpodio.Server) string {
				tok, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				s.Clock.(*mockpodio.ManualClock).Advance(8*time.Hour + time.Second)
				return tok
			},
			method: "GET", path: "/item/app/3001/external_id/x", wantStatus: 401, wantErr: "unauthorized"},
		{name: "404 unknown route", prep: seedTok, method: "GET", path: "/nowhere/1?x=y", wantStatus: 404, wantErr: "not_found"},
		{name: "404 unknown object", prep: seedTok, method: "GET", path: "/item/99999999", wantStatus: 404, wantErr: "not_found"},
		{name: "409 stale revision",
			prep: func(t *testing.T, s *mockpodio.Server) string {
				tok, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}})
				return tok
			},
			method: "PUT", path: "/item/1000001", body: map[string]any{"revision": 7, "fields": map[string]any{"title": "B"}},
			wantStatus: 409, wantErr: "conflict"},
		{name: "410 deleted item",
			prep: func(t *testing.T, s *mockpodio.Server) string {
				tok, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				id := createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "A"}})
				mustStatus(t, "delete", do(t, s, tok, "DELETE", "/item/"+itoa(id), nil), 204)
				return tok
			},
			method: "GET", path: "/item/1000001", wantStatus: 410, wantErr: "gone"},
		{name: "413 body too large", configure: func(s *mockpodio.Server) { s.MaxBodyBytes = 256 }, prep: seedTok,
			method: "POST", path: "/item/app/3001/", body: map[string]any{"fields": map[string]any{"title": strings.Repeat("x", 300)}},
			wantStatus: 413, wantErr: "request_too_large"},
		{name: "420 rate limit", configure: func(s *mockpodio.Server) { s.RateLimit = 1 },
			prep: func(t *testing.T, s *mockpodio.Server) string {
				tok, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				mustStatus(t, "first call", do(t, s, tok, "GET", "/hook/app/3001/", nil), 200)
				return tok
			},
			method: "GET", path: "/hook/app/3001/", wantStatus: 420, wantErr: "rate_limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configure := []mockpodio.Option{withSeed(t, false)}
			if tt.configure != nil {
				configure = append(configure, tt.configure)
			}
			s := newServer(t, configure...)
			token := tt.prep(t, s)
			var res response
			if form, ok := tt.body.(url.Values); ok {
				res = postForm(t, s, tt.path, form, "", "")
			} else {
				res = do(t, s, token, tt.method, tt.path, tt.body)
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.wantStatus, res.Raw)
			}
			if diff := cmp.Diff(errorKeys, keysOf(res.Body), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			var got apiError
			decodeJSON(t, res.Raw, &got)
			u, err := url.Parse(s.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			want := apiError{Error: tt.wantErr, ErrorParameters: map[string]any{},
				Request: apiErrorReq{URL: s.URL + u.Path, QueryString: u.RawQuery, Method: tt.method}}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(apiError{}, "Description")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got.Description == "" {
				t.Error("error_description is empty")
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
			}
		})
	}
}

// rateHeaders returns X-Rate-Limit-Limit and X-Rate-Limit-Remaining as
// integers, failing the test when either is missing or not an integer.
func rateHeaders(t *testing.T, res response) (limit, remaining int) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(res.Header.Get("X-Rate-Limit-Limit")); err != nil {
		t.Fatalf("X-Rate-Limit-Limit %q: %v", res.Header.Get("X-Rate-Limit-Limit"), err)
	}
	if remaining, err = strconv.Atoi(res.Header.Get("X-Rate-Limit-Remaining")); err != nil {
		t.Fatalf("X-Rate-Limit-Remaining %q: %v", res.Header.Get("X-Rate-Limit-Remaining"), err)
	}
	return limit, remaining
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	quiet := mockpodio.NewReceiver(t, s)
	quiet.IgnoreVerify()
	o := makeObjects(t, s, token, quiet.URL)
	tests := []struct {
		name       string
		token      string
		method     string
		path       string
		body       any
		wantStatus int
	}{
		{"200 token", "", "POST", "/oauth/token", appForm("42", "apptok"), 200},
		{"400 token", "", "POST", "/oauth/token", url.Values{"grant_type": {"app"}}, 400},
		{"200 API", token, "GET", o.expand("/item/{item}"), nil, 200},
		{"204 API", token, "POST", o.expand("/hook/{hook}/verify/request"), nil, 204},
		{"400 API", token, "POST", "/hook/app/3001/", map[string]any{}, 400},
		{"401 API", "", "GET", o.expand("/item/{item}"), nil, 401},
		{"404 object", token, "GET", "/item/99999999", nil, 404},
		{"404 route", token, "GET", "/nowhere", nil, 404},
		{"404 route without token", "", "DELETE", "/", nil, 404},
		{"mock control route", "", "GET", "/_mock/nothing-here", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res response
			if form, ok := tt.body.(url.Values); ok {
				res = postForm(t, s, tt.path, form, "", "")
			} else {
				res = do(t, s, tt.token, tt.method, tt.path, tt.body)
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.wantStatus, res.Raw)
			}
			limit, remaining := rateHeaders(t, res)
			if limit != mockpodio.DefaultRateLimitCeiling || remaining < 0 || remaining > limit {
				t.Errorf("X-Rate-Limit-Limit %d, X-Rate-Limit-Remaining %d: want %d and 0..limit", limit, remaining, mockpodio.DefaultRateLimitCeiling)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	clk := mockpodio.NewManualClock(clockStart)
	s := newServer(t, withSeed(t, false), withClock(clk), func(s *mockpodio.Server) { s.RateLimit = 3 })
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other := tokenFor(t, s, "42", "apptok")
	steps := []struct {
		name          string
		token         string
		advance       time.Duration
		wantStatus    int
		wantRemaining int
	}{
		{"call 1", token, 0, 200, 2},
		{"call 2", token, 10 * time.Minute, 200, 1},
		{"call 3", token, 10 * time.Minute, 200, 0},
		{"call 4 is over the limit", token, 0, 420, 0},
		{"another app's token has its own window", other, 0, 200, 2},
		{"still over within the hour", token, 39 * time.Minute, 420, 0},
		{"call 1 left the window", token, time.Minute + time.Second, 200, 0},
		{"and the window is full again", token, 0, 420, 0},
		{"an hour after call 3 all have left", token, time.Hour, 200, 2},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		res := do(t, s, st.token, "GET", "/hook/app/3001/", nil)
		if res.Status != st.wantStatus {
			t.Fatalf("%s: status = %d, want %d: %s", st.name, res.Status, st.wantStatus, res.Raw)
		}
		if res.Status == 420 && errCode(res) != "rate_limit" {
			t.Errorf("%s: error = %q, want rate_limit", st.name, errCode(res))
		}
		limit, remaining := rateHeaders(t, res)
		if limit != 3 || remaining != st.wantRemaining {
			t.Errorf("%s: limit, remaining = %d, %d, want 3, %d", st.name, limit, remaining, st.wantRemaining)
		}
	}
}
