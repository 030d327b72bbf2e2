package mockpodio

import (
	"maps"
	"net/http"
	"reflect"
	"strconv"
	"time"
)

// Item revisions (https://developers.podio.com/doc/items): every write that changes an
// item's fields or external_id appends a revision. The creation revision
// has number 0; each one gets a new global item_revision_id, the id item
// events carry.

// Revision choices the reference leaves open.
const (
	// revisionAppRevision is the app_revision every revision reports: the
	// mock does not version apps. INFERRED.
	revisionAppRevision = 1
)

// itemRevision is one revision of an item, with the values the item had
// after it, so any two revisions can be diffed.
type itemRevision struct {
	ID        int64                      `json:"item_revision_id"`
	Revision  int                        `json:"revision"`
	Type      string                     `json:"type"` // "creation" or "update"
	CreatedOn time.Time                  `json:"created_on"`
	CreatedBy ref                        `json:"created_by"`
	Values    map[int64][]map[string]any `json:"values"`
}

// recordRevisionLocked appends the item's current state as a revision.
// it.Revision and it.RevisionID must already be the new ones. Values are
// replaced per field, never changed in place, so a shallow copy is a
// snapshot.
func (s *Server) recordRevisionLocked(it *item, typ string, by ref) {
	it.Revisions = append(it.Revisions, itemRevision{
		ID: it.RevisionID, Revision: it.Revision, Type: typ, CreatedOn: s.now(), CreatedBy: by,
		Values: maps.Clone(it.Values),
	})
}

// normaliseRevisionsLocked normalises the values of a loaded item's
// revisions, as loadLocked does for the item's own values.
func (s *Server) normaliseRevisionsLocked(it *item) {
	for _, rv := range it.Revisions {
		for fid, vals := range rv.Values {
			f, ok := s.fields[fid]
			if !ok {
				continue
			}
			for i, v := range vals {
				if nv, err := normaliseValue(f, v); err == nil {
					vals[i] = nv
				}
			}
		}
	}
}

// revisionJSON is Podio's ItemRevision (docs models/itemrevision).
type revisionJSON struct {
	ItemRevisionID int64  `json:"item_revision_id"`
	Revision       int    `json:"revision"`
	Type           string `json:"type"`
	AppRevision    int    `json:"app_revision"`
	CreatedOn      string `json:"created_on"`
	CreatedBy      any    `json:"created_by"`
	CreatedVia     any    `json:"created_via"`
	User           any    `json:"user"`
}

func (s *Server) revisionJSONLocked(rv itemRevision) revisionJSON {
	by := s.bylineLocked(rv.CreatedBy)
	return revisionJSON{ItemRevisionID: rv.ID, Revision: rv.Revision, Type: rv.Type, AppRevision: revisionAppRevision,
		CreatedOn: podioTime(rv.CreatedOn), CreatedBy: by, CreatedVia: via(), User: by}
}

// revisionDiff is one entry of GET /item/{id}/revision/{from}/{to}: a
// field whose values differ (docs items/get-item-revision-difference-22374).
type revisionDiff struct {
	FieldID    int64            `json:"field_id"`
	ExternalID string           `json:"external_id"`
	Type       string           `json:"type"`
	Label      string           `json:"label"`
	Config     fieldConfigJSON  `json:"config"`
	From       []map[string]any `json:"from"`
	To         []map[string]any `json:"to"`
}

type fieldConfigJSON struct {
	Label string `json:"label"`
}

// revisionNumber parses a revision number path parameter: 0 or more.
func (c *call) revisionNumber(name string) (int, error) {
	v := c.params[name]
	if v == "0" {
		return 0, nil
	}
	n, ok := parseID(v)
	if !ok || n > int64(^uint32(0)>>1) {
		return 0, errorf(http.StatusNotFound, codeNotFound, "Invalid %s %q: must be a revision number, 0 or more", name, v)
	}
	return int(n), nil
}

func findRevision(it *item, n int) (itemRevision, error) {
	for _, rv := range it.Revisions {
		if rv.Revision == n {
			return rv, nil
		}
	}
	return itemRevision{}, notFound("item revision", strconv.FormatInt(it.ID, 10)+"/"+strconv.Itoa(n))
}

func (s *Server) handleListRevisions(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := make([]revisionJSON, 0, len(it.Revisions))
	for _, rv := range it.Revisions {
		out = append(out, s.revisionJSONLocked(rv))
	}
	return http.StatusOK, out, nil
}

func (s *Server) handleGetRevision(c *call) (int, any, error) {
	n, err := c.revisionNumber("revision")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	rv, err := findRevision(it, n)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.revisionJSONLocked(rv), nil
}

func (s *Server) handleRevisionDiff(c *call) (int, any, error) {
	from, err := c.revisionNumber("from")
	if err != nil {
		return 0, nil, err
	}
	to, err := c.revisionNumber("to")
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.liveItemLocked(c)
	if err != nil {
		return 0, nil, err
	}
	a, err := findRevision(it, from)
	if err != nil {
		return 0, nil, err
	}
	b, err := findRevision(it, to)
	if err != nil {
		return 0, nil, err
	}
	out := []revisionDiff{}
	for _, fid := range s.apps[it.AppID].FieldIDs {
		x, y := valuesOrEmpty(a.Values[fid]), valuesOrEmpty(b.Values[fid])
		if reflect.DeepEqual(x, y) {
			continue
		}
		f := s.fields[fid]
		out = append(out, revisionDiff{FieldID: f.ID, ExternalID: f.ExternalID, Type: f.Type, Label: f.Label,
			Config: fieldConfigJSON{Label: f.Label}, From: x, To: y})
	}
	return http.StatusOK, out, nil
}
