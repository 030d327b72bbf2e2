package mockpodio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// awaitCtx bounds a test's waits.
func awaitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recordingTB is a testing.TB whose logs, failures and cleanups are
// recorded instead of acted on, to test what the kit does with its tb.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	logs     []string
	fatals   []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	panic(r) // stands in for runtime.Goexit
}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// runCleanups runs the registered cleanups, last first, as testing does.
func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}

func (r *recordingTB) logged() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

func TestNewTestServerStartsLogsAndClosesAtCleanup(t *testing.T) {
	tb := &recordingTB{TB: t}
	s := mockpodio.NewTestServer(tb)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want a loopback URL", s.URL)
	}
	res, err := s.Client().Get(s.URL + "/app/3001")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /app/3001 without a token: %d, want 401", res.StatusCode)
	}
	if _, err := s.Token(awaitCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(tb.cleanups) != 1 {
		t.Fatalf("%d cleanups registered, want 1", len(tb.cleanups))
	}
	tb.runCleanups()
	// Logf runs on the server's own goroutine; Close waits for it.
	if got := tb.logged(); !strings.Contains(got, "/oauth/token") {
		t.Errorf("tb.Logf got %q, want a line for the token call", got)
	}
	if res, err := s.Client().Get(s.URL + "/app/3001"); err == nil {
		res.Body.Close()
		t.Errorf("the server still answers after the cleanup: %d", res.StatusCode)
	}
}

func TestNewTestServerFailsTheTestOnABadSeed(t *testing.T) {
	tb := &recordingTB{TB: t}
	bad := mockpodio.DefaultSeed()
	bad.Apps[0].SpaceID = 9
	func() {
		defer func() {
			if v := recover(); v != tb {
				panic(v)
			}
		}()
		mockpodio.NewTestServer(tb, mockpodio.WithSeed(bad))
		t.Error("NewTestServer returned")
	}()
	if len(tb.fatals) != 1 || !strings.Contains(tb.fatals[0], "space_id 9 is not in spaces") {
		t.Errorf("fatals = %q, want one about the space", tb.fatals)
	}
	if len(tb.cleanups) != 0 {
		t.Errorf("%d cleanups registered for a server that did not start", len(tb.cleanups))
	}
}

func TestDefaultSeedAndItsCredentials(t *testing.T) {
	want := &mockpodio.Seed{
		Clients: []mockpodio.SeedClient{{ClientID: mockpodio.DefaultClientID, ClientSecret: mockpodio.DefaultClientSecret}},
		Users: []mockpodio.SeedUser{{UserID: mockpodio.DefaultUserID, Name: "Dev User",
			Username: mockpodio.DefaultUsername, Password: mockpodio.DefaultPassword},
			{UserID: mockpodio.DefaultSecondUserID, Name: "Second User", Username: "second@example.com", Password: mockpodio.DefaultPassword}},
		Spaces: []mockpodio.SeedSpace{{SpaceID: mockpodio.DefaultSpaceID, Name: "Devhook Sandbox", URLLabel: "devhook-sandbox",
			OrgID: mockpodio.DefaultOrgID, Members: []mockpodio.SeedMember{{UserID: mockpodio.DefaultUserID, Role: "admin"}}}},
		Orgs: []mockpodio.SeedOrg{{OrgID: mockpodio.DefaultOrgID, Name: "Devhook", URLLabel: "devhook"}},
	}
	got := mockpodio.DefaultSeed()
	if len(got.Apps) != 1 {
		t.Fatalf("%d apps, want 1", len(got.Apps))
	}
	app := got.Apps[0]
	got.Apps = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultSeed() (-want +got):\n%s", diff)
	}
	if app.AppID != mockpodio.DefaultAppID || app.SpaceID != mockpodio.DefaultSpaceID || app.AppToken != mockpodio.DefaultAppToken {
		t.Errorf("app = %d in %d with %q, want the Default* constants", app.AppID, app.SpaceID, app.AppToken)
	}
	var fields []string
	for _, f := range app.Fields {
		fields = append(fields, fmt.Sprintf("%d %s %s", f.FieldID, f.ExternalID, f.Type))
	}
	wantFields := []string{
		fmt.Sprintf("%d title text", mockpodio.DefaultTitleFieldID),
		fmt.Sprintf("%d status category", mockpodio.DefaultStatusFieldID),
		fmt.Sprintf("%d priority number", mockpodio.DefaultPriorityFieldID),
	}
	if diff := cmp.Diff(wantFields, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	// Each call is a fresh copy.
	mockpodio.DefaultSeed().Apps[0].Name = "changed"
	if n := mockpodio.DefaultSeed().Apps[0].Name; n != "Bugs" {
		t.Errorf("a change to one DefaultSeed() shows in the next: %q", n)
	}
	// The credentials sign in on a strict server.
	s := mockpodio.NewTestServer(t, mockpodio.WithStrict())
	if _, err := s.Token(awaitCtx(t)); err != nil {
		t.Errorf("Token on a strict default server: %v", err)
	}
}

