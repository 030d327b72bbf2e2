package podio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// These tests run the real client against the real mock on loopback.

// The default seed's credentials (mockpodio.DefaultSeed).
const (
	seedClientID     = mockpodio.DefaultClientID
	seedClientSecret = mockpodio.DefaultClientSecret
	seedAppID        = mockpodio.DefaultAppID
	seedAppToken     = mockpodio.DefaultAppToken
	seedSpaceID      = mockpodio.DefaultSpaceID
	seedFieldID      = mockpodio.DefaultTitleFieldID
	seedUsername     = mockpodio.DefaultUsername
	seedPassword     = mockpodio.DefaultPassword
	seedUserID       = mockpodio.DefaultUserID
)

// seedAppCreds signs in as the seeded Bugs app.
var seedAppCreds = podio.Credentials{
	ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
	AppID: seedAppID, AppToken: podio.NewSecret(seedAppToken),
}

// t0 is when the manual clocks of these tests start.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// startMock starts a mock seeded with the default seed, strict or
// permissive, and closes it at the end of the test.
func startMock(t *testing.T, strict bool, configure ...mockpodio.Option) *mockpodio.Server {
	t.Helper()
	if strict {
		configure = append([]mockpodio.Option{mockpodio.WithStrict()}, configure...)
	}
	return mockpodio.NewTestServer(t, configure...)
}

// signIn returns a client of s authenticated with creds, its requests
// recorded by rec when rec is not nil.
func signIn(t *testing.T, s *mockpodio.Server, creds podio.Credentials, rec *recorder) *podio.Client {
	t.Helper()
	c := &podio.Client{BaseURL: s.URL, HTTPClient: newHTTPClient(t, rec)}
	if err := c.Authenticate(t.Context(), creds); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return c
}

// newHTTPClient returns an HTTP client with a transport of its own,
// closed at the end of the test, that reports to rec if not nil.
func newHTTPClient(t *testing.T, rec *recorder) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	if rec == nil {
		return &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	rec.next = tr
	return &http.Client{Transport: rec, Timeout: 30 * time.Second}
}

// recorder is a RoundTripper that records each exchange as
// "METHOD /path -> status", with the grant_type of token requests.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex // guards seen
	seen []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.Path
	if req.URL.Path == "/oauth/token" && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(body)
			body.Close()
			if v, err := url.ParseQuery(string(b)); err == nil {
				line += " grant_type=" + v.Get("grant_type")
			}
		}
	}
	res, err := r.next.RoundTrip(req)
	if err == nil {
		line += " -> " + strconv.Itoa(res.StatusCode)
	}
	r.mu.Lock()
	r.seen = append(r.seen, line)
	r.mu.Unlock()
	return res, err
}

// take returns the exchanges recorded so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

// receiver is a loopback hook receiver: it answers 200 to every delivery
// and passes on the code of each hook.verify.
// receiver is the kit's receiver, leaving hook.verify to the client under
// test: code hands over each code.
type receiver struct {
	*mockpodio.Receiver
	seen int // events code has looked at
}

func newReceiver(t *testing.T, s *mockpodio.Server) *receiver {
	t.Helper()
	r := mockpodio.NewReceiver(t, s)
	r.IgnoreVerify()
	return &receiver{Receiver: r}
}

// code waits for the next hook.verify for hookID and returns its code;
// codes for other hooks are skipped.
func (r *receiver) code(t *testing.T, hookID int64) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	n := 0
	ev, err := r.AwaitEvent(ctx, func(ev mockpodio.Event) bool {
		n++
		return n > r.seen && ev.Type == fixtures.VerifyEvent && ev.HookID == hookID
	})
	if err != nil {
		t.Fatalf("no hook.verify for hook %d: %v", hookID, err)
	}
	r.seen = n
	return ev.Params["code"]
}

