package mockpodio

import (
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/hookrules"
)

// The mock's state. Every field of these types is guarded by Server.mu.

type space struct {
	ID              int64
	Name            string
	URLLabel        string
	OrgID           int64  // 0: in no org
	Privacy         string // "open" or "closed"; "" reads as closed
	AutoJoin        bool
	PostOnNewApp    bool
	PostOnNewMember bool
	CreatedOn       time.Time
	CreatedBy       ref
}

type fieldOption = SeedOption

type field struct {
	ID         int64
	AppID      int64
	ExternalID string
	Label      string
	Type       string
	Options    []fieldOption
}

type app struct {
	ID        int64
	SpaceID   int64
	Token     string // the app token; empty until the first app grant in permissive mode
	Name      string
	ItemName  string
	FieldIDs  []int64 // in display order
	NextAppID int64   // next app_item_id
	Deleted   bool
}

type user struct {
	ID       int64
	Name     string
	Username string
	Password string
}

type oauthClient struct {
	ID     string
	Secret string
}

// ref is what a token or an object was made by: an app or a user.
type ref struct {
	Type string // "app" or "user"
	ID   int64
}

type token struct {
	Access         string
	Refresh        string
	Ref            ref
	ClientID       string
	Expires        time.Time
	RefreshExpires time.Time
}

type item struct {
	ID         int64
	AppID      int64
	AppItemID  int64
	Revision   int
	RevisionID int64
	ExternalID string
	Values     map[int64][]map[string]any // field_id -> normalised values
	CreatedOn  time.Time
	CreatedBy  ref
	Deleted    bool
	Revisions  []itemRevision // in order, the creation revision first
	Tags       []string       // in the order they were added
	FileIDs    []int64        // attached files, in the order they were attached
}

type comment struct {
	ID         int64
	RefType    string
	RefID      int64
	Value      string
	ExternalID string
	CreatedOn  time.Time
	CreatedBy  ref
	Deleted    bool
}

type task struct {
	ID          int64
	Text        string
	Description string
	Status      string // "active" or "completed"
	Private     bool
	RefType     string
	RefID       int64
	SpaceID     int64 // 0 for a task outside any space
	ExternalID  string
	DueDate     string
	CreatedOn   time.Time
	CreatedBy   ref
	Deleted     bool
}

type hook struct {
	ID        int64
	RefType   string
	RefID     int64
	Type      string
	URL       string
	Active    bool
	Code      string // the code of the last hook.verify sent
	CreatedOn time.Time
	CreatedBy ref
	Deleted   bool

	history        hookrules.History
	inactiveReason string

	queue   []*pending // deliveries waiting for this hook's workers
	workers int        // worker goroutines draining queue, at most HookConcurrency

	split hookURLSplit // URL split once for its deliveries, not per event
}

// hookURLSplit is a hook URL split into where deliveries go and the query
// pairs they carry ([fixtures.SplitHookURL]).
type hookURLSplit struct {
	of    string // the URL split; valid only when ok
	ok    bool
	url   string
	extra []fixtures.Param
}

// ids hands out the mock's object ids, each kind from its own range so an
// id in a log says what it is.
type ids struct {
	space, app, field, item, revision, comment, task, hook, user int64
	file, status, form, org                                      int64
}

func newIDs() ids {
	return ids{
		space:    2000,
		app:      3000,
		field:    4000,
		item:     1000000,
		revision: 5000000,
		comment:  7000000,
		task:     8000000,
		hook:     100,
		user:     1000,
		file:     9000000,
		status:   6000000,
		form:     700,
		org:      600,
	}
}

func next(p *int64) int64 {
	*p++
	return *p
}
