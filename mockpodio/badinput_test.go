package mockpodio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// badInputWorld is the state every bad-input case starts from: a live
// item, a live hook (with its verify code), a deleted hook and a deleted
// item, with every hook.verify delivered.
type badInputWorld struct {
	token       string
	item        int64
	hook        int64
	deletedHook int64
	deletedItem int64
}

// expand fills {item}, {hook}, {deleted_hook} and {deleted_item} in s.
func (w badInputWorld) expand(s string) string {
	return strings.NewReplacer("{item}", itoa(w.item), "{hook}", itoa(w.hook),
		"{deleted_hook}", itoa(w.deletedHook), "{deleted_item}", itoa(w.deletedItem)).Replace(s)
}

func newBadInputWorld(t *testing.T, s *mockpodio.Server) badInputWorld {
	t.Helper()
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	w := badInputWorld{token: token}
	w.item = createItem(t, s, w.token, seedAppID, map[string]any{"external_id": "ext-1", "fields": map[string]any{"title": "A"}})
	w.deletedItem = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "gone"}})
	mustStatus(t, "delete item", do(t, s, w.token, "DELETE", "/item/"+itoa(w.deletedItem), nil), 204)
	w.hook = createHook(t, s, w.token, "app", seedAppID, "item.update", "http://127.0.0.1/live")
	w.deletedHook = createHook(t, s, w.token, "app", seedAppID, "item.delete", "http://127.0.0.1/gone")
	mustStatus(t, "delete hook", do(t, s, w.token, "DELETE", "/hook/"+itoa(w.deletedHook), nil), 204)
	return w
}

// settle waits until the hook.verify of every hook created so far (the
// live ones and the world's deleted one) has been recorded, so a snapshot
// does not race one still on its way. They are the world's only
// deliveries.
func settle(t *testing.T, s *mockpodio.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	n := len(s.Hooks()) + 1
	if err := s.AwaitDeliveries(ctx, n); err != nil {
		t.Fatalf("await %d deliveries: %v", n, err)
	}
}

// snapshot is everything observable of the mock: its Go snapshots, its
// delivery record and what the API answers about the seeded and created
// objects. It signs in afresh, so it works after the clock has moved.
type snapshot struct {
	Hooks      []mockpodio.Hook
	Stats      mockpodio.Stats
	Deliveries int
	API        []string
}

func takeSnapshot(t *testing.T, s *mockpodio.Server, w badInputWorld) snapshot {
	t.Helper()
	settle(t, s)
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot{Hooks: s.Hooks(), Stats: s.Stats(), Deliveries: len(s.Deliveries())}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/app/3001", ""},
		{"GET", "/app/9999", ""},
		{"GET", "/item/{item}", ""},
		{"GET", "/item/{deleted_item}", ""},
		{"POST", "/item/app/3001/filter", `{"limit":500}`},
		{"GET", "/hook/app/3001", ""},
		{"GET", "/hook/space/2001", ""},
		{"GET", "/comment/item/{item}", ""},
		{"GET", "/tag/app/3001/", ""},
		{"GET", "/item/app/3001/?limit=500", ""},
		{"GET", "/item/{item}/revision/", ""},
		{"GET", "/file/9000001", ""},
		{"GET", "/status/6000001", ""},
		{"GET", "/space/2001/member/", ""},
		{"GET", "/form/app/3001/", ""},
		{"GET", "/org/", ""},
	} {
		res := do(t, s, tok, r.method, w.expand(r.path), r.body)
		snap.API = append(snap.API, fmt.Sprintf("%s %s -> %d %s", r.method, r.path, res.Status, res.Raw))
	}
	return snap
}