func TestMockAuthenticate(t *testing.T) {
	tests := []struct {
		name     string
		strict   bool
		creds    podio.Credentials
		wantRef  podio.Ref
		wantErr  error  // matched with errors.Is; nil means success
		wantCode string // Podio's error code, when wantErr is set and a request was made
	}{
		{
			name:    "permissive: app grant for the seeded app",
			creds:   seedAppCreds,
			wantRef: podio.Ref{Type: "app", ID: seedAppID},
		},
		{
			name: "permissive: app grant for an unknown app and client",
			creds: podio.Credentials{ClientID: "any-client", ClientSecret: podio.NewSecret("any-secret"),
				AppID: 42, AppToken: podio.NewSecret("any-token")},
			wantRef: podio.Ref{Type: "app", ID: 42},
		},
		{
			name: "permissive: password grant for the seeded user",
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				Username: seedUsername, Password: podio.NewSecret(seedPassword)},
			wantRef: podio.Ref{Type: "user", ID: seedUserID},
		},
		{
			name: "permissive: password grant for an unknown user",
			creds: podio.Credentials{ClientID: "any-client", ClientSecret: podio.NewSecret("any-secret"),
				Username: "new@example.com", Password: podio.NewSecret("pw")},
			wantRef: podio.Ref{Type: "user", ID: seedUserID + 2}, // after the seed's two users
		},
		{
			name: "permissive: wrong app token for the seeded app",
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				AppID: seedAppID, AppToken: podio.NewSecret("wrong")},
			wantErr:  podio.ErrInvalidGrant,
			wantCode: "invalid_grant",
		},
		{
			name:    "strict: app grant",
			strict:  true,
			creds:   seedAppCreds,
			wantRef: podio.Ref{Type: "app", ID: seedAppID},
		},
		{
			name:   "strict: password grant",
			strict: true,
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				Username: seedUsername, Password: podio.NewSecret(seedPassword)},
			wantRef: podio.Ref{Type: "user", ID: seedUserID},
		},
		{
			name:   "strict: wrong app token",
			strict: true,
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				AppID: seedAppID, AppToken: podio.NewSecret("wrong")},
			wantErr:  podio.ErrInvalidGrant,
			wantCode: "invalid_grant",
		},
		{
			name:   "strict: unknown app",
			strict: true,
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				AppID: 9999, AppToken: podio.NewSecret(seedAppToken)},
			wantErr:  podio.ErrInvalidGrant,
			wantCode: "invalid_grant",
		},
		{
			name:   "strict: wrong password",
			strict: true,
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret),
				Username: seedUsername, Password: podio.NewSecret("wrong")},
			wantErr:  podio.ErrInvalidGrant,
			wantCode: "invalid_grant",
		},
		{
			name:   "strict: wrong client secret",
			strict: true,
			creds: podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret("wrong"),
				AppID: seedAppID, AppToken: podio.NewSecret(seedAppToken)},
			wantErr:  podio.ErrBadRequest,
			wantCode: "invalid_client",
		},
		{
			name:   "strict: unknown client",
			strict: true,
			creds: podio.Credentials{ClientID: "stranger", ClientSecret: podio.NewSecret(seedClientSecret),
				AppID: seedAppID, AppToken: podio.NewSecret(seedAppToken)},
			wantErr:  podio.ErrBadRequest,
			wantCode: "invalid_client",
		},
		{
			name:    "incomplete credentials make no request",
			strict:  true,
			creds:   podio.Credentials{ClientID: seedClientID, ClientSecret: podio.NewSecret(seedClientSecret), AppID: seedAppID},
			wantErr: podio.ErrInvalidCredentials,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startMock(t, tt.strict)
			rec := &recorder{}
			c := &podio.Client{BaseURL: s.URL, HTTPClient: newHTTPClient(t, rec)}
			err := c.Authenticate(t.Context(), tt.creds)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Authenticate() = %v, want %v", err, tt.wantErr)
				}
				if tt.wantCode == "" {
					if got := rec.take(); len(got) != 0 {
						t.Errorf("requests = %q, want none", got)
					}
				} else if e, ok := errors.AsType[*podio.Error](err); !ok || e.Code != tt.wantCode {
					t.Errorf("Authenticate() = %v, want Podio error code %s", err, tt.wantCode)
				}
				if _, ok := c.Token(); ok {
					t.Error("Token() ok after a failed Authenticate")
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate() = %v", err)
			}
			got, ok := c.Token()
			if !ok {
				t.Fatal("Token() not ok after Authenticate")
			}
			want := podio.Token{Expiry: time.Now().Add(mockpodio.DefaultTokenLifetime), Ref: tt.wantRef}
			opts := cmp.Options{
				cmpopts.IgnoreFields(podio.Token{}, "AccessToken", "RefreshToken"),
				cmpopts.EquateApproxTime(time.Minute),
			}
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("Token() (-want +got):\n%s", diff)
			}
			if got.AccessToken.IsZero() || got.RefreshToken.IsZero() {
				t.Errorf("Token() = %v, want an access and a refresh token", got)
			}
		})
	}
}

