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
		Hooks     []stateHook       `json:"hooks"`
		Tokens    []stateToken      `json:"tokens"`
		Refreshes map[string]string `json:"refreshes"`  // refresh token -> the access token it last made
		AuthCodes map[string]int64  `json:"auth_codes"` // authorization code -> user id
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
		ID       int64  `json:"space_id"`
		Name     string `json:"name"`
		URLLabel string `json:"url_label"`
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
		Version: StateVersion,
		IDs: stateIDs{Space: s.ids.space, App: s.ids.app, Field: s.ids.field, Item: s.ids.item,
			Revision: s.ids.revision, Comment: s.ids.comment, Task: s.ids.task, Hook: s.ids.hook, User: s.ids.user},
		Refreshes: make(map[string]string, len(s.refreshes)),
		AuthCodes: maps.Clone(s.authCodes),
	}
	if mc, ok := s.Clock.(*ManualClock); ok {
		t := mc.Now().UTC()
		st.Clock = &t
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
	for _, id := range sortedKeys(s.hooks) {
		h := s.hooks[id]
		st.Hooks = append(st.Hooks, stateHook{
			ID: h.ID, RefType: h.RefType, RefID: h.RefID, Type: h.Type, URL: h.URL, Active: h.Active,
			InactiveReason: h.inactiveReason, Code: h.Code, CreatedOn: h.CreatedOn, CreatedBy: h.CreatedBy,
			Deleted: h.Deleted, History: stateHistory{Failures: slices.Clone(h.history.Failures),
				Consecutive: h.history.Consecutive, SuspendedUntil: h.history.SuspendedUntil},
		})
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
	hooks := map[int64]bool{}
	for _, h := range st.Hooks {
		if h.ID <= 0 || hooks[h.ID] {
			return fmt.Errorf("hook %d: duplicate or bad id", h.ID)
		}
		hooks[h.ID] = true
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

// loadLocked replaces the state with st's.
func (s *Server) loadLocked(st *stateFile) {
	s.gen++
	s.resetLocked()
	s.ids = ids{space: st.IDs.Space, app: st.IDs.App, field: st.IDs.Field, item: st.IDs.Item,
		revision: st.IDs.Revision, comment: st.IDs.Comment, task: st.IDs.Task, hook: st.IDs.Hook, user: st.IDs.User}
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
	clear(s.hooks)
	clear(s.hooksByRef)
	for _, sh := range st.Hooks { // in id order, as hooksByRef keeps them
		h := &hook{ID: sh.ID, RefType: sh.RefType, RefID: sh.RefID, Type: sh.Type, URL: sh.URL, Active: sh.Active,
			inactiveReason: sh.InactiveReason, Code: sh.Code, CreatedOn: sh.CreatedOn, CreatedBy: sh.CreatedBy,
			Deleted: sh.Deleted, history: History(sh.History)}
		s.hooks[h.ID] = h
		if !h.Deleted {
			t := target{h.RefType, h.RefID}
			s.hooksByRef[t] = append(s.hooksByRef[t], h.ID)
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
	if mc, ok := s.Clock.(*ManualClock); ok && st.Clock != nil {
		mc.mu.Lock()
		mc.now = *st.Clock
		mc.mu.Unlock()
	}
	s.notifyLocked()
}

// startState loads s.StateFile, or creates it, and starts saving it on
// every change. Start calls it before serving.
func (s *Server) startState() error {
	if s.StateFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.StateFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("mockpodio: state: %w", err)
	default:
		st, err := parseState(b)
		if err != nil {
			return &StateError{Path: s.StateFile, Err: err}
		}
		s.mu.Lock()
		s.loadLocked(st)
		s.mu.Unlock()
	}
	removeStaleTemps(s.StateFile)
	s.saveMu.Lock()
	s.stateLoaded = true
	s.saveMu.Unlock()
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

// closeState stops the saver and saves one last time. Close calls it once
// every delivery has finished.
func (s *Server) closeState() {
	if s.saverDone == nil {
		return
	}
	<-s.saverDone
	if err := s.SaveState(); err != nil {
		s.logf("state: %v", err)
	}
}

// SaveState writes the state to [Server.StateFile] now, unless the file
// already holds it. The server saves on its own: before answering every
// call but a GET or HEAD that comes through its Listener, in the
// background whenever a delivery's outcome, a verification, a reset or a
// clock advance changes the state, and on Close. SaveState is for state
// changed otherwise, such as a [ManualClock] advanced directly or calls
// served through [Server.Transport] or [Server.ServeHTTP] that a test
// needs on disk at once. Without a StateFile it does nothing.
func (s *Server) SaveState() error {
	if s.StateFile == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if !s.stateLoaded {
		return errors.New("mockpodio: save state: the server has not loaded its state file: call Start first")
	}
	s.mu.Lock()
	st := s.stateLocked()
	s.mu.Unlock()
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("mockpodio: save state: %w", err)
	}
	if bytes.Equal(b, s.saved) {
		return nil
	}
	if err := writeFileAtomic(s.StateFile, b); err != nil {
		return fmt.Errorf("mockpodio: save state: %w", err)
	}
	s.saved = b
	return nil
}

// writeFileAtomic replaces path with b so that a crash at any point
// leaves either the old file or the new one: b goes to a temporary file in
// the same directory, which is synced, renamed over path, and the
// directory synced.
func writeFileAtomic(path string, b []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
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

// persistingHandler serves the API and, when there is a StateFile, saves
// the state after every call but a GET or HEAD, before the answer leaves:
// once a client has the answer to a write, the write is on disk.
func (s *Server) persistingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.StateFile == "" || r.Method == http.MethodGet || r.Method == http.MethodHead {
			s.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if err := s.SaveState(); err != nil {
			s.logf("state: %v", err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}
