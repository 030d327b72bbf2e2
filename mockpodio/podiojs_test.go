package mockpodio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// The podio-js compatibility test runs Podio's official JavaScript client,
// podio-js 1.6.1 (compat/podio-js), unchanged against the mock: the mock is
// faithful where that client works against it as it would against Podio
// (https://github.com/podio/podio-js).
//
// Every node run authenticates with authenticateWithApp and then makes the
// calls it is given with podio.request; compat/podio-js/scenario.js prints
// one JSON line per result, which the test compares. Between runs the test
// reads what the receiver got (hook.verify codes, events) and injects
// faults.

const (
	// pjsDir is compat/podio-js, relative to this package.
	pjsDir = "../compat/podio-js"
	// pjsInstall installs podio-js where the test looks for it.
	pjsInstall = "npm ci --prefix compat/podio-js"
	// pjsRunTimeout bounds each node run.
	pjsRunTimeout = 20 * time.Second
	// pjsAppID is the app scenario.js authenticates as.
	pjsAppID = 42
)

// pjsCall is one podio.request(method, path, data) for scenario.js.
type pjsCall struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Data   any    `json:"data,omitempty"`
}

// pjsResult is one line scenario.js prints: a resolved or rejected call.
type pjsResult struct {
	Step  string          `json:"step"`
	OK    bool            `json:"ok"`
	Body  json.RawMessage `json:"body"`
	Error *pjsError       `json:"error"`
}

// pjsError is a podio-js rejection. Message is the parsed Podio error body
// for errors from the API; Code is its "error" string.
type pjsError struct {
	Name    string `json:"name"`
	Status  int    `json:"status"`
	Message any    `json:"message"`
	Code    string `json:"-"`
}

// pjsWire is one request as it reached the mock. Grant is the grant_type
// of a token request, whose body is not kept; Body is the body of any
// other request.
type pjsWire struct {
	Method      string
	URI         string
	ContentType string
	Grant       string
	Body        string
	Status      int
}

// pjsRecorder serves the mock and records every request podio-js sends.
type pjsRecorder struct {
	next http.Handler
	mu   sync.Mutex // guards wire
	wire []*pjsWire
}

func (rec *pjsRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c := &pjsWire{Method: r.Method, URI: r.URL.RequestURI(), ContentType: r.Header.Get("Content-Type")}
	if r.URL.Path == "/oauth/token" {
		form, _ := url.ParseQuery(string(body))
		c.Grant = form.Get("grant_type")
	} else {
		c.Body = pjsCanonical(body)
	}
	rec.mu.Lock()
	rec.wire = append(rec.wire, c)
	rec.mu.Unlock()
	// The status is recorded before it is written, so it is there by the
	// time the client has the response.
	rec.next.ServeHTTP(&pjsStatusWriter{ResponseWriter: w, rec: rec, c: c}, r)
}

// pjsCanonical re-encodes a JSON body with sorted keys, so it compares
// with [pjsJSON]; any other body is kept as it is.
func pjsCanonical(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(body)
	}
	return string(b)
}

// pjsJSON encodes v as a JSON body with sorted keys.
func pjsJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pjsCanonical(b)
}

// since returns copies of the requests recorded after the first n.
func (rec *pjsRecorder) since(n int) []pjsWire {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []pjsWire
	for _, c := range rec.wire[min(n, len(rec.wire)):] {
		out = append(out, *c)
	}
	return out
}

func (rec *pjsRecorder) len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.wire)
}

type pjsStatusWriter struct {
	http.ResponseWriter
	rec *pjsRecorder
	c   *pjsWire
}