func TestMockHookLifecycle(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run("strict="+strconv.FormatBool(strict), func(t *testing.T) {
			ctx := t.Context()
			s := startMock(t, strict, func(s *mockpodio.Server) { s.Clock = mockpodio.NewManualClock(t0) })
			recv := newReceiver(t, s)
			c := signIn(t, s, seedAppCreds, nil)

			id, err := c.CreateHook(ctx, "app", seedAppID, recv.URL, "item.create")
			if err != nil {
				t.Fatalf("CreateHook: %v", err)
			}
			code := recv.code(t, id)
			want := []podio.Hook{{HookID: id, Status: podio.HookInactive, Type: "item.create", URL: recv.URL, CreatedOn: t0}}
			listHooks(t, c, "app", seedAppID, want)

			if err := c.ValidateHook(ctx, id, "not-the-code"); !errors.Is(err, podio.ErrBadRequest) {
				t.Errorf("ValidateHook(wrong code) = %v, want %v", err, podio.ErrBadRequest)
			}
			listHooks(t, c, "app", seedAppID, want)

			if err := c.ValidateHook(ctx, id, code); err != nil {
				t.Fatalf("ValidateHook: %v", err)
			}
			want[0].Status = podio.HookActive
			listHooks(t, c, "app", seedAppID, want)

			// A new verification request sends a new code; the old one
			// no longer validates.
			if err := c.RequestVerification(ctx, id); err != nil {
				t.Fatalf("RequestVerification: %v", err)
			}
			code2 := recv.code(t, id)
			if code2 == code {
				t.Errorf("verify/request sent the same code %q again", code)
			}
			if err := c.ValidateHook(ctx, id, code); !errors.Is(err, podio.ErrBadRequest) {
				t.Errorf("ValidateHook(old code) = %v, want %v", err, podio.ErrBadRequest)
			}
			if err := c.ValidateHook(ctx, id, code2); err != nil {
				t.Errorf("ValidateHook(new code): %v", err)
			}
			listHooks(t, c, "app", seedAppID, want)

			if err := c.DeleteHook(ctx, id); err != nil {
				t.Fatalf("DeleteHook: %v", err)
			}
			listHooks(t, c, "app", seedAppID, nil)

			gone := []struct {
				name string
				call func() error
			}{
				{"DeleteHook", func() error { return c.DeleteHook(ctx, id) }},
				{"RequestVerification", func() error { return c.RequestVerification(ctx, id) }},
				{"ValidateHook", func() error { return c.ValidateHook(ctx, id, code2) }},
			}
			for _, g := range gone {
				if err := g.call(); !errors.Is(err, podio.ErrNotFound) {
					t.Errorf("%s(deleted hook) = %v, want %v", g.name, err, podio.ErrNotFound)
				}
			}
		})
	}
}

