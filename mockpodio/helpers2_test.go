package mockpodio_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// clockStart is where the manual clocks of these tests begin.
var clockStart = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// awaitTimeout bounds every wait for a delivery or a hook state.
const awaitTimeout = 10 * time.Second

// Short names for the default seed's objects (mockpodio.DefaultSeed).
const (
	seedClientID      = mockpodio.DefaultClientID
	seedClientSecret  = mockpodio.DefaultClientSecret
	seedUsername      = mockpodio.DefaultUsername
	seedPassword      = mockpodio.DefaultPassword
	seedUserID        = mockpodio.DefaultUserID
	seedSpaceID       = mockpodio.DefaultSpaceID
	seedAppID         = mockpodio.DefaultAppID
	seedAppToken      = mockpodio.DefaultAppToken
	seedTitleField    = mockpodio.DefaultTitleFieldID
	seedStatusField   = mockpodio.DefaultStatusFieldID
	seedPriorityField = mockpodio.DefaultPriorityFieldID
)

// withClock makes the server read c.
func withClock(c *mockpodio.ManualClock) mockpodio.Option { return mockpodio.WithClock(c) }

// withSeed loads the default seed, strict or permissive.
func withSeed(t *testing.T, strict bool) mockpodio.Option {
	return func(s *mockpodio.Server) {
		s.Seed = mockpodio.DefaultSeed()
		s.Strict = strict
	}
}

// postForm sends a form-encoded request, as the token endpoint gets it.
// A non-empty user sends HTTP Basic credentials.
func postForm(t *testing.T, s *mockpodio.Server, path string, form url.Values, user, pass string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return send(t, s, req)
}

// doHeader sends one API call with a raw Authorization header (none if
// empty) and a body sent as it is.
func doHeader(t *testing.T, s *mockpodio.Server, authorization, method, path, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return send(t, s, req)
}

// apiError is Podio's error JSON (https://developers.podio.com/index/api).
type apiError struct {
	Error           string         `json:"error"`
	Description     string         `json:"error_description"`
	ErrorDetail     any            `json:"error_detail"`
	ErrorParameters map[string]any `json:"error_parameters"`
	ErrorPropagate  bool           `json:"error_propagate"`
	Request         apiErrorReq    `json:"request"`
}

type apiErrorReq struct {
	URL         string `json:"url"`
	QueryString string `json:"query_string"`
	Method      string `json:"method"`
}

// errorKeys are the keys of every Podio error body.
var errorKeys = []string{"error", "error_description", "error_detail", "error_parameters", "error_propagate", "request"}

// errCode returns the "error" of a JSON error body, or "" for any other
// body.
func errCode(res response) string {
	m, ok := res.Body.(map[string]any)
	if !ok {
		return ""
	}
	s, _ := m["error"].(string)
	return s
}

// decodeJSON decodes a raw response body into v.
func decodeJSON(t *testing.T, raw string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// hit is the part of a request a test compares: the receiver's event
// with the form as url.Values.
type hit struct {
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	Body        string
	Form        url.Values
}

// hitsOf returns the requests rc has received as hits.
func hitsOf(rc *mockpodio.Receiver) []hit {
	var out []hit
	for _, ev := range rc.Events() {
		form, _ := url.ParseQuery(ev.Body)
		out = append(out, hit{Method: ev.Method, Path: ev.Path, RawQuery: ev.Query,
			ContentType: ev.Header.Get("Content-Type"), Body: ev.Body, Form: form})
	}
	return out
}

// routedClient is an HTTP client that connects to addr whatever the
// request's host, so hook URLs such as http://hooks.example/ reach a local
// recorder without leaving the machine.
func routedClient(addr string) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// createHook creates a hook on /hook/{refType}/{refID}/ and returns its
// id; any status but 200 fails the test.
func createHook(t *testing.T, s *mockpodio.Server, token, refType string, refID int64, typ, hookURL string) int64 {
	t.Helper()
	res := do(t, s, token, "POST", "/hook/"+refType+"/"+itoa(refID)+"/", map[string]string{"url": hookURL, "type": typ})
	if res.Status != http.StatusOK {
		t.Fatalf("create %s hook on %s %d: %d %s", typ, refType, refID, res.Status, res.Raw)
	}
	return num(t, field(t, res.Body, "hook_id"))
}

// awaitDelivery waits for a recorded delivery that satisfies match.
func awaitDelivery(t *testing.T, s *mockpodio.Server, match func(mockpodio.Delivery) bool) mockpodio.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	defer cancel()
	d, err := s.AwaitDelivery(ctx, match)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// awaitEvent waits for the delivery of an event of type typ to hook id.
func awaitEvent(t *testing.T, s *mockpodio.Server, hookID int64, typ string) mockpodio.Delivery {
	t.Helper()
	return awaitDelivery(t, s, func(d mockpodio.Delivery) bool { return d.HookID == hookID && d.Type == typ })
}

// awaitVerify waits for a hook.verify to hook id recorded after the
// delivery numbered after, and returns its code.
func awaitVerify(t *testing.T, s *mockpodio.Server, hookID, after int64) (mockpodio.Delivery, string) {
	t.Helper()
	d := awaitDelivery(t, s, func(d mockpodio.Delivery) bool {
		return d.HookID == hookID && d.Type == fixtures.VerifyEvent && d.ID > after
	})
	return d, d.Params["code"]
}

// eventsTo returns the recorded deliveries to hook id, hook.verify left
// out.
func eventsTo(s *mockpodio.Server, hookID int64) []mockpodio.Delivery {
	var out []mockpodio.Delivery
	for _, d := range s.Deliveries() {
		if d.HookID == hookID && d.Type != fixtures.VerifyEvent {
			out = append(out, d)
		}
	}
	return out
}

// eventTypes returns the types of ds, in order.
func eventTypes(ds []mockpodio.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Type)
	}
	return out
}

// createItem creates an item and returns its id; any status but 200 fails
// the test.
func createItem(t *testing.T, s *mockpodio.Server, token string, appID int64, body any) int64 {
	t.Helper()
	res := do(t, s, token, "POST", "/item/app/"+itoa(appID)+"/", body)
	if res.Status != http.StatusOK {
		t.Fatalf("create item: %d %s", res.Status, res.Raw)
	}
	return num(t, field(t, res.Body, "item_id"))
}

// mustStatus fails the test unless res has status want.
func mustStatus(t *testing.T, what string, res response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, res.Status, want, res.Raw)
	}
}

// byline is the part of Podio's ByLine the tests check.
type byline struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// bylineKeys and viaKeys are the keys of Podio's ByLine and Via
// (https://developers.podio.com/doc/hooks).
var (
	bylineKeys = []string{"avatar_id", "avatar_type", "id", "image", "last_seen_on", "name", "type", "url"}
	viaKeys    = []string{"display", "id", "name", "url"}
)
