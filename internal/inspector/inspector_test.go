package inspector_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestPage(t *testing.T) {
	suspendedUntil := t0.Add(15 * time.Minute)
	clock := t0.Add(time.Minute)
	src := &fakeSource{state: inspector.State{
		Title:     "devhook mock",
		PublicURL: "http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg",
		Target:    "http://localhost:3000/",
		Hooks: []inspector.Hook{
			{HookID: 101, RefType: "app", RefID: 3001, Type: "item.create", URL: "http://127.0.0.1:46317/x", Status: "active"},
			{HookID: 102, RefType: "app", RefID: 3001, Type: "item.update", URL: "http://127.0.0.1:46317/y", Status: "active",
				SuspendedUntil: &suspendedUntil, Failures15m: 16, Failures7d: 16, ConsecutiveFailures: 16},
			{HookID: 103, RefType: "app", RefID: 3001, Type: "item.delete", URL: "http://127.0.0.1:46317/z", Status: "inactive", InactiveReason: "disabled after 201 failures in 7 days"},
		},
		MockClock:   &clock,
		ClockManual: true,
	}}
	src.Add(itemCreate("run1-1", t0, 1000001))
	evil := itemCreate("run1-2", t0.Add(time.Second), 1000002)
	evil.Request.Body = []byte("type=item.create&title=<script>alert(1)</script>")
	evil.Response.Body = []byte(`<img src=x onerror=alert(2)>`)
	evil.Error = `local app said "<b>no</b>"`
	src.Add(evil)
	_, ts := start(t, src.Source())

	resp, page := get(t, ts.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || !strings.Contains(got, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none' and script-src 'self'", got)
	}
	for _, want := range []string{
		`<h1 id="title">devhook mock</h1>`,
		`<dd id="public-url">http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg</dd>`,
		`<dd id="target">http://localhost:3000/</dd>`,
		`<body class="mock" data-replay="true"`,
		`<span id="clock-mode" class="badge">manual</span>`,
		`<tr class="hook" data-hook-id="101">`,
		`<span class="status ok">active</span>`,
		`<span class="status warn">suspended until `,
		`<span class="status bad">inactive</span> <span class="reason">disabled after 201 failures in 7 days</span>`,
		`<td class="mock-only num">16</td>`,
		`<tbody class="record" data-id="run1-1"`,
		`<tr class="delivery" data-id="run1-1"`,
		`<button type="button" class="replay" data-id="run1-1">Replay</button>`,
		`<td class="ids">item_id=1000001 item_revision_id=5000001</td>`,
		`<span class="outcome ok">forwarded</span>`,
		`<td class="num">3 ms</td>`, // deliverylog.FormatLatencyMS
		`<code>POST /</code>`,
		`<tr><th>item_id</th><td>1000001</td></tr>`,
		`<tr><th>Content-Type</th><td>application/x-www-form-urlencoded</td></tr>`,
		`<code>200 OK</code>`,
		// Escaped, never injected:
		`title=&lt;script&gt;alert(1)&lt;/script&gt;</pre>`,
		`<tr><th>title</th><td>&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>`,
		`&lt;img src=x onerror=alert(2)&gt;</pre>`,
		`<p class="error">local app said &#34;&lt;b&gt;no&lt;/b&gt;&#34;</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>no</b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %s unescaped", bad)
		}
	}
	// Newest first.
	if i, j := strings.Index(page, `data-id="run1-2"`), strings.Index(page, `data-id="run1-1"`); i < 0 || j < 0 || i > j {
		t.Errorf("run1-2 at %d, run1-1 at %d: want the newer run1-2 first", i, j)
	}
	// The page loads nothing from elsewhere.
	for _, bad := range []string{"http://", "https://", "//"} {
		for _, attr := range []string{`src="` + bad, `href="` + bad} {
			if strings.Contains(page, attr) {
				t.Errorf("page contains %s", attr)
			}
		}
	}
}

func TestPageEmpty(t *testing.T) {
	tests := []struct {
		name string
		src  inspector.Source
		want []string
		not  []string
	}{
		{
			name: "nil source",
			want: []string{`<h1 id="title">devhook</h1>`, `No hooks yet.`, `<p id="no-deliveries" class="hint">`, `data-replay="false"`, `<div id="clock-box" hidden>`},
			not:  []string{`class="replay"`, `<body class="mock"`},
		},
		{
			name: "no replay",
			src:  inspector.Source{Records: func() []deliverylog.Record { return []deliverylog.Record{itemCreate("a-1", t0, 1)} }},
			want: []string{`<tr class="delivery" data-id="a-1"`, `<p id="no-deliveries" class="hint" hidden>`},
			not:  []string{`class="replay"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := start(t, tt.src)
			_, page := get(t, ts.URL+"/")
			for _, want := range tt.want {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(page, not) {
					t.Errorf("page contains %s", not)
				}
			}
		})
	}
}

