package mockpodio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// Space members (https://developers.podio.com/doc/space-members): users (from the seed) are
// added to a space and their membership ended; member.add and
// member.remove fire on the space's hooks.

// Member choices the reference leaves open.
const (
	// memberDefaultRole is the role of an add that names none. INFERRED.
	memberDefaultRole = "regular"
	// member.add fires on the add call, not on an acceptance the mock does
	// not model: the membership is active at once. INFERRED (the
	// reference marks when Podio fires it UNKNOWN).
)

// memberRoles are Podio's space roles.
var memberRoles = map[string]bool{"light": true, "regular": true, "admin": true}

// member is a user's membership of a space. Ended memberships are kept:
// GET of one still answers, with ended_on.
type member struct {
	Key       string    `json:"member_key"` // memberKey(SpaceID, UserID)
	SpaceID   int64     `json:"space_id"`
	UserID    int64     `json:"user_id"`
	Role      string    `json:"role"`
	InvitedOn time.Time `json:"invited_on"`
	StartedOn time.Time `json:"started_on"`
	EndedOn   time.Time `json:"ended_on,omitzero"`
}

func (m *member) active() bool { return m.EndedOn.IsZero() }

type memberAdd struct {
	Role  *string `json:"role"`
	Users []any   `json:"users"`
	Mails []any   `json:"mails"`
}

// memberUsersLocked resolves an add's users and mails to user ids, in
// order, without repeats. Permissive mode creates a user it does not know.
func (s *Server) memberUsersLocked(body memberAdd) ([]int64, error) {
	var out []int64
	add := func(id int64) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for i, u := range body.Users {
		id, ok := parseID(toString(u))
		if !ok {
			return nil, invalid("Invalid users[%d]: must be a user id", i)
		}
		if _, ok := s.users[id]; !ok {
			if s.Strict {
				return nil, invalid("Invalid users[%d]: no user %d", i, id)
			}
		}
		add(id)
	}
	for i, m := range body.Mails {
		mail, ok := m.(string)
		mail = strings.TrimSpace(mail)
		if !ok || !strings.Contains(mail, "@") {
			return nil, invalid("Invalid mails[%d]: must be an email address", i)
		}
		found := int64(0)
		for _, id := range sortedKeys(s.users) {
			if strings.EqualFold(s.users[id].Username, mail) {
				found = id
				break
			}
		}
		if found == 0 && s.Strict {
			return nil, invalid("Invalid mails[%d]: no user %s", i, mail)
		}
		if found == 0 {
			found = -int64(i) - 1 // made below, once the add is known to succeed
		}
		add(found)
	}
	if len(out) == 0 {
		return nil, invalid("users or mails is required")
	}
	return out, nil
}

// memberAddJSON is the answer of POST /space/{id}/member/. UNKNOWN in the
// reference: the ids of the users added.
type memberAddJSON struct {
	UserIDs []int64 `json:"user_ids"`
}

