package mockpodio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/devhookhq/devhook/internal/hookrules"
)

// StateVersion is the version of the state file format [Server.StateFile]
// names. A file of another version is refused, never overwritten.
const StateVersion = 1

// ErrBadState is wrapped by every [StateError].
var ErrBadState = errors.New("mockpodio: bad state file")

// StateError is returned by [Server.Start] for a state file that cannot be
// loaded: it does not parse, has an unknown version or does not hold
// together. The file is left as it is.
type StateError struct {
	// Path is the state file.
	Path string
	// Err says what is wrong with it.
	Err error
}

// Error names the file and what is wrong with it.
func (e *StateError) Error() string { return "mockpodio: state " + e.Path + ": " + e.Err.Error() }

// Unwrap returns [ErrBadState] and e.Err, so errors.Is finds both.
func (e *StateError) Unwrap() []error { return []error{ErrBadState, e.Err} }

// The state file's JSON. Most types convert to and from the ones in
// store.go, so a field added there fails to compile here until it is
// persisted too.
type (
	stateFile struct {
		Version int `json:"version"`
		// Clock is a manual clock's reading; nil for the wall clock.
		Clock     *time.Time        `json:"clock,omitempty"`
		IDs       stateIDs          `json:"ids"`
		Clients   []stateClient     `json:"clients"`
		Users     []stateUser       `json:"users"`
		Spaces    []stateSpace      `json:"spaces"`
		Apps      []stateApp        `json:"apps"`
		Fields    []stateField      `json:"fields"`
		Items     []stateItem       `json:"items"`
		Comments  []stateComment    `json:"comments"`
		Tasks     []stateTask       `json:"tasks"`
		Files     []file            `json:"files,omitempty"`
		Statuses  []status          `json:"statuses,omitempty"`
		Forms     []form            `json:"forms,omitempty"`
		Orgs      []org             `json:"orgs,omitempty"`
		Members   []member          `json:"members,omitempty"`
		Hooks     []stateHook       `json:"hooks"`
		Tokens    []stateToken      `json:"tokens"`
		Refreshes map[string]string `json:"refreshes"`  // refresh token -> the access token it last made
		AuthCodes map[string]int64  `json:"auth_codes"` // authorization code -> user id
		// JournalSeq is the last journal line the snapshot includes.
		JournalSeq int64 `json:"journal_seq,omitempty"`
	}
	stateIDs struct {
		Space    int64 `json:"space"`
		App      int64 `json:"app"`
		Field    int64 `json:"field"`
		Item     int64 `json:"item"`
		Revision int64 `json:"revision"`
		Comment  int64 `json:"comment"`
		Task     int64 `json:"task"`
		Hook     int64 `json:"hook"`
		User     int64 `json:"user"`
		File     int64 `json:"file,omitempty"`
		Status   int64 `json:"status,omitempty"`
		Form     int64 `json:"form,omitempty"`
		Org      int64 `json:"org,omitempty"`
	}
	stateClient struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	stateUser struct {
		ID       int64  `json:"user_id"`
		Name     string `json:"name"`
		Username string `json:"username"`
		Password string `json:"password"`
	}
	stateSpace struct {
		ID              int64     `json:"space_id"`
		Name            string    `json:"name"`
		URLLabel        string    `json:"url_label"`
		OrgID           int64     `json:"org_id,omitempty"`
		Privacy         string    `json:"privacy,omitempty"`
		AutoJoin        bool      `json:"auto_join,omitempty"`
		PostOnNewApp    bool      `json:"post_on_new_app,omitempty"`
		PostOnNewMember bool      `json:"post_on_new_member,omitempty"`
		CreatedOn       time.Time `json:"created_on,omitzero"`
		CreatedBy       ref       `json:"created_by,omitzero"`
	}
	stateApp struct {
		ID        int64   `json:"app_id"`
		SpaceID   int64   `json:"space_id"`
		Token     string  `json:"app_token"`
		Name      string  `json:"name"`
		ItemName  string  `json:"item_name"`
		FieldIDs  []int64 `json:"field_ids"`
		NextAppID int64   `json:"next_app_item_id"`
		Deleted   bool    `json:"deleted"`
	}
	stateField struct {
		ID         int64         `json:"field_id"`
		AppID      int64         `json:"app_id"`
		ExternalID string        `json:"external_id"`
		Label      string        `json:"label"`
		Type       string        `json:"type"`
		Options    []fieldOption `json:"options"`
	}
	stateItem struct {
		ID         int64                      `json:"item_id"`
		AppID      int64                      `json:"app_id"`
		AppItemID  int64                      `json:"app_item_id"`
		Revision   int                        `json:"revision"`
		RevisionID int64                      `json:"revision_id"`
		ExternalID string                     `json:"external_id"`
		Values     map[int64][]map[string]any `json:"values"`
		CreatedOn  time.Time                  `json:"created_on"`
		CreatedBy  ref                        `json:"created_by"`
		Deleted    bool                       `json:"deleted"`
		Revisions  []itemRevision             `json:"revisions,omitempty"`
		Tags       []string                   `json:"tags,omitempty"`
		FileIDs    []int64                    `json:"file_ids,omitempty"`
	}
	stateComment struct {
		ID         int64     `json:"comment_id"`
		RefType    string    `json:"ref_type"`
		RefID      int64     `json:"ref_id"`
		Value      string    `json:"value"`
		ExternalID string    `json:"external_id"`
		CreatedOn  time.Time `json:"created_on"`
		CreatedBy  ref       `json:"created_by"`
		Deleted    bool      `json:"deleted"`
	}
	stateTask struct {
		ID          int64     `json:"task_id"`
		Text        string    `json:"text"`
		Description string    `json:"description"`
		Status      string    `json:"status"`
		Private     bool      `json:"private"`
		RefType     string    `json:"ref_type"`
		RefID       int64     `json:"ref_id"`
		SpaceID     int64     `json:"space_id"`
		ExternalID  string    `json:"external_id"`
		DueDate     string    `json:"due_date"`
		CreatedOn   time.Time `json:"created_on"`
		CreatedBy   ref       `json:"created_by"`
		Deleted     bool      `json:"deleted"`
	}
	stateToken struct {
		Access         string    `json:"access_token"`
		Refresh        string    `json:"refresh_token"`
		Ref            ref       `json:"ref"`
		ClientID       string    `json:"client_id"`
		Expires        time.Time `json:"expires"`
		RefreshExpires time.Time `json:"refresh_expires"`
	}
	stateHook struct {
		ID             int64        `json:"hook_id"`
		RefType        string       `json:"ref_type"`
		RefID          int64        `json:"ref_id"`
		Type           string       `json:"type"`
		URL            string       `json:"url"`
		Active         bool         `json:"active"`
		InactiveReason string       `json:"inactive_reason"`
		Code           string       `json:"verify_code"`
		CreatedOn      time.Time    `json:"created_on"`
		CreatedBy      ref          `json:"created_by"`
		Deleted        bool         `json:"deleted"`
		History        stateHistory `json:"history"`
	}
	stateHistory struct {
		Failures       []time.Time `json:"failures"`
		Consecutive    int         `json:"consecutive"`
		SuspendedUntil time.Time   `json:"suspended_until"`
	}
)