func TestZeroServer(t *testing.T) {
	var s inspector.Server
	ts := httptest.NewServer(&s)
	defer ts.Close()
	resp, _ := get(t, ts.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / on a zero Server = %d, want 200", resp.StatusCode)
	}
}

func TestAPI(t *testing.T) {
	suspendedUntil := t0.Add(15 * time.Minute)
	src := &fakeSource{state: inspector.State{
		Title:     "devhook",
		PublicURL: "https://example.ngrok.app/s3cret",
		Target:    "http://localhost:3000/",
		Hooks: []inspector.Hook{{HookID: 101, RefType: "app", RefID: 3001, Type: "item.create", URL: "https://example.ngrok.app/s3cret",
			Status: "active", SuspendedUntil: &suspendedUntil, Failures15m: 16, Failures7d: 17, ConsecutiveFailures: 3}},
	}}
	src.Add(itemCreate("r-1", t0, 1))
	src.Add(itemCreate("r-2", t0.Add(time.Second), 2))
	_, ts := start(t, src.Source())
	_, empty := start(t, inspector.Source{})

	tests := []struct {
		name       string
		url        string
		wantStatus int // 0: 200
		want       any // nil: an error body
	}{
		{
			name: "state",
			url:  ts.URL + "/api/state",
			want: map[string]any{
				"title": "devhook", "public_url": "https://example.ngrok.app/s3cret", "target": "http://localhost:3000/",
				"mock_clock": nil, "clock_manual": false,
				"hooks": []any{map[string]any{
					"hook_id": 101.0, "ref_type": "app", "ref_id": 3001.0, "type": "item.create", "url": "https://example.ngrok.app/s3cret",
					"status": "active", "suspended_until": "2026-03-02T11:58:50Z",
					"failures_15m": 16.0, "failures_7d": 17.0, "consecutive_failures": 3.0,
				}},
			},
		},
		{
			name: "empty state",
			url:  empty.URL + "/api/state",
			want: map[string]any{"title": "devhook", "public_url": "", "target": "", "hooks": []any{}, "mock_clock": nil, "clock_manual": false},
		},
		{
			name: "deliveries",
			url:  ts.URL + "/api/deliveries",
			want: []any{recordJSON(t, itemCreate("r-1", t0, 1)), recordJSON(t, itemCreate("r-2", t0.Add(time.Second), 2))},
		},
		{
			name: "newest deliveries",
			url:  ts.URL + "/api/deliveries?limit=1",
			want: []any{recordJSON(t, itemCreate("r-2", t0.Add(time.Second), 2))},
		},
		{
			name: "limit above the count",
			url:  ts.URL + "/api/deliveries?limit=500",
			want: []any{recordJSON(t, itemCreate("r-1", t0, 1)), recordJSON(t, itemCreate("r-2", t0.Add(time.Second), 2))},
		},
		{
			name: "limit zero",
			url:  ts.URL + "/api/deliveries?limit=0",
			want: []any{},
		},
		{
			name:       "bad limit",
			url:        ts.URL + "/api/deliveries?limit=all",
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "no deliveries",
			url:  empty.URL + "/api/deliveries",
			want: []any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, tt.url)
			wantStatus := tt.wantStatus
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if resp.StatusCode != wantStatus {
				t.Errorf("GET %s = %d, want %d", tt.url, resp.StatusCode, wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			var got any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if m, ok := got.(map[string]any); !ok || m["error"] == "" || m["error"] == nil {
					t.Errorf("GET %s = %s, want {\"error\": ...}", tt.url, body)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tt.url, diff)
			}
		})
	}
}

