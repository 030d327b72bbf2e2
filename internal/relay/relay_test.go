package relay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

const (
	testSecret = "s3cret-Path_1"
	testMark   = "mark-1"
	formType   = "application/x-www-form-urlencoded"
	itemCreate = "type=item.create&hook_id=12&item_id=42&item_revision_id=7&external_id="
	// waitLimit bounds every wait on a channel so a broken relay fails the
	// test instead of hanging it.
	waitLimit = 10 * time.Second
)

var testTime = time.Date(2026, 11, 25, 10, 2, 3, 0, time.UTC)

// eventOpts compares events without the parts that vary from run to run.
var eventOpts = cmp.Options{
	cmpopts.IgnoreFields(deliverylog.Record{}, "LatencyMS"),
	cmpopts.IgnoreFields(deliverylog.Request{}, "Header", "RemoteAddr"),
	cmpopts.IgnoreFields(deliverylog.Response{}, "Header"),
	cmpopts.EquateEmpty(),
}

// itemCreateRecord is the record of itemCreate POSTed to the secret
// path and forwarded to target, as the relay reports it.
func itemCreateRecord(outcome deliverylog.Outcome, status int, target string) deliverylog.Record {
	return deliverylog.Record{Time: testTime, Source: "up", Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12,
		IDs: []string{"item_id=42", "item_revision_id=7"}, Outcome: outcome, Status: status, Target: target,
		Request: deliverylog.Request{Method: "POST", Path: "/", Body: []byte(itemCreate)}}
}

// appRequest is what the local app received.
type appRequest struct {
	Method string
	Host   string
	Path   string // escaped
	Query  string
	Header http.Header
	Body   string
}

// startApp starts a local app on 127.0.0.1 that records every request and
// then answers with answer (nil means 200 and an empty body).
func startApp(t *testing.T, answer http.HandlerFunc) (*httptest.Server, <-chan appRequest) {
	t.Helper()
	reqs := make(chan appRequest, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("local app: read body: %v", err)
		}
		reqs <- appRequest{
			Method: r.Method,
			Host:   r.Host,
			Path:   r.URL.EscapedPath(),
			Query:  r.URL.RawQuery,
			Header: r.Header.Clone(),
			Body:   string(body),
		}
		if answer != nil {
			answer(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, reqs
}

// startRelay starts a relay for cfg on 127.0.0.1. Empty Secret means
// testSecret; Now is fixed at testTime; events are collected in the channel.
// At cleanup it checks that every event was consumed.
func startRelay(t *testing.T, cfg Config) (*Handler, *httptest.Server, <-chan deliverylog.Record) {
	t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	cfg.Now = func() time.Time { return testTime }
	if cfg.Mark == "" {
		cfg.Mark = testMark
	}
	events := make(chan deliverylog.Record, 16)
	cfg.OnEvent = func(e deliverylog.Record) { events <- e }
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close() // waits for handlers
		h.Close()   // waits for background forwards
		if n := len(events); n > 0 {
			t.Errorf("%d events left unchecked, first: %+v", n, <-events)
		}
	})
	return h, srv, events
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", s, err)
	}
	return u
}

// recv waits for the next value on ch, for at most waitLimit.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		var zero T
		t.Fatalf("no %T within %v", zero, waitLimit)
		return zero
	}
}

// reply is what a client got back.
type reply struct {
	Status int
	Header http.Header
	Body   string
}