// stateLocked is the state to persist, with every list in id order so
// equal states encode to equal bytes. It copies what requests change in
// place (maps, and slices appended to), so it can be encoded without the
// lock.
func (s *Server) stateLocked() *stateFile {
	st := &stateFile{
		Version:   StateVersion,
		IDs:       s.stateIDsLocked(),
		Clock:     s.manualClockLocked(),
		Refreshes: make(map[string]string, len(s.refreshes)),
		AuthCodes: maps.Clone(s.authCodes),
	}
	for _, c := range s.clients {
		st.Clients = append(st.Clients, stateClient(*c))
	}
	slices.SortFunc(st.Clients, func(a, b stateClient) int { return cmpString(a.ID, b.ID) })
	for _, id := range sortedKeys(s.users) {
		st.Users = append(st.Users, stateUser(*s.users[id]))
	}
	for _, id := range sortedKeys(s.spaces) {
		st.Spaces = append(st.Spaces, stateSpace(*s.spaces[id]))
	}
	for _, id := range sortedKeys(s.apps) {
		a := stateApp(*s.apps[id])
		a.FieldIDs = slices.Clone(a.FieldIDs)
		st.Apps = append(st.Apps, a)
	}
	for _, id := range sortedKeys(s.fields) {
		f := stateField(*s.fields[id])
		f.Options = slices.Clone(f.Options)
		st.Fields = append(st.Fields, f)
	}
	for _, id := range sortedKeys(s.items) {
		it := stateItem(*s.items[id])
		it.Values = maps.Clone(it.Values) // each field's values are replaced, never changed in place
		it.Revisions, it.Tags, it.FileIDs = slices.Clone(it.Revisions), slices.Clone(it.Tags), slices.Clone(it.FileIDs)
		st.Items = append(st.Items, it)
	}
	for _, id := range sortedKeys(s.comments) {
		st.Comments = append(st.Comments, stateComment(*s.comments[id]))
	}
	for _, id := range sortedKeys(s.tasks) {
		st.Tasks = append(st.Tasks, stateTask(*s.tasks[id]))
	}
	s.wave2StateLocked(st)
	for _, id := range sortedKeys(s.hooks) {
		st.Hooks = append(st.Hooks, hookRow(s.hooks[id]).(stateHook))
	}
	for _, t := range s.tokens {
		st.Tokens = append(st.Tokens, stateToken(*t))
	}
	slices.SortFunc(st.Tokens, func(a, b stateToken) int { return cmpString(a.Access, b.Access) })
	for r, t := range s.refreshes {
		st.Refreshes[r] = t.Access
	}
	return st
}