func (w *pjsStatusWriter) WriteHeader(code int) {
	w.rec.mu.Lock()
	if w.c.Status == 0 {
		w.c.Status = code
	}
	w.rec.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

func (w *pjsStatusWriter) Write(b []byte) (int, error) {
	w.rec.mu.Lock()
	if w.c.Status == 0 {
		w.c.Status = http.StatusOK
	}
	w.rec.mu.Unlock()
	return w.ResponseWriter.Write(b)
}

// pjsReceiver is a webhook receiver: it answers 200 and hands every POST
// form to the test.
type pjsReceiver struct {
	URL   string
	forms chan url.Values
}

func newPJSReceiver(t *testing.T) *pjsReceiver {
	t.Helper()
	rc := &pjsReceiver{forms: make(chan url.Values, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case rc.forms <- r.PostForm:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

// next returns the next delivery the receiver got.
func (rc *pjsReceiver) next(t *testing.T) url.Values {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case f := <-rc.forms:
		return f
	case <-ctx.Done():
		t.Fatalf("receiver: no delivery: %v", context.Cause(ctx))
		return nil
	}
}

// requirePodioJS returns the path of scenario.js. It skips the test when
// node or podio-js is missing, except on CI (CI=true), which installs them
// and where it fails instead.
func requirePodioJS(t *testing.T) string {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(pjsDir, "node_modules", "podio-js", "package.json")); err != nil {
		missing = "podio-js is not installed in compat/podio-js"
	}
	if missing != "" {
		msg := missing + ": install node, then run `" + pjsInstall + "` from the repository root"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	script, err := filepath.Abs(filepath.Join(pjsDir, "scenario.js"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// pjsEnv runs scenario.js against the mock behind a recorder.
type pjsEnv struct {
	script string
	apiURL string
	rec    *pjsRecorder
}

// run runs scenario.js with calls. It checks that podio-js authenticated
// as the app and returns one result per call and the requests the run
// sent.
func (e *pjsEnv) run(t *testing.T, calls ...pjsCall) ([]pjsResult, []pjsWire) {
	t.Helper()
	if calls == nil {
		calls = []pjsCall{}
	}
	arg, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), pjsRunTimeout)
	defer cancel()
	before := e.rec.len()
	cmd := exec.CommandContext(ctx, "node", e.script, e.apiURL, string(arg))
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node scenario.js: %v (context: %v)\nstdout:\n%s\nstderr:\n%s", err, ctx.Err(), stdout.Bytes(), stderr.Bytes())
	}
	var results []pjsResult
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		t.Logf("podio-js: %s", sc.Bytes())
		var r pjsResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("scenario.js printed %q: %v", sc.Bytes(), err)
		}
		if r.Error != nil {
			if m, ok := r.Error.Message.(map[string]any); ok {
				r.Error.Code, _ = m["error"].(string)
			}
		}
		results = append(results, r)
	}
	if len(results) != 1+len(calls) {
		t.Fatalf("scenario.js printed %d results for auth and %d calls, want %d\nstdout:\n%s\nstderr:\n%s",
			len(results), len(calls), 1+len(calls), stdout.Bytes(), stderr.Bytes())
	}
	auth := pjsResolved[struct {
		Ref struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"ref"`
	}](t, results[0])
	if auth.Ref.Type != "app" || auth.Ref.ID != pjsAppID {
		t.Errorf("authenticateWithApp: ref = %+v, want app %d", auth.Ref, pjsAppID)
	}
	for i, c := range calls {
		if want := c.Method + " " + c.Path; results[1+i].Step != want {
			t.Fatalf("result %d is for %q, want %q", i, results[1+i].Step, want)
		}
	}
	return results[1:], e.rec.since(before)
}

// pjsResolved decodes what a call resolved to; it fails if it rejected.
func pjsResolved[T any](t *testing.T, r pjsResult) T {
	t.Helper()
	var v T
	if !r.OK {
		t.Fatalf("%s: rejected with %+v, want it to resolve", r.Step, r.Error)
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s: resolved to %s: %v", r.Step, r.Body, err)
	}
	return v
}

// pjsRejected returns the error a call rejected with; it fails if it
// resolved.
func pjsRejected(t *testing.T, r pjsResult) pjsError {
	t.Helper()
	if r.OK || r.Error == nil {
		t.Fatalf("%s: resolved to %s, want a rejection", r.Step, r.Body)
	}
	return *r.Error
}

// pjsTokenCall is the app grant each run starts with.
var pjsTokenCall = pjsWire{Method: "POST", URI: "/oauth/token", ContentType: "application/x-www-form-urlencoded", Grant: "app", Status: 200}

func TestPodioJS(t *testing.T) {
	script := requirePodioJS(t)
	receiver := newPJSReceiver(t)
	// The zero Server, served behind a recorder; it is closed after the
	// front server, so no delivery outlives the test.
	s := &mockpodio.Server{AllowAnyPort: true, Logf: t.Logf}
	t.Cleanup(s.Close)
	rec := &pjsRecorder{next: s}
	front := httptest.NewServer(rec)
	t.Cleanup(front.Close)
	e := &pjsEnv{script: script, apiURL: front.URL, rec: rec}

	var (
		hookID   int64
		hookPath string
		code     string
		itemID   int64
	)
	ignoreError := cmpopts.IgnoreFields(pjsError{}, "Message")

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"1_authenticateWithApp", func(t *testing.T) {
			_, wire := e.run(t)
			if diff := cmp.Diff([]pjsWire{pjsTokenCall}, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		}},
		{"2_create_hook", func(t *testing.T) {
			body := map[string]string{"url": receiver.URL, "type": "item.create"}
			res, wire := e.run(t, pjsCall{"POST", "/hook/app/42/", body})
			got := pjsResolved[map[string]int64](t, res[0])
			hooks := s.Hooks()
			if len(hooks) != 1 {
				t.Fatalf("the mock has %d hooks, want 1", len(hooks))
			}
			hookID = hooks[0].HookID
			hookPath = "/hook/" + strconv.FormatInt(hookID, 10)
			if diff := cmp.Diff(map[string]int64{"hook_id": hookID}, got); diff != "" {
				t.Errorf("create hook resolved to (-want +got):\n%s", diff)
			}
			wantWire := []pjsWire{pjsTokenCall, {Method: "POST", URI: "/hook/app/42/", ContentType: "application/json",
				Body: pjsJSON(t, body), Status: 200}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			verify := receiver.next(t)
			if verify.Get("code") == "" {
				t.Errorf("hook.verify without a code: %v", verify)
			}
			wantForm := url.Values{"type": {"hook.verify"}, "hook_id": {strconv.FormatInt(hookID, 10)}, "code": verify["code"]}
			if diff := cmp.Diff(wantForm, verify); diff != "" {
				t.Errorf("receiver got (-want +got):\n%s", diff)
			}
		}},
		{"3_verify_request", func(t *testing.T) {
			res, wire := e.run(t, pjsCall{Method: "POST", Path: hookPath + "/verify/request"})
			if diff := cmp.Diff(map[string]any{}, pjsResolved[map[string]any](t, res[0])); diff != "" {
				t.Errorf("verify/request resolved to (-want +got):\n%s", diff)
			}
			wantWire := []pjsWire{pjsTokenCall, {Method: "POST", URI: hookPath + "/verify/request", Status: 204}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			verify := receiver.next(t)
			code = verify.Get("code")
			if code == "" {
				t.Fatalf("hook.verify without a code: %v", verify)
			}
			wantForm := url.Values{"type": {"hook.verify"}, "hook_id": {strconv.FormatInt(hookID, 10)}, "code": {code}}
			if diff := cmp.Diff(wantForm, verify); diff != "" {
				t.Errorf("receiver got (-want +got):\n%s", diff)
			}
		}},
		{"4_verify_validate", func(t *testing.T) {
			res, wire := e.run(t, pjsCall{"POST", hookPath + "/verify/validate", map[string]string{"code": code}})
			if diff := cmp.Diff(map[string]any{}, pjsResolved[map[string]any](t, res[0])); diff != "" {
				t.Errorf("verify/validate resolved to (-want +got):\n%s", diff)
			}
			wantWire := []pjsWire{pjsTokenCall, {Method: "POST", URI: hookPath + "/verify/validate", ContentType: "application/json",
				Body: pjsJSON(t, map[string]string{"code": code}), Status: 204}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			h, ok := s.Hook(hookID)
			if !ok || h.Status != "active" {
				t.Errorf("Hook(%d) = %+v, %v; want status active", hookID, h, ok)
			}
		}},
		{"5_list_hooks", func(t *testing.T) {
			type listed struct {
				HookID int64  `json:"hook_id"`
				Status string `json:"status"`
				Type   string `json:"type"`
				URL    string `json:"url"`
			}
			res, _ := e.run(t, pjsCall{Method: "GET", Path: "/hook/app/42/"})
			want := []listed{{HookID: hookID, Status: "active", Type: "item.create", URL: receiver.URL}}
			if diff := cmp.Diff(want, pjsResolved[[]listed](t, res[0])); diff != "" {
				t.Errorf("GET /hook/app/42/ resolved to (-want +got):\n%s", diff)
			}
		}},
		{"6_create_items", func(t *testing.T) {
			type created struct {
				ItemID          int64 `json:"item_id"`
				CurrentRevision struct {
					ItemRevisionID int64 `json:"item_revision_id"`
				} `json:"current_revision"`
			}
			fields := map[string]any{"fields": map[string]string{"title": "x"}}
			// The silent item is created first: had it fired, its event
			// would reach the receiver before the second one's.
			res, wire := e.run(t,
				pjsCall{"POST", "/item/app/42/?hook=false", fields},
				pjsCall{"POST", "/item/app/42/", fields})
			silent := pjsResolved[created](t, res[0])
			loud := pjsResolved[created](t, res[1])
			itemID = loud.ItemID
			wantWire := []pjsWire{pjsTokenCall,
				{Method: "POST", URI: "/item/app/42/?hook=false", ContentType: "application/json", Body: pjsJSON(t, fields), Status: 200},
				{Method: "POST", URI: "/item/app/42/", ContentType: "application/json", Body: pjsJSON(t, fields), Status: 200}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			wantForm := url.Values{
				"type":             {"item.create"},
				"hook_id":          {strconv.FormatInt(hookID, 10)},
				"item_id":          {strconv.FormatInt(loud.ItemID, 10)},
				"item_revision_id": {strconv.FormatInt(loud.CurrentRevision.ItemRevisionID, 10)},
				"external_id":      {""},
			}
			if diff := cmp.Diff(wantForm, receiver.next(t)); diff != "" {
				t.Errorf("receiver got (-want +got):\n%s", diff)
			}
			for _, d := range s.Deliveries() {
				if d.Params["item_id"] == strconv.FormatInt(silent.ItemID, 10) {
					t.Errorf("item %d was created with ?hook=false but delivered: %+v", silent.ItemID, d)
				}
			}
		}},
		{"7_refresh_expired_token", func(t *testing.T) {
			itemPath := "/item/" + strconv.FormatInt(itemID, 10)
			if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{
				{Method: "GET", Path: "/item/*", ExpireToken: true, Count: 1},
			}}); err != nil {
				t.Fatal(err)
			}
			res, wire := e.run(t, pjsCall{Method: "GET", Path: itemPath})
			got := pjsResolved[struct {
				ItemID int64 `json:"item_id"`
			}](t, res[0])
			if got.ItemID != itemID {
				t.Errorf("GET %s resolved to item %d, want %d", itemPath, got.ItemID, itemID)
			}
			// podio-js got 401 expired_token, refreshed with its refresh
			// token and retried.
			wantWire := []pjsWire{pjsTokenCall,
				{Method: "GET", URI: itemPath, Status: 401},
				{Method: "POST", URI: "/oauth/token", ContentType: "application/x-www-form-urlencoded", Grant: "refresh_token", Status: 200},
				{Method: "GET", URI: itemPath, Status: 200}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if f := s.CurrentFaults().API; len(f) != 0 {
				t.Errorf("API faults left: %+v, want none", f)
			}
		}},
		{"8_not_found", func(t *testing.T) {
			res, _ := e.run(t, pjsCall{Method: "GET", Path: "/item/999999999"})
			want := pjsError{Name: "PodioNotFoundError", Status: 404, Code: "not_found"}
			if diff := cmp.Diff(want, pjsRejected(t, res[0]), ignoreError); diff != "" {
				t.Errorf("GET /item/999999999 rejected with (-want +got):\n%s", diff)
			}
		}},
		{"9_delete_hook", func(t *testing.T) {
			res, wire := e.run(t, pjsCall{Method: "DELETE", Path: hookPath})
			if diff := cmp.Diff(map[string]any{}, pjsResolved[map[string]any](t, res[0])); diff != "" {
				t.Errorf("DELETE %s resolved to (-want +got):\n%s", hookPath, diff)
			}
			wantWire := []pjsWire{pjsTokenCall, {Method: "DELETE", URI: hookPath, Status: 204}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if hooks := s.Hooks(); len(hooks) != 0 {
				t.Errorf("Hooks() = %+v, want none", hooks)
			}
		}},
		{"10_rate_limited", func(t *testing.T) {
			// The fault is kept off /oauth/token, which every run calls
			// first: a 420 there fails authenticateWithApp instead.
			if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{
				{Method: "GET", Path: "/item/*", Status: 420, Count: 1},
			}}); err != nil {
				t.Fatal(err)
			}
			itemPath := "/item/" + strconv.FormatInt(itemID, 10)
			res, _ := e.run(t, pjsCall{Method: "GET", Path: itemPath}, pjsCall{Method: "GET", Path: itemPath})
			want := pjsError{Name: "PodioRateLimitError", Status: 420, Code: "rate_limit"}
			if diff := cmp.Diff(want, pjsRejected(t, res[0]), ignoreError); diff != "" {
				t.Errorf("GET %s rejected with (-want +got):\n%s", itemPath, diff)
			}
			// No official client retries a 420; the next call goes through.
			pjsResolved[map[string]any](t, res[1])
		}},
		{"11_deliveries", func(t *testing.T) {
			type delivery struct {
				Type    string
				ItemID  string
				Outcome mockpodio.Outcome
			}
			// The item.create is recorded once the receiver has answered.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if err := s.AwaitDeliveries(ctx, 3); err != nil {
				t.Fatal(err)
			}
			var got []delivery
			for _, d := range s.Deliveries() {
				got = append(got, delivery{d.Type, d.Params["item_id"], d.Outcome})
			}
			want := []delivery{
				{"hook.verify", "", mockpodio.OutcomeDelivered},
				{"hook.verify", "", mockpodio.OutcomeDelivered},
				{"item.create", strconv.FormatInt(itemID, 10), mockpodio.OutcomeDelivered},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Deliveries() (-want +got):\n%s", diff)
			}
		}},
		{"12_tags", func(t *testing.T) {
			tagPath := "/tag/item/" + strconv.FormatInt(itemID, 10) + "/"
			res, wire := e.run(t,
				pjsCall{"POST", tagPath, []string{"a", "b"}},
				pjsCall{"PUT", tagPath, []string{"b", "c"}},
				pjsCall{Method: "DELETE", Path: tagPath + "?text=b"},
				pjsCall{Method: "GET", Path: "/tag/app/42/"},
				pjsCall{Method: "GET", Path: "/item/" + strconv.FormatInt(itemID, 10)})
			for i := range 3 {
				if diff := cmp.Diff(map[string]any{}, pjsResolved[map[string]any](t, res[i])); diff != "" {
					t.Errorf("%s resolved to (-want +got):\n%s", res[i].Step, diff)
				}
			}
			type count struct {
				Count int    `json:"count"`
				Text  string `json:"text"`
			}
			if diff := cmp.Diff([]count{{1, "c"}}, pjsResolved[[]count](t, res[3])); diff != "" {
				t.Errorf("app tags (-want +got):\n%s", diff)
			}
			if got := pjsResolved[struct {
				Tags []string `json:"tags"`
			}](t, res[4]).Tags; !cmp.Equal(got, []string{"c"}) {
				t.Errorf("item tags = %q, want [c]", got)
			}
			wantWire := []pjsWire{pjsTokenCall,
				{Method: "POST", URI: tagPath, ContentType: "application/json", Body: pjsJSON(t, []string{"a", "b"}), Status: 204},
				{Method: "PUT", URI: tagPath, ContentType: "application/json", Body: pjsJSON(t, []string{"b", "c"}), Status: 204},
				{Method: "DELETE", URI: tagPath + "?text=b", Status: 204},
				{Method: "GET", URI: "/tag/app/42/", Status: 200},
				{Method: "GET", URI: "/item/" + strconv.FormatInt(itemID, 10), Status: 200}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		}},
		{"13_upload_and_attach", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "notes.txt")
			if err := os.WriteFile(path, []byte("hello from podio-js"), 0o600); err != nil {
				t.Fatal(err)
			}
			itemPath := "/item/" + strconv.FormatInt(itemID, 10)
			res, wire := e.run(t, pjsCall{"UPLOAD", path, "notes.txt"})
			type file struct {
				FileID   int64  `json:"file_id"`
				Name     string `json:"name"`
				Mimetype string `json:"mimetype"`
				Size     int    `json:"size"`
				Link     string `json:"link"`
			}
			up := pjsResolved[file](t, res[0])
			want := file{FileID: up.FileID, Name: "notes.txt", Mimetype: "text/plain", Size: len("hello from podio-js"),
				Link: e.apiURL + "/file/" + strconv.FormatInt(up.FileID, 10) + "/raw"}
			if diff := cmp.Diff(want, up); diff != "" || up.FileID == 0 {
				t.Errorf("uploadFile resolved to (-want +got):\n%s", diff)
			}
			// The upload client signs in on its own, then posts the
			// multipart form to /file.
			if len(wire) != 3 || wire[1] != pjsTokenCall || wire[2].Method != "POST" || wire[2].URI != "/file" ||
				!strings.HasPrefix(wire[2].ContentType, "multipart/form-data; boundary=") || wire[2].Status != 200 {
				t.Errorf("upload requests = %+v, want the sign-in and a multipart POST /file", wire)
			}
			res, _ = e.run(t,
				pjsCall{"POST", "/file/" + strconv.FormatInt(up.FileID, 10) + "/attach", map[string]any{"ref_type": "item", "ref_id": itemID}},
				pjsCall{Method: "GET", Path: itemPath},
				pjsCall{Method: "GET", Path: "/file/" + strconv.FormatInt(up.FileID, 10)})
			if diff := cmp.Diff(map[string]any{}, pjsResolved[map[string]any](t, res[0])); diff != "" {
				t.Errorf("attach resolved to (-want +got):\n%s", diff)
			}
			files := pjsResolved[struct {
				Files []file `json:"files"`
			}](t, res[1]).Files
			if diff := cmp.Diff([]file{want}, files); diff != "" {
				t.Errorf("item files (-want +got):\n%s", diff)
			}
			ctx := pjsResolved[struct {
				Context struct {
					Type string `json:"type"`
					ID   int64  `json:"id"`
				} `json:"context"`
			}](t, res[2]).Context
			if ctx.Type != "item" || ctx.ID != itemID {
				t.Errorf("file context = %+v, want item %d", ctx, itemID)
			}
		}},
		{"14_status", func(t *testing.T) {
			res, _ := e.run(t, pjsCall{Method: "GET", Path: "/app/42"})
			spaceID := pjsResolved[struct {
				SpaceID int64 `json:"space_id"`
			}](t, res[0]).SpaceID
			body := map[string]string{"value": "Shipped"}
			res, wire := e.run(t, pjsCall{"POST", "/status/space/" + strconv.FormatInt(spaceID, 10) + "/", body})
			created := pjsResolved[struct {
				StatusID int64  `json:"status_id"`
				Value    string `json:"value"`
			}](t, res[0])
			if created.StatusID == 0 || created.Value != "Shipped" {
				t.Errorf("status created = %+v, want a status_id and the value", created)
			}
			wantWire := []pjsWire{pjsTokenCall, {Method: "POST", URI: "/status/space/" + strconv.FormatInt(spaceID, 10) + "/",
				ContentType: "application/json", Body: pjsJSON(t, body), Status: 200}}
			if diff := cmp.Diff(wantWire, wire); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			statusPath := "/status/" + strconv.FormatInt(created.StatusID, 10)
			res, _ = e.run(t,
				pjsCall{"PUT", statusPath, map[string]string{"value": "Shipped twice"}},
				pjsCall{Method: "GET", Path: statusPath},
				pjsCall{Method: "DELETE", Path: statusPath},
				pjsCall{Method: "GET", Path: statusPath})
			pjsResolved[map[string]any](t, res[0])
			if got := pjsResolved[struct {
				Value string `json:"value"`
			}](t, res[1]).Value; got != "Shipped twice" {
				t.Errorf("status value = %q, want the update", got)
			}
			pjsResolved[map[string]any](t, res[2])
			want := pjsError{Name: "PodioNotFoundError", Status: 404, Code: "not_found"}
			if diff := cmp.Diff(want, pjsRejected(t, res[3]), ignoreError); diff != "" {
				t.Errorf("GET a deleted status rejected with (-want +got):\n%s", diff)
			}
		}},
	}
	for _, st := range steps {
		// Each step builds on the ones before it.
		if !t.Run(st.name, st.run) {
			return
		}
	}
}
