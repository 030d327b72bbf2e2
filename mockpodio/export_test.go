package mockpodio

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/devhookhq/devhook/internal/httpguard"
)

// Hooks into the server for the tests of package mockpodio_test.

// StateWriter is a file the state is written to.
type StateWriter = stateWriter

// WrapStateFiles makes s write its journal and snapshots through wrap.
// Call it before Start.
func WrapStateFiles(s *Server, wrap func(StateWriter) StateWriter) { s.wrapFile = wrap }

// SetCompactBytes sets the journal size at which s compacts it. Call it
// before Start.
func SetCompactBytes(s *Server, n int64) { s.compactAt = n }

// SnapshotJSON returns s's whole state in memory, as ReadStateFile returns
// a state file's.
func SnapshotJSON(s *Server) ([]byte, error) {
	s.mu.Lock()
	st := s.stateLocked()
	s.mu.Unlock()
	return json.Marshal(st)
}

// WriteRoutes returns every Podio route that is not a GET, as
// "METHOD pattern".
func WriteRoutes() []string {
	var out []string
	for _, r := range routes {
		if r.method != "GET" {
			out = append(out, r.method+" "+strings.Join(r.pattern, "/"))
		}
	}
	slices.Sort(out)
	return out
}

// SetListenLimits sets s's listener timeouts. Call it before Start.
func SetListenLimits(s *Server, l httpguard.Limits) { s.limits = l }