func (s *Server) stateIDsLocked() stateIDs {
	return stateIDs{Space: s.ids.space, App: s.ids.app, Field: s.ids.field, Item: s.ids.item,
		Revision: s.ids.revision, Comment: s.ids.comment, Task: s.ids.task, Hook: s.ids.hook, User: s.ids.user,
		File: s.ids.file, Status: s.ids.status, Form: s.ids.form, Org: s.ids.org}
}

// manualClockLocked returns a manual clock's reading, nil for the wall
// clock.
func (s *Server) manualClockLocked() *time.Time {
	if mc, ok := s.Clock.(*ManualClock); ok {
		t := mc.Now().UTC()
		return &t
	}
	return nil
}

// hookRow is h as the state file keeps it; it copies the failures.
func hookRow(h *hook) any {
	return stateHook{
		ID: h.ID, RefType: h.RefType, RefID: h.RefID, Type: h.Type, URL: h.URL, Active: h.Active,
		InactiveReason: h.inactiveReason, Code: h.Code, CreatedOn: h.CreatedOn, CreatedBy: h.CreatedBy,
		Deleted: h.Deleted, History: stateHistory{Failures: slices.Clone(h.history.Failures),
			Consecutive: h.history.Consecutive, SuspendedUntil: h.history.SuspendedUntil},
	}
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseState decodes and checks a state file.
func parseState(b []byte) (*stateFile, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("not a state file: %v", err)
	}
	if head.Version == nil {
		return nil, errors.New("not a state file: no version")
	}
	if *head.Version != StateVersion {
		return nil, fmt.Errorf("unknown version %d: this mock reads version %d", *head.Version, StateVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber() // item values keep numbers as json.Number, as requests leave them
	var st stateFile
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("version %d: %v", StateVersion, err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	if err := st.check(); err != nil {
		return nil, err
	}
	return &st, nil
}

// check finds what would break the server: duplicate ids and dangling
// references between apps, fields, items and tokens.
func (st *stateFile) check() error {
	apps := map[int64]bool{}
	for _, a := range st.Apps {
		if a.ID <= 0 || apps[a.ID] {
			return fmt.Errorf("app %d: duplicate or bad id", a.ID)
		}
		apps[a.ID] = true
	}
	fields := map[int64]bool{}
	for _, f := range st.Fields {
		if f.ID <= 0 || fields[f.ID] {
			return fmt.Errorf("field %d: duplicate or bad id", f.ID)
		}
		if !apps[f.AppID] {
			return fmt.Errorf("field %d: app %d is not in apps", f.ID, f.AppID)
		}
		fields[f.ID] = true
	}
	for _, a := range st.Apps {
		for _, fid := range a.FieldIDs {
			if !fields[fid] {
				return fmt.Errorf("app %d: field %d is not in fields", a.ID, fid)
			}
		}
	}
	items := map[int64]bool{}
	for _, it := range st.Items {
		if it.ID <= 0 || items[it.ID] {
			return fmt.Errorf("item %d: duplicate or bad id", it.ID)
		}
		if !apps[it.AppID] {
			return fmt.Errorf("item %d: app %d is not in apps", it.ID, it.AppID)
		}
		for fid := range it.Values {
			if !fields[fid] {
				return fmt.Errorf("item %d: field %d is not in fields", it.ID, fid)
			}
		}
		items[it.ID] = true
	}
	if err := st.checkWave2(); err != nil {
		return err
	}
	hooks := map[int64]bool{}
	for _, h := range st.Hooks {
		if h.ID <= 0 || hooks[h.ID] {
			return fmt.Errorf("hook %d: duplicate or bad id", h.ID)
		}
		hooks[h.ID] = true
	}
	if err := st.checkIDs(); err != nil {
		return err
	}
	tokens := map[string]bool{}
	for _, t := range st.Tokens {
		if t.Access == "" || tokens[t.Access] {
			return errors.New("tokens: duplicate or empty access token")
		}
		tokens[t.Access] = true
	}
	for r, a := range st.Refreshes {
		if !tokens[a] {
			return fmt.Errorf("refresh token %.8s…: its access token is not in tokens", r)
		}
	}
	return nil
}

// checkIDs checks that every id counter is at or past the ids in use, and
// every app's next app_item_id past its items': a counter behind would
// hand out an id again and overwrite an object.
func (st *stateFile) checkIDs() error {
	behind := func(counter string, at int64, what string, id int64) error {
		return fmt.Errorf("the id counter ids.%s is %d, behind %s %d: the next one made would overwrite it (set ids.%s to at least %d)",
			counter, at, what, id, counter, id)
	}
	type use struct {
		counter string
		at      int64
		what    string
		ids     []int64
	}
	uses := []use{
		{"space", st.IDs.Space, "space", nil}, {"app", st.IDs.App, "app", nil}, {"field", st.IDs.Field, "field", nil},
		{"item", st.IDs.Item, "item", nil}, {"revision", st.IDs.Revision, "the revision of an item", nil},
		{"comment", st.IDs.Comment, "comment", nil}, {"task", st.IDs.Task, "task", nil},
		{"hook", st.IDs.Hook, "hook", nil}, {"user", st.IDs.User, "user", nil},
	}
	for _, x := range st.Spaces {
		uses[0].ids = append(uses[0].ids, x.ID)
	}
	nextAppItem := map[int64]int64{}
	for _, x := range st.Apps {
		uses[1].ids = append(uses[1].ids, x.ID)
		nextAppItem[x.ID] = x.NextAppID
	}
	for _, x := range st.Fields {
		uses[2].ids = append(uses[2].ids, x.ID)
	}
	for _, x := range st.Items {
		uses[3].ids = append(uses[3].ids, x.ID)
		uses[4].ids = append(uses[4].ids, x.RevisionID)
		if x.AppItemID >= nextAppItem[x.AppID] {
			return fmt.Errorf("app %d: next_app_item_id %d is not past item %d's app_item_id %d", x.AppID, nextAppItem[x.AppID], x.ID, x.AppItemID)
		}
	}
	for _, x := range st.Comments {
		uses[5].ids = append(uses[5].ids, x.ID)
	}
	for _, x := range st.Tasks {
		uses[6].ids = append(uses[6].ids, x.ID)
	}
	for _, x := range st.Hooks {
		uses[7].ids = append(uses[7].ids, x.ID)
	}
	for _, x := range st.Users {
		uses[8].ids = append(uses[8].ids, x.ID)
	}
	for _, u := range uses {
		for _, id := range u.ids {
			if id > u.at {
				return behind(u.counter, u.at, u.what, id)
			}
		}
	}
	return nil
}

// loadLocked replaces the state with st's: the objects, and a manual
// clock's reading. Deliveries and counters start afresh.
func (s *Server) loadLocked(st *stateFile) {
	s.gen++
	s.resetLocked()
	s.loadObjectsLocked(st)
	if mc, ok := s.Clock.(*ManualClock); ok && st.Clock != nil {
		mc.mu.Lock()
		mc.now = *st.Clock
		mc.mu.Unlock()
	}
	s.notifyLocked()
}

// loadObjectsLocked replaces the persisted objects with st's and leaves
// the rest (deliveries, counters, faults) alone. A hook that exists in
// both keeps its queue; one st lacks is marked deleted, so what is queued
// for it is dropped.
func (s *Server) loadObjectsLocked(st *stateFile) {
	s.ids = ids{space: st.IDs.Space, app: st.IDs.App, field: st.IDs.Field, item: st.IDs.Item,
		revision: st.IDs.Revision, comment: st.IDs.Comment, task: st.IDs.Task, hook: st.IDs.Hook, user: st.IDs.User,
		file: st.IDs.File, status: st.IDs.Status, form: st.IDs.Form, org: st.IDs.Org}
	s.ids.file = max(s.ids.file, newIDs().file) // a state file from before files
	s.ids.status = max(s.ids.status, newIDs().status)
	s.ids.form = max(s.ids.form, newIDs().form)
	s.ids.org = max(s.ids.org, newIDs().org)
	clear(s.clients)
	for _, c := range st.Clients {
		s.clients[c.ID] = new(oauthClient(c))
	}
	clear(s.users)
	for _, u := range st.Users {
		s.users[u.ID] = new(user(u))
	}
	clear(s.spaces)
	for _, sp := range st.Spaces {
		s.spaces[sp.ID] = new(space(sp))
	}
	clear(s.apps)
	for _, a := range st.Apps {
		s.apps[a.ID] = new(app(a))
	}
	clear(s.fields)
	for _, f := range st.Fields {
		s.fields[f.ID] = new(field(f))
	}
	clear(s.items)
	for _, it := range st.Items {
		x := new(item(it))
		if x.Values == nil {
			x.Values = map[int64][]map[string]any{}
		}
		// Normalise again, so values compare equal to those a request
		// makes (a category's option id is an int64, not a json.Number).
		for fid, vals := range x.Values {
			for i, v := range vals {
				if nv, err := normaliseValue(s.fields[fid], v); err == nil {
					vals[i] = nv
				}
			}
		}
		s.normaliseRevisionsLocked(x)
		s.items[it.ID] = x
	}
	clear(s.comments)
	for _, c := range st.Comments {
		s.comments[c.ID] = new(comment(c))
	}
	clear(s.tasks)
	for _, t := range st.Tasks {
		s.tasks[t.ID] = new(task(t))
	}
	s.loadWave2Locked(st)
	old := s.hooks
	s.hooks = make(map[int64]*hook, len(st.Hooks))
	clear(s.hooksByRef)
	for _, sh := range st.Hooks { // in id order, as hooksByRef keeps them
		h := old[sh.ID]
		if h == nil {
			h = &hook{}
		}
		h.ID, h.RefType, h.RefID, h.Type, h.URL, h.Active = sh.ID, sh.RefType, sh.RefID, sh.Type, sh.URL, sh.Active
		h.inactiveReason, h.Code, h.CreatedOn, h.CreatedBy = sh.InactiveReason, sh.Code, sh.CreatedOn, sh.CreatedBy
		h.Deleted, h.history = sh.Deleted, hookrules.History(sh.History)
		s.hooks[h.ID] = h
		if !h.Deleted {
			t := target{h.RefType, h.RefID}
			s.hooksByRef[t] = append(s.hooksByRef[t], h.ID)
		}
	}
	for id, h := range old {
		if _, ok := s.hooks[id]; !ok {
			h.Deleted, h.Active = true, false
		}
	}
	clear(s.tokens)
	for _, t := range st.Tokens {
		s.tokens[t.Access] = new(token(t))
	}
	clear(s.refreshes)
	for r, a := range st.Refreshes {
		s.refreshes[r] = s.tokens[a]
	}
	clear(s.authCodes)
	for c, uid := range st.AuthCodes {
		s.authCodes[c] = uid
	}
}

// readState reads the snapshot and the journal from disk and returns the
// state they hold (nil when there is neither), the journal's last
// sequence number and the length of its complete lines.
func (s *Server) readState() (st *stateFile, seq, good int64, err error) {
	snap, err := os.ReadFile(s.StateFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		snap = nil
	case err != nil:
		return nil, 0, 0, fmt.Errorf("mockpodio: state: %w", err)
	}
	journal, err := os.ReadFile(s.StateFile + journalSuffix)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, 0, 0, fmt.Errorf("mockpodio: state: %w", err)
	}
	if snap == nil && len(journal) == 0 {
		return nil, 0, 0, nil
	}
	b := snap
	if len(journal) > 0 {
		if b, seq, good, err = replayJournal(snap, journal); err != nil {
			return nil, 0, 0, &StateError{Path: s.StateFile, Err: err}
		}
	}
	if st, err = parseState(b); err != nil {
		return nil, 0, 0, &StateError{Path: s.StateFile, Err: err}
	}
	if len(journal) == 0 {
		seq = st.JournalSeq
	}
	return st, seq, good, nil
}

// startState locks s.StateFile, loads it (or finds it missing), compacts
// it into a fresh snapshot and starts saving on every change. Start calls
// it before serving.
func (s *Server) startState() (err error) {
	if s.StateFile == "" {
		return nil
	}
	jpath := s.StateFile + journalSuffix
	_, statErr := os.Stat(jpath)
	f, err := os.OpenFile(jpath, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("mockpodio: state: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			if errors.Is(statErr, fs.ErrNotExist) && !errors.Is(err, ErrStateInUse) {
				os.Remove(jpath) // made only to be locked: leave the directory as it was
			}
		}
	}()
	if err := lockFile(f); err != nil {
		if errors.Is(err, ErrStateInUse) {
			return fmt.Errorf("mockpodio: state %s: another mock has it open (its journal %s is locked): %w", s.StateFile, jpath, err)
		}
		return fmt.Errorf("mockpodio: state %s: lock: %w", s.StateFile, err)
	}
	st, seq, good, err := s.readState()
	if err != nil {
		return err
	}
	if st != nil {
		s.mu.Lock()
		s.loadLocked(st)
		s.mu.Unlock()
	}
	if err := f.Truncate(good); err != nil { // a line cut short by a crash
		return fmt.Errorf("mockpodio: state: %w", err)
	}
	removeStaleTemps(s.StateFile)
	var w stateWriter = f
	if s.wrapFile != nil {
		w = s.wrapFile(w)
	}
	s.saveMu.Lock()
	s.journal, s.journalSize, s.seq = w, good, seq
	s.stateLoaded = true
	s.saveMu.Unlock()
	s.mu.Lock()
	s.dirty = map[string]map[string]struct{}{}
	s.fullSave = true
	s.mu.Unlock()
	if err := s.SaveState(); err != nil {
		return err
	}
	s.saverDone = make(chan struct{})
	go s.saveOnChange()
	return nil
}

// saveOnChange saves the state whenever the server signals a change (a
// delivery's outcome feeding the rules, a verification, a reset, a clock
// advance) until Close.
func (s *Server) saveOnChange() {
	defer close(s.saverDone)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if err := s.SaveState(); err != nil {
			s.logf("state: %v", err)
		}
		select {
		case <-ch:
		case <-s.closing:
			return
		}
	}
}

