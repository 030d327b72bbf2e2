package mockpodio_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// w2World is the state the route tables of files, tags, statuses, forms,
// members and spaces start from, made through the API on a seeded
// permissive server with a manual clock: two live items (the first tagged
// "a" and "b", with the attached file), a deleted item, a status, a
// deleted status, a free file, a file attached to the first item, a
// deleted file, a form and a deleted form on the seeded app.
type w2World struct {
	s            *mockpodio.Server
	token        string
	ids          map[string]int64
	freeFileData string
}

// expand fills {name} with the world's ids.
func (w w2World) expand(s string) string { return expandIDs(s, w.ids) }

func newW2World(t *testing.T, configure ...mockpodio.Option) w2World {
	t.Helper()
	s := newServer(t, append([]mockpodio.Option{withSeed(t, false), withClock(mockpodio.NewManualClock(clockStart))}, configure...)...)
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	w := w2World{s: s, token: token, ids: map[string]int64{}, freeFileData: "hello, podio"}
	w.ids["attached"] = uploadFile(t, s, w.token, "/file/", "a.txt", "attached bytes")
	w.ids["item"] = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "one"},
		"tags": []string{"a", "b"}, "file_ids": []int64{w.ids["attached"]}})
	w.ids["item2"] = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "two"}, "tags": []string{"b"}})
	w.ids["deleted_item"] = createItem(t, s, w.token, seedAppID, map[string]any{"fields": map[string]any{"title": "gone"}})
	mustStatus(t, "delete item", do(t, s, w.token, "DELETE", "/item/"+itoa(w.ids["deleted_item"]), nil), 204)
	w.ids["free"] = uploadFile(t, s, w.token, "/file", "hello.txt", w.freeFileData)
	w.ids["deleted_file"] = uploadFile(t, s, w.token, "/file/v2/", "x.txt", "x")
	mustStatus(t, "delete file", do(t, s, w.token, "DELETE", "/file/"+itoa(w.ids["deleted_file"]), nil), 204)
	res := do(t, s, w.token, "POST", "/status/space/2001/", map[string]any{"value": "hi"})
	mustStatus(t, "status", res, 200)
	w.ids["status"] = num(t, field(t, res.Body, "status_id"))
	res = do(t, s, w.token, "POST", "/status/space/2001/", map[string]any{"value": "bye"})
	mustStatus(t, "status", res, 200)
	w.ids["deleted_status"] = num(t, field(t, res.Body, "status_id"))
	mustStatus(t, "delete status", do(t, s, w.token, "DELETE", "/status/"+itoa(w.ids["deleted_status"]), nil), 204)
	for _, name := range []string{"form", "deleted_form"} {
		res := do(t, s, w.token, "POST", "/form/app/3001/", map[string]any{"settings": map[string]any{"theme": "light"},
			"domains": []string{"example.com"}, "fields": []map[string]any{{"field_id": seedTitleField}}})
		mustStatus(t, "form", res, 200)
		w.ids[name] = num(t, field(t, res.Body, "form_id"))
	}
	mustStatus(t, "delete form", do(t, s, w.token, "DELETE", "/form/"+itoa(w.ids["deleted_form"]), nil), 204)
	return w
}

// multipartBody builds an upload body. A part with a nil value is left
// out; source is sent as a file part unless sourceAsField.
func multipartBody(t *testing.T, source *string, filename *string, sourceAsField bool) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if source != nil {
		var h = textproto.MIMEHeader{}
		if sourceAsField {
			h.Set("Content-Disposition", `form-data; name="source"`)
		} else {
			h.Set("Content-Disposition", `form-data; name="source"; filename="upload.bin"`)
			h.Set("Content-Type", "application/octet-stream")
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(*source))
	}
	if filename != nil {
		if err := mw.WriteField("filename", *filename); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// upload sends a multipart upload and returns the answer.
func upload(t *testing.T, s *mockpodio.Server, token, path, body, contentType string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "OAuth2 "+token)
	}
	return send(t, s, req)
}

// uploadFile uploads data as name and returns the file id.
func uploadFile(t *testing.T, s *mockpodio.Server, token, path, name, data string) int64 {
	t.Helper()
	body, ct := multipartBody(t, &data, &name, false)
	res := upload(t, s, token, path, body, ct)
	mustStatus(t, "upload", res, 200)
	return num(t, field(t, res.Body, "file_id"))
}

// routeCase is one request of a route table: its answer, then checks of
// what it left behind.
type routeCase struct {
	name         string
	method, path string
	body         any    // JSON-encoded unless a string
	token        string // "" the world's, "-" none
	wantStatus   int
	wantErr      string
	// check runs after the request, on the answer and the world.
	check func(t *testing.T, w w2World, res response)
}

func runRouteCases(t *testing.T, tests []routeCase, configure ...mockpodio.Option) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newW2World(t, configure...)
			tok := w.token
			if tt.token == "-" {
				tok = ""
			}
			body := tt.body
			if str, ok := body.(string); ok {
				body = w.expand(str)
			}
			path := w.expand(tt.path)
			res := do(t, w.s, tok, tt.method, path, body)
			if res.Status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, path, res.Status, res.Raw, tt.wantStatus)
			}
			if tt.wantErr != "" && errCode(res) != tt.wantErr {
				t.Errorf("error = %q, want %q: %s", errCode(res), tt.wantErr, res.Raw)
			}
			if tt.check != nil {
				tt.check(t, w, res)
			}
		})
	}
}

// itemTags reads an item's tags.
func itemTags(t *testing.T, w w2World, id int64) []string {
	t.Helper()
	var it struct {
		Tags []string `json:"tags"`
	}
	res := do(t, w.s, w.token, "GET", "/item/"+itoa(id), nil)
	mustStatus(t, "get item", res, 200)
	decodeJSON(t, res.Raw, &it)
	return it.Tags
}

// itemFileIDs reads the ids of an item's files.
func itemFileIDs(t *testing.T, w w2World, id int64) []int64 {
	t.Helper()
	var it struct {
		Files []struct {
			FileID int64 `json:"file_id"`
		} `json:"files"`
	}
	res := do(t, w.s, w.token, "GET", "/item/"+itoa(id), nil)
	mustStatus(t, "get item", res, 200)
	decodeJSON(t, res.Raw, &it)
	out := []int64{}
	for _, f := range it.Files {
		out = append(out, f.FileID)
	}
	return out
}