// TestBadInputChangesNothing sends requests Podio refuses and checks
// each gets Podio's error JSON with the right status, and leaves the mock
// exactly as it was: hooks, counters, deliveries and every object the API
// shows. The status and error shape of several of these are also checked
// by TestErrorShape, TestUnknownRoute and the hook and item tests; the
// state check is what this test adds.
func TestBadInputChangesNothing(t *testing.T) {
	const auth = "" // the world's valid token
	tests := []struct {
		name string
		// prep runs on the world before the snapshot; nil means nothing.
		prep          func(t *testing.T, s *mockpodio.Server, w badInputWorld)
		authorization string // "" sends the valid token, "-" none
		method, path  string
		body          string // sent as it is; "{10MiB}" is a 10 MiB JSON body
		wantStatus    int
		wantErr       string
	}{
		{name: "malformed JSON", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":"A"`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "malformed JSON on update", method: "PUT", path: "/item/{item}", body: `{"fields":}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "trailing garbage", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":"item.create"}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url not a string", method: "POST", path: "/hook/app/3001/", body: `{"url":5,"type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "type not a string", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":["item.create"]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "revision not a number", method: "PUT", path: "/item/{item}", body: `{"revision":"1","fields":{"title":"B"}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "fields a string", method: "POST", path: "/item/app/3001/", body: `{"fields":"title"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "body an array", method: "POST", path: "/item/app/3001/", body: `[1,2]`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "text field given an object", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":{"x":1}}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "new fields then a bad one", method: "POST", path: "/item/app/3001/", body: `{"fields":{"aaa":"x","title":"A","zzz":{"no":"value"}}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "new fields then a bad one on update", method: "PUT", path: "/item/{item}/value", body: `{"aaa":"x","priority":"high"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown app with bad fields", method: "POST", path: "/item/app/9999/", body: `{"fields":{"title":{}}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "10 MiB body", method: "POST", path: "/item/app/3001/", body: "{10MiB}", wantStatus: 413, wantErr: "request_too_large"},
		{name: "unknown ref_type", method: "POST", path: "/hook/bogus/1/", body: `{"url":"http://127.0.0.1:1/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "list unknown ref_type", method: "GET", path: "/hook/item/1/", wantStatus: 400, wantErr: "invalid_value"},
		{name: "event not allowed on space", method: "POST", path: "/hook/space/2001/", body: `{"url":"http://127.0.0.1:1/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "event not allowed on app", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":"task.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "event not allowed on unknown app", method: "POST", path: "/hook/app/9999/", body: `{"url":"http://127.0.0.1:1/h","type":"task.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "hook.verify is no hook type", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":"hook.verify"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "unknown event type", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":"item.explode"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "negative id", method: "GET", path: "/item/-1", wantStatus: 404, wantErr: "not_found"},
		{name: "zero id", method: "DELETE", path: "/item/0", wantStatus: 404, wantErr: "not_found"},
		{name: "non-numeric id", method: "PUT", path: "/item/abc", body: `{"fields":{"title":"B"}}`, wantStatus: 404, wantErr: "not_found"},
		{name: "overflowing id", method: "DELETE", path: "/hook/9223372036854775808", wantStatus: 404, wantErr: "not_found"},
		{name: "overflowing ref_id", method: "POST", path: "/hook/app/9223372036854775808/", body: `{"url":"http://127.0.0.1:1/h","type":"item.create"}`, wantStatus: 404, wantErr: "not_found"},
		{name: "negative app id", method: "POST", path: "/item/app/-3001/", body: `{"fields":{"title":"A"}}`, wantStatus: 404, wantErr: "not_found"},
		{name: "id with sign", method: "POST", path: "/hook/+1/verify/request", wantStatus: 404, wantErr: "not_found"},
		{name: "file url", method: "POST", path: "/hook/app/3001/", body: `{"url":"file:///etc/passwd","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "javascript url", method: "POST", path: "/hook/app/3001/", body: `{"url":"javascript:alert(1)","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url with user info", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://user:pw@127.0.0.1:1/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url with port 0", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:0/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url with port 65536", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:65536/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url with port name", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:http/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "url without host", method: "POST", path: "/hook/app/3001/", body: `{"url":"http:///h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "relative url", method: "POST", path: "/hook/app/3001/", body: `{"url":"/h","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value"},
		{
			name: "11th hook of a type",
			prep: func(t *testing.T, s *mockpodio.Server, w badInputWorld) {
				for i := range fixtures.MaxHooksPerType {
					createHook(t, s, w.token, "app", seedAppID, "item.create", fmt.Sprintf("http://127.0.0.1:1/h%d", i))
				}
			},
			method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h11","type":"item.create"}`, wantStatus: 400, wantErr: "invalid_value",
		},
		{name: "validate with a wrong code", method: "POST", path: "/hook/{hook}/verify/validate", body: `{"code":"wrong"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "validate with a number", method: "POST", path: "/hook/{hook}/verify/validate", body: `{"code":12345}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "validate without a code", method: "POST", path: "/hook/{hook}/verify/validate", body: `{}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "validate a deleted hook", method: "POST", path: "/hook/{deleted_hook}/verify/validate", body: `{"code":"x"}`, wantStatus: 404, wantErr: "not_found"},
		{name: "verify request on a deleted hook", method: "POST", path: "/hook/{deleted_hook}/verify/request", wantStatus: 404, wantErr: "not_found"},
		{name: "delete a deleted hook", method: "DELETE", path: "/hook/{deleted_hook}", wantStatus: 404, wantErr: "not_found"},
		{name: "get a deleted item", method: "GET", path: "/item/{deleted_item}", wantStatus: 410, wantErr: "gone"},
		{name: "update a deleted item", method: "PUT", path: "/item/{deleted_item}", body: `{"fields":{"title":"B"}}`, wantStatus: 410, wantErr: "gone"},
		{name: "set values of a deleted item", method: "PUT", path: "/item/{deleted_item}/value/title", body: `["B"]`, wantStatus: 410, wantErr: "gone"},
		{name: "delete a deleted item", method: "DELETE", path: "/item/{deleted_item}", wantStatus: 410, wantErr: "gone"},
		{name: "comment on a deleted item", method: "POST", path: "/comment/item/{deleted_item}/", body: `{"value":"c"}`, wantStatus: 410, wantErr: "gone"},
		{name: "tags not an array", method: "POST", path: "/tag/item/{item}/", body: `{"a":1}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "tag a deleted item", method: "PUT", path: "/tag/item/{deleted_item}/", body: `["a"]`, wantStatus: 410, wantErr: "gone"},
		{name: "remove a tag without text", method: "DELETE", path: "/tag/item/{item}/", wantStatus: 400, wantErr: "invalid_value"},
		{name: "item with a blank tag", method: "PUT", path: "/item/{item}", body: `{"fields":{"title":"B"},"tags":[" "]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "item with an unknown file", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":"B"},"file_ids":[9000001]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "upload without source", method: "POST", path: "/file/", body: `{"filename":"a.txt"}`, wantStatus: 404, wantErr: "not_found"},
		{name: "attach an unknown file", method: "POST", path: "/file/9000001/attach", body: `{"ref_type":"item","ref_id":{item}}`, wantStatus: 404, wantErr: "not_found"},
		{name: "status without value", method: "POST", path: "/status/space/2001/", body: `{"file_ids":[]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "member with a bad role", method: "POST", path: "/space/2001/member/", body: `{"role":"boss","users":[1002]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "end a non-member", method: "DELETE", path: "/space/2001/member/1001,1002", wantStatus: 404, wantErr: "not_found"},
		{name: "form with a foreign field", method: "POST", path: "/form/app/3001/", body: `{"fields":[{"field_id":1}]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "space without a name", method: "POST", path: "/space/", body: `{"org_id":601}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "missing Authorization", authorization: "-", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":"A"}}`, wantStatus: 401, wantErr: "unauthorized"},
		{name: "Authorization without token", authorization: "OAuth2", method: "DELETE", path: "/hook/{hook}", wantStatus: 401, wantErr: "unauthorized"},
		{name: "Authorization with other scheme", authorization: "Basic ZGV2OmRldmhvb2s=", method: "DELETE", path: "/item/{item}", wantStatus: 401, wantErr: "unauthorized"},
		{name: "unknown token", authorization: "OAuth2 not-a-token", method: "POST", path: "/hook/app/3001/", body: `{"url":"http://127.0.0.1:1/h","type":"item.create"}`, wantStatus: 401, wantErr: "unauthorized"},
		{
			name: "expired token",
			prep: func(t *testing.T, s *mockpodio.Server, w badInputWorld) {
				if err := s.Advance(mockpodio.DefaultTokenLifetime + time.Second); err != nil {
					t.Fatal(err)
				}
			},
			method: "PUT", path: "/item/{item}", body: `{"fields":{"title":"B"}}`, wantStatus: 401, wantErr: "unauthorized",
		},
	}
	tenMiB := `{"fields":{"title":"` + strings.Repeat("x", 10<<20) + `"}}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)),
				func(s *mockpodio.Server) { s.HTTPClient = &http.Client{Transport: okTransport{}} })
			w := newBadInputWorld(t, s)
			if tt.prep != nil {
				tt.prep(t, s, w)
			}
			before := takeSnapshot(t, s, w)

			body := w.expand(tt.body)
			if tt.body == "{10MiB}" {
				body = tenMiB
			}
			authorization := "OAuth2 " + w.token
			switch tt.authorization {
			case auth:
			case "-":
				authorization = ""
			default:
				authorization = tt.authorization
			}
			path := w.expand(tt.path)
			res := doHeader(t, s, authorization, tt.method, path, body)
			if res.Status != tt.wantStatus {
				t.Errorf("%s %s: status = %d, want %d: %s", tt.method, path, res.Status, tt.wantStatus, res.Raw)
			}
			var got apiError
			decodeJSON(t, res.Raw, &got)
			u, err := url.Parse(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			want := apiError{Error: tt.wantErr, ErrorParameters: map[string]any{},
				Request: apiErrorReq{URL: s.URL + u.Path, Method: tt.method}}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(apiError{}, "Description")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got.Description == "" || len(got.Description) > 300 {
				t.Errorf("error_description = %.400q, want a short one", got.Description)
			}
			if diff := cmp.Diff(errorKeys, keysOf(res.Body)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}

			after := takeSnapshot(t, s, w)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("%s %s changed the state (-before +after):\n%s", tt.method, path, diff)
			}
		})
	}
}

// TestBadInputWithPodioPorts checks Podio's port rule refuses a hook and
// changes nothing.
func TestBadInputWithPodioPorts(t *testing.T) {
	s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)),
		func(s *mockpodio.Server) {
			s.AllowAnyPort = false
			s.HTTPClient = &http.Client{Transport: okTransport{}}
		})
	w := newBadInputWorld(t, s)
	before := takeSnapshot(t, s, w)
	for _, u := range []string{"http://127.0.0.1:8080/h", "https://example.com:8443/h", "http://example.com:1/h"} {
		body, err := json.Marshal(map[string]string{"url": u, "type": "item.create"})
		if err != nil {
			t.Fatal(err)
		}
		res := do(t, s, w.token, "POST", "/hook/app/3001/", string(body))
		if res.Status != 400 || errCode(res) != "invalid_value" {
			t.Errorf("hook on %s: %d %s, want 400 invalid_value", u, res.Status, res.Raw)
		}
	}
	if diff := cmp.Diff(before, takeSnapshot(t, s, w)); diff != "" {
		t.Errorf("refused hooks changed the state (-before +after):\n%s", diff)
	}
}

// TestRefusedWritesUseNoIDs checks that a write refused after permissive
// mode made what it needed (a space, an app, fields) leaves no trace: the
// next good write gets the same ids and the same answers as on a server
// that never saw the refused one.
func TestRefusedWritesUseNoIDs(t *testing.T) {
	tests := []struct {
		name       string
		bad        struct{ method, path, body string }
		good       struct{ method, path, body string }
		then       string // a GET after the good write; {id} is its "app_id" or "item_id"
		wantStatus int
	}{
		{
			name:       "app with a bad field in a new space",
			bad:        struct{ method, path, body string }{"POST", "/app/", `{"space_id":7777,"config":{"name":"X"},"fields":[{"type":"text","config":{"label":"A"}},{"type":"nope","config":{"label":"B"}}]}`},
			good:       struct{ method, path, body string }{"POST", "/app/", `{"space_id":2001,"config":{"name":"Y"},"fields":[{"type":"text","config":{"label":"C"}}]}`},
			then:       "/app/{id}",
			wantStatus: 400,
		},
		{
			name:       "item with new fields then a bad one",
			bad:        struct{ method, path, body string }{"POST", "/item/app/3001/", `{"fields":{"aaa":"x","zzz":{"no":"value"}}}`},
			good:       struct{ method, path, body string }{"POST", "/item/app/3001/", `{"fields":{"new":"y"}}`},
			then:       "/app/3001",
			wantStatus: 400,
		},
		{
			name:       "item in a new app with a bad field",
			bad:        struct{ method, path, body string }{"POST", "/item/app/9999/", `{"fields":{"title":{}}}`},
			good:       struct{ method, path, body string }{"POST", "/app/", `{"space_id":2001,"config":{"name":"Y"}}`},
			then:       "/app/{id}",
			wantStatus: 400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := func(refused bool) []string {
				s := newServer(t, withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart)))
				tok, err := s.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if refused {
					res := do(t, s, tok, tt.bad.method, tt.bad.path, tt.bad.body)
					if res.Status != tt.wantStatus {
						t.Fatalf("refused write: %d %s, want %d", res.Status, res.Raw, tt.wantStatus)
					}
				}
				good := do(t, s, tok, tt.good.method, tt.good.path, tt.good.body)
				mustStatus(t, "good write", good, 200)
				id := ""
				for _, k := range []string{"app_id", "item_id"} {
					if v, ok := good.Body.(map[string]any)[k].(float64); ok && id == "" {
						id = itoa(int64(v))
					}
				}
				then := do(t, s, tok, "GET", strings.ReplaceAll(tt.then, "{id}", id), nil)
				return []string{good.Raw, then.Raw}
			}
			if diff := cmp.Diff(answers(false), answers(true)); diff != "" {
				t.Errorf("answers after a refused write (-never refused +refused):\n%s", diff)
			}
		})
	}
}