// closeState stops the saver, saves one last time as a full snapshot and
// releases the state file. Close calls it once every delivery has
// finished.
func (s *Server) closeState() {
	if s.saverDone == nil {
		return
	}
	<-s.saverDone
	s.mu.Lock()
	s.fullSave = true
	s.mu.Unlock()
	if err := s.SaveState(); err != nil {
		s.logf("state: %v", err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.journal != nil {
		s.journal.Close()
		s.journal = nil
	}
	s.stateLoaded = false
}

// SaveState writes what changed in the state to [Server.StateFile] now.
// The server saves on its own: before answering every call but a GET or
// HEAD that comes through its Listener, in the background whenever a
// delivery's outcome, a verification, a reset or a clock advance changes
// the state, and on Close. SaveState is for state changed otherwise, such
// as a [ManualClock] advanced directly or calls served through
// [Server.Transport] or [Server.ServeHTTP] that a test needs on disk at
// once. Without a StateFile it does nothing.
//
// When the write fails (a full disk, a file too large, an I/O error), the
// state in memory goes back to what the file holds, so nothing is kept
// that was not saved, and SaveState returns the error.
func (s *Server) SaveState() error {
	if s.StateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if !s.stateLoaded {
		return errors.New("mockpodio: save state: the server has not loaded its state file: call Start first")
	}
	if s.stateBroken != nil {
		return s.stateBroken
	}
	s.mu.Lock()
	full := s.fullSave || s.journalSize >= max(s.compactBytes(), s.snapshotSize)
	var (
		st   *stateFile
		line *journalLine
		err  error
	)
	if full {
		st = s.stateLocked()
		st.JournalSeq = s.seq
		s.fullSave = false
		clear(s.dirty)
	} else {
		line, err = s.journalLineLocked()
	}
	// The clock on disk is the reading the line or snapshot holds: a
	// ManualClock advances without mu, so a second reading could be later
	// than the one written, and the next save would then skip the advance.
	ids, clock := s.stateIDsLocked(), s.savedClock
	switch {
	case full:
		clock = st.Clock
	case line != nil:
		clock = line.Clock
	}
	s.mu.Unlock()
	switch {
	case err != nil:
	case full:
		err = s.writeSnapshot(st)
	case line != nil:
		err = s.appendJournal(line)
	default:
		return nil // nothing changed
	}
	if err != nil {
		s.rollback()
		return fmt.Errorf("mockpodio: save state %s: %w", s.StateFile, err)
	}
	s.savedIDs, s.savedClock = ids, clock
	return nil
}

// writeSnapshot replaces the snapshot with st and empties the journal.
func (s *Server) writeSnapshot(st *stateFile) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.StateFile, b, s.wrapFile); err != nil {
		return err
	}
	s.snapshotSize = int64(len(b))
	// The journal's lines are all in the snapshot now (its journal_seq
	// says so), so emptying it may fail harmlessly.
	if err := s.journal.Truncate(0); err == nil {
		s.journalSize = 0
	}
	return nil
}

