package mockpodio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"time"
)

// The state file is a snapshot plus a journal. StateFile holds the whole
// state as of some point (the snapshot); StateFile+".journal" holds one
// JSON line per save since then, each carrying only the rows that changed.
// So a save costs the same whatever the size of the state: append one
// line, sync it. Once the journal has grown to the size of the snapshot
// (at least compactBytes), the next save writes a new snapshot (replacing
// it atomically) and empties the journal, so the journal's cost per write
// stays bounded too.
//
// Every line names the snapshot sequence it follows (seq), so a crash
// between writing a new snapshot and emptying the journal replays
// nothing twice, and a line cut short by a crash (no newline) is ignored:
// it was never acknowledged, since a write is answered only once its line
// is synced.

// DefaultCompactBytes is the least journal size at which the next save
// compacts the journal into a new snapshot.
const DefaultCompactBytes = 1 << 20

// journalSuffix is appended to StateFile to name the journal.
const journalSuffix = ".journal"

// stateKind is one collection of the state file that the journal records
// row by row. To persist a new kind of object: add its field to stateFile
// and fill it in stateLocked and loadObjectsLocked (state.go), add its
// stateKind here, and call s.touchLocked(name, key) wherever the object is
// made, changed or removed. TestJournalMatchesSnapshot fails for a write
// route whose changes the journal misses.
type stateKind struct {
	// name is the state file's field, e.g. "items".
	name string
	// key is the field that names a row of an array kind, e.g. "item_id";
	// empty for an object kind, whose JSON maps keys to values.
	key string
	// row returns the row named key as it is now, under s.mu, or false
	// once there is none.
	row func(s *Server, key string) (any, bool)
}

// Names of the journaled kinds: the fields of the state file.
const (
	kindClients   = "clients"
	kindUsers     = "users"
	kindSpaces    = "spaces"
	kindApps      = "apps"
	kindFields    = "fields"
	kindItems     = "items"
	kindComments  = "comments"
	kindTasks     = "tasks"
	kindHooks     = "hooks"
	kindTokens    = "tokens"
	kindRefreshes = "refreshes"
	kindAuthCodes = "auth_codes"
)

// byID adapts a map of objects by int64 id to a stateKind's row.
func byID[T any](m func(*Server) map[int64]*T, conv func(*T) any) func(*Server, string) (any, bool) {
	return func(s *Server, key string) (any, bool) {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return nil, false
		}
		v, ok := m(s)[id]
		if !ok {
			return nil, false
		}
		return conv(v), true
	}
}

// byString adapts a map by string key to a stateKind's row.
func byString[T any](m func(*Server) map[string]T, conv func(T) any) func(*Server, string) (any, bool) {
	return func(s *Server, key string) (any, bool) {
		v, ok := m(s)[key]
		if !ok {
			return nil, false
		}
		return conv(v), true
	}
}

var stateKinds = []stateKind{
	{kindClients, "client_id", byString(func(s *Server) map[string]*oauthClient { return s.clients },
		func(c *oauthClient) any { return stateClient(*c) })},
	{kindUsers, "user_id", byID(func(s *Server) map[int64]*user { return s.users },
		func(u *user) any { return stateUser(*u) })},
	{kindSpaces, "space_id", byID(func(s *Server) map[int64]*space { return s.spaces },
		func(sp *space) any { return stateSpace(*sp) })},
	{kindApps, "app_id", byID(func(s *Server) map[int64]*app { return s.apps },
		func(a *app) any { return stateApp(*a) })},
	{kindFields, "field_id", byID(func(s *Server) map[int64]*field { return s.fields },
		func(f *field) any { return stateField(*f) })},
	{kindItems, "item_id", byID(func(s *Server) map[int64]*item { return s.items },
		func(it *item) any { return stateItem(*it) })},
	{kindComments, "comment_id", byID(func(s *Server) map[int64]*comment { return s.comments },
		func(c *comment) any { return stateComment(*c) })},
	{kindTasks, "task_id", byID(func(s *Server) map[int64]*task { return s.tasks },
		func(t *task) any { return stateTask(*t) })},
	{kindHooks, "hook_id", byID(func(s *Server) map[int64]*hook { return s.hooks }, hookRow)},
	{kindTokens, "access_token", byString(func(s *Server) map[string]*token { return s.tokens },
		func(t *token) any { return stateToken(*t) })},
	{kindRefreshes, "", byString(func(s *Server) map[string]*token { return s.refreshes },
		func(t *token) any { return t.Access })},
	{kindAuthCodes, "", byString(func(s *Server) map[string]int64 { return s.authCodes },
		func(uid int64) any { return uid })},
}