// listHooks checks that ListHooks on a reference returns want.
func listHooks(t *testing.T, c *podio.Client, refType string, refID int64, want []podio.Hook) {
	t.Helper()
	got, err := c.ListHooks(t.Context(), refType, refID)
	if err != nil {
		t.Fatalf("ListHooks(%s, %d): %v", refType, refID, err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListHooks(%s, %d) (-want +got):\n%s", refType, refID, diff)
	}
}

func TestMockCreateHook(t *testing.T) {
	tests := []struct {
		name     string
		refType  string
		refID    int64
		event    string
		url      string // "" means the receiver's
		wantErr  error
		wantCode string
	}{
		{name: "item.create on an app", refType: "app", refID: seedAppID, event: "item.create"},
		{name: "comment.create on an app", refType: "app", refID: seedAppID, event: "comment.create"},
		{name: "item.update on an app field", refType: "app_field", refID: seedFieldID, event: "item.update"},
		{name: "task.create on a space", refType: "space", refID: seedSpaceID, event: "task.create"},
		{name: "task.create on an app", refType: "app", refID: seedAppID, event: "task.create",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "item.create on a space", refType: "space", refID: seedSpaceID, event: "item.create",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "unknown event", refType: "app", refID: seedAppID, event: "item.explode",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "hook.verify", refType: "app", refID: seedAppID, event: "hook.verify",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "unknown ref type", refType: "item", refID: 1, event: "item.create",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "not http", refType: "app", refID: seedAppID, event: "item.create", url: "ftp://example.com/hook",
			wantErr: podio.ErrBadRequest, wantCode: "invalid_value"},
		{name: "unknown app", refType: "app", refID: 9999, event: "item.create",
			wantErr: podio.ErrNotFound, wantCode: "not_found"},
		{name: "unknown space", refType: "space", refID: 9999, event: "task.create",
			wantErr: podio.ErrNotFound, wantCode: "not_found"},
		{name: "unknown field", refType: "app_field", refID: 9999, event: "item.create",
			wantErr: podio.ErrNotFound, wantCode: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startMock(t, true, func(s *mockpodio.Server) { s.Clock = mockpodio.NewManualClock(t0) })
			recv := newReceiver(t, s)
			c := signIn(t, s, seedAppCreds, nil)
			u := tt.url
			if u == "" {
				u = recv.URL
			}
			id, err := c.CreateHook(t.Context(), tt.refType, tt.refID, u, tt.event)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("CreateHook() = %v, want %v", err, tt.wantErr)
				}
				if e, ok := errors.AsType[*podio.Error](err); !ok || e.Code != tt.wantCode {
					t.Errorf("CreateHook() = %v, want Podio error code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateHook() = %v", err)
			}
			recv.code(t, id)
			listHooks(t, c, tt.refType, tt.refID, []podio.Hook{
				{HookID: id, Status: podio.HookInactive, Type: tt.event, URL: u, CreatedOn: t0},
			})
		})
	}
}

// TestMockItemWrites checks that hook=false (WriteOptions.NoHook) keeps a
// write from firing an event, and that without it the write fires one.
func TestMockItemWrites(t *testing.T) {
	type write func(ctx context.Context, c *podio.Client, itemID int64, opts podio.WriteOptions) error
	create := func(ctx context.Context, c *podio.Client, _ int64, opts podio.WriteOptions) error {
		it, err := c.CreateItem(ctx, seedAppID, map[string]any{"title": "New bug"}, opts)
		if err == nil && (it.ItemID == 0 || it.Title != "New bug" || it.CurrentRevisionID == 0) {
			return errors.New("create answered an incomplete item")
		}
		return err
	}
	update := func(ctx context.Context, c *podio.Client, itemID int64, opts podio.WriteOptions) error {
		got, err := c.UpdateItem(ctx, itemID, map[string]any{"title": "Renamed"}, opts)
		if err == nil && got != (podio.ItemUpdate{Changed: true, Revision: 1, Title: "Renamed"}) {
			return errors.New("update answered " + strconv.Quote(got.Title))
		}
		return err
	}
	noopUpdate := func(ctx context.Context, c *podio.Client, itemID int64, opts podio.WriteOptions) error {
		got, err := c.UpdateItem(ctx, itemID, map[string]any{"title": "A bug"}, opts)
		if err == nil && got.Changed {
			return errors.New("a no-op update reported a change")
		}
		return err
	}
	del := func(ctx context.Context, c *podio.Client, itemID int64, opts podio.WriteOptions) error {
		return c.DeleteItem(ctx, itemID, opts)
	}
	tests := []struct {
		name       string
		write      write
		noHook     bool
		wantEvents int64 // events fired by the write
		wantType   string
	}{
		{name: "create", write: create, wantEvents: 1, wantType: "item.create"},
		{name: "create with NoHook", write: create, noHook: true},
		{name: "update", write: update, wantEvents: 1, wantType: "item.update"},
		{name: "update with NoHook", write: update, noHook: true},
		{name: "update that changes nothing", write: noopUpdate},
		{name: "delete", write: del, wantEvents: 1, wantType: "item.delete"},
		{name: "delete with NoHook", write: del, noHook: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := startMock(t, true)
			c := signIn(t, s, seedAppCreds, nil)
			it, err := c.CreateItem(ctx, seedAppID, map[string]any{"title": "A bug"}, podio.WriteOptions{NoHook: true})
			if err != nil {
				t.Fatalf("CreateItem: %v", err)
			}
			// An active hook of the write's type, to see the event arrive.
			var hookID int64
			if tt.wantType != "" {
				recv := newReceiver(t, s)
				if hookID, err = c.CreateHook(ctx, "app", seedAppID, recv.URL, tt.wantType); err != nil {
					t.Fatalf("CreateHook: %v", err)
				}
				if err := c.ValidateHook(ctx, hookID, recv.code(t, hookID)); err != nil {
					t.Fatalf("ValidateHook: %v", err)
				}
			}
			before := s.Stats().Events
			if err := tt.write(ctx, c, it.ItemID, podio.WriteOptions{NoHook: tt.noHook}); err != nil {
				t.Fatalf("write: %v", err)
			}
			if got := s.Stats().Events - before; got != tt.wantEvents {
				t.Errorf("events fired = %d, want %d", got, tt.wantEvents)
			}
			if tt.wantType != "" {
				actx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				d, err := s.AwaitDelivery(actx, func(d mockpodio.Delivery) bool { return d.Type == tt.wantType })
				if err != nil {
					t.Fatal(err)
				}
				if d.HookID != hookID || d.Outcome != mockpodio.OutcomeDelivered {
					t.Errorf("delivery = hook %d %s, want hook %d %s", d.HookID, d.Outcome, hookID, mockpodio.OutcomeDelivered)
				}
			}
		})
	}
}

