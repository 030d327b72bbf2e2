package mockpodio_test

import (
	"testing"
)

// spaceEntry is the part of Podio's Space the tests check.
type spaceEntry struct {
	SpaceID  int64  `json:"space_id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	URLLabel string `json:"url_label"`
	OrgID    *int64 `json:"org_id"`
	Org      *struct {
		OrgID int64  `json:"org_id"`
		Name  string `json:"name"`
	} `json:"org"`
	Privacy      string `json:"privacy"`
	AutoJoin     bool   `json:"auto_join"`
	PostOnNewApp bool   `json:"post_on_new_app"`
}

func TestSpaceAndOrgRoutes(t *testing.T) {
	org := int64(601)
	seeded := spaceEntry{SpaceID: 2001, Name: "Devhook Sandbox", URL: "https://podio.com/devhook/devhook-sandbox", URLLabel: "devhook-sandbox",
		OrgID: &org, Privacy: "closed"}
	seeded.Org = &struct {
		OrgID int64  `json:"org_id"`
		Name  string `json:"name"`
	}{601, "Devhook"}
	tests := []routeCase{
		{name: "create", method: "POST", path: "/space/", body: `{"org_id":601,"name":"New Space","privacy":"open","auto_join":true,"post_on_new_app":true}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				id := num(t, field(t, res.Body, "space_id"))
				checkDecoded(t, res.Raw, map[string]any{"space_id": float64(id), "url": "https://podio.com/devhook/new-space"})
				got := do(t, w.s, w.token, "GET", "/space/"+itoa(id), nil)
				mustStatus(t, "get the new space", got, 200)
				want := seeded
				want.SpaceID, want.Name, want.URL, want.URLLabel = id, "New Space", "https://podio.com/devhook/new-space", "new-space"
				want.Privacy, want.AutoJoin, want.PostOnNewApp = "open", true, true
				checkDecoded(t, got.Raw, want)
			}},
		{name: "create without slash in a new org (permissive)", method: "POST", path: "/space", body: `{"org_id":"777","name":"S"}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				mustStatus(t, "the new org", do(t, w.s, w.token, "GET", "/org/777", nil), 200)
			}},
		{name: "create without org_id", method: "POST", path: "/space/", body: `{"name":"S"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create without name", method: "POST", path: "/space/", body: `{"org_id":601}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create with a bad privacy", method: "POST", path: "/space/", body: `{"org_id":601,"name":"S","privacy":"secret"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "create without a token", method: "POST", path: "/space/", body: `{"org_id":601,"name":"S"}`, token: "-", wantStatus: 401, wantErr: "unauthorized"},
		{name: "get", method: "GET", path: "/space/2001", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) { checkDecoded(t, res.Raw, seeded) }},
		{name: "get an unknown space", method: "GET", path: "/space/9", wantStatus: 404, wantErr: "not_found"},
		{name: "org spaces", method: "GET", path: "/org/601/space/", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) { checkDecoded(t, res.Raw, []spaceEntry{seeded}) }},
		{name: "org spaces, the other path", method: "GET", path: "/space/org/601/", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) { checkDecoded(t, res.Raw, []spaceEntry{seeded}) }},
		{name: "spaces of an unknown org", method: "GET", path: "/org/9/space/", wantStatus: 404, wantErr: "not_found"},
		{name: "spaces of an unknown org, the other path", method: "GET", path: "/space/org/9", wantStatus: 404, wantErr: "not_found"},
		{name: "orgs", method: "GET", path: "/org/", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				var orgs []struct {
					OrgID    int64        `json:"org_id"`
					Name     string       `json:"name"`
					URLLabel string       `json:"url_label"`
					Spaces   []spaceEntry `json:"spaces"`
				}
				decodeJSON(t, res.Raw, &orgs)
				if len(orgs) != 1 || orgs[0].OrgID != 601 || orgs[0].URLLabel != "devhook" || len(orgs[0].Spaces) != 1 || orgs[0].Spaces[0].SpaceID != 2001 {
					t.Errorf("orgs = %+v, want Devhook with its space", orgs)
				}
			}},
		{name: "one org", method: "GET", path: "/org/601", wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				checkDecoded(t, res.Raw, map[string]any{"org_id": float64(601), "name": "Devhook", "url": "https://podio.com/devhook/", "url_label": "devhook", "type": "free"})
			}},
		{name: "an unknown org", method: "GET", path: "/org/9", wantStatus: 404, wantErr: "not_found"},
		{name: "a bad org id", method: "GET", path: "/org/x", wantStatus: 404, wantErr: "not_found"},
	}
	runRouteCases(t, tests)
}
