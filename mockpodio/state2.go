package mockpodio

import (
	"fmt"
	"slices"
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
	return nil
}
