package mockpodio

import "time"

// Objects is GET /_mock/objects's answer: the objects of issue 11 that
// Podio's API lists only one parent at a time, so a developer can find
// the ids an event names. Deleted ones are left out; ended memberships
// are kept, with their end.
type Objects struct {
	// Orgs are the organizations.
	Orgs []ObjectOrg `json:"orgs"`
	// Spaces are the workspaces.
	Spaces []ObjectSpace `json:"spaces"`
	// Members are the space memberships, ended ones included.
	Members []ObjectMember `json:"members"`
	// Files are the files not deleted.
	Files []ObjectFile `json:"files"`
	// Statuses are the status messages not deleted.
	Statuses []ObjectStatus `json:"statuses"`
	// Forms are the webforms not deleted.
	Forms []ObjectForm `json:"forms"`
	// Tags are the tags of each live item that has some.
	Tags []ObjectItemTag `json:"tags"`
}

// ObjectOrg is an org of [Objects].
type ObjectOrg struct {
	// OrgID is the org's id.
	OrgID int64 `json:"org_id"`
	// Name is its name.
	Name string `json:"name"`
}

// ObjectSpace is a space of [Objects].
type ObjectSpace struct {
	// SpaceID is the space's id.
	SpaceID int64 `json:"space_id"`
	// Name is its name.
	Name string `json:"name"`
	// OrgID is its org; 0 for none.
	OrgID int64 `json:"org_id"`
}

// ObjectMember is a space membership of [Objects].
type ObjectMember struct {
	// SpaceID is the space.
	SpaceID int64 `json:"space_id"`
	// UserID is the member.
	UserID int64 `json:"user_id"`
	// Role is light, regular or admin.
	Role string `json:"role"`
	// EndedOn is when the membership ended; nil while it lasts.
	EndedOn *time.Time `json:"ended_on"`
}

// ObjectFile is a file of [Objects].
type ObjectFile struct {
	// FileID is the file's id.
	FileID int64 `json:"file_id"`
	// Name is its file name.
	Name string `json:"name"`
	// Mimetype is its type, e.g. "text/plain".
	Mimetype string `json:"mimetype"`
	// Size is its length in bytes.
	Size int `json:"size"`
	// RefType and RefID are what it is attached to; RefType is "" while it
	// is attached to nothing.
	RefType string `json:"ref_type"`
	// RefID is the id of what it is attached to; 0 while it is attached to
	// nothing.
	RefID int64 `json:"ref_id"`
}

// ObjectStatus is a status message of [Objects].
type ObjectStatus struct {
	// StatusID is the status's id.
	StatusID int64 `json:"status_id"`
	// SpaceID is the space it was posted in.
	SpaceID int64 `json:"space_id"`
	// Value is its text.
	Value string `json:"value"`
}

// ObjectForm is a webform of [Objects].
type ObjectForm struct {
	// FormID is the form's id.
	FormID int64 `json:"form_id"`
	// AppID is the app it adds items to.
	AppID int64 `json:"app_id"`
	// Status is "active" or "disabled".
	Status string `json:"status"`
}

// ObjectItemTag is a live item's tags.
type ObjectItemTag struct {
	// ItemID is the item.
	ItemID int64 `json:"item_id"`
	// AppID is its app.
	AppID int64 `json:"app_id"`
	// Tags are its tags, in the order they were added.
	Tags []string `json:"tags"`
}

// Objects returns the orgs, spaces, memberships, files, statuses, forms
// and item tags, each list in id order.
func (s *Server) Objects() Objects {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Objects{Orgs: []ObjectOrg{}, Spaces: []ObjectSpace{}, Members: []ObjectMember{}, Files: []ObjectFile{},
		Statuses: []ObjectStatus{}, Forms: []ObjectForm{}, Tags: []ObjectItemTag{}}
	for _, id := range sortedKeys(s.orgs) {
		out.Orgs = append(out.Orgs, ObjectOrg{OrgID: id, Name: s.orgs[id].Name})
	}
	for _, id := range sortedKeys(s.spaces) {
		sp := s.spaces[id]
		out.Spaces = append(out.Spaces, ObjectSpace{SpaceID: id, Name: sp.Name, OrgID: sp.OrgID})
		for _, uid := range sortedKeys(s.members[id]) {
			m := s.members[id][uid]
			om := ObjectMember{SpaceID: id, UserID: uid, Role: m.Role}
			if !m.active() {
				t := m.EndedOn
				om.EndedOn = &t
			}
			out.Members = append(out.Members, om)
		}
	}
	for _, id := range sortedKeys(s.files) {
		if f := s.files[id]; !f.Deleted {
			out.Files = append(out.Files, ObjectFile{FileID: id, Name: f.Name, Mimetype: f.Mimetype, Size: len(f.Data), RefType: f.RefType, RefID: f.RefID})
		}
	}
	for _, id := range sortedKeys(s.statuses) {
		if st := s.statuses[id]; !st.Deleted {
			out.Statuses = append(out.Statuses, ObjectStatus{StatusID: id, SpaceID: st.SpaceID, Value: st.Value})
		}
	}
	for _, id := range sortedKeys(s.forms) {
		if f := s.forms[id]; !f.Deleted {
			out.Forms = append(out.Forms, ObjectForm{FormID: id, AppID: f.AppID, Status: f.Status})
		}
	}
	for _, id := range sortedKeys(s.items) {
		if it := s.items[id]; !it.Deleted && len(it.Tags) > 0 {
			out.Tags = append(out.Tags, ObjectItemTag{ItemID: id, AppID: it.AppID, Tags: append([]string(nil), it.Tags...)})
		}
	}
	return out
}