func lookupKind(name string) *stateKind {
	for i := range stateKinds {
		if stateKinds[i].name == name {
			return &stateKinds[i]
		}
	}
	return nil
}

// touchLocked records that a request made, changed or removed the row key
// (an int64 id or a string) of kind, so the next save journals it.
// Without a StateFile it does nothing.
func (s *Server) touchLocked(kind string, key any) {
	if s.dirty == nil {
		return
	}
	var k string
	switch v := key.(type) {
	case int64:
		k = strconv.FormatInt(v, 10)
	case string:
		k = v
	default:
		panic(fmt.Sprintf("mockpodio: touch %s: key of type %T", kind, key))
	}
	set := s.dirty[kind]
	if set == nil {
		set = map[string]struct{}{}
		s.dirty[kind] = set
	}
	set[k] = struct{}{}
}

// journalLine is one line of the journal: the rows one save changed.
type journalLine struct {
	// Seq numbers the lines since the state began; a snapshot records the
	// last it includes.
	Seq   int64      `json:"seq"`
	IDs   stateIDs   `json:"ids"`
	Clock *time.Time `json:"clock,omitempty"`
	// Set holds each changed row by kind and key; Del the keys removed.
	Set map[string]map[string]json.RawMessage `json:"set,omitempty"`
	Del map[string][]string                   `json:"del,omitempty"`
}

// journalLineLocked returns the line for the rows changed since the last
// save, and clears them; nil when nothing changed.
func (s *Server) journalLineLocked() (*journalLine, error) {
	l := &journalLine{IDs: s.stateIDsLocked(), Clock: s.manualClockLocked()}
	sameClock := (l.Clock == nil) == (s.savedClock == nil) && (l.Clock == nil || l.Clock.Equal(*s.savedClock))
	if len(s.dirty) == 0 && l.IDs == s.savedIDs && sameClock {
		return nil, nil
	}
	for name, keys := range s.dirty {
		k := lookupKind(name)
		if k == nil {
			return nil, fmt.Errorf("journal: unknown kind %q", name)
		}
		for key := range keys {
			v, ok := k.row(s, key)
			if !ok {
				if l.Del == nil {
					l.Del = map[string][]string{}
				}
				l.Del[name] = append(l.Del[name], key)
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("journal: %s %s: %w", name, key, err)
			}
			if l.Set == nil {
				l.Set = map[string]map[string]json.RawMessage{}
			}
			if l.Set[name] == nil {
				l.Set[name] = map[string]json.RawMessage{}
			}
			l.Set[name][key] = b
		}
	}
	for _, keys := range l.Del {
		slices.Sort(keys)
	}
	clear(s.dirty)
	return l, nil
}