// appendJournal appends line to the journal and syncs it. On failure it
// cuts the journal back to its last complete line.
func (s *Server) appendJournal(line *journalLine) error {
	line.Seq = s.seq + 1
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = s.journal.Write(b)
	if err == nil {
		err = s.journal.Sync()
	}
	if err != nil {
		if terr := s.journal.Truncate(s.journalSize); terr != nil {
			s.stateBroken = fmt.Errorf("mockpodio: state %s: a save failed (%v) and its journal could not be cut back (%v): restart the mock", s.StateFile, err, terr)
		}
		return err
	}
	s.seq++
	s.journalSize += int64(len(b))
	return nil
}

// rollback puts the state in memory back to what the state file holds,
// after a save failed, and counts the rollback so calls served meanwhile
// are answered with an error too. When the file cannot be read back, the
// server refuses every later write.
func (s *Server) rollback() {
	s.rollbacks.Add(1)
	if s.stateBroken != nil {
		return
	}
	st, seq, _, err := s.readState()
	if err == nil && st == nil {
		err = errors.New("the state file is gone")
	}
	if err != nil {
		s.stateBroken = fmt.Errorf("mockpodio: state %s: a save failed and the file could not be read back (%v): restart the mock", s.StateFile, err)
		return
	}
	s.seq = seq
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadObjectsLocked(st)
	clear(s.dirty)
	s.savedIDs, s.savedClock = s.stateIDsLocked(), s.manualClockLocked()
	s.notifyLocked()
}

