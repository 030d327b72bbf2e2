package mockpodio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Seed is the state a [Server] starts with: OAuth clients, users, spaces,
// apps with their tokens and fields. Its JSON form is the one of
// fixtures.DefaultSeed and of `devhook mock --seed FILE`.
type Seed struct {
	// Clients are the OAuth clients (API keys) that may sign in.
	Clients []SeedClient `json:"clients"`
	// Users are the users, who sign in with the password grant.
	Users []SeedUser `json:"users"`
	// Spaces are the workspaces.
	Spaces []SeedSpace `json:"spaces"`
	// Apps are the apps, each in one of Spaces.
	Apps []SeedApp `json:"apps"`
	// AuthCodes are the codes the authorization_code grant accepts.
	AuthCodes []SeedAuthCode `json:"auth_codes,omitempty"`
	// Orgs are the organizations spaces belong to.
	Orgs []SeedOrg `json:"orgs,omitempty"`
}

// SeedOrg is an organization.
type SeedOrg struct {
	OrgID    int64  `json:"org_id"`    // its id, positive and unique
	Name     string `json:"name"`      // its name
	URLLabel string `json:"url_label"` // its URL label
}

// SeedMember is a user's membership of a space: role is light, regular
// or admin.
type SeedMember struct {
	UserID int64  `json:"user_id"` // the member, one of Seed.Users
	Role   string `json:"role"`    // "light", "regular" or "admin"
}

// SeedClient is an OAuth client (API key).
type SeedClient struct {
	ClientID     string `json:"client_id"`     // the client id, set and unique
	ClientSecret string `json:"client_secret"` // its secret
}

// SeedUser is a user for the password grant.
type SeedUser struct {
	UserID   int64  `json:"user_id"`  // the user's id, positive and unique
	Name     string `json:"name"`     // the name bylines show
	Username string `json:"username"` // the password grant's username, set
	Password string `json:"password"` // the password grant's password
}

// SeedSpace is a workspace.
type SeedSpace struct {
	SpaceID  int64  `json:"space_id"`  // its id, positive and unique
	Name     string `json:"name"`      // its name
	URLLabel string `json:"url_label"` // its URL label
	// OrgID is the space's org, one of Orgs; 0 means none.
	OrgID int64 `json:"org_id,omitempty"`
	// Members are the space's members, users of Users.
	Members []SeedMember `json:"members,omitempty"`
}

// SeedApp is an app with its app token and fields.
type SeedApp struct {
	AppID    int64       `json:"app_id"`    // its id, positive and unique
	SpaceID  int64       `json:"space_id"`  // its space, one of Seed.Spaces
	AppToken string      `json:"app_token"` // the app grant's app_token
	Name     string      `json:"name"`      // its name, e.g. "Bugs"
	ItemName string      `json:"item_name"` // what one item is called, e.g. "Bug"
	Fields   []SeedField `json:"fields"`    // its fields
}

// SeedField is an app field. Type is a Podio field type such as "text",
// "number" or "category"; Options are a category's choices.
type SeedField struct {
	FieldID    int64        `json:"field_id"`          // its id, positive and unique
	ExternalID string       `json:"external_id"`       // its name in item writes, unique in the app
	Label      string       `json:"label"`             // its label
	Type       string       `json:"type"`              // a Podio field type
	Options    []SeedOption `json:"options,omitempty"` // a category's choices
}

// SeedOption is one choice of a category field.
type SeedOption struct {
	ID    int64  `json:"id"`              // its id, as item writes name it
	Text  string `json:"text"`            // its text, e.g. "Open"
	Color string `json:"color,omitempty"` // hex RGB without '#', e.g. "DCEBD8"
}

// SeedAuthCode is an authorization code the authorization_code grant
// accepts, for the user UserID.
type SeedAuthCode struct {
	Code   string `json:"code"`    // the code
	UserID int64  `json:"user_id"` // the user it signs in, one of Seed.Users
}

// ErrBadSeed is returned for a seed that does not parse or does not hold
// together.
var ErrBadSeed = errors.New("mockpodio: bad seed")

// fieldTypes are the field types the mock knows how to store.
var fieldTypes = map[string]bool{
	"text": true, "number": true, "category": true, "date": true, "money": true,
	"email": true, "phone": true, "link": true, "embed": true, "app": true,
	"contact": true, "calculation": true, "location": true, "duration": true,
	"progress": true, "image": true, "tag": true,
}

// ParseSeed parses and checks a seed: unknown keys, duplicate ids, apps in
// unknown spaces and unknown field types are errors.
func ParseSeed(b []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sd Seed
	if err := dec.Decode(&sd); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSeed, err)
	}
	if err := sd.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSeed, err)
	}
	return &sd, nil
}

