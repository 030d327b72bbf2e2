package trigger

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/mockpodio"
)

// receiver is the mock kit's Receiver, answering status(n) with body to
// the n-th request (from 0). hold makes the first hold requests wait
// until hold requests are in flight at once, proving the sender's
// concurrency without sleeping.
type receiver struct {
	*mockpodio.Receiver

	mu          sync.Mutex // guards n, inFlight, maxInFlight, held
	n           int
	inFlight    int
	maxInFlight int
	held        int
	release     chan struct{} // closed when hold requests have arrived
}

func newReceiver(t *testing.T, status func(n int) int, body string, hold int) *receiver {
	t.Helper()
	r := &receiver{Receiver: mockpodio.NewReceiver(t, mockpodio.NewTestServer(t)), release: make(chan struct{})}
	r.Steer(func(mockpodio.Event) mockpodio.Response {
		r.mu.Lock()
		n := r.n
		r.n++
		r.inFlight++
		r.maxInFlight = max(r.maxInFlight, r.inFlight)
		wait := r.held < hold
		if wait {
			r.held++
			if r.held == hold {
				close(r.release)
			}
		}
		r.mu.Unlock()
		if wait {
			select {
			case <-r.release:
			case <-t.Context().Done():
			}
		}
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
		return mockpodio.Response{Status: status(n), Body: body}
	})
	return r
}

func (r *receiver) most() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxInFlight
}