// A Seed built in Go is checked at Start exactly as ParseSeed checks its
// JSON form, and a refused Start leaves nothing served.
func TestStartChecksAGoBuiltSeedAsParseSeedDoes(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(*mockpodio.Seed)
		want  string
	}{
		{"app in unknown space", func(sd *mockpodio.Seed) { sd.Apps[0].SpaceID = 77 }, "space_id 77 is not in spaces"},
		{"duplicate field id", func(sd *mockpodio.Seed) { sd.Apps[0].Fields[1].FieldID = sd.Apps[0].Fields[0].FieldID }, "field_id 4001 must be positive and unique"},
		{"unknown field type", func(sd *mockpodio.Seed) { sd.Apps[0].Fields[0].Type = "blob" }, `unknown type "blob"`},
		{"user without username", func(sd *mockpodio.Seed) { sd.Users[0].Username = " " }, "username set"},
		{"client without id", func(sd *mockpodio.Seed) { sd.Clients[0].ClientID = "" }, "client_id must be set"},
		{"auth code of unknown user", func(sd *mockpodio.Seed) {
			sd.AuthCodes = []mockpodio.SeedAuthCode{{Code: "c", UserID: 5}}
		}, "user_id 5 is not in users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd := mockpodio.DefaultSeed()
			tt.spoil(sd)
			s, err := mockpodio.NewUnstartedServer()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Listener.Close()
			s.Seed = sd
			startErr := s.Start()
			if !errors.Is(startErr, mockpodio.ErrBadSeed) || !strings.Contains(startErr.Error(), tt.want) {
				t.Fatalf("Start: %v, want ErrBadSeed about %q", startErr, tt.want)
			}
			_, parseErr := mockpodio.ParseSeed(seedJSON(t, sd))
			if parseErr == nil || parseErr.Error() != startErr.Error() {
				t.Errorf("ParseSeed: %v; Start: %v; want the same error", parseErr, startErr)
			}
			if s.URL != "" {
				t.Errorf("URL = %q after a refused Start", s.URL)
			}
		})
	}
}