// send makes one request with client and returns the answer.
func send(t *testing.T, client *http.Client, method, rawURL, contentType, body string, header http.Header) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, vv := range header {
		req.Header[k] = vv
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func TestNew(t *testing.T) {
	good := mustParseURL(t, "http://127.0.0.1:3000/hook")
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"ok", Config{Secret: "abc_DEF-123", Target: good}, false},
		{"empty secret", Config{Target: good}, true},
		{"secret with slash", Config{Secret: "a/b", Target: good}, true},
		{"secret with percent", Config{Secret: "a%41", Target: good}, true},
		{"nil target", Config{Secret: "abc"}, true},
		{"relative target", Config{Secret: "abc", Target: mustParseURL(t, "/hook")}, true},
		{"ftp target", Config{Secret: "abc", Target: mustParseURL(t, "ftp://127.0.0.1/hook")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%+v) error = %v, want error: %v", tt.cfg, err, tt.wantErr)
			}
			if h != nil {
				h.Close()
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	if len(a) != 22 {
		t.Errorf("len(NewSecret()) = %d, want 22", len(a))
	}
	if a == b {
		t.Errorf("NewSecret() returned %q twice", a)
	}
	if url.PathEscape(a) != a {
		t.Errorf("NewSecret() = %q, not URL-safe", a)
	}
	h, err := New(Config{Secret: a, Target: mustParseURL(t, "http://127.0.0.1:3000/")})
	if err != nil {
		t.Fatalf("New rejects NewSecret's %q: %v", a, err)
	}
	h.Close()
}

func TestSecretPathRequired(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string // including the query
		wantPath  string
		wantQuery string
	}{
		{"root", http.MethodPost, "/", "/", ""},
		{"wrong path", http.MethodPost, "/wrong-path", "/wrong-path", ""},
		{"secret prefix only", http.MethodPost, "/" + testSecret + "x", "/{secret}x", ""},
		{"secret in other case", http.MethodPost, "/" + strings.ToUpper(testSecret), "/" + strings.ToUpper(testSecret), ""},
		{"secret below another segment", http.MethodPost, "/x/" + testSecret, "/x/{secret}", ""},
		{"secret escaped", http.MethodPost, "/%73" + testSecret[1:], "/%73" + testSecret[1:], ""},
		{"secret in query", http.MethodPost, "/hook?s=" + testSecret, "/hook", "s={secret}"},
		{"GET on secret", http.MethodGet, "/" + testSecret, "/{secret}", ""},
		{"HEAD on secret", http.MethodHead, "/" + testSecret, "/{secret}", ""},
		{"PUT below secret", http.MethodPut, "/" + testSecret + "/x", "/{secret}/x", ""},
		{"GET elsewhere", http.MethodGet, "/favicon.ico", "/favicon.ico", ""},
	}
	app, appReqs := startApp(t, nil)
	_, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook")})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, srv.Client(), tt.method, srv.URL+tt.path, formType, itemCreate, nil)
			if got.Status != http.StatusNotFound {
				t.Errorf("%s %s: status = %d, want 404", tt.method, tt.path, got.Status)
			}
			if len(got.Body) > 64 {
				t.Errorf("%s %s: body = %q, want a short one", tt.method, tt.path, got.Body)
			}
			ev := recv(t, events)
			wantBody := []byte("404 page not found\n")
			want := deliverylog.Record{
				Time:     testTime,
				Source:   "up",
				Kind:     deliverylog.KindRejected,
				Outcome:  deliverylog.OutcomeRejected,
				Status:   http.StatusNotFound,
				Request:  deliverylog.Request{Method: tt.method, Path: tt.wantPath, Query: tt.wantQuery},
				Response: deliverylog.Response{Status: http.StatusNotFound, Body: wantBody},
			}
			if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(ev.Request.RemoteAddr, "127.0.0.1:") {
				t.Errorf("event RemoteAddr = %q, want 127.0.0.1:port", ev.Request.RemoteAddr)
			}
			if line := render.Line(ev); strings.Contains(line, testSecret) {
				t.Errorf("render.Line shows the secret: %s", line)
			}
		})
	}
	if n := len(appReqs); n != 0 {
		t.Errorf("local app got %d requests, want 0", n)
	}
}