// answer returns a status function that answers code to every request.
func answer(code int) func(int) int { return func(int) int { return code } }

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// redirector answers every request with a 302 to /elsewhere.
func redirector(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// toConfig is a Config that POSTs event once to url.
func toConfig(event, url string, out *bytes.Buffer, set ...string) Config {
	return Config{Event: event, Set: set, To: url, Repeat: 1, Concurrency: 1, Timeout: 10 * time.Second, Out: out}
}

func TestPostTo(t *testing.T) {
	tests := []struct {
		name     string
		event    string
		set      []string
		path     string // appended to the receiver's URL
		status   int
		wantErr  bool
		wantPath string
		extra    [][2]string // query pairs Podio moves into the body
	}{
		{name: "fixture as is", event: "item.create", path: "/hook", status: 200, wantPath: "/hook"},
		{name: "overrides", event: "item.create", set: []string{"item_id=42", "external_id=bug-9"}, path: "/podio/hook", status: 201, wantPath: "/podio/hook"},
		{name: "comma kept", event: "file.change", set: []string{"file_ids=1203,1204", "action_type=file_deleted"}, path: "/hook", status: 200, wantPath: "/hook"},
		{name: "hook id and empty value", event: "item.update", set: []string{"hook_id=7", "external_id="}, path: "/", status: 204, wantPath: "/"},
		{name: "handshake", event: "hook.verify", set: []string{"code=abc123"}, path: "/hook", status: 200, wantPath: "/hook"},
		{name: "space event", event: "member.add", set: []string{"user_id=7"}, path: "/hook", status: 200, wantPath: "/hook"},
		{
			name: "query moves to the body", event: "comment.create", path: "/hook?token=s3cret&x=a%20b", status: 200,
			wantPath: "/hook", extra: [][2]string{{"token", "s3cret"}, {"x", "a b"}},
		},
		{name: "server error", event: "item.create", path: "/hook", status: 500, wantErr: true, wantPath: "/hook"},
		{name: "client error", event: "item.delete", path: "/hook", status: 404, wantErr: true, wantPath: "/hook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newReceiver(t, answer(tt.status), "ok from the handler\n", 0)
			var out bytes.Buffer
			runErr := Run(t.Context(), toConfig(tt.event, recv.URL+tt.path, &out, tt.set...))
			if (runErr != nil) != tt.wantErr {
				t.Errorf("Run: %v, want an error: %t", runErr, tt.wantErr)
			}
			reqs := recv.Events()
			if len(reqs) != 1 {
				t.Fatalf("the handler got %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			ev, err := fixtures.Get(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			overrides, err := fixtures.ParseSet(tt.set)
			if err != nil {
				t.Fatal(err)
			}
			if ev, err = ev.With(overrides); err != nil {
				t.Fatal(err)
			}
			wantForm := ev.Params
			for _, p := range tt.extra {
				wantForm[p[0]] = p[1]
			}
			if diff := cmp.Diff(wantForm, got.Params); diff != "" {
				t.Errorf("form body (-want +got):\n%s", diff)
			}
			wantPrefix := "type=" + url.QueryEscape(tt.event) + "&hook_id=" + url.QueryEscape(ev.Params["hook_id"]) + "&"
			if !strings.HasPrefix(got.Body, wantPrefix) {
				t.Errorf("body %q does not start with %q, as Podio's do", got.Body, wantPrefix)
			}
			if ct := got.Header.Get("Content-Type"); got.Method != http.MethodPost || ct != formpost.ContentType || got.Path != tt.wantPath || got.Query != "" {
				t.Errorf("request = %s %s?%s (Content-Type %q), want POST %s (%s)", got.Method, got.Path, got.Query, ct, tt.wantPath, formpost.ContentType)
			}
			if ua := got.Header.Get("User-Agent"); ua != UserAgent {
				t.Errorf("User-Agent = %q, want %q", ua, UserAgent)
			}
			if !strings.Contains(out.String(), got.Body+"\n") {
				t.Errorf("output does not show the body sent %q:\n%s", got.Body, out.String())
			}
			if want := fmt.Sprintf("-> %d %s", tt.status, http.StatusText(tt.status)); !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
			if tt.status != http.StatusNoContent && !strings.Contains(out.String(), "ok from the handler") {
				t.Errorf("output lacks the handler's body:\n%s", out.String())
			}
		})
	}
}

func TestPostRedirectNotFollowed(t *testing.T) {
	var out bytes.Buffer
	err := Run(t.Context(), toConfig("item.create", redirector(t)+"/moved", &out))
	if err == nil || !strings.Contains(err.Error(), "a redirect to /elsewhere, not followed") {
		t.Errorf("Run: %v, want it to name the redirect not followed", err)
	}
	if !strings.Contains(out.String(), "-> 302 Found") {
		t.Errorf("output lacks the 302:\n%s", out.String())
	}
}

func TestPostBodyTruncated(t *testing.T) {
	recv := newReceiver(t, answer(200), strings.Repeat("Q", 10000), 0)
	var out bytes.Buffer
	if err := Run(t.Context(), toConfig("item.create", recv.URL, &out)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := strings.Count(out.String(), "Q"); got != ShownBody {
		t.Errorf("printed %d bytes of the answer, want %d", got, ShownBody)
	}
	if !strings.Contains(out.String(), "only the first 4096 bytes shown") {
		t.Errorf("no truncation note in:\n%s", out.String())
	}
}

func TestPostUnreachable(t *testing.T) {
	err := Run(t.Context(), toConfig("item.create", closedURL(t)+"/hook", new(bytes.Buffer)))
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, formpost.ErrUnreachable) || !strings.Contains(err.Error(), "is the handler running?") {
		t.Errorf("Run: %v, want connection refused, with a hint", err)
	}
}

func TestPostTimeout(t *testing.T) {
	// The handler holds the request far past the timeout, on the wall
	// clock: it ends only when trigger gives up and hangs up.
	recv := mockpodio.NewReceiver(t, mockpodio.NewTestServer(t))
	recv.Respond(mockpodio.Response{Delay: time.Hour})
	cfg := toConfig("item.create", recv.URL, new(bytes.Buffer))
	cfg.Timeout = 100 * time.Millisecond
	err := Run(t.Context(), cfg)
	if !errors.Is(err, formpost.ErrTimeout) || !strings.Contains(err.Error(), "waited 100ms; Podio gives up after 15 s") {
		t.Errorf("Run: %v, want %v with Podio's limit", err, formpost.ErrTimeout)
	}
}

// burstStatusRows returns the rows of the STATUS COUNT table in out.
func burstStatusRows(out string) [][]string {
	var rows [][]string
	in := false
	for l := range strings.Lines(out) {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "STATUS" && f[1] == "COUNT":
			in = true
		case in && len(f) > 0 && f[0] == "latency":
			return rows
		case in:
			rows = append(rows, f)
		}
	}
	return rows
}

func TestBurst(t *testing.T) {
	tests := []struct {
		name        string
		repeat      int
		concurrency int
		status      func(n int) int
		wantRows    [][]string
		wantErr     bool
		wantMax     int // requests in flight at once
	}{
		{
			name: "all 2xx", repeat: 10, concurrency: 3, status: answer(200),
			wantRows: [][]string{{"200", "10"}}, wantMax: 3,
		},
		{
			name: "some 5xx", repeat: 10, concurrency: 4,
			status: func(n int) int {
				if n%3 == 0 {
					return 500
				}
				return 202
			},
			wantRows: [][]string{{"202", "6"}, {"500", "4"}}, wantErr: true, wantMax: 4,
		},
		{
			name: "sequential", repeat: 4, concurrency: 1, status: answer(200),
			wantRows: [][]string{{"200", "4"}}, wantMax: 1,
		},
		{
			name: "concurrency above repeat", repeat: 3, concurrency: 8, status: answer(200),
			wantRows: [][]string{{"200", "3"}}, wantMax: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := newReceiver(t, tt.status, "ok\n", tt.wantMax)
			var out bytes.Buffer
			cfg := toConfig("item.create", recv.URL+"/hook", &out, "item_id=42")
			cfg.Repeat, cfg.Concurrency, cfg.Timeout = tt.repeat, tt.concurrency, 20*time.Second
			err := Run(t.Context(), cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("Run: %v, want an error: %t", err, tt.wantErr)
			}
			reqs := recv.Events()
			if len(reqs) != tt.repeat {
				t.Errorf("the handler got %d requests, want %d", len(reqs), tt.repeat)
			}
			for i, r := range reqs {
				if r.Params["item_id"] != "42" || r.Type != "item.create" {
					t.Errorf("request %d: form %v, want item.create with item_id 42", i, r.Params)
				}
			}
			if diff := cmp.Diff(tt.wantRows, burstStatusRows(out.String())); diff != "" {
				t.Errorf("status counts (-want +got):\n%s", diff)
			}
			if !regexp.MustCompile(`(?m)^latency  p50 \S+  p95 \S+  max \S+  \(` + strconv.Itoa(tt.repeat) + ` requests in \S+\)$`).MatchString(out.String()) {
				t.Errorf("no latency line in:\n%s", out.String())
			}
			if got := recv.most(); got != tt.wantMax {
				t.Errorf("at most %d requests were in flight, want %d", got, tt.wantMax)
			}
		})
	}
}