// TestMockTokenRefresh moves the mock's clock past the token's lifetime:
// the next call gets 401 expired_token, and the client renews the token
// and sends the call again.
func TestMockTokenRefresh(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		want    []string // the exchanges of the call after the advance
	}{
		{
			name:    "access token expired",
			advance: mockpodio.DefaultTokenLifetime + time.Second,
			want: []string{
				"GET /hook/app/3001/ -> 401",
				"POST /oauth/token grant_type=refresh_token -> 200",
				"GET /hook/app/3001/ -> 200",
			},
		},
		{
			name:    "refresh token expired too",
			advance: mockpodio.DefaultRefreshLifetime + time.Second,
			want: []string{
				"GET /hook/app/3001/ -> 401",
				"POST /oauth/token grant_type=refresh_token -> 400",
				"POST /oauth/token grant_type=app -> 200",
				"GET /hook/app/3001/ -> 200",
			},
		},
		{
			name:    "not yet expired",
			advance: mockpodio.DefaultTokenLifetime - time.Second,
			want:    []string{"GET /hook/app/3001/ -> 200"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := mockpodio.NewManualClock(t0)
			s := startMock(t, true, func(s *mockpodio.Server) { s.Clock = clock })
			rec := &recorder{}
			c := signIn(t, s, seedAppCreds, rec)
			if _, err := c.ListHooks(t.Context(), "app", seedAppID); err != nil {
				t.Fatalf("ListHooks before the advance: %v", err)
			}
			wantBefore := []string{"POST /oauth/token grant_type=app -> 200", "GET /hook/app/3001/ -> 200"}
			if diff := cmp.Diff(wantBefore, rec.take()); diff != "" {
				t.Errorf("exchanges before the advance (-want +got):\n%s", diff)
			}
			before, _ := c.Token()

			clock.Advance(tt.advance)
			if _, err := c.ListHooks(t.Context(), "app", seedAppID); err != nil {
				t.Fatalf("ListHooks after the advance: %v", err)
			}
			if diff := cmp.Diff(tt.want, rec.take()); diff != "" {
				t.Errorf("exchanges after the advance (-want +got):\n%s", diff)
			}
			after, _ := c.Token()
			renewed := len(tt.want) > 1
			if got := !after.AccessToken.Equal(before.AccessToken); got != renewed {
				t.Errorf("access token replaced = %v, want %v", got, renewed)
			}
		})
	}
}