func seedJSON(t *testing.T, sd *mockpodio.Seed) []byte {
	t.Helper()
	b, err := json.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOptions(t *testing.T) {
	clock := mockpodio.NewManualClock(clockStart)
	own := &mockpodio.Seed{
		Clients: []mockpodio.SeedClient{{ClientID: "mine", ClientSecret: "s3"}},
		Spaces:  []mockpodio.SeedSpace{{SpaceID: 7, Name: "S"}},
		Apps:    []mockpodio.SeedApp{{AppID: 70, SpaceID: 7, AppToken: "t70", Name: "A"}},
	}
	tests := []struct {
		name  string
		opts  []mockpodio.Option
		check func(t *testing.T, s *mockpodio.Server)
	}{
		{"clock", []mockpodio.Option{mockpodio.WithClock(clock)}, func(t *testing.T, s *mockpodio.Server) {
			if st := s.ClockState(); !st.Now.Equal(clockStart) || !st.Manual {
				t.Errorf("ClockState = %+v, want %s, manual", st, clockStart)
			}
		}},
		{"seed and strict", []mockpodio.Option{mockpodio.WithSeed(own), mockpodio.WithStrict()}, func(t *testing.T, s *mockpodio.Server) {
			if _, err := s.Token(awaitCtx(t)); err != nil {
				t.Errorf("Token with the seed's own credentials: %v", err)
			}
			_, err := s.CreateItem(awaitCtx(t), mockpodio.DefaultAppID, "", nil)
			var apiErr *mockpodio.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
				t.Errorf("CreateItem in the default app on a strict own seed: %v, want a 404 APIError", err)
			}
		}},
		{"no seed", []mockpodio.Option{mockpodio.WithSeed(nil), mockpodio.WithStrict()}, func(t *testing.T, s *mockpodio.Server) {
			if _, err := s.Token(awaitCtx(t)); err == nil {
				t.Error("Token on a strict empty server succeeded")
			}
		}},
		{"token lifetime", []mockpodio.Option{mockpodio.WithClock(mockpodio.NewManualClock(clockStart)), mockpodio.WithTokenLifetime(time.Minute)}, func(t *testing.T, s *mockpodio.Server) {
			res := postForm(t, s, "/oauth/token", map[string][]string{"grant_type": {"app"}, "app_id": {"3001"},
				"app_token": {mockpodio.DefaultAppToken}, "client_id": {"x"}, "client_secret": {"y"}}, "", "")
			if got := num(t, field(t, res.Body, "expires_in")); got != 60 {
				t.Errorf("expires_in = %d, want 60", got)
			}
		}},
		{"fault seed, queue delay, concurrency", []mockpodio.Option{mockpodio.WithFaultSeed(9), mockpodio.WithQueueDelay(time.Second, time.Second),
			mockpodio.WithDeliveryTimeout(3 * time.Second), mockpodio.WithHookConcurrency(2)}, func(t *testing.T, s *mockpodio.Server) {
			if s.FaultSeed != 9 || s.QueueDelay != time.Second || s.QueueJitter != time.Second || s.DeliveryTimeout != 3*time.Second || s.HookConcurrency != 2 {
				t.Errorf("fields = %d %s %s %s %d", s.FaultSeed, s.QueueDelay, s.QueueJitter, s.DeliveryTimeout, s.HookConcurrency)
			}
		}},
		{"any func", []mockpodio.Option{func(s *mockpodio.Server) { s.RateLimit = 1 }}, func(t *testing.T, s *mockpodio.Server) {
			tok, err := s.Token(awaitCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			do(t, s, tok, "GET", "/app/3001", nil)
			if res := do(t, s, tok, "GET", "/app/3001", nil); res.Status != 420 {
				t.Errorf("second call with RateLimit 1: %d, want 420", res.Status)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mockpodio.NewTestServer(t, tt.opts...))
		})
	}
}

func TestWithDeliveryTimeoutOnTheManualClock(t *testing.T) {
	clock := mockpodio.NewManualClock(clockStart)
	s := mockpodio.NewTestServer(t, mockpodio.WithClock(clock), mockpodio.WithDeliveryTimeout(3*time.Second))
	rcv := mockpodio.NewReceiver(t, s)
	ctx := awaitCtx(t)
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
	if err != nil {
		t.Fatal(err)
	}
	rcv.Respond(mockpodio.Response{Delay: 5 * time.Second})
	if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil); err != nil {
		t.Fatal(err)
	}
	// The delivery's timeout and the receiver's delay are both armed.
	if err := clock.AwaitPending(ctx, 2); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Second)
	d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.HookID == h.HookID && d.Type == "item.create" })
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "timeout") || d.Duration != 3*time.Second {
		t.Errorf("delivery = %s %q after %s, want a failure by timeout after 3s", d.Outcome, d.Error, d.Duration)
	}
}

