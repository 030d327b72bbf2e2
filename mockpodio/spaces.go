package mockpodio

import (
	"fmt"
	"net/http"
	"strings"
)

// Spaces and orgs (https://developers.podio.com/doc/spaces). A space created here takes
// hooks at once, and an app created in it fires app.create on them.

// Space choices the reference leaves open.
const (
	// spaceDefaultPrivacy is a new space's privacy (docs create-space-22390:
	// "default closed").
	spaceDefaultPrivacy = "closed"
	// spaceURLBase prefixes a space's url: Podio's site, with the org's
	// url_label (the java test's url is https://podio.com/hoist/new).
	spaceURLBase = "https://podio.com/"
	// The creator of a space through the user grant becomes its admin
	// member, without a member.add event. INFERRED.
)

// The default seed's org, and its second user: not a member of
// DefaultSpaceID (DefaultUserID is its admin), so adding it fires
// member.add.
const (
	DefaultOrgID        = 601
	DefaultSecondUserID = 1002
)

// org is an organization.
type org struct {
	ID       int64  `json:"org_id"`
	Name     string `json:"name"`
	URLLabel string `json:"url_label"`
}

type spaceWrite struct {
	OrgID           any     `json:"org_id"`
	Name            *string `json:"name"`
	Privacy         *string `json:"privacy"`
	AutoJoin        bool    `json:"auto_join"`
	PostOnNewApp    bool    `json:"post_on_new_app"`
	PostOnNewMember bool    `json:"post_on_new_member"`
}

// spaceCreateJSON is the answer of POST /space/.
type spaceCreateJSON struct {
	SpaceID int64  `json:"space_id"`
	URL     string `json:"url"`
}

// orgForWriteLocked returns the org a write names; permissive mode creates
// an unknown one.
func (s *Server) orgForWriteLocked(id int64) (*org, error) {
	if o, ok := s.orgs[id]; ok {
		return o, nil
	}
	if s.Strict {
		return nil, notFound("org", id)
	}
	o := &org{ID: id, Name: fmt.Sprintf("Org %d", id), URLLabel: fmt.Sprintf("org-%d", id)}
	s.orgs[id] = o
	s.ids.org = max(s.ids.org, id)
	s.touchLocked(kindOrgs, id)
	return o, nil
}