// replayJournal applies the journal's lines to the snapshot (nil when
// there is none) and returns the resulting state file, the last sequence
// number, and the length of the journal's complete lines: a last line with
// no newline was cut short by a crash and is ignored.
func replayJournal(snapshot, journal []byte) (merged []byte, seq, good int64, err error) {
	top := map[string]json.RawMessage{}
	if snapshot != nil {
		if err := json.Unmarshal(snapshot, &top); err != nil {
			return nil, 0, 0, fmt.Errorf("not a state file: %v", err)
		}
	} else {
		top["version"] = json.RawMessage(strconv.Itoa(StateVersion))
	}
	var base int64
	if raw, ok := top["journal_seq"]; ok {
		if err := json.Unmarshal(raw, &base); err != nil {
			return nil, 0, 0, fmt.Errorf("journal_seq: %v", err)
		}
	}
	seq = base
	tables := map[string]*journalTable{}
	for n, off := 1, 0; ; n++ {
		i := bytes.IndexByte(journal[off:], '\n')
		if i < 0 {
			break // the rest, if any, was cut short
		}
		raw := journal[off : off+i]
		off += i + 1
		var l journalLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, 0, 0, fmt.Errorf("journal line %d: %v", n, err)
		}
		good = int64(off)
		if l.Seq <= base {
			continue // already in the snapshot
		}
		if l.Seq != seq+1 {
			return nil, 0, 0, fmt.Errorf("journal line %d: sequence %d after %d", n, l.Seq, seq)
		}
		seq = l.Seq
		if top["ids"], err = json.Marshal(l.IDs); err != nil {
			return nil, 0, 0, err
		}
		delete(top, "clock")
		if l.Clock != nil {
			if top["clock"], err = json.Marshal(l.Clock); err != nil {
				return nil, 0, 0, err
			}
		}
		for name, rows := range l.Set {
			t, err := tableOf(tables, top, name)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("journal line %d: %v", n, err)
			}
			for key, row := range rows {
				t.rows[key] = row
			}
		}
		for name, keys := range l.Del {
			t, err := tableOf(tables, top, name)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("journal line %d: %v", n, err)
			}
			for _, key := range keys {
				delete(t.rows, key)
			}
		}
	}
	for name, t := range tables {
		if top[name], err = t.encode(); err != nil {
			return nil, 0, 0, err
		}
	}
	delete(top, "journal_seq")
	merged, err = json.Marshal(top)
	return merged, seq, good, err
}

// journalTable is one kind's rows by key while the journal is replayed.
type journalTable struct {
	kind *stateKind
	rows map[string]json.RawMessage
}

// tableOf returns the table of kind name, read from the snapshot's field
// the first time.
func tableOf(tables map[string]*journalTable, top map[string]json.RawMessage, name string) (*journalTable, error) {
	if t, ok := tables[name]; ok {
		return t, nil
	}
	k := lookupKind(name)
	if k == nil {
		return nil, fmt.Errorf("unknown kind %q", name)
	}
	t := &journalTable{kind: k, rows: map[string]json.RawMessage{}}
	if raw, ok := top[name]; ok {
		if k.key == "" {
			if err := json.Unmarshal(raw, &t.rows); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			if t.rows == nil {
				t.rows = map[string]json.RawMessage{}
			}
		} else {
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			for _, row := range list {
				var fields map[string]json.RawMessage
				if err := json.Unmarshal(row, &fields); err != nil {
					return nil, fmt.Errorf("%s: %v", name, err)
				}
				key, err := keyText(fields[k.key])
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %v", name, k.key, err)
				}
				t.rows[key] = row
			}
		}
	}
	tables[name] = t
	return t, nil
}

// keyText is a row key as the journal writes it: a number's digits or a
// string's text.
func keyText(raw json.RawMessage) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// encode returns the table as the state file's field: an object kind as
// an object, an array kind as its rows in key order (numeric keys by
// value), as stateLocked writes them.
func (t *journalTable) encode() (json.RawMessage, error) {
	if t.kind.key == "" {
		return json.Marshal(t.rows)
	}
	keys := make([]string, 0, len(t.rows))
	for k := range t.rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, errA := strconv.ParseInt(a, 10, 64)
		y, errB := strconv.ParseInt(b, 10, 64)
		if errA == nil && errB == nil {
			return cmpInt(x, y)
		}
		return cmpString(a, b)
	})
	list := make([]json.RawMessage, len(keys))
	for i, k := range keys {
		list[i] = t.rows[k]
	}
	return json.Marshal(list)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stateWriter is a file the state is written to: the journal, or a new
// snapshot. *os.File is one; tests wrap it to fail like a full disk.
type stateWriter interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// ErrStateInUse is wrapped by the error [Server.Start] returns when another
// mock (in this process or another) has the same StateFile open.
var ErrStateInUse = errors.New("mockpodio: state file in use by another mock")

// ReadStateFile returns the state a [Server.StateFile] at path holds, as
// one JSON document in the snapshot's format: the snapshot with its
// journal (path+".journal") applied. It is for tools and tests that read
// the state of a mock, running or not; it takes no lock and changes
// nothing.
func ReadStateFile(path string) ([]byte, error) {
	s := &Server{StateFile: path}
	st, _, _, err := s.readState()
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("mockpodio: state %s: %w", path, fs.ErrNotExist)
	}
	st.JournalSeq = 0
	return json.Marshal(st)
}