func TestVerify(t *testing.T) {
	errBoom := errors.New("podio said no")
	tests := []struct {
		name          string
		validateErr   error
		noValidate    bool
		forwardVerify bool
		ack           bool
		wantStatus    int
		wantBody      string
		wantApp       bool
		wantVerified  bool
		wantErr       string
	}{
		{name: "validated", wantStatus: 200, wantVerified: true},
		{name: "validated with Ack", ack: true, wantStatus: 200, wantVerified: true},
		{name: "validated and forwarded", forwardVerify: true, wantStatus: 202, wantBody: "app saw it", wantApp: true, wantVerified: true},
		{name: "validate fails", validateErr: errBoom, wantStatus: 502, wantBody: "devhook: hook validation failed\n", wantErr: "validate hook 12: podio said no"},
		{name: "validate fails, forward set", validateErr: errBoom, forwardVerify: true, wantStatus: 502, wantBody: "devhook: hook validation failed\n", wantErr: "validate hook 12: podio said no"},
		{name: "no Validate forwards", noValidate: true, wantStatus: 202, wantBody: "app saw it", wantApp: true},
	}
	const body = "type=hook.verify&hook_id=12&code=a1b2c3"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, appReqs := startApp(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				io.WriteString(w, "app saw it")
			})
			type call struct {
				hookID int64
				code   string
			}
			calls := make(chan call, 4)
			cfg := Config{
				Target:        mustParseURL(t, app.URL+"/hook"),
				ForwardVerify: tt.forwardVerify,
				Ack:           tt.ack,
				Validate: func(ctx context.Context, hookID int64, code string) error {
					if err := ctx.Err(); err != nil {
						t.Errorf("Validate: request context already done: %v", err)
					}
					calls <- call{hookID, code}
					return tt.validateErr
				},
			}
			if tt.noValidate {
				cfg.Validate = nil
			}
			_, srv, events := startRelay(t, cfg)

			got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, body, nil)
			if got.Status != tt.wantStatus || got.Body != tt.wantBody {
				t.Errorf("POST hook.verify = %d %q, want %d %q", got.Status, got.Body, tt.wantStatus, tt.wantBody)
			}
			// Validate finished before the answer was sent: its call must be
			// there already.
			select {
			case c := <-calls:
				if tt.noValidate {
					t.Errorf("Validate called with %v, want no call", c)
				} else if diff := cmp.Diff(call{12, "a1b2c3"}, c, cmp.AllowUnexported(call{})); diff != "" {
					t.Errorf("Validate arguments mismatch (-want +got):\n%s", diff)
				}
			default:
				if !tt.noValidate {
					t.Errorf("Validate was not called before the answer")
				}
			}

			ev := recv(t, events)
			want := deliverylog.Record{
				Time:     testTime,
				Source:   "up",
				Kind:     deliverylog.KindVerify,
				Type:     "hook.verify",
				HookID:   12,
				Status:   tt.wantStatus,
				Outcome:  deliverylog.OutcomeFailed,
				Error:    tt.wantErr,
				Request:  deliverylog.Request{Method: "POST", Path: "/", Body: []byte(body)},
				Response: deliverylog.Response{Status: tt.wantStatus, Body: []byte(tt.wantBody)},
			}
			if tt.wantVerified {
				want.Outcome = deliverylog.OutcomeVerified
			}
			if tt.wantApp {
				want.Target = app.URL + "/hook"
				ar := recv(t, appReqs)
				if ar.Body != body || ar.Path != "/hook" {
					t.Errorf("local app got %s %q, want /hook %q", ar.Path, ar.Body, body)
				}
			}
			if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			if !tt.wantApp {
				srv.Close() // no request in flight any more
				if n := len(appReqs); n != 0 {
					t.Errorf("local app got %d requests, want 0", n)
				}
			}
		})
	}
}

