package mockpodio

import "slices"

// An item write's tags and file_ids (https://developers.podio.com/doc/files, https://developers.podio.com/doc/tags).
//
// Choices the reference leaves open (INFERRED):
//   - tags and file_ids replace the item's set on update, as the docs
//     describe file_ids ("the list of attachments");
//   - they are not item fields: changing only them makes no revision and
//     fires no item.update, only tag.add / tag.delete and file.change;
//   - an item create with tags or file_ids fires those events after
//     item.create, as separate events.

// itemExtras is the parsed tags and file_ids of an item write; nil means
// not given.
type itemExtras struct {
	tags    []string
	fileIDs []int64
}

// parseItemExtrasLocked checks the write's tags and file_ids. The files
// must exist and be attached to nothing but the item (refType, refID).
func (s *Server) parseItemExtrasLocked(body itemWrite, refType string, refID int64) (itemExtras, error) {
	var ex itemExtras
	if body.Tags != nil {
		tags, err := cleanTags(*body.Tags)
		if err != nil {
			return ex, err
		}
		ex.tags = tags
	}
	if body.FileIDs != nil {
		ids := uniqueIDs(*body.FileIDs)
		if err := s.checkAttachableLocked(ids, refType, refID); err != nil {
			return ex, err
		}
		ex.fileIDs = ids
	}
	return ex, nil
}

// changes reports whether ex changes the item's tags or files, as sets.
func (ex itemExtras) changes(it *item) bool {
	return (ex.tags != nil && !sameSet(ex.tags, it.Tags)) || (ex.fileIDs != nil && !sameSet(ex.fileIDs, it.FileIDs))
}

func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// applyItemExtrasLocked sets the item's tags and files and fires what
// their changes imply.
func (s *Server) applyItemExtrasLocked(c *call, it *item, ex itemExtras) {
	if ex.tags != nil && !sameSet(ex.tags, it.Tags) {
		s.setTagsLocked(c, tagged{tags: &it.Tags, item: it, kind: kindItems, id: it.ID}, ex.tags)
	}
	if ex.fileIDs != nil && !sameSet(ex.fileIDs, it.FileIDs) {
		added, removed := s.setFilesLocked(fileHolder{ids: &it.FileIDs, item: it, kind: kindItems, id: it.ID}, "item", it.ID, ex.fileIDs)
		s.fileChangeLocked(c, it, "file_created", added)
		s.fileChangeLocked(c, it, "file_deleted", removed)
	}
}

// itemUpdateJSON is the answer of an item update.
type itemUpdateJSON struct {
	Revision int    `json:"revision"`
	Title    string `json:"title"`
}