func (sd *Seed) check() error {
	spaces := map[int64]bool{}
	for _, sp := range sd.Spaces {
		if sp.SpaceID <= 0 || spaces[sp.SpaceID] {
			return fmt.Errorf("space_id %d: must be positive and unique", sp.SpaceID)
		}
		spaces[sp.SpaceID] = true
	}
	apps := map[int64]bool{}
	fields := map[int64]bool{}
	for _, a := range sd.Apps {
		if a.AppID <= 0 || apps[a.AppID] {
			return fmt.Errorf("app_id %d: must be positive and unique", a.AppID)
		}
		apps[a.AppID] = true
		if !spaces[a.SpaceID] {
			return fmt.Errorf("app %d: space_id %d is not in spaces", a.AppID, a.SpaceID)
		}
		ext := map[string]bool{}
		for _, f := range a.Fields {
			if f.FieldID <= 0 || fields[f.FieldID] {
				return fmt.Errorf("app %d: field_id %d must be positive and unique", a.AppID, f.FieldID)
			}
			fields[f.FieldID] = true
			if f.ExternalID == "" || ext[f.ExternalID] {
				return fmt.Errorf("app %d: field %d: external_id must be set and unique in the app", a.AppID, f.FieldID)
			}
			ext[f.ExternalID] = true
			if !fieldTypes[f.Type] {
				return fmt.Errorf("app %d: field %d: unknown type %q", a.AppID, f.FieldID, f.Type)
			}
		}
	}
	users := map[int64]bool{}
	for _, u := range sd.Users {
		if u.UserID <= 0 || users[u.UserID] || strings.TrimSpace(u.Username) == "" {
			return fmt.Errorf("user %d: user_id must be positive and unique, username set", u.UserID)
		}
		users[u.UserID] = true
	}
	for _, c := range sd.Clients {
		if c.ClientID == "" {
			return errors.New("client: client_id must be set")
		}
	}
	for _, ac := range sd.AuthCodes {
		if !users[ac.UserID] {
			return fmt.Errorf("auth code %q: user_id %d is not in users", ac.Code, ac.UserID)
		}
	}
	orgs := map[int64]bool{}
	for _, o := range sd.Orgs {
		if o.OrgID <= 0 || orgs[o.OrgID] {
			return fmt.Errorf("org_id %d: must be positive and unique", o.OrgID)
		}
		orgs[o.OrgID] = true
	}
	for _, sp := range sd.Spaces {
		if sp.OrgID != 0 && !orgs[sp.OrgID] {
			return fmt.Errorf("space %d: org_id %d is not in orgs", sp.SpaceID, sp.OrgID)
		}
		seen := map[int64]bool{}
		for _, m := range sp.Members {
			if !users[m.UserID] || seen[m.UserID] {
				return fmt.Errorf("space %d: member %d must be in users, once", sp.SpaceID, m.UserID)
			}
			seen[m.UserID] = true
			if !memberRoles[m.Role] {
				return fmt.Errorf("space %d: member %d: role %q is not light, regular or admin", sp.SpaceID, m.UserID, m.Role)
			}
		}
	}
	return nil
}

// loadSeedLocked adds sd's objects to the state. Ids the seed uses are
// reserved: new objects get higher ones.
func (s *Server) loadSeedLocked(sd *Seed) {
	for _, c := range sd.Clients {
		s.clients[c.ClientID] = &oauthClient{ID: c.ClientID, Secret: c.ClientSecret}
	}
	for _, u := range sd.Users {
		s.users[u.UserID] = &user{ID: u.UserID, Name: u.Name, Username: u.Username, Password: u.Password}
		s.ids.user = max(s.ids.user, u.UserID)
	}
	for _, o := range sd.Orgs {
		s.orgs[o.OrgID] = &org{ID: o.OrgID, Name: o.Name, URLLabel: o.URLLabel}
		s.ids.org = max(s.ids.org, o.OrgID)
	}
	for _, sp := range sd.Spaces {
		s.spaces[sp.SpaceID] = &space{ID: sp.SpaceID, Name: sp.Name, URLLabel: sp.URLLabel, OrgID: sp.OrgID}
		s.ids.space = max(s.ids.space, sp.SpaceID)
		for _, m := range sp.Members {
			if s.members[sp.SpaceID] == nil {
				s.members[sp.SpaceID] = map[int64]*member{}
			}
			s.members[sp.SpaceID][m.UserID] = &member{Key: memberKey(sp.SpaceID, m.UserID), SpaceID: sp.SpaceID, UserID: m.UserID, Role: m.Role}
		}
	}
	for _, a := range sd.Apps {
		ap := &app{ID: a.AppID, SpaceID: a.SpaceID, Token: a.AppToken, Name: a.Name, ItemName: a.ItemName, NextAppID: 1}
		s.apps[a.AppID] = ap
		s.ids.app = max(s.ids.app, a.AppID)
		for _, f := range a.Fields {
			s.fields[f.FieldID] = &field{ID: f.FieldID, AppID: a.AppID, ExternalID: f.ExternalID, Label: f.Label, Type: f.Type, Options: append([]fieldOption(nil), f.Options...)}
			ap.FieldIDs = append(ap.FieldIDs, f.FieldID)
			s.ids.field = max(s.ids.field, f.FieldID)
		}
	}
	for _, ac := range sd.AuthCodes {
		s.authCodes[ac.Code] = ac.UserID
	}
}