// TestVerifyInsideOpenRequest holds Validate until the test lets it go, and
// checks that the caller has no answer while Validate runs.
func TestVerifyInsideOpenRequest(t *testing.T) {
	app, appReqs := startApp(t, nil)
	entered := make(chan struct{})
	proceed := make(chan struct{})
	_, srv, events := startRelay(t, Config{
		Target: mustParseURL(t, app.URL+"/hook"),
		Validate: func(ctx context.Context, hookID int64, code string) error {
			close(entered)
			select {
			case <-proceed:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	answered := make(chan reply, 1)
	go func() {
		answered <- send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, "type=hook.verify&hook_id=7&code=xyz", nil)
	}()
	recv(t, entered)
	select {
	case r := <-answered:
		t.Fatalf("caller got %d while Validate was still running", r.Status)
	default:
	}
	close(proceed)
	if got := recv(t, answered); got.Status != http.StatusOK {
		t.Errorf("hook.verify status = %d, want 200", got.Status)
	}
	if ev := recv(t, events); ev.Outcome != deliverylog.OutcomeVerified || ev.HookID != 7 {
		t.Errorf("event Outcome, HookID = %s, %d, want verified, 7", ev.Outcome, ev.HookID)
	}
	if n := len(appReqs); n != 0 {
		t.Errorf("local app got %d requests, want 0", n)
	}
}

func TestForwardByteExact(t *testing.T) {
	tests := []struct {
		name        string
		targetPath  string
		publicPath  string // below the secret, with query
		contentType string
		body        string
		appStatus   int
		appBody     string
		wantPath    string // escaped path the app sees
		wantQuery   string
		wantIDs     []string
		// wantForwarded is deliverylog.Record.Target after the app's base URL.
		wantForwarded string
	}{
		{
			name: "item.create", wantForwarded: "/podio/hook", targetPath: "/podio/hook", contentType: formType, body: itemCreate,
			appStatus: 200, appBody: "ok", wantPath: "/podio/hook",
			wantIDs: []string{"item_id=42", "item_revision_id=7"},
		},
		{
			name: "extra path and query", wantForwarded: "/podio/hook/extra/x?a=1&b=%20&a=2", targetPath: "/podio/hook", publicPath: "/extra/x?a=1&b=%20&a=2",
			contentType: formType, body: "type=comment.create&hook_id=3&item_id=42&comment_id=9",
			appStatus: 201, appBody: `{"created":true}`, wantPath: "/podio/hook/extra/x", wantQuery: "a=1&b=%20&a=2",
			wantIDs: []string{"item_id=42", "comment_id=9"},
		},
		{
			name: "trailing slash on target", wantForwarded: "/podio/hook/x", targetPath: "/podio/hook/", publicPath: "/x",
			contentType: formType, body: "type=app.update&hook_id=3&app_id=5",
			appStatus: 200, wantPath: "/podio/hook/x", wantIDs: []string{"app_id=5"},
		},
		{
			name: "escaped extra path", wantForwarded: "/hook/a%2Fb/c%20d", targetPath: "/hook", publicPath: "/a%2Fb/c%20d",
			contentType: formType, body: "type=task.create&hook_id=3&task_id=5",
			appStatus: 200, wantPath: "/hook/a%2Fb/c%20d", wantIDs: []string{"task_id=5"},
		},
		{
			name: "root target", wantForwarded: "", targetPath: "", contentType: formType, body: "type=member.add&hook_id=3&space_id=1&user_id=2",
			appStatus: 200, wantPath: "/", wantIDs: []string{"space_id=1", "user_id=2"},
		},
		{
			name: "odd bytes and charset", wantForwarded: "/hook", targetPath: "/hook", contentType: formType + "; charset=ISO-8859-1",
			body:      "type=file.change&hook_id=3&item_id=1&file_ids=4%2C5&action_type=file_created&x=%FF%00&y=a+b",
			appStatus: 500, appBody: "boom\x00\xff", wantPath: "/hook",
			wantIDs: []string{"item_id=1", "file_ids=4,5"},
		},
		{
			name: "local 503", wantForwarded: "/hook", targetPath: "/hook", contentType: formType,
			body:      "type=item.update&hook_id=3&item_id=1&item_revision_id=2&external_id=ext-1",
			appStatus: 503, appBody: "try later\n", wantPath: "/hook",
			wantIDs: []string{"item_id=1", "item_revision_id=2", "external_id=ext-1"},
		},
		{
			name: "contact and status ids", wantForwarded: "/hook", targetPath: "/hook", contentType: formType,
			body:      "type=contact.create&hook_id=3&profile_id=8&status_id=9&form_id=4",
			appStatus: 204, wantPath: "/hook",
			wantIDs: []string{"form_id=4", "status_id=9", "profile_id=8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, appReqs := startApp(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-App", "yes")
				w.Header().Set("Content-Type", "text/x-app")
				w.Header().Set("Connection", "X-App-Hop")
				w.Header().Set("X-App-Hop", "must not pass")
				w.WriteHeader(tt.appStatus)
				io.WriteString(w, tt.appBody)
			})
			target := app.URL + tt.targetPath
			_, srv, events := startRelay(t, Config{Target: mustParseURL(t, target)})

			hdr := http.Header{
				"User-Agent":   {"Podio-Webhook/1.0"},
				"X-Custom":     {"a", "b"},
				"Accept":       {"*/*"},
				"Connection":   {"X-Hop"},
				"X-Hop":        {"must not pass"},
				"Keep-Alive":   {"timeout=5"},
				"Te":           {"trailers"},
				"Cookie":       {"c=1"},
				"Content-Type": {tt.contentType},
			}
			got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret+tt.publicPath, "", tt.body, hdr)
			wantReply := reply{Status: tt.appStatus, Body: tt.appBody}
			if tt.appStatus == http.StatusNoContent {
				wantReply.Body = ""
			}
			if diff := cmp.Diff(wantReply, got, cmpopts.IgnoreFields(reply{}, "Header")); diff != "" {
				t.Errorf("reply mismatch (-want +got):\n%s", diff)
			}
			if got.Header.Get("X-App") != "yes" || got.Header.Get("Content-Type") != "text/x-app" || got.Header.Get("X-App-Hop") != "" {
				t.Errorf("reply headers = %v, want X-App and Content-Type passed, X-App-Hop dropped", got.Header)
			}

			ar := recv(t, appReqs)
			wantApp := appRequest{
				Method: http.MethodPost,
				Host:   app.Listener.Addr().String(),
				Path:   tt.wantPath,
				Query:  tt.wantQuery,
				Body:   tt.body,
				Header: http.Header{
					"User-Agent":     {"Podio-Webhook/1.0"},
					"X-Custom":       {"a", "b"},
					"Accept":         {"*/*"},
					"Cookie":         {"c=1"},
					"Content-Type":   {tt.contentType},
					"Content-Length": {strconv.Itoa(len(tt.body))},
					MarkHeader:       {testMark},
				},
			}
			if diff := cmp.Diff(wantApp, ar, cmpopts.IgnoreMapEntries(func(k string, _ []string) bool {
				return k == "Accept-Encoding" // added by the test client, forwarded as is
			})); diff != "" {
				t.Errorf("local app request mismatch (-want +got):\n%s", diff)
			}

			ev := recv(t, events)
			form, _ := url.ParseQuery(tt.body)
			want := deliverylog.Record{
				Time:     testTime,
				Kind:     deliverylog.KindDelivery,
				Type:     form.Get("type"),
				HookID:   3,
				IDs:      tt.wantIDs,
				Source:   "up",
				Outcome:  deliverylog.OutcomeForwarded,
				Status:   tt.appStatus,
				Target:   app.URL + tt.wantForwarded,
				Request:  deliverylog.Request{Method: "POST", Path: "/", Body: []byte(tt.body)},
				Response: deliverylog.Response{Status: tt.appStatus, Body: []byte(wantReply.Body)},
			}
			if tt.name == "item.create" {
				want.HookID = 12
			}
			if tt.appStatus >= 300 {
				want.Outcome = deliverylog.OutcomeFailed
			}
			if p, q, ok := strings.Cut(tt.publicPath, "?"); ok {
				want.Request.Path, want.Request.Query = p, q
			} else if p != "" {
				want.Request.Path = p
			}
			if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			if ev.Response.Header.Get("X-App") != "yes" || ev.Response.Header.Get("X-App-Hop") != "" {
				t.Errorf("event response headers = %v, want X-App kept, X-App-Hop dropped", ev.Response.Header)
			}
			if ev.Request.Header.Get("X-Custom") != "a" {
				t.Errorf("event request headers = %v, want X-Custom", ev.Request.Header)
			}
		})
	}
}