func TestMockErrors(t *testing.T) {
	// Each call does its own setup, then the call under test.
	tests := []struct {
		name      string
		rateLimit int
		call      func(ctx context.Context, t *testing.T, c *podio.Client) error
		wantErr   error
		want      *podio.Error // compared without Request
	}{
		{
			name: "unknown item",
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				_, err := c.GetItem(ctx, 999999)
				return err
			},
			wantErr: podio.ErrNotFound,
			want:    &podio.Error{StatusCode: 404, Code: "not_found", Description: "Object not found (item 999999)"},
		},
		{
			name: "get a deleted item",
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				_, err := c.GetItem(ctx, deletedItem(ctx, t, c))
				return err
			},
			wantErr: podio.ErrGone,
			want:    &podio.Error{StatusCode: 410, Code: "gone", Description: "Item has been deleted"},
		},
		{
			name: "update a deleted item",
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				_, err := c.UpdateItem(ctx, deletedItem(ctx, t, c), map[string]any{"title": "x"}, podio.WriteOptions{})
				return err
			},
			wantErr: podio.ErrGone,
			want:    &podio.Error{StatusCode: 410, Code: "gone", Description: "Item has been deleted"},
		},
		{
			name: "delete a deleted item",
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				return c.DeleteItem(ctx, deletedItem(ctx, t, c), podio.WriteOptions{})
			},
			wantErr: podio.ErrGone,
			want:    &podio.Error{StatusCode: 410, Code: "gone", Description: "Item has been deleted"},
		},
		{
			name:      "third call with a rate limit of 2",
			rateLimit: 2,
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				for i := range 2 {
					if _, err := c.ListHooks(ctx, "app", seedAppID); err != nil {
						t.Fatalf("call %d: %v", i+1, err)
					}
				}
				_, err := c.ListHooks(ctx, "app", seedAppID)
				return err
			},
			wantErr: podio.ErrRateLimited,
			want: &podio.Error{StatusCode: podio.StatusRateLimited, Code: "rate_limit",
				Description: "You have hit the rate limit. Please wait 3600 seconds before trying again"},
		},
		{
			name: "eleventh hook of a type",
			call: func(ctx context.Context, t *testing.T, c *podio.Client) error {
				for i := range fixtures.MaxHooksPerType {
					if _, err := c.CreateHook(ctx, "app", seedAppID, "http://127.0.0.1:1/hook"+strconv.Itoa(i), "item.create"); err != nil {
						t.Fatalf("hook %d: %v", i+1, err)
					}
				}
				// Another type is still allowed.
				if _, err := c.CreateHook(ctx, "app", seedAppID, "http://127.0.0.1:1/other", "item.update"); err != nil {
					t.Fatalf("item.update hook: %v", err)
				}
				_, err := c.CreateHook(ctx, "app", seedAppID, "http://127.0.0.1:1/eleventh", "item.create")
				return err
			},
			wantErr: podio.ErrBadRequest,
			want: &podio.Error{StatusCode: 400, Code: "invalid_value",
				Description: "The app 3001 already has 10 hooks of type item.create, the most allowed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startMock(t, true, func(s *mockpodio.Server) { s.RateLimit = tt.rateLimit })
			c := signIn(t, s, seedAppCreds, nil)
			err := tt.call(t.Context(), t, c)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			got, ok := errors.AsType[*podio.Error](err)
			if !ok {
				t.Fatalf("error = %#v, want a *podio.Error", err)
			}
			opts := cmp.Options{cmpopts.IgnoreFields(podio.Error{}, "Request"), cmpopts.EquateEmpty()}
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if tt.rateLimit > 0 {
				if limit, remaining := c.RateLimit(); limit != tt.rateLimit || remaining != 0 {
					t.Errorf("RateLimit() = %d, %d, want %d, 0", limit, remaining, tt.rateLimit)
				}
			}
		})
	}
}

// deletedItem creates an item in the seeded app, deletes it and returns
// its id.
func deletedItem(ctx context.Context, t *testing.T, c *podio.Client) int64 {
	t.Helper()
	it, err := c.CreateItem(ctx, seedAppID, map[string]any{"title": "Doomed"}, podio.WriteOptions{NoHook: true})
	if err != nil {
		t.Fatalf("CreateItem: %v", err)
	}
	if err := c.DeleteItem(ctx, it.ItemID, podio.WriteOptions{NoHook: true}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	return it.ItemID
}
