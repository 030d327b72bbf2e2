package mockpodio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The state file's part for files, statuses, forms, orgs and space
// members: their own types, saved as they are.

func (s *Server) wave2StateLocked(st *stateFile) {
	for _, id := range sortedKeys(s.files) {
		f := *s.files[id]
		f.Replaces = slices.Clone(f.Replaces) // Data is never changed in place
		st.Files = append(st.Files, f)
	}
	for _, id := range sortedKeys(s.statuses) {
		x := *s.statuses[id]
		x.FileIDs, x.Tags = slices.Clone(x.FileIDs), slices.Clone(x.Tags)
		st.Statuses = append(st.Statuses, x)
	}
	for _, id := range sortedKeys(s.forms) {
		f := *s.forms[id]
		f.Domains, f.Fields = slices.Clone(f.Domains), slices.Clone(f.Fields) // Settings are replaced, never changed in place
		st.Forms = append(st.Forms, f)
	}
	for _, id := range sortedKeys(s.orgs) {
		st.Orgs = append(st.Orgs, *s.orgs[id])
	}
	for _, sid := range sortedKeys(s.members) {
		for _, uid := range sortedKeys(s.members[sid]) {
			st.Members = append(st.Members, *s.members[sid][uid])
		}
	}
}

func (s *Server) loadWave2Locked(st *stateFile) {
	clear(s.files)
	for _, f := range st.Files {
		s.files[f.ID] = new(f)
	}
	clear(s.statuses)
	for _, x := range st.Statuses {
		s.statuses[x.ID] = new(x)
	}
	clear(s.forms)
	for _, f := range st.Forms {
		s.forms[f.ID] = new(f)
	}
	clear(s.orgs)
	for _, o := range st.Orgs {
		s.orgs[o.ID] = new(o)
	}
	clear(s.members)
	for _, m := range st.Members {
		if s.members[m.SpaceID] == nil {
			s.members[m.SpaceID] = map[int64]*member{}
		}
		s.members[m.SpaceID][m.UserID] = new(m)
	}
}

// checkWave2 finds duplicate ids among the new objects.
func (st *stateFile) checkWave2() error {
	files := map[int64]bool{}
	for _, f := range st.Files {
		if f.ID <= 0 || files[f.ID] {
			return fmt.Errorf("file %d: duplicate or bad id", f.ID)
		}
		files[f.ID] = true
	}
	statuses := map[int64]bool{}
	for _, x := range st.Statuses {
		if x.ID <= 0 || statuses[x.ID] {
			return fmt.Errorf("status %d: duplicate or bad id", x.ID)
		}
		statuses[x.ID] = true
	}
	apps := map[int64]bool{}
	for _, a := range st.Apps {
		apps[a.ID] = true
	}
	forms := map[int64]bool{}
	for _, f := range st.Forms {
		if f.ID <= 0 || forms[f.ID] {
			return fmt.Errorf("form %d: duplicate or bad id", f.ID)
		}
		if !apps[f.AppID] {
			return fmt.Errorf("form %d: app %d is not in apps", f.ID, f.AppID)
		}
		forms[f.ID] = true
	}
	orgs := map[int64]bool{}
	for _, o := range st.Orgs {
		if o.ID <= 0 || orgs[o.ID] {
			return fmt.Errorf("org %d: duplicate or bad id", o.ID)
		}
		orgs[o.ID] = true
	}
	type key struct{ space, user int64 }
	members := map[key]bool{}
	for _, m := range st.Members {
		k := key{m.SpaceID, m.UserID}
		if m.SpaceID <= 0 || m.UserID <= 0 || members[k] {
			return fmt.Errorf("member %d of space %d: duplicate or bad id", m.UserID, m.SpaceID)
		}
		members[k] = true
	}
	return nil
}

// Journal kinds of the new objects (see stateKind in journal.go).
const (
	kindFiles    = "files"
	kindStatuses = "statuses"
	kindForms    = "forms"
	kindOrgs     = "orgs"
	kindMembers  = "members"
)

func init() {
	stateKinds = append(stateKinds,
		stateKind{kindFiles, "file_id", byID(func(s *Server) map[int64]*file { return s.files },
			func(f *file) any { return *f })},
		stateKind{kindStatuses, "status_id", byID(func(s *Server) map[int64]*status { return s.statuses },
			func(x *status) any { return *x })},
		stateKind{kindForms, "form_id", byID(func(s *Server) map[int64]*form { return s.forms },
			func(f *form) any { return *f })},
		stateKind{kindOrgs, "org_id", byID(func(s *Server) map[int64]*org { return s.orgs },
			func(o *org) any { return *o })},
		stateKind{kindMembers, "member_key", func(s *Server, key string) (any, bool) {
			sid, uid, ok := parseMemberKey(key)
			if !ok {
				return nil, false
			}
			m, ok := s.members[sid][uid]
			if !ok {
				return nil, false
			}
			return *m, true
		}},
	)
}

// memberKey names a membership in the journal: "space_id:user_id".
func memberKey(spaceID, userID int64) string {
	return strconv.FormatInt(spaceID, 10) + ":" + strconv.FormatInt(userID, 10)
}

func parseMemberKey(k string) (spaceID, userID int64, ok bool) {
	a, b, found := strings.Cut(k, ":")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return x, y, err1 == nil && err2 == nil
}