// TestForwardNoUserAgent checks that the relay does not add a User-Agent of
// its own when the caller sent none.
func TestForwardNoUserAgent(t *testing.T) {
	app, appReqs := startApp(t, nil)
	_, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook")})
	send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, http.Header{"User-Agent": {""}})
	if ua, ok := recv(t, appReqs).Header["User-Agent"]; ok {
		t.Errorf("local app got User-Agent %q, want none", ua)
	}
	recv(t, events)
}

func TestLargeLocalResponse(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 70000/16)
	app, appReqs := startApp(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
	_, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook")})
	got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, nil)
	if got.Body != big {
		t.Errorf("reply body has %d bytes, want the local app's %d", len(got.Body), len(big))
	}
	recv(t, appReqs)
	ev := recv(t, events)
	if len(ev.Response.Body) != 64<<10 || !ev.Response.BodyTruncated || string(ev.Response.Body) != big[:64<<10] {
		t.Errorf("event body has %d bytes (truncated %v), want the first 65536 and truncated", len(ev.Response.Body), ev.Response.BodyTruncated)
	}
}

func TestLocalAppDown(t *testing.T) {
	// A server that is closed again leaves a port that refuses connections.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	target := down.URL + "/hook"
	wantErr := "local app not reachable at " + target + " (connection refused)"
	tests := []struct {
		name      string
		ack       bool
		wantReply reply
		wantResp  deliverylog.Response
	}{
		{
			name:      "sync",
			wantReply: reply{Status: 502, Body: "devhook: local app not reachable\n"},
			wantResp:  deliverylog.Response{Status: 502, Body: []byte("devhook: local app not reachable\n")},
		},
		{
			name:      "ack",
			ack:       true,
			wantReply: reply{Status: 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv, events := startRelay(t, Config{Target: mustParseURL(t, target), Ack: tt.ack})
			got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret+"?x=1", formType, itemCreate, nil)
			if diff := cmp.Diff(tt.wantReply, got, cmpopts.IgnoreFields(reply{}, "Header")); diff != "" {
				t.Errorf("reply mismatch (-want +got):\n%s", diff)
			}
			ev := recv(t, events)
			want := itemCreateRecord(deliverylog.OutcomeFailed, 502, target+"?x=1")
			want.Acked, want.Error, want.Response = tt.ack, wantErr, tt.wantResp
			want.Request.Query = "x=1"
			if tt.ack {
				want.Status = http.StatusOK // what Podio got
			}
			if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
			if line := render.Line(ev); !strings.HasSuffix(line, "502  "+wantErr) {
				t.Errorf("render.Line = %q, want it to end in %q", line, "502  "+wantErr)
			}
		})
	}
}