// recordJSON is r as the API shows it, decoded into plain values.
func recordJSON(t *testing.T, r deliverylog.Record) any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestReplay(t *testing.T) {
	errBroken := errors.New("log file unreadable")
	tests := []struct {
		name       string
		src        func(*fakeSource) inspector.Source
		id         string
		header     http.Header
		body       string // the request's body: an edit
		wantStatus int
		want       *deliverylog.Record // nil: an error body
		wantError  string              // in the error body
	}{
		{
			name:       "ok",
			src:        (*fakeSource).Source,
			id:         "r-1",
			wantStatus: http.StatusOK,
			want: func() *deliverylog.Record {
				r := itemCreate("replay-1", t0.Add(time.Second), 1)
				r.Source, r.ReplayOf = "replay", "r-1"
				return &r
			}(),
		},
		{
			name:       "same origin",
			src:        (*fakeSource).Source,
			id:         "r-1",
			header:     http.Header{"Sec-Fetch-Site": {"same-origin"}},
			wantStatus: http.StatusOK,
			want: func() *deliverylog.Record {
				r := itemCreate("replay-1", t0.Add(time.Second), 1)
				r.Source, r.ReplayOf = "replay", "r-1"
				return &r
			}(),
		},
		{
			name:       "edited",
			src:        (*fakeSource).Source,
			id:         "r-1",
			header:     http.Header{"Content-Type": {"application/json"}},
			body:       `{"header": {"Content-Type": ["application/x-www-form-urlencoded"], "X-Try": ["2"]}, "body": "type=item.create&item_id=99"}`,
			wantStatus: http.StatusOK,
			want: func() *deliverylog.Record {
				r := itemCreate("replay-1", t0.Add(time.Second), 1)
				r.Source, r.ReplayOf = "replay", "r-1"
				r.Request.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Try": {"2"}}
				r.Request.Body = []byte("type=item.create&item_id=99")
				return &r
			}(),
		},
		{
			name:       "body only edited",
			src:        (*fakeSource).Source,
			id:         "r-1",
			body:       `{"body": "{\"json\": \"too\"}"}`,
			wantStatus: http.StatusOK,
			want: func() *deliverylog.Record {
				r := itemCreate("replay-1", t0.Add(time.Second), 1)
				r.Source, r.ReplayOf = "replay", "r-1"
				r.Request.Body = []byte(`{"json": "too"}`)
				return &r
			}(),
		},
		{name: "edit not JSON", src: (*fakeSource).Source, id: "r-1", body: `type=item.create`, wantStatus: http.StatusBadRequest, wantError: "not JSON"},
		{name: "bad header name", src: (*fakeSource).Source, id: "r-1", body: `{"header": {"X Try": ["1"]}}`, wantStatus: http.StatusBadRequest, wantError: `"X Try"`},
		{name: "header line break", src: (*fakeSource).Source, id: "r-1", body: `{"header": {"X-Try": ["1\r\nX-Evil: 1"]}}`, wantStatus: http.StatusBadRequest, wantError: "line break"},
		{name: "edit too large", src: (*fakeSource).Source, id: "r-1", body: `{"body": "` + strings.Repeat("a", 1<<20) + `"}`, wantStatus: http.StatusBadRequest, wantError: "too large"},
		{name: "hook.verify", src: (*fakeSource).Source, id: "v-1", wantStatus: http.StatusConflict, wantError: "Podio sends it once, when the hook is created"},
		{name: "unknown id", src: (*fakeSource).Source, id: "nope", wantStatus: http.StatusNotFound},
		{
			name:       "no replay",
			src:        func(f *fakeSource) inspector.Source { s := f.Source(); s.Replay = nil; return s },
			id:         "r-1",
			wantStatus: http.StatusNotImplemented,
		},
		{
			name: "failure",
			src: func(f *fakeSource) inspector.Source {
				s := f.Source()
				s.Replay = func(context.Context, string, *inspector.Edit) (deliverylog.Record, error) {
					return deliverylog.Record{}, errBroken
				}
				return s
			},
			id:         "r-1",
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:       "cross-site",
			src:        (*fakeSource).Source,
			id:         "r-1",
			header:     http.Header{"Sec-Fetch-Site": {"cross-site"}},
			wantStatus: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSource{}
			verify := itemCreate("v-1", t0.Add(-time.Second), 0)
			verify.Kind, verify.Type, verify.Outcome = "verify", "hook.verify", "verified"
			f.Add(verify)
			f.Add(itemCreate("r-1", t0, 1))
			_, ts := start(t, tt.src(f))

			req, err := http.NewRequestWithContext(t.Context(), "POST", ts.URL+"/api/replay/"+tt.id, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("POST /api/replay/%s = %d, want %d", tt.id, resp.StatusCode, tt.wantStatus)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if tt.name == "cross-site" {
					return // net/http's CrossOriginProtection answers in plain text
				}
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
					t.Errorf("body = %s, want {\"error\": ...}", body)
				}
				if !strings.Contains(e.Error, tt.wantError) {
					t.Errorf("error = %q, want it to contain %q", e.Error, tt.wantError)
				}
				if got := len(f.Records()); got != 2 {
					t.Errorf("%d records after a failed replay, want 2", got)
				}
				return
			}
			var got deliverylog.Record
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("replayed record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusesOtherHosts(t *testing.T) {
	_, ts := start(t, inspector.Source{AllowedHosts: []string{"devhook.internal"}})
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1", http.StatusOK},
		{"localhost:4040", http.StatusOK},
		{"app.localhost", http.StatusOK},
		{"[::1]:4040", http.StatusOK},
		{"192.168.1.20:4040", http.StatusOK},
		{"rebind.example.com:4040", http.StatusForbidden},
		{"localhost.example.com", http.StatusForbidden},
		{"devhook.internal:4040", http.StatusOK}, // --allow-host
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), "GET", ts.URL+"/api/deliveries", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tt.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET with Host %s = %d, want %d", tt.host, resp.StatusCode, tt.want)
		}
	}
}