// urlLabel makes a url_label of a name: lower case, dashes for spaces.
func urlLabel(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func (s *Server) spaceURLLocked(sp *space) string {
	orgLabel := "mock"
	if o, ok := s.orgs[sp.OrgID]; ok && o.URLLabel != "" {
		orgLabel = o.URLLabel
	}
	return spaceURLBase + orgLabel + "/" + sp.URLLabel
}

func (s *Server) handleCreateSpace(c *call) (int, any, error) {
	var body spaceWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	orgID, ok := parseID(toString(body.OrgID))
	if !ok {
		return 0, nil, invalid("org_id is required and must be a positive integer")
	}
	if body.Name == nil || strings.TrimSpace(*body.Name) == "" {
		return 0, nil, invalid("name is required")
	}
	privacy := spaceDefaultPrivacy
	if body.Privacy != nil {
		privacy = *body.Privacy
	}
	if privacy != "open" && privacy != "closed" {
		return 0, nil, invalid("Invalid privacy %q: use open or closed", privacy)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.orgForWriteLocked(orgID); err != nil {
		return 0, nil, err
	}
	sp := &space{ID: next(&s.ids.space), Name: strings.TrimSpace(*body.Name), URLLabel: urlLabel(*body.Name), OrgID: orgID,
		Privacy: privacy, AutoJoin: body.AutoJoin, PostOnNewApp: body.PostOnNewApp, PostOnNewMember: body.PostOnNewMember,
		CreatedOn: s.now(), CreatedBy: c.auth.Ref}
	s.spaces[sp.ID] = sp
	s.touchLocked(kindSpaces, sp.ID)
	if c.auth.Ref.Type == "user" {
		uid := c.auth.Ref.ID
		s.members[sp.ID] = map[int64]*member{uid: {Key: memberKey(sp.ID, uid), SpaceID: sp.ID, UserID: uid, Role: "admin", InvitedOn: sp.CreatedOn, StartedOn: sp.CreatedOn}}
		s.touchLocked(kindMembers, memberKey(sp.ID, uid))
	}
	return http.StatusOK, spaceCreateJSON{SpaceID: sp.ID, URL: s.spaceURLLocked(sp)}, nil
}

// spaceJSON is Podio's Space (docs models/space).
type spaceJSON struct {
	SpaceID         int64    `json:"space_id"`
	Name            string   `json:"name"`
	URL             string   `json:"url"`
	URLLabel        string   `json:"url_label"`
	OrgID           *int64   `json:"org_id"`
	Org             *orgJSON `json:"org"`
	Privacy         string   `json:"privacy"`
	AutoJoin        bool     `json:"auto_join"`
	Role            *string  `json:"role"`
	Rights          []string `json:"rights"`
	PostOnNewApp    bool     `json:"post_on_new_app"`
	PostOnNewMember bool     `json:"post_on_new_member"`
	CreatedOn       string   `json:"created_on"`
	CreatedBy       any      `json:"created_by"`
}

// orgJSON is Podio's Organization (php models/PodioOrganization.php).
type orgJSON struct {
	OrgID    int64  `json:"org_id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	URLLabel string `json:"url_label"`
	Type     string `json:"type"`
}

func orgJSONOf(o *org) *orgJSON {
	return &orgJSON{OrgID: o.ID, Name: o.Name, URL: spaceURLBase + o.URLLabel + "/", URLLabel: o.URLLabel, Type: "free"}
}

func (s *Server) spaceJSONLocked(sp *space, who ref) spaceJSON {
	privacy := sp.Privacy
	if privacy == "" {
		privacy = spaceDefaultPrivacy
	}
	out := spaceJSON{SpaceID: sp.ID, Name: sp.Name, URL: s.spaceURLLocked(sp), URLLabel: sp.URLLabel, Privacy: privacy,
		AutoJoin: sp.AutoJoin, Rights: []string{"view", "add_app", "add_status"}, PostOnNewApp: sp.PostOnNewApp,
		PostOnNewMember: sp.PostOnNewMember, CreatedOn: podioTime(sp.CreatedOn), CreatedBy: s.bylineLocked(sp.CreatedBy)}
	if o, ok := s.orgs[sp.OrgID]; ok {
		id := o.ID
		out.OrgID, out.Org = &id, orgJSONOf(o)
	}
	if who.Type == "user" {
		if m := s.memberLocked(sp.ID, who.ID); m != nil && m.active() {
			role := m.Role
			out.Role = &role
		}
	}
	return out
}

func (s *Server) handleGetSpace(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.liveSpaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.spaceJSONLocked(sp, c.auth.Ref), nil
}

// handleOrgSpaces answers both GET /org/{org_id}/space/ and
// GET /space/org/{org_id}/: the org's spaces by id.
func (s *Server) handleOrgSpaces(c *call) (int, any, error) {
	id, err := c.id("org_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orgs[id]; !ok {
		return 0, nil, notFound("org", id)
	}
	out := []spaceJSON{}
	for _, sid := range sortedKeys(s.spaces) {
		if sp := s.spaces[sid]; sp.OrgID == id {
			out = append(out, s.spaceJSONLocked(sp, c.auth.Ref))
		}
	}
	return http.StatusOK, out, nil
}

// orgWithSpacesJSON is an element of GET /org/: the org and its spaces.
type orgWithSpacesJSON struct {
	orgJSON
	Spaces []spaceJSON `json:"spaces"`
}

func (s *Server) handleListOrgs(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []orgWithSpacesJSON{}
	for _, id := range sortedKeys(s.orgs) {
		o := orgWithSpacesJSON{orgJSON: *orgJSONOf(s.orgs[id]), Spaces: []spaceJSON{}}
		for _, sid := range sortedKeys(s.spaces) {
			if sp := s.spaces[sid]; sp.OrgID == id {
				o.Spaces = append(o.Spaces, s.spaceJSONLocked(sp, c.auth.Ref))
			}
		}
		out = append(out, o)
	}
	return http.StatusOK, out, nil
}

func (s *Server) handleGetOrg(c *call) (int, any, error) {
	id, err := c.id("org_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[id]
	if !ok {
		return 0, nil, notFound("org", id)
	}
	return http.StatusOK, orgJSONOf(o), nil
}