func TestClientKeepsHTTPTestContract(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	c := s.Client()
	if s.Client() != c {
		t.Error("Client() returns a new client each call")
	}
	if c.Transport == http.DefaultTransport || c.Transport == nil {
		t.Error("Client() shares the default transport: Close cannot close its idle connections")
	}
	res, err := c.Get(s.URL + "/app/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

func TestInMemoryServerListensOnNothing(t *testing.T) {
	s := mockpodio.NewTestServer(t, mockpodio.InMemory())
	if s.Listener != nil || s.URL != "http://mockpodio.invalid" {
		t.Fatalf("Listener %v, URL %q: want none and http://mockpodio.invalid", s.Listener, s.URL)
	}
	tok, err := s.Token(awaitCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// The client serves in memory; the plain default client cannot reach it.
	if res := do(t, s, tok, "GET", "/app/3001", nil); res.Status != http.StatusOK {
		t.Fatalf("GET /app/3001 through Client(): %d %s", res.Status, res.Raw)
	}
	rcv := mockpodio.NewReceiver(t, s)
	if strings.Contains(rcv.URL, "127.0.0.1") {
		t.Errorf("an in-memory server's receiver listens: %s", rcv.URL)
	}
	ctx := awaitCtx(t)
	if _, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv); err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", map[string]any{"title": "in memory"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == "item.create" })
	if err != nil {
		t.Fatal(err)
	}
	if ev.Params["item_id"] != itoa(id) {
		t.Errorf("item_id = %s, want %d", ev.Params["item_id"], id)
	}
	// A dropped connection and an unknown host fail in memory as on a network.
	rcv.Respond(mockpodio.Response{Drop: true})
	if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil); err != nil {
		t.Fatal(err)
	}
	d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.Outcome == mockpodio.OutcomeFailed })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Error, "without an answer") {
		t.Errorf("dropped delivery's error = %q", d.Error)
	}
	rcv.Close()
	if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool {
		return d.Outcome == mockpodio.OutcomeFailed && strings.HasPrefix(d.Error, "unreachable")
	}); err != nil {
		t.Fatal(err)
	}
}

func TestReceiverRecordsTypedEvents(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	rcv := mockpodio.NewReceiver(t, s)
	ctx := awaitCtx(t)
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "active" || h.URL != rcv.URL || h.RefType != "app" || h.RefID != mockpodio.DefaultAppID {
		t.Errorf("hook = %+v, want active on app 3001 at %s", h, rcv.URL)
	}
	id, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "bug-1", map[string]any{"title": "It crashes"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == "item.create" })
	if err != nil {
		t.Fatal(err)
	}
	d := awaitEvent(t, s, h.HookID, "item.create")
	want := mockpodio.Event{Type: "item.create", HookID: h.HookID, Params: d.Params, Body: d.Body, Method: "POST", Path: "/"}
	if diff := cmp.Diff(want, ev, cmpopts.IgnoreFields(mockpodio.Event{}, "Header")); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	if ct := ev.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ev.Params["item_id"] != itoa(id) || ev.Params["external_id"] != "bug-1" {
		t.Errorf("params = %v, want item_id %d, external_id bug-1", ev.Params, id)
	}
	var types []string
	for _, e := range rcv.Events() {
		types = append(types, e.Type)
	}
	if diff := cmp.Diff([]string{fixtures.VerifyEvent, "item.create"}, types); diff != "" {
		t.Errorf("Events() types (-want +got):\n%s", diff)
	}
}

