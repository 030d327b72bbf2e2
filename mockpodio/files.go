package mockpodio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// Files (https://developers.podio.com/doc/files): a multipart upload makes a file that
// is attached to an item, a status, a comment, a space or a task, then
// can be replaced or deleted. A file's link points at the mock itself and
// serves the bytes. Changes to an item's files fire file.change.

// DefaultMaxFileBytes is the upload cap when [Server.MaxFileBytes] is 0.
// Podio's own cap is not in the reference; the mock keeps files in memory
// and in its state file, so it defaults to 10 MiB. INFERRED.
const DefaultMaxFileBytes = 10 << 20

// multipartSlack is what an upload body may hold beyond the file: the
// filename part and the multipart framing.
const multipartSlack = 64 << 10

// File choices the reference leaves open.
const (
	// fileReplacedIDs says which ids a file_replaced event carries: the
	// new file's. UNKNOWN in the reference; the new file is what a
	// handler fetches.
	fileReplacedIDs = "new"
	// fileLinkPath is where a file's link points, under the mock's own
	// URL: the raw-file operation, which also takes ?oauth_token=.
	fileLinkPath = "/file/%d/raw"
)

// Podio's upload errors (issues podio/podio-js#27, podio-community/podio-php#102).
const (
	descMissingParams = "No matching operation could be found. Missing parameters: %s."
	descSourceNotFile = "'source' parameter must given as multipart/form-data with type 'file'"
)

// fileRefTypes are what a file can be attached to (docs attach-file-22518).
var fileRefTypes = map[string]bool{"item": true, "status": true, "comment": true, "space": true, "task": true}

// file is an uploaded file. RefType is empty until it is attached.
type file struct {
	ID        int64     `json:"file_id"`
	Name      string    `json:"name"`
	Mimetype  string    `json:"mimetype"`
	Data      []byte    `json:"data"`
	RefType   string    `json:"ref_type"`
	RefID     int64     `json:"ref_id"`
	Replaces  []int64   `json:"replaces"`
	CreatedOn time.Time `json:"created_on"`
	CreatedBy ref       `json:"created_by"`
	Deleted   bool      `json:"deleted"`
}

