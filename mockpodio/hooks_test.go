package mockpodio_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

func TestCreateHook(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc := mockpodio.NewReceiver(t, s)
	rc.IgnoreVerify()
	good := rc.URL + "/h"
	tests := []struct {
		name       string
		path       string
		body       any // JSON-encoded unless a string, which goes as it is with no Content-Type
		wantStatus int
		wantErr    string
	}{
		{"app", "/hook/app/3001/", map[string]string{"url": good, "type": "item.create"}, 200, ""},
		{"app without trailing slash", "/hook/app/3001", map[string]string{"url": good, "type": "item.update"}, 200, ""},
		{"app_field", "/hook/app_field/4001/", map[string]string{"url": good, "type": "item.update"}, 200, ""},
		{"space", "/hook/space/2001/", map[string]string{"url": good, "type": "task.create"}, 200, ""},
		{"https URL", "/hook/app/3001/", map[string]string{"url": "https://127.0.0.1:1/h", "type": "item.delete"}, 200, ""},
		{"URL with query string", "/hook/app/3001/", map[string]string{"url": good + "?a=1&b=2", "type": "comment.create"}, 200, ""},
		{"JSON without Content-Type", "/hook/app/3001/", `{"url":"` + good + `","type":"app.update"}`, 200, ""},
		{"unknown app is made when permissive", "/hook/app/777/", map[string]string{"url": good, "type": "item.create"}, 200, ""},
		{"unknown space is made when permissive", "/hook/space/888/", map[string]string{"url": good, "type": "task.create"}, 200, ""},
		{"unknown field", "/hook/app_field/999999/", map[string]string{"url": good, "type": "item.create"}, 404, "not_found"},
		{"ref_type item", "/hook/item/1/", map[string]string{"url": good, "type": "item.create"}, 400, "invalid_value"},
		{"ref_type hook", "/hook/hook/1/", map[string]string{"url": good, "type": "item.create"}, 400, "invalid_value"},
		{"ref_id not a number", "/hook/app/abc/", map[string]string{"url": good, "type": "item.create"}, 404, "not_found"},
		{"ref_id zero", "/hook/app/0/", map[string]string{"url": good, "type": "item.create"}, 404, "not_found"},
		{"type missing", "/hook/app/3001/", map[string]string{"url": good}, 400, "invalid_value"},
		{"unknown type", "/hook/app/3001/", map[string]string{"url": good, "type": "item.created"}, 400, "invalid_value"},
		{"hook.verify is no subscription", "/hook/app/3001/", map[string]string{"url": good, "type": "hook.verify"}, 400, "invalid_value"},
		{"url missing", "/hook/app/3001/", map[string]string{"type": "item.create"}, 400, "invalid_value"},
		{"ftp URL", "/hook/app/3001/", map[string]string{"url": "ftp://example.com/h", "type": "item.create"}, 400, "invalid_value"},
		{"relative URL", "/hook/app/3001/", map[string]string{"url": "/h", "type": "item.create"}, 400, "invalid_value"},
		{"URL without host", "/hook/app/3001/", map[string]string{"url": "http:///h", "type": "item.create"}, 400, "invalid_value"},
		{"URL with user info", "/hook/app/3001/", map[string]string{"url": "http://u:p@example.com/h", "type": "item.create"}, 400, "invalid_value"},
		{"URL with port out of range", "/hook/app/3001/", map[string]string{"url": "http://example.com:70000/h", "type": "item.create"}, 400, "invalid_value"},
		{"url not a string", "/hook/app/3001/", map[string]any{"url": 5, "type": "item.create"}, 400, "invalid_value"},
		{"body not JSON", "/hook/app/3001/", `{"url":`, 400, "invalid_value"},
		{"empty body", "/hook/app/3001/", "", 400, "invalid_value"},
		{"null body", "/hook/app/3001/", "null", 400, "invalid_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, token, "POST", tt.path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("POST %s = %d %q, want %d %q: %s", tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if diff := cmp.Diff([]string{"hook_id"}, keysOf(res.Body)); diff != "" {
				t.Errorf("response keys (-want +got):\n%s", diff)
			}
			id := num(t, field(t, res.Body, "hook_id"))
			h, ok := s.Hook(id)
			if !ok {
				t.Fatalf("Hook(%d) not found", id)
			}
			if h.Status != "inactive" {
				t.Errorf("new hook status = %q, want inactive", h.Status)
			}
		})
	}
}