func TestSummarizeBurst(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	ok := func(code int, lat time.Duration) formpost.Result {
		return formpost.Result{Status: code, StatusText: fmt.Sprintf("%d %s", code, http.StatusText(code)), Latency: lat}
	}
	refused := errors.New("connection refused")
	tests := []struct {
		name    string
		results []formpost.Result
		want    burstSummary
	}{
		{
			name:    "none",
			results: nil,
			want:    burstSummary{},
		},
		{
			name:    "one",
			results: []formpost.Result{ok(200, ms(7))},
			want:    burstSummary{counts: []statusCount{{"200", 1}}, p50: ms(7), p95: ms(7), max: ms(7)},
		},
		{
			name: "ten, out of order",
			results: []formpost.Result{ok(200, ms(10)), ok(200, ms(1)), ok(200, ms(9)), ok(200, ms(2)), ok(200, ms(8)),
				ok(200, ms(3)), ok(200, ms(7)), ok(200, ms(4)), ok(200, ms(6)), ok(200, ms(5))},
			want: burstSummary{counts: []statusCount{{"200", 10}}, p50: ms(5), p95: ms(10), max: ms(10)},
		},
		{
			name: "failures and errors",
			results: []formpost.Result{ok(200, ms(1)), {Status: 500, StatusText: "500 Internal Server Error", Latency: ms(2), Body: []byte("boom\nmore")},
				{Latency: ms(3), Err: refused}, ok(201, ms(4)), ok(500, ms(5))},
			want: burstSummary{
				counts: []statusCount{{"200", 1}, {"201", 1}, {"500", 2}, {"error", 1}},
				p50:    ms(3), p95: ms(5), max: ms(5), failed: 3, firstFailure: "500 Internal Server Error: boom",
			},
		},
		{
			name:    "3xx is a failure",
			results: []formpost.Result{ok(302, ms(1))},
			want:    burstSummary{counts: []statusCount{{"302", 1}}, p50: ms(1), p95: ms(1), max: ms(1), failed: 1, firstFailure: "302 Found"},
		},
		{
			name:    "redirect names its target",
			results: []formpost.Result{{Status: 301, StatusText: "301 Moved Permanently", Location: "/x", Body: []byte("\n  gone  \n")}},
			want:    burstSummary{counts: []statusCount{{"301", 1}}, failed: 1, firstFailure: "301 Moved Permanently (redirect to /x, not followed): gone"},
		},
		{
			name:    "long first line cut",
			results: []formpost.Result{{Status: 500, StatusText: "500 Internal Server Error", Body: []byte(strings.Repeat("x", 300))}},
			want:    burstSummary{counts: []statusCount{{"500", 1}}, failed: 1, firstFailure: "500 Internal Server Error: " + strings.Repeat("x", 200) + "..."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeBurst(tt.results)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(burstSummary{}, statusCount{})); diff != "" {
				t.Errorf("summarizeBurst (-want +got):\n%s", diff)
			}
		})
	}
}