func (s *Server) maxFileBytes() int64 {
	if s.MaxFileBytes > 0 {
		return s.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

// rawBody is a handler's answer that is not JSON: bytes of a type.
type rawBody struct {
	contentType string
	filename    string
	data        []byte
}

// handleUploadFile is POST /file/ (and /file, /file/v2/): multipart with
// the parts source (the file) and filename.
func (s *Server) handleUploadFile(c *call) (int, any, error) {
	var (
		data       []byte
		name       string
		haveSource bool
		haveName   bool
		sourceType string
	)
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return 0, nil, invalid("Invalid multipart body: %v", err)
			}
			switch p.FormName() {
			case "source":
				if p.FileName() == "" {
					return 0, nil, errorf(http.StatusBadRequest, codeInvalidValue, descSourceNotFile)
				}
				b, err := io.ReadAll(io.LimitReader(p, s.maxFileBytes()+1))
				if err != nil {
					return 0, nil, invalid("Invalid multipart body: %v", err)
				}
				if int64(len(b)) > s.maxFileBytes() {
					return 0, nil, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "File too large: more than %d bytes", s.maxFileBytes())
				}
				data, haveSource, sourceType = b, true, p.Header.Get("Content-Type")
			case "filename":
				b, err := io.ReadAll(io.LimitReader(p, 1024))
				if err != nil {
					return 0, nil, invalid("Invalid multipart body: %v", err)
				}
				name, haveName = strings.TrimSpace(string(b)), true
			}
		}
	}
	var missing []string
	if !haveSource {
		missing = append(missing, "source")
	}
	if !haveName || name == "" {
		missing = append(missing, "filename")
	}
	if len(missing) > 0 {
		return 0, nil, errorf(http.StatusNotFound, codeNotFound, descMissingParams, strings.Join(missing, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &file{ID: next(&s.ids.file), Name: name, Mimetype: fileMimetype(name, sourceType, data), Data: data,
		CreatedOn: s.now(), CreatedBy: c.auth.Ref}
	s.files[f.ID] = f
	s.touchLocked(kindFiles, f.ID)
	return http.StatusOK, s.fileJSONLocked(s.baseURL(c), f), nil
}

// fileMimetype is the type of an upload: the part's own Content-Type
// unless it is generic, else the one of the name's extension, else
// sniffed from the bytes.
func fileMimetype(name, partType string, data []byte) string {
	if partType != "" && partType != "application/octet-stream" {
		if mt, _, err := mime.ParseMediaType(partType); err == nil {
			return mt
		}
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		mt, _, _ := mime.ParseMediaType(t)
		return mt
	}
	mt, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	return mt
}

// liveFileLocked is the file of the {file_id} path parameter.
func (s *Server) liveFileLocked(c *call, name string) (*file, error) {
	id, err := c.id(name)
	if err != nil {
		return nil, err
	}
	return s.fileByIDLocked(id)
}

func (s *Server) fileByIDLocked(id int64) (*file, error) {
	f, ok := s.files[id]
	if !ok || f.Deleted {
		return nil, notFound("file", id)
	}
	return f, nil
}

func (s *Server) handleGetFile(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFileLocked(c, "file_id")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.fileJSONLocked(s.baseURL(c), f), nil
}

// handleRawFile serves a file's bytes: GET /file/{id}/raw, where its link
// points (a size suffix, as clients add for images, serves the same).
func (s *Server) handleRawFile(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFileLocked(c, "file_id")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rawBody{contentType: f.Mimetype, filename: f.Name, data: f.Data}, nil
}

// fileHolder is an object files are attached to.
type fileHolder struct {
	ids  *[]int64 // its files, for an item or a status; nil otherwise
	item *item    // the item, when it is one
	kind string   // the journal kind of an item or a status
	id   int64
}

// touchLocked records a change of the holder's files for the journal.
func (h fileHolder) touchLocked(s *Server) {
	if h.kind != "" {
		s.touchLocked(h.kind, h.id)
	}
}

func (s *Server) fileHolderLocked(refType string, refID int64) (fileHolder, error) {
	switch refType {
	case "item":
		it, ok := s.items[refID]
		if !ok {
			return fileHolder{}, notFound("item", refID)
		}
		if it.Deleted {
			return fileHolder{}, errorf(http.StatusGone, codeGone, "Item has been deleted")
		}
		return fileHolder{ids: &it.FileIDs, item: it, kind: kindItems, id: it.ID}, nil
	case "status":
		st, ok := s.statuses[refID]
		if !ok || st.Deleted {
			return fileHolder{}, notFound("status", refID)
		}
		return fileHolder{ids: &st.FileIDs, kind: kindStatuses, id: st.ID}, nil
	case "comment":
		if cm, ok := s.comments[refID]; !ok || cm.Deleted {
			return fileHolder{}, notFound("comment", refID)
		}
	case "task":
		if t, ok := s.tasks[refID]; !ok || t.Deleted {
			return fileHolder{}, notFound("task", refID)
		}
	case "space":
		if _, ok := s.spaces[refID]; !ok {
			return fileHolder{}, notFound("space", refID)
		}
	default:
		return fileHolder{}, invalid("Invalid ref_type %q: use status, item, comment, space or task", refType)
	}
	return fileHolder{}, nil
}

// fileChangeLocked fires file.change on the item's app.
func (s *Server) fileChangeLocked(c *call, it *item, action string, ids []int64) {
	if len(ids) == 0 || !c.hooksEnabled() {
		return
	}
	s.fireLocked("file.change", []param{
		{"item_id", strconv.FormatInt(it.ID, 10)},
		{"action_type", action},
		{"file_ids", joinIDs(ids)},
	}, target{fixtures.RefApp, it.AppID})
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// checkAttachableLocked checks that every id is a live file that is not
// attached to anything but (refType, refID).
func (s *Server) checkAttachableLocked(ids []int64, refType string, refID int64) error {
	for _, id := range ids {
		f, err := s.fileByIDLocked(id)
		if err != nil {
			return invalid("Invalid file_ids: file %d does not exist", id)
		}
		if f.RefType != "" && (f.RefType != refType || f.RefID != refID) {
			return invalid("Invalid file_ids: file %d is already attached to %s %d", id, f.RefType, f.RefID)
		}
	}
	return nil
}

// setFilesLocked makes ids the files of holder (refType, refID): files
// no longer named are detached. It returns the ids added and removed.
// The ids must have passed checkAttachableLocked.
func (s *Server) setFilesLocked(h fileHolder, refType string, refID int64, ids []int64) (added, removed []int64) {
	for _, id := range *h.ids {
		if !slices.Contains(ids, id) {
			removed = append(removed, id)
			if f, ok := s.files[id]; ok {
				f.RefType, f.RefID = "", 0
				s.touchLocked(kindFiles, id)
			}
		}
	}
	for _, id := range ids {
		if !slices.Contains(*h.ids, id) {
			added = append(added, id)
		}
		f := s.files[id]
		f.RefType, f.RefID = refType, refID
		s.touchLocked(kindFiles, id)
	}
	*h.ids = slices.Clone(ids)
	h.touchLocked(s)
	return added, removed
}

// uniqueIDs drops repeated ids, the first kept.
func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

type attachWrite struct {
	RefType string `json:"ref_type"`
	RefID   any    `json:"ref_id"`
}

// handleAttachFile is POST /file/{id}/attach with {ref_type, ref_id}.
// Attaching a file already attached elsewhere is refused. INFERRED.
func (s *Server) handleAttachFile(c *call) (int, any, error) {
	var body attachWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if !fileRefTypes[body.RefType] {
		return 0, nil, invalid("Invalid ref_type %q: use status, item, comment, space or task", body.RefType)
	}
	refID, ok := parseID(toString(body.RefID))
	if !ok {
		return 0, nil, invalid("ref_id is required and must be a positive integer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFileLocked(c, "file_id")
	if err != nil {
		return 0, nil, err
	}
	h, err := s.fileHolderLocked(body.RefType, refID)
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkAttachableLocked([]int64{f.ID}, body.RefType, refID); err != nil {
		return 0, nil, err
	}
	if f.RefType != "" {
		return statusNoContent, nil, nil // already there
	}
	f.RefType, f.RefID = body.RefType, refID
	s.touchLocked(kindFiles, f.ID)
	if h.ids != nil {
		*h.ids = append(*h.ids, f.ID)
		h.touchLocked(s)
	}
	if h.item != nil {
		s.fileChangeLocked(c, h.item, "file_created", []int64{f.ID})
	}
	return statusNoContent, nil, nil
}

// handleReplaceFile is POST /file/{new}/replace with {old_file_id}: the
// new file takes the old one's place on what it is attached to, and
// lists it in replaces. "Only files with type of attachment can be
// replaced": the old file must be attached.
func (s *Server) handleReplaceFile(c *call) (int, any, error) {
	var body struct {
		OldFileID any `json:"old_file_id"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	oldID, ok := parseID(toString(body.OldFileID))
	if !ok {
		return 0, nil, invalid("old_file_id is required and must be a positive integer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nf, err := s.liveFileLocked(c, "file_id")
	if err != nil {
		return 0, nil, err
	}
	of, err := s.fileByIDLocked(oldID)
	if err != nil {
		return 0, nil, err
	}
	if of.ID == nf.ID {
		return 0, nil, invalid("A file cannot replace itself")
	}
	if of.RefType == "" {
		return 0, nil, invalid("Only files with type of attachment can be replaced: file %d is not attached", of.ID)
	}
	if nf.RefType != "" {
		return 0, nil, invalid("File %d is already attached to %s %d", nf.ID, nf.RefType, nf.RefID)
	}
	h, err := s.fileHolderLocked(of.RefType, of.RefID)
	if err != nil {
		return 0, nil, err
	}
	nf.RefType, nf.RefID = of.RefType, of.RefID
	nf.Replaces = append(slices.Clone(of.Replaces), of.ID)
	of.RefType, of.RefID = "", 0
	s.touchLocked(kindFiles, nf.ID)
	s.touchLocked(kindFiles, of.ID)
	h.touchLocked(s)
	if h.ids != nil {
		i := slices.Index(*h.ids, of.ID)
		if i >= 0 {
			(*h.ids)[i] = nf.ID
		} else {
			*h.ids = append(*h.ids, nf.ID)
		}
	}
	if h.item != nil {
		ids := []int64{nf.ID}
		if fileReplacedIDs != "new" {
			ids = []int64{of.ID, nf.ID}
		}
		s.fileChangeLocked(c, h.item, "file_replaced", ids)
	}
	return statusNoContent, nil, nil
}

// handleDeleteFile is DELETE /file/{id}: the file is gone, and off what
// it was attached to.
func (s *Server) handleDeleteFile(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFileLocked(c, "file_id")
	if err != nil {
		return 0, nil, err
	}
	f.Deleted = true
	s.touchLocked(kindFiles, f.ID)
	if f.RefType != "" {
		if h, err := s.fileHolderLocked(f.RefType, f.RefID); err == nil && h.ids != nil {
			*h.ids = slices.DeleteFunc(slices.Clone(*h.ids), func(id int64) bool { return id == f.ID })
			h.touchLocked(s)
			if h.item != nil {
				s.fileChangeLocked(c, h.item, "file_deleted", []int64{f.ID})
			}
		}
	}
	return statusNoContent, nil, nil
}

// fileJSON is Podio's File (docs models/file).
type fileJSON struct {
	FileID                int64          `json:"file_id"`
	Name                  string         `json:"name"`
	Description           *string        `json:"description"`
	Mimetype              string         `json:"mimetype"`
	Size                  int            `json:"size"`
	Link                  string         `json:"link"`
	ThumbnailLink         *string        `json:"thumbnail_link"`
	PermaLink             string         `json:"perma_link"`
	HostedBy              string         `json:"hosted_by"`
	HostedByHumanizedName string         `json:"hosted_by_humanized_name"`
	LinkTarget            string         `json:"link_target"`
	ExternalFileID        *string        `json:"external_file_id"`
	Context               *fileContext   `json:"context"`
	CreatedOn             string         `json:"created_on"`
	CreatedBy             any            `json:"created_by"`
	CreatedVia            any            `json:"created_via"`
	Rights                []string       `json:"rights"`
	Replaces              []replacedFile `json:"replaces"`
}

// fileContext is the Reference a file is attached to.
type fileContext struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// replacedFile is an element of a file's replaces.
type replacedFile struct {
	FileID   int64  `json:"file_id"`
	Name     string `json:"name"`
	Mimetype string `json:"mimetype"`
	Size     int    `json:"size"`
}

// baseURL is the mock's own URL, for links: the started server's, else
// the request's host (for a Server used as an http.Handler); without a
// request (c nil), the last API request's host, else http://localhost.
func (s *Server) baseURL(c *call) string {
	switch {
	case s.URL != "":
		return s.URL
	case c != nil && c.r.Host != "":
		return "http://" + c.r.Host
	}
	if h := s.linkHost.Load(); h != nil {
		return "http://" + *h
	}
	return "http://localhost"
}

// noteHost remembers a request's Host for links, when the server has no
// URL of its own.
func (s *Server) noteHost(r *http.Request) {
	if s.URL == "" && r.Host != "" {
		if h := s.linkHost.Load(); h == nil || *h != r.Host {
			host := r.Host
			s.linkHost.Store(&host)
		}
	}
}

func (s *Server) fileJSONLocked(base string, f *file) fileJSON {
	link := base + fmt.Sprintf(fileLinkPath, f.ID)
	out := fileJSON{FileID: f.ID, Name: f.Name, Mimetype: f.Mimetype, Size: len(f.Data), Link: link,
		PermaLink: link, HostedBy: "podio", HostedByHumanizedName: "Podio", LinkTarget: "_blank",
		CreatedOn: podioTime(f.CreatedOn), CreatedBy: s.bylineLocked(f.CreatedBy), CreatedVia: via(),
		Rights: []string{"view", "download", "delete"}, Replaces: []replacedFile{}}
	if strings.HasPrefix(f.Mimetype, "image/") {
		out.ThumbnailLink = &link
	}
	if f.RefType != "" {
		out.Context = &fileContext{Type: f.RefType, ID: f.RefID}
	}
	for _, id := range f.Replaces {
		if of, ok := s.files[id]; ok {
			out.Replaces = append(out.Replaces, replacedFile{FileID: of.ID, Name: of.Name, Mimetype: of.Mimetype, Size: len(of.Data)})
		}
	}
	return out
}

// filesJSONLocked renders the files of an item or a status.
func (s *Server) filesJSONLocked(base string, ids []int64) []fileJSON {
	out := []fileJSON{}
	for _, id := range ids {
		if f, ok := s.files[id]; ok && !f.Deleted {
			out = append(out, s.fileJSONLocked(base, f))
		}
	}
	return out
}

// writeRaw answers a file's bytes.
func writeRaw(w http.ResponseWriter, status int, rb rawBody) {
	ct := rb.contentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	if cd := mime.FormatMediaType("inline", map[string]string{"filename": rb.filename}); cd != "" {
		w.Header().Set("Content-Disposition", cd)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rb.data)))
	w.WriteHeader(status)
	w.Write(rb.data)
}