func TestReceiverSteering(t *testing.T) {
	tests := []struct {
		name      string
		resp      mockpodio.Response
		advance   time.Duration // after the delay's timer is armed; 0: none armed
		outcome   mockpodio.Outcome
		status    int
		errPrefix string
	}{
		{"default", mockpodio.Response{}, 0, mockpodio.OutcomeDelivered, 200, ""},
		{"status", mockpodio.Response{Status: 503}, 0, mockpodio.OutcomeFailed, 503, "answered 503"},
		{"accepted", mockpodio.Response{Status: 202}, 0, mockpodio.OutcomeDelivered, 202, ""},
		{"drop", mockpodio.Response{Drop: true}, 0, mockpodio.OutcomeFailed, 0, "connection failed"},
		{"delay within the timeout", mockpodio.Response{Delay: 10 * time.Second, Status: 201}, 10 * time.Second, mockpodio.OutcomeDelivered, 201, ""},
		{"delay past the timeout", mockpodio.Response{Delay: 20 * time.Second}, 15 * time.Second, mockpodio.OutcomeFailed, 0, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := mockpodio.NewManualClock(clockStart)
			s := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
			rcv := mockpodio.NewReceiver(t, s)
			ctx := awaitCtx(t)
			h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
			if err != nil {
				t.Fatal(err)
			}
			rcv.Respond(tt.resp)
			if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil); err != nil {
				t.Fatal(err)
			}
			if tt.advance > 0 {
				if _, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == "item.create" }); err != nil {
					t.Fatal(err)
				}
				if err := clock.AwaitPending(ctx, 2); err != nil { // the timeout and the delay
					t.Fatal(err)
				}
				clock.Advance(tt.advance)
			}
			d := awaitEvent(t, s, h.HookID, "item.create")
			if d.Outcome != tt.outcome || d.StatusCode != tt.status || !strings.HasPrefix(d.Error, tt.errPrefix) {
				t.Errorf("delivery = %s %d %q, want %s %d %q…", d.Outcome, d.StatusCode, d.Error, tt.outcome, tt.status, tt.errPrefix)
			}
			if n := len(rcv.Events()); n != 2 {
				t.Errorf("the receiver got %d requests, want 2 (verify and the event)", n)
			}
		})
	}
}

// Steer answers per request: here the second event of three fails.
func TestReceiverSteerPerRequest(t *testing.T) {
	s := mockpodio.NewTestServer(t, mockpodio.WithHookConcurrency(1))
	rcv := mockpodio.NewReceiver(t, s)
	rcv.Steer(func(ev mockpodio.Event) mockpodio.Response {
		if ev.Params["external_id"] == "b" {
			return mockpodio.Response{Status: 500}
		}
		return mockpodio.Response{}
	})
	ctx := awaitCtx(t)
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"a", "b", "c"} {
		if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, ext, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AwaitDeliveries(ctx, 4); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range eventsTo(s, h.HookID) {
		got = append(got, d.Params["external_id"]+" "+string(d.Outcome))
	}
	want := []string{"a delivered", "b failed", "c delivered"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestReceiverAwaitEventFailsOnlyWhenContextEnds(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	rcv := mockpodio.NewReceiver(t, s)
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("the test gave up")
	cancel(cause)
	_, err := rcv.AwaitEvent(ctx, nil)
	if !errors.Is(err, cause) {
		t.Errorf("AwaitEvent after the context ended: %v, want its cause", err)
	}
}

func TestCreateHookWithoutReceiver(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	ctx := awaitCtx(t)
	h, err := s.CreateHook(ctx, mockpodio.SpaceRef(mockpodio.DefaultSpaceID), "app.create", nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "active" {
		t.Errorf("status = %s, want active", h.Status)
	}
	appID, err := s.CreateApp(ctx, mockpodio.DefaultSpaceID, "Tickets", mockpodio.AppField{Label: "Summary", Type: "text"})
	if err != nil {
		t.Fatal(err)
	}
	d := awaitEvent(t, s, h.HookID, "app.create")
	if d.Params["app_id"] != itoa(appID) || d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "unreachable") {
		t.Errorf("delivery = %v %s %q, want app %d, unreachable", d.Params, d.Outcome, d.Error, appID)
	}
}

func TestCreateHookRefused(t *testing.T) {
	s := mockpodio.NewTestServer(t, mockpodio.WithStrict())
	rcv := mockpodio.NewReceiver(t, s)
	tests := []struct {
		name   string
		ref    mockpodio.Ref
		typ    string
		status int
	}{
		{"unknown app", mockpodio.AppRef(9999), "item.create", http.StatusNotFound},
		{"unknown field", mockpodio.AppFieldRef(9999), "item.update", http.StatusNotFound},
		{"unknown type", mockpodio.AppRef(mockpodio.DefaultAppID), "item.explode", http.StatusBadRequest},
		{"type not on the ref", mockpodio.SpaceRef(mockpodio.DefaultSpaceID), "item.create", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateHook(awaitCtx(t), tt.ref, tt.typ, rcv)
			var apiErr *mockpodio.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Errorf("CreateHook: %v, want an APIError %d", err, tt.status)
			}
		})
	}
	if hooks := s.Hooks(); len(hooks) != 0 {
		t.Errorf("refused hooks left %d hooks", len(hooks))
	}
}