func TestAssets(t *testing.T) {
	_, ts := start(t, inspector.Source{})
	tests := []struct {
		path, contentType, contains string
	}{
		{"/assets/app.js", "text/javascript; charset=utf-8", `new EventSource("/api/stream")`},
		{"/assets/style.css", "text/css; charset=utf-8", "tr.delivery"},
	}
	for _, tt := range tests {
		resp, body := get(t, ts.URL+tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", tt.path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tt.contentType {
			t.Errorf("GET %s: Content-Type = %q, want %q", tt.path, got, tt.contentType)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s lacks %q", tt.path, tt.contains)
		}
		for _, bad := range []string{"http://", "https://"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s refers to %s...", tt.path, bad)
			}
		}
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	Name string
	Data string
}

// stream follows url's Server-Sent Events until ctx ends.
type stream struct {
	resp *http.Response
	r    *bufio.Reader
}

func openStream(t *testing.T, ctx context.Context, url string) *stream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", url, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("Content-Type = %q, want text/event-stream", got)
	}
	return &stream{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next reads the next event; reading fails when the stream ends or the
// context of openStream does.
func (s *stream) next() (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// nextNamed skips to the next event called name.
func (s *stream) nextNamed(name string) (sseEvent, error) {
	for {
		ev, err := s.next()
		if err != nil || ev.Name == name {
			return ev, err
		}
	}
}

func TestStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	src := &fakeSource{state: inspector.State{Title: "devhook mock", PublicURL: "http://127.0.0.1:1/x"}}
	src.Add(itemCreate("r-1", t0, 1))
	s, ts := start(t, src.Source())
	st := openStream(t, ctx, ts.URL+"/api/stream")

	// The state comes at once, which also means the stream is subscribed.
	ev, err := st.next()
	if err != nil {
		t.Fatal(err)
	}
	var gotState inspector.State
	if err := json.Unmarshal([]byte(ev.Data), &gotState); ev.Name != "state" || err != nil {
		t.Fatalf("first event = %+v (%v), want the state", ev, err)
	}
	wantState := inspector.State{Title: "devhook mock", PublicURL: "http://127.0.0.1:1/x", Hooks: []inspector.Hook{}}
	if diff := cmp.Diff(wantState, gotState); diff != "" {
		t.Errorf("state event (-want +got):\n%s", diff)
	}

	// A published record.
	want := itemCreate("r-2", t0.Add(time.Second), 2)
	s.Publish(want)
	ev, err = st.nextNamed("delivery")
	if err != nil {
		t.Fatal(err)
	}
	var got deliverylog.Record
	if err := json.Unmarshal([]byte(ev.Data), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published delivery (-want +got):\n%s", diff)
	}

	// A replay publishes its record too.
	resp, err := http.Post(ts.URL+"/api/replay/r-1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ev, err = st.nextNamed("delivery")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(ev.Data), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "replay-1" || got.Source != "replay" {
		t.Errorf("delivery after replay = %s from %s, want replay-1 from replay", got.ID, got.Source)
	}

	// Close ends the stream, and later streams end at once.
	s.Close()
	if _, err := st.nextNamed("delivery"); !errors.Is(err, io.EOF) {
		t.Errorf("reading after Close: %v, want EOF", err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("GET /api/stream after Close = %d, want 204", resp.StatusCode)
	}
	s.Publish(want) // does nothing, and does not block
}

func TestListen(t *testing.T) {
	tests := []struct {
		addr        string
		wantWarning bool
	}{
		{"127.0.0.1:0", false},
		{"localhost:0", false},
		{"0.0.0.0:0", true},
		{":0", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ln, warning, err := inspector.Listen(tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if got := warning != ""; got != tt.wantWarning {
				t.Errorf("Listen(%q) warning = %q, want a warning: %v", tt.addr, warning, tt.wantWarning)
			}
		})
	}
}

func TestListenError(t *testing.T) {
	ln, _, err := inspector.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, _, err := inspector.Listen(ln.Addr().String()); err == nil {
		t.Errorf("Listen(%s) on a busy port: no error", ln.Addr())
	}
}

// TestOrderByTime: a source appends a record when its delivery ends, so a
// hook.verify that waited for its validation can come after a later
// delivery; the page shows them newest first by time, /api/deliveries
// oldest first by time, and records of one time in the order they came.
func TestOrderByTime(t *testing.T) {
	src := &fakeSource{}
	src.Add(itemCreate("a", t0.Add(2*time.Second), 1))
	verify := itemCreate("v", t0.Add(time.Second), 0)
	verify.Kind, verify.Type, verify.Outcome = "verify", "hook.verify", "verified"
	src.Add(verify)
	src.Add(itemCreate("b", t0.Add(3*time.Second), 2))
	src.Add(itemCreate("c", t0.Add(3*time.Second), 3)) // same time as b, came after it
	failed := itemCreate("d", t0, 4)
	failed.Outcome, failed.Error = "failed", "local app answered 500"
	src.Add(failed)
	_, ts := start(t, src.Source())

	_, page := get(t, ts.URL+"/")
	var order []string
	for _, m := range regexp.MustCompile(`<tbody class="record" data-id="(\w+)"`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	if diff := cmp.Diff([]string{"c", "b", "a", "v", "d"}, order); diff != "" {
		t.Errorf("page order (-want +got):\n%s", diff)
	}
	// A failure's reason shows in its row, not only in its detail.
	if !strings.Contains(page, `<span class="outcome bad">failed</span> <span class="why" title="local app answered 500">local app answered 500</span></td>`) {
		t.Errorf("page lacks the failure reason in the row")
	}
	// The filters read these.
	if !strings.Contains(page, `data-kind="verify" data-type="hook.verify" data-hook="101" data-outcome="verified">`) {
		t.Errorf("page lacks the verify row's filter attributes")
	}

	var recs []deliverylog.Record
	_, body := get(t, ts.URL+"/api/deliveries")
	if err := json.Unmarshal([]byte(body), &recs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"d", "v", "a", "b", "c"}, ids); diff != "" {
		t.Errorf("/api/deliveries order (-want +got):\n%s", diff)
	}
}