func (s *Server) handleAddMembers(c *call) (int, any, error) {
	spaceID, err := c.id("space_id")
	if err != nil {
		return 0, nil, err
	}
	var body memberAdd
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	role := memberDefaultRole
	if body.Role != nil {
		role = *body.Role
	}
	if !memberRoles[role] {
		return 0, nil, invalid("Invalid role %q: use light, regular or admin", role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.memberUsersLocked(body)
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.spaceForWriteLocked(spaceID); err != nil {
		return 0, nil, err
	}
	now := s.now()
	out := memberAddJSON{UserIDs: []int64{}}
	for _, id := range ids {
		if id < 0 { // a new user by mail
			mail := strings.TrimSpace(body.Mails[-id-1].(string))
			u := &user{ID: next(&s.ids.user), Name: mail, Username: mail}
			s.users[u.ID] = u
			s.touchLocked(kindUsers, u.ID)
			id = u.ID
		} else if _, ok := s.users[id]; !ok {
			s.users[id] = &user{ID: id, Name: "User " + strconv.FormatInt(id, 10), Username: "user" + strconv.FormatInt(id, 10) + "@example.com"}
			s.ids.user = max(s.ids.user, id)
			s.touchLocked(kindUsers, id)
		}
		out.UserIDs = append(out.UserIDs, id)
		if m := s.memberLocked(spaceID, id); m != nil && m.active() {
			continue // already a member: nothing changes, nothing fires
		}
		if s.members[spaceID] == nil {
			s.members[spaceID] = map[int64]*member{}
		}
		s.members[spaceID][id] = &member{Key: memberKey(spaceID, id), SpaceID: spaceID, UserID: id, Role: role, InvitedOn: now, StartedOn: now}
		s.touchLocked(kindMembers, memberKey(spaceID, id))
		if c.hooksEnabled() {
			s.fireLocked("member.add", memberParams(spaceID, id), target{fixtures.RefSpace, spaceID})
		}
	}
	return http.StatusOK, out, nil
}

func memberParams(spaceID, userID int64) []param {
	return []param{{"space_id", strconv.FormatInt(spaceID, 10)}, {"user_id", strconv.FormatInt(userID, 10)}}
}

func (s *Server) memberLocked(spaceID, userID int64) *member {
	return s.members[spaceID][userID]
}

// memberIDs parses the comma-separated {user_ids} path parameter.
func (c *call) memberIDs() ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(c.params["user_ids"], ",") {
		id, ok := parseID(strings.TrimSpace(p))
		if !ok {
			return nil, errorf(http.StatusNotFound, codeNotFound, "Invalid user_ids %q: must be user ids separated by commas", c.params["user_ids"])
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// liveSpaceLocked is the space of the {space_id} path parameter.
func (s *Server) liveSpaceLocked(c *call) (*space, error) {
	id, err := c.id("space_id")
	if err != nil {
		return nil, err
	}
	sp, ok := s.spaces[id]
	if !ok {
		return nil, notFound("space", id)
	}
	return sp, nil
}

// handleEndMembers is DELETE /space/{id}/member/{user_ids}: every id must
// be an active member, or nothing changes.
func (s *Server) handleEndMembers(c *call) (int, any, error) {
	ids, err := c.memberIDs()
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.liveSpaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	for _, id := range ids {
		if m := s.memberLocked(sp.ID, id); m == nil || !m.active() {
			return 0, nil, notFound("space member", id)
		}
	}
	now := s.now()
	for _, id := range ids {
		s.members[sp.ID][id].EndedOn = now
		s.touchLocked(kindMembers, memberKey(sp.ID, id))
		if c.hooksEnabled() {
			s.fireLocked("member.remove", memberParams(sp.ID, id), target{fixtures.RefSpace, sp.ID})
		}
	}
	return statusNoContent, nil, nil
}

// handleUpdateMembers is PUT /space/{id}/member/{user_ids} with {role}.
// Podio has no event for it.
func (s *Server) handleUpdateMembers(c *call) (int, any, error) {
	ids, err := c.memberIDs()
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Role string `json:"role"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if !memberRoles[body.Role] {
		return 0, nil, invalid("Invalid role %q: use light, regular or admin", body.Role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.liveSpaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	for _, id := range ids {
		if m := s.memberLocked(sp.ID, id); m == nil || !m.active() {
			return 0, nil, notFound("space member", id)
		}
	}
	for _, id := range ids {
		s.members[sp.ID][id].Role = body.Role
		s.touchLocked(kindMembers, memberKey(sp.ID, id))
	}
	return statusNoContent, nil, nil
}

// memberJSON is Podio's SpaceMember (docs space-members/get-space-membership-22397).
type memberJSON struct {
	User      memberUserJSON `json:"user"`
	Profile   memberUserJSON `json:"profile"`
	Role      string         `json:"role"`
	InvitedOn string         `json:"invited_on"`
	StartedOn string         `json:"started_on"`
	EndedOn   *string        `json:"ended_on"`
	Employee  bool           `json:"employee"`
	Grants    int            `json:"grants"`
}

type memberUserJSON struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Avatar *int64 `json:"avatar"`
	Mail   string `json:"mail,omitempty"`
}

func (s *Server) memberJSONLocked(m *member) memberJSON {
	u := memberUserJSON{UserID: m.UserID}
	if x, ok := s.users[m.UserID]; ok {
		u.Name, u.Mail = x.Name, x.Username
	}
	out := memberJSON{User: u, Profile: u, Role: m.Role, InvitedOn: podioTime(m.InvitedOn), StartedOn: podioTime(m.StartedOn)}
	if !m.active() {
		e := podioTime(m.EndedOn)
		out.EndedOn = &e
	}
	return out
}

// handleListMembers is GET /space/{id}/member/: the active members, by
// user id.
func (s *Server) handleListMembers(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.liveSpaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := []memberJSON{}
	for _, id := range sortedKeys(s.members[sp.ID]) {
		if m := s.members[sp.ID][id]; m.active() {
			out = append(out, s.memberJSONLocked(m))
		}
	}
	return http.StatusOK, out, nil
}

// handleGetMember is GET /space/{id}/member/{user_id} and its /v2 form:
// an ended membership answers too, with ended_on.
func (s *Server) handleGetMember(c *call) (int, any, error) {
	uid, err := c.id("user_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, err := s.liveSpaceLocked(c)
	if err != nil {
		return 0, nil, err
	}
	m := s.memberLocked(sp.ID, uid)
	if m == nil {
		return 0, nil, notFound("space member", uid)
	}
	return http.StatusOK, s.memberJSONLocked(m), nil
}