// Each Go method fires the event its API call fires.
func TestArrangeFiresEvents(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	rcv := mockpodio.NewReceiver(t, s)
	ctx := awaitCtx(t)
	app := mockpodio.AppRef(mockpodio.DefaultAppID)
	space := mockpodio.SpaceRef(mockpodio.DefaultSpaceID)
	for _, h := range []struct {
		ref mockpodio.Ref
		typ string
	}{{app, "item.create"}, {app, "item.update"}, {app, "item.delete"}, {app, "comment.create"}, {space, "task.create"}, {space, "app.create"}} {
		if _, err := s.CreateHook(ctx, h.ref, h.typ, rcv); err != nil {
			t.Fatal(err)
		}
	}
	item, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "x", map[string]any{"title": "one"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateItem(ctx, item, map[string]any{"title": "two"}); err != nil {
		t.Fatal(err)
	}
	comment, err := s.CreateComment(ctx, mockpodio.ItemRef(item), "hello")
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.CreateTask(ctx, mockpodio.ItemRef(item), "do it")
	if err != nil {
		t.Fatal(err)
	}
	appID, err := s.CreateApp(ctx, mockpodio.DefaultSpaceID, "Tickets",
		mockpodio.AppField{Label: "Summary", Type: "text"},
		mockpodio.AppField{ExternalID: "state", Label: "State", Type: "category", Options: []string{"Open", "Closed"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"item.create":    {"item_id", itoa(item)},
		"item.update":    {"item_id", itoa(item)},
		"comment.create": {"comment_id", itoa(comment)},
		"task.create":    {"task_id", itoa(task)},
		"app.create":     {"app_id", itoa(appID)},
		"item.delete":    {"item_id", itoa(item)},
	}
	for typ, kv := range want {
		ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == typ })
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if ev.Params[kv[0]] != kv[1] {
			t.Errorf("%s: %s = %s, want %s", typ, kv[0], ev.Params[kv[0]], kv[1])
		}
	}
	// The new app has its fields, addressable by external id.
	if _, err := s.CreateItem(ctx, appID, "", map[string]any{"summary": "s", "state": 2}); err != nil {
		t.Errorf("item in the new app: %v", err)
	}
	if _, err := s.CreateItem(ctx, appID, "", map[string]any{"state": 3}); err == nil {
		t.Error("an item with a category option the app lacks was created")
	}
}

func TestRefs(t *testing.T) {
	got := []mockpodio.Ref{mockpodio.AppRef(1), mockpodio.AppFieldRef(2), mockpodio.SpaceRef(3), mockpodio.ItemRef(4)}
	want := []mockpodio.Ref{{Type: "app", ID: 1}, {Type: "app_field", ID: 2}, {Type: "space", ID: 3}, {Type: "item", ID: 4}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	if s := mockpodio.AppRef(3001).String(); s != "app 3001" {
		t.Errorf("String() = %q", s)
	}
}

// Server.Advance drives any clock with an Advance method, such as a
// test's wrapper around a ManualClock.
func TestAdvanceAnyClock(t *testing.T) {
	wrapped := newSignalClock()
	s := mockpodio.NewTestServer(t, mockpodio.WithClock(wrapped))
	if err := s.Advance(time.Minute); err != nil {
		t.Fatalf("Advance on a wrapped manual clock: %v", err)
	}
	if got := s.ClockState(); !got.Now.Equal(clockStart.Add(time.Minute)) || !got.Manual {
		t.Errorf("ClockState = %+v, want %s, manual", got, clockStart.Add(time.Minute))
	}
	wall := mockpodio.NewTestServer(t, mockpodio.WithClock(mockpodio.RealClock()))
	if err := wall.Advance(time.Minute); !errors.Is(err, mockpodio.ErrClockNotManual) {
		t.Errorf("Advance on the wall clock: %v, want ErrClockNotManual", err)
	}
}

// Timers due at the same instant fire in the order they were armed, and
// all of them before Advance returns.
func TestManualClockFiresDueTimersInOrder(t *testing.T) {
	c := mockpodio.NewManualClock(clockStart)
	var got []string
	add := func(name string, d time.Duration) mockpodio.Timer {
		return c.AfterFunc(d, func() { got = append(got, name) })
	}
	add("b 2s", 2*time.Second)
	add("a 1s first", time.Second)
	add("c 2s", 2*time.Second)
	add("a 1s second", time.Second)
	stopped := add("stopped", time.Second)
	add("later", time.Hour)
	add("d 2s", 2*time.Second)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	c.Advance(3 * time.Second)
	want := []string{"a 1s first", "a 1s second", "b 2s", "c 2s", "d 2s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fired (-want +got):\n%s", diff)
	}
	if c.Pending() != 1 {
		t.Errorf("Pending = %d, want 1 (later)", c.Pending())
	}
}

func TestManualClockAwaitPending(t *testing.T) {
	c := mockpodio.NewManualClock(clockStart)
	ctx := awaitCtx(t)
	done := make(chan error, 1)
	go func() { done <- c.AwaitPending(ctx, 2) }()
	c.AfterFunc(time.Second, func() {})
	c.AfterFunc(time.Second, func() {})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.AwaitPending(short, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("AwaitPending(3) with 2 pending and an ended context: %v", err)
	}
}

// A receiver told to ignore hook.verify leaves its hooks inactive; one at
// a path records the path, the hook URL's query moved into the body.
func TestReceiverIgnoreVerifyAndPaths(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	rcv := mockpodio.NewReceiver(t, s)
	rcv.IgnoreVerify()
	ctx := awaitCtx(t)
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := createHook(t, s, tok, "app", mockpodio.DefaultAppID, "item.create", rcv.URL+"/hooks/podio?secret=s1")
	ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == fixtures.VerifyEvent })
	if err != nil {
		t.Fatal(err)
	}
	if ev.Path != "/hooks/podio" || ev.Query != "" || ev.Params["secret"] != "s1" || ev.Method != "POST" {
		t.Errorf("verify request = %s %s?%s %v", ev.Method, ev.Path, ev.Query, ev.Params)
	}
	if _, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.HookID == id }); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Hook(id); h.Status != "inactive" {
		t.Errorf("status = %s, want inactive: the code was never validated", h.Status)
	}
}

// A Receiver answers with the steered status and body, whatever posts to
// it: here a plain POST, as devhook trigger --to sends.
func TestReceiverAnswersBody(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	rcv := mockpodio.NewReceiver(t, s)
	tests := []struct {
		name     string
		resp     mockpodio.Response
		wantCode int
		wantBody string
		wantType string
	}{
		{"zero", mockpodio.Response{}, 200, "", ""},
		{"body", mockpodio.Response{Status: 500, Body: "boom\n\x1b[2J"}, 500, "boom\n\x1b[2J", "text/plain; charset=utf-8"},
		{"body with 200", mockpodio.Response{Body: "ok"}, 200, "ok", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv.Respond(tt.resp)
			res, err := http.Post(rcv.URL+"/hook", "application/x-www-form-urlencoded", strings.NewReader("type=item.create&hook_id=1"))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantCode || string(b) != tt.wantBody || res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("answer = %d %q (Content-Type %q), want %d %q (%q)", res.StatusCode, b, res.Header.Get("Content-Type"), tt.wantCode, tt.wantBody, tt.wantType)
			}
		})
	}
	if n := len(rcv.Events()); n != len(tests) {
		t.Errorf("the receiver recorded %d events, want %d", n, len(tests))
	}
}
