package mockpodio_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// memberEntry is the part of Podio's SpaceMember the tests check.
type memberEntry struct {
	User struct {
		UserID int64  `json:"user_id"`
		Name   string `json:"name"`
	} `json:"user"`
	Role      string  `json:"role"`
	StartedOn string  `json:"started_on"`
	EndedOn   *string `json:"ended_on"`
}

// wantMembers checks the active members of space 2001 as "id role".
func wantMembers(want ...string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		got := do(t, w.s, w.token, "GET", "/space/2001/member/", nil)
		mustStatus(t, "list members", got, 200)
		var ms []memberEntry
		decodeJSON(t, got.Raw, &ms)
		names := []string{}
		for _, m := range ms {
			names = append(names, itoa(m.User.UserID)+" "+m.Role)
		}
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("members (-want +got):\n%s", diff)
		}
	}
}

func TestMemberRoutes(t *testing.T) {
	tests := []routeCase{
		{name: "add", method: "POST", path: "/space/2001/member/", body: `{"role":"light","users":[1002]}`, wantStatus: 200,
			check: checks(wantMembers("1001 admin", "1002 light"), func(t *testing.T, w w2World, res response) {
				checkDecoded(t, res.Raw, map[string][]int64{"user_ids": {1002}})
			})},
		{name: "add without slash, by mail, default role", method: "POST", path: "/space/2001/member", body: `{"mails":["SECOND@example.com"]}`, wantStatus: 200,
			check: wantMembers("1001 admin", "1002 regular")},
		{name: "add a member again", method: "POST", path: "/space/2001/member/", body: `{"role":"light","users":[1001]}`, wantStatus: 200,
			check: wantMembers("1001 admin")},
		{name: "add an unknown user (permissive)", method: "POST", path: "/space/2001/member/", body: `{"users":[5555]}`, wantStatus: 200,
			check: wantMembers("1001 admin", "5555 regular")},
		{name: "add to a new space (permissive)", method: "POST", path: "/space/7777/member/", body: `{"users":[1002]}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				mustStatus(t, "member of the new space", do(t, w.s, w.token, "GET", "/space/7777/member/1002", nil), 200)
			}},
		{name: "add with a bad role", method: "POST", path: "/space/2001/member/", body: `{"role":"owner","users":[1002]}`, wantStatus: 400, wantErr: "invalid_value", check: wantMembers("1001 admin")},
		{name: "add nobody", method: "POST", path: "/space/2001/member/", body: `{"role":"regular"}`, wantStatus: 400, wantErr: "invalid_value", check: wantMembers("1001 admin")},
		{name: "add a bad user id", method: "POST", path: "/space/2001/member/", body: `{"users":[1002,"x"]}`, wantStatus: 400, wantErr: "invalid_value", check: wantMembers("1001 admin")},
		{name: "add a bad mail", method: "POST", path: "/space/2001/member/", body: `{"mails":["nobody"]}`, wantStatus: 400, wantErr: "invalid_value", check: wantMembers("1001 admin")},
		{name: "add with a bad space id", method: "POST", path: "/space/x/member/", body: `{"users":[1002]}`, wantStatus: 404, wantErr: "not_found"},
		{name: "add without a token", method: "POST", path: "/space/2001/member/", body: `{"users":[1002]}`, token: "-", wantStatus: 401, wantErr: "unauthorized"},
		{name: "get one", method: "GET", path: "/space/2001/member/1001", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				var m memberEntry
				decodeJSON(t, res.Raw, &m)
				if m.User.UserID != 1001 || m.User.Name != "Dev User" || m.Role != "admin" || m.EndedOn != nil {
					t.Errorf("member = %+v, want Dev User, admin, not ended", m)
				}
			}},
		{name: "get one v2", method: "GET", path: "/space/2001/member/1001/v2", wantStatus: 200},
		{name: "get a non-member", method: "GET", path: "/space/2001/member/1002", wantStatus: 404, wantErr: "not_found"},
		{name: "get in an unknown space", method: "GET", path: "/space/9/member/1001", wantStatus: 404, wantErr: "not_found"},
		{name: "list in an unknown space", method: "GET", path: "/space/9/member/", wantStatus: 404, wantErr: "not_found"},
		{name: "end", method: "DELETE", path: "/space/2001/member/1001", wantStatus: 204,
			check: checks(wantMembers(), func(t *testing.T, w w2World, res response) {
				got := do(t, w.s, w.token, "GET", "/space/2001/member/1001", nil)
				var m memberEntry
				decodeJSON(t, got.Raw, &m)
				if got.Status != 200 || m.EndedOn == nil || *m.EndedOn != "2026-11-25 10:00:00" {
					t.Errorf("ended member = %d %s, want ended_on set", got.Status, got.Raw)
				}
			})},
		{name: "end a non-member", method: "DELETE", path: "/space/2001/member/1001,1002", wantStatus: 404, wantErr: "not_found", check: wantMembers("1001 admin")},
		{name: "end with bad ids", method: "DELETE", path: "/space/2001/member/1001,x", wantStatus: 404, wantErr: "not_found", check: wantMembers("1001 admin")},
		{name: "end in an unknown space", method: "DELETE", path: "/space/9/member/1001", wantStatus: 404, wantErr: "not_found"},
		{name: "change role", method: "PUT", path: "/space/2001/member/1001", body: `{"role":"regular"}`, wantStatus: 204, check: wantMembers("1001 regular")},
		{name: "change to a bad role", method: "PUT", path: "/space/2001/member/1001", body: `{"role":"x"}`, wantStatus: 400, wantErr: "invalid_value", check: wantMembers("1001 admin")},
		{name: "change a non-member's role", method: "PUT", path: "/space/2001/member/1002", body: `{"role":"light"}`, wantStatus: 404, wantErr: "not_found"},
	}
	runRouteCases(t, tests)
}

func TestMembersInStrictMode(t *testing.T) {
	s := newServer(t, withSeed(t, true), withClock(mockpodio.NewManualClock(clockStart)))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"users":[5555]}`, `{"mails":["who@example.com"]}`} {
		if res := do(t, s, tok, "POST", "/space/2001/member/", body); res.Status != 400 || errCode(res) != "invalid_value" {
			t.Errorf("add %s in strict mode = %d %s, want 400", body, res.Status, res.Raw)
		}
	}
	if res := do(t, s, tok, "POST", "/space/7777/member/", `{"users":[1002]}`); res.Status != 404 {
		t.Errorf("add to an unknown space in strict mode = %d %s, want 404", res.Status, res.Raw)
	}
	mustStatus(t, "add a seeded user", do(t, s, tok, "POST", "/space/2001/member/", `{"users":[1002]}`), 200)
}