func TestSlowWarning(t *testing.T) {
	tests := []struct {
		name        string
		slowWarning time.Duration
		ack         bool
		body        string
		wantWarning bool
	}{
		{"tiny threshold", time.Nanosecond, false, itemCreate, true},
		{"tiny threshold, verify", time.Nanosecond, false, "type=hook.verify&hook_id=1&code=c", true},
		{"tiny threshold, acked", time.Nanosecond, true, itemCreate, false},
		{"default threshold", 0, false, itemCreate, false},
		{"disabled", -1, false, itemCreate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := startApp(t, nil)
			_, srv, events := startRelay(t, Config{
				Target:      mustParseURL(t, app.URL+"/hook"),
				SlowWarning: tt.slowWarning,
				Ack:         tt.ack,
				Validate:    func(context.Context, int64, string) error { return nil },
			})
			send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, tt.body, nil)
			ev := recv(t, events)
			gotWarning := strings.HasPrefix(ev.Warning, "SLOW: ") && strings.HasSuffix(ev.Warning, " (Podio gives up at 15 s)")
			if gotWarning != tt.wantWarning || (!tt.wantWarning && ev.Warning != "") {
				t.Errorf("event Warning = %q, want a SLOW warning: %v", ev.Warning, tt.wantWarning)
			}
			if tt.wantWarning && !strings.HasSuffix(render.Line(ev), "  "+ev.Warning) {
				t.Errorf("FormatLine = %q, want it to end in the warning", render.Line(ev))
			}
		})
	}
}

