package mockpodio_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// fileEntry is the part of Podio's File the tests check.
type fileEntry struct {
	FileID   int64  `json:"file_id"`
	Name     string `json:"name"`
	Mimetype string `json:"mimetype"`
	Size     int    `json:"size"`
	Link     string `json:"link"`
	HostedBy string `json:"hosted_by"`
	Context  *struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"context"`
	Replaces []struct {
		FileID int64 `json:"file_id"`
	} `json:"replaces"`
}

func getFile(t *testing.T, w w2World, id int64) (fileEntry, int) {
	t.Helper()
	res := do(t, w.s, w.token, "GET", "/file/"+itoa(id), nil)
	var f fileEntry
	if res.Status == 200 {
		decodeJSON(t, res.Raw, &f)
	}
	return f, res.Status
}

func TestFileUpload(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name          string
		path          string
		source        *string
		filename      *string
		sourceAsField bool
		rawBody       string // sent instead, with rawType
		rawType       string
		token         string
		wantStatus    int
		wantErr       string
		wantDesc      string
		want          fileEntry // for a 200; FileID and Link are checked apart
	}{
		{name: "php path", path: "/file/", source: str("hello"), filename: str("hello.txt"), wantStatus: 200,
			want: fileEntry{Name: "hello.txt", Mimetype: "text/plain", Size: 5, HostedBy: "podio", Replaces: nil}},
		{name: "js and go path", path: "/file", source: str("{}"), filename: str("x.json"), wantStatus: 200,
			want: fileEntry{Name: "x.json", Mimetype: "application/json", Size: 2, HostedBy: "podio"}},
		{name: "rb, net, java and py path", path: "/file/v2/", source: str("\x89PNG\r\n\x1a\n...."), filename: str("pic"), wantStatus: 200,
			want: fileEntry{Name: "pic", Mimetype: "image/png", Size: 12, HostedBy: "podio"}},
		{name: "empty file", path: "/file/", source: str(""), filename: str("empty.txt"), wantStatus: 200,
			want: fileEntry{Name: "empty.txt", Mimetype: "text/plain", Size: 0, HostedBy: "podio"}},
		{name: "no source", path: "/file/", filename: str("a.txt"), wantStatus: 404, wantErr: "not_found",
			wantDesc: "No matching operation could be found. Missing parameters: source."},
		{name: "no filename", path: "/file/", source: str("a"), wantStatus: 404, wantErr: "not_found",
			wantDesc: "No matching operation could be found. Missing parameters: filename."},
		{name: "source not a file", path: "/file/", source: str("a"), filename: str("a.txt"), sourceAsField: true, wantStatus: 400, wantErr: "invalid_value",
			wantDesc: "'source' parameter must given as multipart/form-data with type 'file'"},
		{name: "JSON body", path: "/file/", rawBody: `{"source":"a","filename":"a.txt"}`, rawType: "application/json", wantStatus: 404, wantErr: "not_found",
			wantDesc: "No matching operation could be found. Missing parameters: source, filename."},
		{name: "broken multipart", path: "/file/", rawBody: "--x\r\nnot a part", rawType: "multipart/form-data; boundary=x", wantStatus: 400, wantErr: "invalid_value"},
		{name: "over the cap", path: "/file/", source: str(strings.Repeat("x", 65)), filename: str("big.txt"), wantStatus: 413, wantErr: "request_too_large"},
		{name: "body far over the cap", path: "/file/", source: str(strings.Repeat("x", 70<<10)), filename: str("big.txt"), wantStatus: 413, wantErr: "request_too_large"},
		{name: "no token", path: "/file/", source: str("a"), filename: str("a.txt"), token: "-", wantStatus: 401, wantErr: "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newW2World(t, func(s *mockpodio.Server) { s.MaxFileBytes = 64 })
			before := do(t, w.s, w.token, "GET", "/file/"+itoa(w.ids["free"]+1), nil)
			body, ct := tt.rawBody, tt.rawType
			if body == "" {
				body, ct = multipartBody(t, tt.source, tt.filename, tt.sourceAsField)
			}
			tok := w.token
			if tt.token == "-" {
				tok = ""
			}
			res := upload(t, w.s, tok, tt.path, body, ct)
			if res.Status != tt.wantStatus {
				t.Fatalf("upload = %d %s, want %d", res.Status, res.Raw, tt.wantStatus)
			}
			if tt.wantErr != "" {
				if errCode(res) != tt.wantErr {
					t.Errorf("error = %q, want %q", errCode(res), tt.wantErr)
				}
				if d := field(t, res.Body, "error_description"); tt.wantDesc != "" && d != tt.wantDesc {
					t.Errorf("error_description = %q, want %q", d, tt.wantDesc)
				}
				// Nothing was made: the next id is still free.
				after := do(t, w.s, w.token, "GET", "/file/"+itoa(w.ids["free"]+1), nil)
				if before.Status != 404 || after.Raw != before.Raw {
					t.Errorf("a refused upload made a file: %s", after.Raw)
				}
				return
			}
			var got fileEntry
			decodeJSON(t, res.Raw, &got)
			if got.FileID <= w.ids["deleted_file"] || got.Link != w.s.URL+"/file/"+itoa(got.FileID)+"/raw" {
				t.Errorf("file_id %d, link %q: want a new id and a link to the mock", got.FileID, got.Link)
			}
			want := tt.want
			want.FileID, want.Link = got.FileID, got.Link
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			if fetched, status := getFile(t, w, got.FileID); status != 200 || !cmp.Equal(fetched, got) {
				t.Errorf("GET the file = %d %+v, want %+v", status, fetched, got)
			}
		})
	}
}

func TestFileRaw(t *testing.T) {
	w := newW2World(t)
	free := itoa(w.ids["free"])
	get := func(path, authorization string) (int, string, string) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", w.s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		res, err := w.s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	tests := []struct {
		name, path, authorization string
		wantStatus                int
		wantType, wantBody        string
	}{
		{"header token", "/file/" + free + "/raw", "OAuth2 " + w.token, 200, "text/plain", w.freeFileData},
		{"query token", "/file/" + free + "/raw?oauth_token=" + w.token, "", 200, "text/plain", w.freeFileData},
		{"size suffix", "/file/" + free + "/raw/large", "OAuth2 " + w.token, 200, "text/plain", w.freeFileData},
		{"size suffix and query token", "/file/" + free + "/raw/small?oauth_token=" + w.token, "", 200, "text/plain", w.freeFileData},
		{"no token", "/file/" + free + "/raw", "", 401, "application/json; charset=utf-8", ""},
		{"bad query token", "/file/" + free + "/raw?oauth_token=nope", "", 401, "application/json; charset=utf-8", ""},
		{"query token on another route", "/file/" + free + "?oauth_token=" + w.token, "", 401, "application/json; charset=utf-8", ""},
		{"deleted file", "/file/" + itoa(w.ids["deleted_file"]) + "/raw", "OAuth2 " + w.token, 404, "application/json; charset=utf-8", ""},
		{"unknown file", "/file/123/raw", "OAuth2 " + w.token, 404, "application/json; charset=utf-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ct, body := get(tt.path, tt.authorization)
			if status != tt.wantStatus || ct != tt.wantType {
				t.Fatalf("GET %s = %d %q %q, want %d %q", tt.path, status, ct, body, tt.wantStatus, tt.wantType)
			}
			if tt.wantStatus == 200 && body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
	t.Run("the link serves the bytes", func(t *testing.T) {
		f, _ := getFile(t, w, w.ids["free"])
		req, err := http.NewRequestWithContext(t.Context(), "GET", f.Link+"?oauth_token="+w.token, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || string(b) != w.freeFileData {
			t.Errorf("GET link = %d %q, want 200 %q", res.StatusCode, b, w.freeFileData)
		}
	})
}

// wantFiles checks an item's file ids after a request.
func wantFiles(name string, files ...string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		want := []int64{}
		for _, f := range files {
			want = append(want, w.ids[f])
		}
		if diff := cmp.Diff(want, itemFileIDs(t, w, w.ids[name])); diff != "" {
			t.Errorf("%s files (-want +got):\n%s", name, diff)
		}
	}
}

// checks runs several checks.
func checks(fs ...func(t *testing.T, w w2World, res response)) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		for _, f := range fs {
			f(t, w, res)
		}
	}
}

// wantContext checks what a file is attached to ("" for nothing).
func wantContext(file, refType, ref string) func(t *testing.T, w w2World, res response) {
	return func(t *testing.T, w w2World, res response) {
		t.Helper()
		f, status := getFile(t, w, w.ids[file])
		if status != 200 {
			t.Fatalf("GET file %s: %d", file, status)
		}
		got := ""
		if f.Context != nil {
			got = f.Context.Type + " " + itoa(f.Context.ID)
		}
		want := ""
		if refType != "" {
			want = refType + " " + itoa(w.ids[ref])
		}
		if got != want {
			t.Errorf("file %s context = %q, want %q", file, got, want)
		}
	}
}

func TestFileRoutes(t *testing.T) {
	tests := []routeCase{
		{name: "get", method: "GET", path: "/file/{attached}", wantStatus: 200, check: wantContext("attached", "item", "item")},
		{name: "get a free file", method: "GET", path: "/file/{free}", wantStatus: 200, check: wantContext("free", "", "")},
		{name: "get a deleted file", method: "GET", path: "/file/{deleted_file}", wantStatus: 404, wantErr: "not_found"},
		{name: "get an unknown file", method: "GET", path: "/file/1", wantStatus: 404, wantErr: "not_found"},
		{name: "get with a bad id", method: "GET", path: "/file/x", wantStatus: 404, wantErr: "not_found"},

		{name: "attach to an item", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"item","ref_id":{item2}}`, wantStatus: 204,
			check: checks(wantFiles("item2", "free"), wantContext("free", "item", "item2"))},
		{name: "attach with ref_id a string", method: "POST", path: "/file/{free}/attach?silent=1", body: `{"ref_type":"item","ref_id":"{item}"}`, wantStatus: 204,
			check: wantFiles("item", "attached", "free")},
		{name: "attach to a status", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"status","ref_id":{status}}`, wantStatus: 204,
			check: checks(wantContext("free", "status", "status"), func(t *testing.T, w w2World, res response) {
				st := do(t, w.s, w.token, "GET", w.expand("/status/{status}"), nil)
				if files, _ := field(t, st.Body, "files").([]any); len(files) != 1 {
					t.Errorf("status files = %v, want the file", files)
				}
			})},
		{name: "attach to a space", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"space","ref_id":2001}`, wantStatus: 204,
			check: func(t *testing.T, w w2World, res response) {
				f, _ := getFile(t, w, w.ids["free"])
				if f.Context == nil || f.Context.Type != "space" || f.Context.ID != 2001 {
					t.Errorf("context = %+v, want space 2001", f.Context)
				}
			}},
		{name: "attach again where it is", method: "POST", path: "/file/{attached}/attach", body: `{"ref_type":"item","ref_id":{item}}`, wantStatus: 204,
			check: wantFiles("item", "attached")},
		{name: "attach where it is not", method: "POST", path: "/file/{attached}/attach", body: `{"ref_type":"item","ref_id":{item2}}`, wantStatus: 400, wantErr: "invalid_value",
			check: checks(wantFiles("item", "attached"), wantFiles("item2"))},
		{name: "attach to an unknown ref_type", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"app","ref_id":3001}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "attach without ref_id", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"item"}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "attach to an unknown item", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"item","ref_id":99999}`, wantStatus: 404, wantErr: "not_found", check: wantContext("free", "", "")},
		{name: "attach to a deleted item", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"item","ref_id":{deleted_item}}`, wantStatus: 410, wantErr: "gone"},
		{name: "attach to a deleted status", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":"status","ref_id":{deleted_status}}`, wantStatus: 404, wantErr: "not_found"},
		{name: "attach a deleted file", method: "POST", path: "/file/{deleted_file}/attach", body: `{"ref_type":"item","ref_id":{item}}`, wantStatus: 404, wantErr: "not_found", check: wantFiles("item", "attached")},
		{name: "attach with malformed JSON", method: "POST", path: "/file/{free}/attach", body: `{"ref_type":`, wantStatus: 400, wantErr: "invalid_value"},

		{name: "replace", method: "POST", path: "/file/{free}/replace", body: `{"old_file_id":{attached}}`, wantStatus: 204,
			check: checks(wantFiles("item", "free"), wantContext("attached", "", ""), wantContext("free", "item", "item"),
				func(t *testing.T, w w2World, res response) {
					f, _ := getFile(t, w, w.ids["free"])
					if len(f.Replaces) != 1 || f.Replaces[0].FileID != w.ids["attached"] {
						t.Errorf("replaces = %+v, want the old file", f.Replaces)
					}
				})},
		{name: "replace a file that is not attached", method: "POST", path: "/file/{attached}/replace", body: `{"old_file_id":{free}}`, wantStatus: 400, wantErr: "invalid_value", check: wantFiles("item", "attached")},
		{name: "replace itself", method: "POST", path: "/file/{attached}/replace", body: `{"old_file_id":{attached}}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "replace without old_file_id", method: "POST", path: "/file/{free}/replace", body: `{}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "replace an unknown file", method: "POST", path: "/file/{free}/replace", body: `{"old_file_id":77}`, wantStatus: 404, wantErr: "not_found"},
		{name: "replace with a deleted file", method: "POST", path: "/file/{deleted_file}/replace", body: `{"old_file_id":{attached}}`, wantStatus: 404, wantErr: "not_found", check: wantFiles("item", "attached")},

		{name: "delete an attached file", method: "DELETE", path: "/file/{attached}", wantStatus: 204, check: wantFiles("item")},
		{name: "delete a free file", method: "DELETE", path: "/file/{free}", wantStatus: 204,
			check: func(t *testing.T, w w2World, res response) {
				if _, status := getFile(t, w, w.ids["free"]); status != 404 {
					t.Errorf("GET a deleted file = %d, want 404", status)
				}
			}},
		{name: "delete a deleted file", method: "DELETE", path: "/file/{deleted_file}", wantStatus: 404, wantErr: "not_found"},
		{name: "delete without a token", method: "DELETE", path: "/file/{attached}", token: "-", wantStatus: 401, wantErr: "unauthorized", check: wantFiles("item", "attached")},

		{name: "item created with files", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":"f"},"file_ids":[{free}]}`, wantStatus: 200,
			check: func(t *testing.T, w w2World, res response) {
				w.ids["new"] = num(t, field(t, res.Body, "item_id"))
				wantFiles("new", "free")(t, w, res)
				wantContext("free", "item", "new")(t, w, res)
			}},
		{name: "item created with an attached file", method: "POST", path: "/item/app/3001/", body: `{"fields":{"title":"f"},"file_ids":[{attached}]}`, wantStatus: 400, wantErr: "invalid_value",
			check: wantContext("attached", "item", "item")},
		{name: "item created with an unknown file", method: "POST", path: "/item/app/3001/", body: `{"file_ids":[5]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "item created with file_ids not numbers", method: "POST", path: "/item/app/3001/", body: `{"file_ids":["a"]}`, wantStatus: 400, wantErr: "invalid_value"},
		{name: "item update replaces files", method: "PUT", path: "/item/{item}", body: `{"file_ids":[{free}]}`, wantStatus: 200,
			check: checks(wantFiles("item", "free"), wantContext("attached", "", ""))},
		{name: "item update with no files", method: "PUT", path: "/item/{item}", body: `{"file_ids":[]}`, wantStatus: 200, check: wantFiles("item")},
		{name: "item update with the same files", method: "PUT", path: "/item/{item}", body: `{"file_ids":[{attached}]}`, wantStatus: 204, check: wantFiles("item", "attached")},
		{name: "item update with a deleted file", method: "PUT", path: "/item/{item}", body: `{"fields":{"title":"z"},"file_ids":[{deleted_file}]}`, wantStatus: 400, wantErr: "invalid_value",
			check: wantFiles("item", "attached")},
	}
	runRouteCases(t, tests)
}