// writeFileAtomic replaces path with b so that a crash at any point
// leaves either the old file or the new one: b goes to a temporary file in
// the same directory, which is synced, renamed over path, and the
// directory synced. wrap, when not nil, wraps the temporary file (tests).
func writeFileAtomic(path string, b []byte, wrap func(stateWriter) stateWriter) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	var w stateWriter = f
	if wrap != nil {
		w = wrap(f)
	}
	defer func() {
		if err != nil {
			w.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = w.Write(b); err != nil {
		return err
	}
	if err = w.Sync(); err != nil {
		return err
	}
	if err = w.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTemps removes the temporary files a process killed while
// saving path left behind.
func removeStaleTemps(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// errNotSaved answers a write whose save failed: it was not kept.
func errNotSaved(err error) *APIError {
	return errorf(http.StatusServiceUnavailable, codeUnavailable,
		"The change could not be saved to the mock's state file, so it was not made: %v", err)
}

// persistingHandler serves the API and, when there is a StateFile, saves
// the state after every call but a GET or HEAD, before the answer leaves:
// once a client has the answer to a write, the write is on disk. When the
// save fails, the call is answered 503 in Podio's error shape and its
// change is undone; so is every call served while that save was under
// way.
func (s *Server) persistingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.StateFile == "" || r.Method == http.MethodGet || r.Method == http.MethodHead {
			s.ServeHTTP(w, r)
			return
		}
		s.saveMu.Lock()
		broken := s.stateBroken
		s.saveMu.Unlock()
		if broken != nil {
			writeError(w, r, errNotSaved(broken))
			return
		}
		rollbacks := s.rollbacks.Load()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		err := s.SaveState()
		if err == nil && s.rollbacks.Load() != rollbacks {
			err = errors.New("another save failed while this call was served")
		}
		if err != nil {
			s.logf("state: %v", err)
			writeError(w, r, errNotSaved(err))
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

func (s *Server) compactBytes() int64 {
	if s.compactAt > 0 {
		return s.compactAt
	}
	return DefaultCompactBytes
}