func TestAck(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	app, appReqs := startApp(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done(): // only when the relay is broken
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "done")
	})
	h, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook"), Ack: true})

	// The app is blocked until release is closed, so this answer cannot
	// have come from it.
	got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, nil)
	if got.Status != http.StatusOK || got.Body != "" {
		t.Errorf("acked reply = %d %q, want 200 and no body", got.Status, got.Body)
	}
	recv(t, arrived)
	if ar := recv(t, appReqs); ar.Body != itemCreate {
		t.Errorf("local app got body %q, want %q", ar.Body, itemCreate)
	}

	closed := make(chan struct{})
	go func() {
		h.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a background forward was still running")
	case ev := <-events:
		t.Fatalf("event %+v reported before the local app answered", ev)
	default:
	}
	close(release)
	recv(t, closed)
	// Close waited for the forward, so its event is already there.
	var ev deliverylog.Record
	select {
	case ev = <-events:
	default:
		t.Fatal("Close returned before the background forward reported its event")
	}
	// Status is what Podio got; Response is the app's answer.
	want := itemCreateRecord(deliverylog.OutcomeForwarded, http.StatusOK, app.URL+"/hook")
	want.Acked, want.Response = true, deliverylog.Response{Status: http.StatusCreated, Body: []byte("done")}
	if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
		t.Errorf("event mismatch (-want +got):\n%s", diff)
	}

	// After Close the relay refuses work.
	got = send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, itemCreate, nil)
	if got.Status != http.StatusServiceUnavailable {
		t.Errorf("after Close: status = %d, want 503", got.Status)
	}
	if ev := recv(t, events); ev.Kind != deliverylog.KindRejected || ev.Status != http.StatusServiceUnavailable {
		t.Errorf("after Close: event kind, status = %s, %d, want rejected, 503", ev.Kind, ev.Status)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantKind   deliverylog.Kind
		wantType   string
		wantStatus int
		wantErr    string
	}{
		{"unparsable form", "type=item.create&x=%zz", deliverylog.KindRejected, "", 400, `unparsable form body: invalid URL escape "%zz"`},
		{"semicolon", "type=item.create;x=1", deliverylog.KindRejected, "", 400, "unparsable form body: invalid semicolon separator in query"},
		{"missing type", "hook_id=12&item_id=1", deliverylog.KindRejected, "", 400, "missing type parameter"},
		{"empty body", "", deliverylog.KindRejected, "", 400, "missing type parameter"},
		{"json body", `{"type":"item.create"}`, deliverylog.KindRejected, "", 400, "missing type parameter"},
		{"verify with text hook_id", "type=hook.verify&hook_id=abc&code=x", deliverylog.KindVerify, "hook.verify", 400, `invalid hook_id "abc"`},
		{"verify with negative hook_id", "type=hook.verify&hook_id=-4&code=x", deliverylog.KindVerify, "hook.verify", 400, `invalid hook_id "-4"`},
		{"verify without hook_id", "type=hook.verify&code=x", deliverylog.KindVerify, "hook.verify", 400, `invalid hook_id ""`},
		{"verify without code", "type=hook.verify&hook_id=5", deliverylog.KindVerify, "hook.verify", 400, "missing code parameter"},
	}
	app, appReqs := startApp(t, nil)
	_, srv, events := startRelay(t, Config{
		Target: mustParseURL(t, app.URL+"/hook"),
		Validate: func(context.Context, int64, string) error {
			t.Error("Validate called for bad input")
			return nil
		},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, tt.body, nil)
			if got.Status != tt.wantStatus || len(got.Body) > 64 {
				t.Errorf("reply = %d %q, want %d and a short body", got.Status, got.Body, tt.wantStatus)
			}
			ev := recv(t, events)
			want := deliverylog.Record{
				Time:     testTime,
				Source:   "up",
				Kind:     tt.wantKind,
				Outcome:  deliverylog.OutcomeRejected,
				Type:     tt.wantType,
				Status:   tt.wantStatus,
				Error:    tt.wantErr,
				Request:  deliverylog.Request{Method: "POST", Path: "/", Body: []byte(tt.body)},
				Response: deliverylog.Response{Status: tt.wantStatus, Body: []byte(got.Body)},
			}
			if tt.name == "verify without code" {
				want.HookID = 5
			}
			if tt.wantKind != deliverylog.KindRejected {
				want.Outcome = deliverylog.OutcomeFailed
			}
			if diff := cmp.Diff(want, ev, eventOpts); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(appReqs); n != 0 {
		t.Errorf("local app got %d requests, want 0", n)
	}
}

func TestBodyTooLarge(t *testing.T) {
	app, appReqs := startApp(t, nil)
	_, srv, events := startRelay(t, Config{Target: mustParseURL(t, app.URL+"/hook")})
	body := "type=item.create&x=" + strings.Repeat("a", maxRequestBody)
	got := send(t, srv.Client(), http.MethodPost, srv.URL+"/"+testSecret, formType, body, nil)
	if got.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", got.Status)
	}
	if ev := recv(t, events); ev.Kind != deliverylog.KindRejected || ev.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("event kind, status = %s, %d, want rejected, 413", ev.Kind, ev.Status)
	}
	if n := len(appReqs); n != 0 {
		t.Errorf("local app got %d requests, want 0", n)
	}
}