// hookRefTable is the reference's table of event types and the ref types
// each may be registered on (https://developers.podio.com/doc/hooks).
var hookRefTable = map[string][]string{
	"item.create":    {"app", "app_field"},
	"item.update":    {"app", "app_field"},
	"item.delete":    {"app", "app_field"},
	"comment.create": {"app"},
	"comment.delete": {"app"},
	"file.change":    {"app"},
	"app.update":     {"app"},
	"app.delete":     {"app"},
	"form.create":    {"app"},
	"form.update":    {"app"},
	"form.delete":    {"app"},
	"tag.add":        {"app"},
	"tag.delete":     {"app"},
	"app.create":     {"space"},
	"task.create":    {"space"},
	"task.update":    {"space"},
	"task.delete":    {"space"},
	"member.add":     {"space"},
	"member.remove":  {"space"},
	"contact.create": {"space"},
	"contact.update": {"space"},
	"contact.delete": {"space"},
	"status.create":  {"space"},
	"status.update":  {"space"},
	"status.delete":  {"space"},
	"hook.verify":    nil,
}

func TestHookEventTypesPerRefType(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc := mockpodio.NewReceiver(t, s)
	rc.IgnoreVerify()
	refs := []struct {
		refType string
		refID   int64
	}{{"app", seedAppID}, {"app_field", seedTitleField}, {"space", seedSpaceID}}
	for typ, allowed := range hookRefTable {
		for _, ref := range refs {
			want := 400
			for _, a := range allowed {
				if a == ref.refType {
					want = 200
				}
			}
			t.Run(ref.refType+" "+typ, func(t *testing.T) {
				res := do(t, s, token, "POST", "/hook/"+ref.refType+"/"+itoa(ref.refID)+"/", map[string]string{"url": rc.URL, "type": typ})
				if res.Status != want {
					t.Errorf("%s hook on %s = %d, want %d: %s", typ, ref.refType, res.Status, want, res.Raw)
				}
				if want == 400 && errCode(res) != "invalid_value" {
					t.Errorf("error = %q, want invalid_value", errCode(res))
				}
			})
		}
	}
}

func TestHookPorts(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		wantStatus int
	}{
		{"http, no port", "http://hooks.example/p", 200},
		{"https, no port", "https://hooks.example/p", 200},
		{"http, port 80", "http://hooks.example:80/p", 200},
		{"https, port 443", "https://hooks.example:443/p", 200},
		{"http, port 8080", "http://hooks.example:8080/p", 400},
		{"https, port 8443", "https://hooks.example:8443/p", 400},
		{"http, port 443", "http://hooks.example:443/p", 200},
		{"loopback, random port", "http://127.0.0.1:54321/p", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every hook URL leads to rc, so nothing leaves the machine.
			s, err := mockpodio.NewUnstartedServer()
			if err != nil {
				t.Fatal(err)
			}
			rc := mockpodio.NewReceiver(t, s)
			rc.IgnoreVerify()
			s.AllowAnyPort = false
			s.HTTPClient = routedClient(strings.TrimPrefix(rc.URL, "http://"))
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			token := tokenFor(t, s, "42", "apptok")
			res := do(t, s, token, "POST", "/hook/app/42/", map[string]string{"url": tt.url, "type": "item.create"})
			if res.Status != tt.wantStatus {
				t.Fatalf("POST = %d, want %d: %s", res.Status, tt.wantStatus, res.Raw)
			}
			if tt.wantStatus == 200 {
				if strings.HasPrefix(tt.url, "http:") {
					id := num(t, field(t, res.Body, "hook_id"))
					d, _ := awaitVerify(t, s, id, 0)
					var paths []string
					for _, h := range rc.Events() {
						paths = append(paths, h.Path)
					}
					if d.Outcome != mockpodio.OutcomeDelivered || !cmp.Equal([]string{"/p"}, paths) {
						t.Errorf("hook.verify: outcome %s, paths %q; want delivered to /p", d.Outcome, paths)
					}
				}
				return
			}
			var got apiError
			decodeJSON(t, res.Raw, &got)
			want := apiError{Error: "invalid_value", ErrorParameters: map[string]any{},
				Request: apiErrorReq{URL: s.URL + "/hook/app/42/", Method: "POST"}}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(apiError{}, "Description")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(errorKeys, keysOf(res.Body), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("error keys (-want +got):\n%s", diff)
			}
			if !strings.Contains(got.Description, "80") || !strings.Contains(got.Description, "443") {
				t.Errorf("error_description %q does not name the allowed ports", got.Description)
			}
		})
	}
}

