package podio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
)

// File is a file as Podio answers it: what devhook needs of it.
type File struct {
	// FileID is the file's id.
	FileID int64 `json:"file_id"`
	// Name is its file name.
	Name string `json:"name"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
	// Link serves its bytes, with the access token in the header or as
	// ?oauth_token=.
	Link string `json:"link"`
}

// UploadFile uploads data as name with POST /file/, multipart with the
// parts source and filename (developers.podio.com doc/files/upload-file).
// The file is attached to nothing until [Client.AttachFile].
func (c *Client) UploadFile(ctx context.Context, name string, data []byte) (File, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("source", name)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.WriteField("filename", name)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return File{}, fmt.Errorf("upload file: %w", err)
	}
	send := func(tok string) (int, []byte, error) {
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/file/", nil), bytes.NewReader(buf.Bytes()))
		if err != nil {
			return 0, nil, err
		}
		hr.Header.Set("Authorization", "OAuth2 "+tok)
		hr.Header.Set("Content-Type", mw.FormDataContentType())
		return c.do(hr)
	}
	tok, err := c.accessToken()
	if err != nil {
		return File{}, fmt.Errorf("upload file: %w", err)
	}
	_, body, err := send(tok)
	if e, ok := errors.AsType[*Error](err); ok && e.tokenExpired() {
		if err := c.renew(ctx, tok); err != nil {
			return File{}, fmt.Errorf("upload file: renew token: %w", err)
		}
		if tok, err = c.accessToken(); err != nil {
			return File{}, fmt.Errorf("upload file: %w", err)
		}
		_, body, err = send(tok)
	}
	if err != nil {
		return File{}, fmt.Errorf("upload file: %w", err)
	}
	var f File
	if err := json.Unmarshal(body, &f); err != nil {
		return File{}, fmt.Errorf("upload file: decode response: %w", err)
	}
	return f, nil
}

// GetFile returns a file with GET /file/{fileID}.
func (c *Client) GetFile(ctx context.Context, fileID int64) (File, error) {
	var f File
	if _, err := c.call(ctx, http.MethodGet, "/file/"+id(fileID), nil, nil, &f); err != nil {
		return File{}, fmt.Errorf("get file %d: %w", fileID, err)
	}
	return f, nil
}

// AttachFile attaches a file to an object (refType item, status, comment,
// space or task) with POST /file/{fileID}/attach. On an item it fires
// file.change (file_created) unless opts.NoHook.
func (c *Client) AttachFile(ctx context.Context, fileID int64, refType string, refID int64, opts WriteOptions) error {
	in := struct {
		RefType string `json:"ref_type"`
		RefID   int64  `json:"ref_id"`
	}{refType, refID}
	if _, err := c.call(ctx, http.MethodPost, "/file/"+id(fileID)+"/attach", opts.query(), in, nil); err != nil {
		return fmt.Errorf("attach file %d to %s %d: %w", fileID, refType, refID, err)
	}
	return nil
}

// ReplaceFile puts file newID in the place of the attached file oldID with
// POST /file/{newID}/replace. On an item it fires file.change
// (file_replaced) unless opts.NoHook.
func (c *Client) ReplaceFile(ctx context.Context, newID, oldID int64, opts WriteOptions) error {
	in := struct {
		OldFileID int64 `json:"old_file_id"`
	}{oldID}
	if _, err := c.call(ctx, http.MethodPost, "/file/"+id(newID)+"/replace", opts.query(), in, nil); err != nil {
		return fmt.Errorf("replace file %d with %d: %w", oldID, newID, err)
	}
	return nil
}

// DeleteFile deletes a file with DELETE /file/{fileID}. On an item it
// fires file.change (file_deleted) unless opts.NoHook.
func (c *Client) DeleteFile(ctx context.Context, fileID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/file/"+id(fileID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete file %d: %w", fileID, err)
	}
	return nil
}