func TestHookLimitPerTypePerRef(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc := mockpodio.NewReceiver(t, s)
	rc.IgnoreVerify()
	var ids []int64
	for i := range 10 {
		ids = append(ids, createHook(t, s, token, "app", seedAppID, "item.create", rc.URL+"/h"+itoa(int64(i))))
	}
	tests := []struct {
		name       string
		before     func(t *testing.T)
		path       string
		typ        string
		wantStatus int
	}{
		{"11th item.create on the app", nil, "/hook/app/3001/", "item.create", 400},
		{"11th with the same URL again", nil, "/hook/app/3001/", "item.create", 400},
		{"another type on the app", nil, "/hook/app/3001/", "item.update", 200},
		{"the same type on another app", nil, "/hook/app/3002/", "item.create", 200},
		{"the same type on a field of the app", nil, "/hook/app_field/4001/", "item.create", 200},
		{"after deleting one of the ten", func(t *testing.T) {
			mustStatus(t, "delete", do(t, s, token, "DELETE", "/hook/"+itoa(ids[0]), nil), 204)
		}, "/hook/app/3001/", "item.create", 200},
		{"full again", nil, "/hook/app/3001/", "item.create", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			res := do(t, s, token, "POST", tt.path, map[string]string{"url": rc.URL + "/x", "type": tt.typ})
			if res.Status != tt.wantStatus {
				t.Fatalf("POST %s %s = %d, want %d: %s", tt.path, tt.typ, res.Status, tt.wantStatus, res.Raw)
			}
			if tt.wantStatus == 400 && errCode(res) != "invalid_value" {
				t.Errorf("error = %q, want invalid_value", errCode(res))
			}
		})
	}
}

// hookJSON is a hook as GET /hook/{ref_type}/{ref_id}/ lists it
// (https://developers.podio.com/doc/hooks).
type hookJSON struct {
	HookID     int64   `json:"hook_id"`
	Status     string  `json:"status"`
	Type       string  `json:"type"`
	URL        string  `json:"url"`
	CreatedOn  string  `json:"created_on"`
	CreatedBy  byline  `json:"created_by"`
	CreatedVia viaJSON `json:"created_via"`
}

type viaJSON struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	URL     *string `json:"url"`
	Display bool    `json:"display"`
}

func TestListHooks(t *testing.T) {
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	validating := mockpodio.NewReceiver(t, s)
	silent := mockpodio.NewReceiver(t, s)
	silent.IgnoreVerify()
	hk, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", mockpodio.HookURL(validating.URL+"/a?k=v"))
	if err != nil {
		t.Fatal(err)
	}
	active := hk.HookID
	inactive := createHook(t, s, token, "app", seedAppID, "comment.create", silent.URL+"/b")
	deleted := createHook(t, s, token, "app", seedAppID, "item.delete", silent.URL+"/c")
	mustStatus(t, "delete", do(t, s, token, "DELETE", "/hook/"+itoa(deleted), nil), 204)
	onField := createHook(t, s, token, "app_field", seedStatusField, "item.update", silent.URL+"/d")
	onSpace := createHook(t, s, token, "space", seedSpaceID, "task.create", silent.URL+"/e")

	by := byline{Type: "app", ID: seedAppID, Name: "Bugs"}
	when := "2026-11-25 10:00:00"
	tests := []struct {
		name       string
		path       string
		want       []hookJSON
		wantStatus int
		wantErr    string
	}{
		{"app", "/hook/app/3001/", []hookJSON{
			{HookID: active, Status: "active", Type: "item.create", URL: validating.URL + "/a?k=v", CreatedOn: when, CreatedBy: by},
			{HookID: inactive, Status: "inactive", Type: "comment.create", URL: silent.URL + "/b", CreatedOn: when, CreatedBy: by},
		}, 200, ""},
		{"app without trailing slash", "/hook/app/3001", []hookJSON{
			{HookID: active, Status: "active", Type: "item.create", URL: validating.URL + "/a?k=v", CreatedOn: when, CreatedBy: by},
			{HookID: inactive, Status: "inactive", Type: "comment.create", URL: silent.URL + "/b", CreatedOn: when, CreatedBy: by},
		}, 200, ""},
		{"app_field", "/hook/app_field/4002/", []hookJSON{
			{HookID: onField, Status: "inactive", Type: "item.update", URL: silent.URL + "/d", CreatedOn: when, CreatedBy: by},
		}, 200, ""},
		{"space", "/hook/space/2001/", []hookJSON{
			{HookID: onSpace, Status: "inactive", Type: "task.create", URL: silent.URL + "/e", CreatedOn: when, CreatedBy: by},
		}, 200, ""},
		{"app with no hooks", "/hook/app/3005/", []hookJSON{}, 200, ""},
		{"field with no hooks", "/hook/app_field/4001/", []hookJSON{}, 200, ""},
		{"unknown field", "/hook/app_field/999999/", nil, 404, "not_found"},
		{"bad ref_type", "/hook/item/1/", nil, 400, "invalid_value"},
		{"bad ref_id", "/hook/app/x/", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, token, "GET", tt.path, nil)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("GET %s = %d %q, want %d %q: %s", tt.path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != 200 {
				return
			}
			var got []hookJSON
			decodeJSON(t, res.Raw, &got)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(hookJSON{}, "CreatedVia")); diff != "" {
				t.Errorf("hooks (-want +got):\n%s", diff)
			}
			for _, h := range res.Body.([]any) {
				if diff := cmp.Diff([]string{"created_by", "created_on", "created_via", "hook_id", "status", "type", "url"}, keysOf(h)); diff != "" {
					t.Errorf("hook keys (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(bylineKeys, keysOf(field(t, h, "created_by"))); diff != "" {
					t.Errorf("created_by keys (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(viaKeys, keysOf(field(t, h, "created_via"))); diff != "" {
					t.Errorf("created_via keys (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestDeleteHook(t *testing.T) {
	s := newServer(t)
	token := tokenFor(t, s, "42", "apptok")
	rc := mockpodio.NewReceiver(t, s)
	rc.IgnoreVerify()
	tests := []struct {
		name       string
		path       func(id int64) string
		body       string
		wantStatus int
		wantErr    string
	}{
		{"existing hook", func(id int64) string { return "/hook/" + itoa(id) }, "", 204, ""},
		{"trailing slash", func(id int64) string { return "/hook/" + itoa(id) + "/" }, "", 204, ""},
		{"null body", func(id int64) string { return "/hook/" + itoa(id) }, "null", 204, ""},
		{"empty object body", func(id int64) string { return "/hook/" + itoa(id) }, "{}", 204, ""},
		{"with hook=false", func(id int64) string { return "/hook/" + itoa(id) + "?hook=false" }, "", 204, ""},
		{"unknown hook", func(int64) string { return "/hook/99999" }, "", 404, "not_found"},
		{"id not a number", func(int64) string { return "/hook/abc" }, "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := createHook(t, s, token, "app", 42, "item.create", rc.URL)
			path := tt.path(id)
			res := doHeader(t, s, "OAuth2 "+token, "DELETE", path, tt.body)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("DELETE %s = %d %q, want %d %q: %s", path, res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantStatus != 204 {
				return
			}
			if res.Raw != "" {
				t.Errorf("204 body = %q, want none", res.Raw)
			}
			if _, ok := s.Hook(id); ok {
				t.Errorf("Hook(%d) still there after delete", id)
			}
			again := do(t, s, token, "DELETE", "/hook/"+itoa(id), nil)
			if again.Status != 404 || errCode(again) != "not_found" {
				t.Errorf("second DELETE = %d %q, want 404 not_found", again.Status, errCode(again))
			}
			for _, l := range do(t, s, token, "GET", "/hook/app/42/", nil).Body.([]any) {
				if num(t, field(t, l, "hook_id")) == id {
					t.Errorf("deleted hook %d still listed", id)
				}
			}
		})
	}
}

func TestVerifyHandshake(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("create POSTs hook.verify form-encoded", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		rc.IgnoreVerify()
		id := createHook(t, s, token, "app", seedAppID, "item.create", rc.URL+"/v")
		d, code := awaitVerify(t, s, id, 0)
		if d.Outcome != mockpodio.OutcomeDelivered {
			t.Fatalf("hook.verify outcome = %s (%s)", d.Outcome, d.Error)
		}
		hits := hitsOf(rc)
		if len(hits) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(hits))
		}
		got := hits[0]
		want := hit{Method: "POST", Path: "/v", ContentType: "application/x-www-form-urlencoded",
			Body: "type=hook.verify&hook_id=" + itoa(id) + "&code=" + code,
			Form: map[string][]string{"type": {"hook.verify"}, "hook_id": {itoa(id)}, "code": {code}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("hook.verify request (-want +got):\n%s", diff)
		}
		if code == "" {
			t.Error("hook.verify has an empty code")
		}
		if h, _ := s.Hook(id); h.Status != "inactive" {
			t.Errorf("status before validate = %q, want inactive", h.Status)
		}
	})

	t.Run("receiver validates while the POST is open", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		hk, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", rc)
		if err != nil {
			t.Fatal(err)
		}
		id := hk.HookID
		if h, _ := s.Hook(id); h.Status != "active" {
			t.Errorf("status = %q, want active", h.Status)
		}
	})

	t.Run("validate", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		rc.IgnoreVerify()
		tests := []struct {
			name       string
			body       func(code string) string
			path       func(id int64) string
			wantStatus int
			wantErr    string
			wantActive bool
		}{
			{"right code", func(c string) string { return `{"code":"` + c + `"}` }, nil, 204, "", true},
			{"right code, trailing slash", func(c string) string { return `{"code":"` + c + `"}` }, func(id int64) string { return "/hook/" + itoa(id) + "/verify/validate/" }, 204, "", true},
			{"wrong code", func(string) string { return `{"code":"wrong"}` }, nil, 400, "invalid_value", false},
			{"code as a number", func(string) string { return `{"code":12345}` }, nil, 400, "invalid_value", false},
			{"empty code", func(string) string { return `{"code":""}` }, nil, 400, "invalid_value", false},
			{"code missing", func(string) string { return `{}` }, nil, 400, "invalid_value", false},
			{"empty body", func(string) string { return `` }, nil, 400, "invalid_value", false},
			{"null body", func(string) string { return `null` }, nil, 400, "invalid_value", false},
			{"body not JSON", func(string) string { return `code=abc` }, nil, 400, "invalid_value", false},
			{"unknown hook", func(c string) string { return `{"code":"` + c + `"}` }, func(int64) string { return "/hook/99999/verify/validate" }, 404, "not_found", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := createHook(t, s, token, "app", seedAppID, "item.update", rc.URL)
				_, code := awaitVerify(t, s, id, 0)
				path := "/hook/" + itoa(id) + "/verify/validate"
				if tt.path != nil {
					path = tt.path(id)
				}
				res := doHeader(t, s, "OAuth2 "+token, "POST", path, tt.body(code))
				if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
					t.Fatalf("validate = %d %q, want %d %q: %s", res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
				}
				h, _ := s.Hook(id)
				if got := h.Status == "active"; got != tt.wantActive {
					t.Errorf("status = %q, want active %v", h.Status, tt.wantActive)
				}
				list := do(t, s, token, "GET", "/hook/app/3001/", nil)
				for _, l := range list.Body.([]any) {
					if num(t, field(t, l, "hook_id")) == id && field(t, l, "status") != h.Status {
						t.Errorf("listed status %v, snapshot %q", field(t, l, "status"), h.Status)
					}
				}
				// Delete it, so the ten-hook limit is never reached.
				do(t, s, token, "DELETE", "/hook/"+itoa(id), nil)
			})
		}
	})

	t.Run("verify/request sends a new hook.verify", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		rc.IgnoreVerify()
		tests := []struct {
			name string
			path func(id int64) string
			body string
		}{
			{"no body", func(id int64) string { return "/hook/" + itoa(id) + "/verify/request" }, ""},
			{"empty object", func(id int64) string { return "/hook/" + itoa(id) + "/verify/request" }, "{}"},
			{"null", func(id int64) string { return "/hook/" + itoa(id) + "/verify/request" }, "null"},
			{"trailing slash", func(id int64) string { return "/hook/" + itoa(id) + "/verify/request/" }, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := createHook(t, s, token, "app", seedAppID, "item.delete", rc.URL+"/r")
				first, _ := awaitVerify(t, s, id, 0)
				res := doHeader(t, s, "OAuth2 "+token, "POST", tt.path(id), tt.body)
				if res.Status != 204 || res.Raw != "" {
					t.Fatalf("verify/request = %d %q, want 204 and no body", res.Status, res.Raw)
				}
				second, code := awaitVerify(t, s, id, first.ID)
				if diff := cmp.Diff(map[string]string{"type": "hook.verify", "hook_id": itoa(id), "code": code}, second.Params); diff != "" {
					t.Errorf("second hook.verify params (-want +got):\n%s", diff)
				}
				if second.Outcome != mockpodio.OutcomeDelivered {
					t.Errorf("second hook.verify outcome = %s", second.Outcome)
				}
				v := do(t, s, token, "POST", "/hook/"+itoa(id)+"/verify/validate", map[string]string{"code": code})
				if v.Status != 204 {
					t.Errorf("validate with the new code = %d: %s", v.Status, v.Raw)
				}
				if h, _ := s.Hook(id); h.Status != "active" {
					t.Errorf("status = %q, want active", h.Status)
				}
				do(t, s, token, "DELETE", "/hook/"+itoa(id), nil)
			})
		}
	})

	t.Run("verify/request errors", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		rc.IgnoreVerify()
		gone := createHook(t, s, token, "app", seedAppID, "app.update", rc.URL)
		mustStatus(t, "delete", do(t, s, token, "DELETE", "/hook/"+itoa(gone), nil), 204)
		tests := []struct {
			name, path string
		}{
			{"unknown hook", "/hook/99999/verify/request"},
			{"deleted hook", "/hook/" + itoa(gone) + "/verify/request"},
			{"id not a number", "/hook/abc/verify/request"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := do(t, s, token, "POST", tt.path, nil)
				if res.Status != 404 || errCode(res) != "not_found" {
					t.Errorf("POST %s = %d %q, want 404 not_found", tt.path, res.Status, errCode(res))
				}
			})
		}
	})

	t.Run("an inactive hook never receives events", func(t *testing.T) {
		rc := mockpodio.NewReceiver(t, s)
		rc.IgnoreVerify()
		id := createHook(t, s, token, "app", seedAppID, "comment.delete", rc.URL+"/i")
		_, code := awaitVerify(t, s, id, 0)
		item := createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "x"}})
		c1 := do(t, s, token, "POST", "/comment/item/"+itoa(item)+"/", map[string]string{"value": "one"})
		c2 := do(t, s, token, "POST", "/comment/item/"+itoa(item)+"/", map[string]string{"value": "two"})
		mustStatus(t, "delete comment", do(t, s, token, "DELETE", "/comment/"+itoa(num(t, field(t, c1.Body, "comment_id"))), nil), 204)
		dropped := awaitEvent(t, s, id, "comment.delete")
		if dropped.Outcome != mockpodio.OutcomeDroppedInactive {
			t.Errorf("event to an inactive hook: outcome %s, want %s", dropped.Outcome, mockpodio.OutcomeDroppedInactive)
		}
		mustStatus(t, "validate", do(t, s, token, "POST", "/hook/"+itoa(id)+"/verify/validate", map[string]string{"code": code}), 204)
		mustStatus(t, "delete comment", do(t, s, token, "DELETE", "/comment/"+itoa(num(t, field(t, c2.Body, "comment_id"))), nil), 204)
		delivered := awaitDelivery(t, s, func(d mockpodio.Delivery) bool {
			return d.HookID == id && d.Outcome == mockpodio.OutcomeDelivered && d.Type == "comment.delete"
		})
		var got []string
		for _, h := range rc.Events() {
			got = append(got, h.Type+" "+h.Params["comment_id"])
		}
		want := []string{"hook.verify ", "comment.delete " + delivered.Params["comment_id"]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("receiver got (-want +got):\n%s", diff)
		}
		if delivered.Params["comment_id"] != itoa(num(t, field(t, c2.Body, "comment_id"))) {
			t.Errorf("delivered comment_id %s, want the second comment", delivered.Params["comment_id"])
		}
	})
}
