package podio

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name      string
		creds     Credentials
		reply     reply
		wantReqs  []gotRequest
		wantToken Token
	}{
		{
			name:     "app grant",
			creds:    appCreds,
			reply:    tokenReply("tok1", "ref1"),
			wantReqs: []gotRequest{tokenRequest(appForm)},
			wantToken: Token{
				AccessToken: NewSecret("tok1"), RefreshToken: NewSecret("ref1"),
				Expiry: time.Now().Add(28800 * time.Second), Ref: Ref{Type: "app", ID: 42},
			},
		},
		{
			name:     "password grant",
			creds:    pwCreds,
			reply:    jsonReply(http.StatusOK, `{"access_token":"utok","token_type":"bearer","expires_in":28799,"refresh_token":"uref","ref":{"type":"user","id":9}}`),
			wantReqs: []gotRequest{tokenRequest(pwForm)},
			wantToken: Token{
				AccessToken: NewSecret("utok"), RefreshToken: NewSecret("uref"),
				Expiry: time.Now().Add(28799 * time.Second), Ref: Ref{Type: "user", ID: 9},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newFake(t, tt.reply)
			c := newTestClient(srv)
			if err := c.Authenticate(t.Context(), tt.creds); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if diff := cmp.Diff(tt.wantReqs, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			got, ok := c.Token()
			if !ok {
				t.Fatal("Token() reported no token after Authenticate")
			}
			if diff := cmp.Diff(tt.wantToken, got, cmpopts.EquateApproxTime(time.Minute)); diff != "" {
				t.Errorf("Token() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticateErrors(t *testing.T) {
	invalidGrant := `{"error_parameters":{},"error_detail":null,"error_propagate":false,` +
		`"request":{"url":"http://api.podio.com/oauth/token","query_string":"","method":"POST"},` +
		`"error_description":"Invalid app token","error":"invalid_grant"}`
	tests := []struct {
		name     string
		creds    Credentials
		replies  []reply
		wantReqs []gotRequest
		wantErr  error
		wantAPI  *Error // nil: the error must not be an *Error
	}{
		{
			name:     "invalid grant",
			creds:    appCreds,
			replies:  []reply{jsonReply(http.StatusBadRequest, invalidGrant)},
			wantReqs: []gotRequest{tokenRequest(appForm)},
			wantErr:  ErrInvalidGrant,
			wantAPI: &Error{
				StatusCode:  400,
				Code:        "invalid_grant",
				Description: "Invalid app token",
				Parameters:  map[string]any{},
				Request:     ErrorRequest{URL: "http://api.podio.com/oauth/token", Method: "POST"},
			},
		},
		{
			name:    "no client secret",
			creds:   Credentials{ClientID: "cid", AppID: 42, AppToken: NewSecret("apptok-xyz")},
			wantErr: ErrInvalidCredentials,
		},
		{
			name:    "no grant",
			creds:   Credentials{ClientID: "cid", ClientSecret: NewSecret("csecret-xyz")},
			wantErr: ErrInvalidCredentials,
		},
		{
			name:    "both grants",
			creds:   Credentials{ClientID: "cid", ClientSecret: NewSecret("s"), AppID: 1, AppToken: NewSecret("t"), Username: "u", Password: NewSecret("p")},
			wantErr: ErrInvalidCredentials,
		},
		{
			name:    "app id without app token",
			creds:   Credentials{ClientID: "cid", ClientSecret: NewSecret("s"), AppID: 1},
			wantErr: ErrInvalidCredentials,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newFake(t, tt.replies...)
			c := newTestClient(srv)
			err := c.Authenticate(t.Context(), tt.creds)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Authenticate() = %v, want %v", err, tt.wantErr)
			}
			if tt.wantAPI != nil {
				got, ok := errors.AsType[*Error](err)
				if !ok {
					t.Fatalf("Authenticate() = %v, want an *Error", err)
				}
				if diff := cmp.Diff(tt.wantAPI, got); diff != "" {
					t.Errorf("*Error (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.wantReqs, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if _, ok := c.Token(); ok {
				t.Error("Token() reported a token after a failed Authenticate")
			}
		})
	}
}

func TestAuthenticateBadTokenResponse(t *testing.T) {
	srv, _ := newFake(t, jsonReply(http.StatusOK, `{"token_type":"bearer"}`))
	c := newTestClient(srv)
	if err := c.Authenticate(t.Context(), appCreds); err == nil {
		t.Error("Authenticate() with no access_token in the answer = nil, want an error")
	}
}

func TestNotAuthenticated(t *testing.T) {
	srv, f := newFake(t)
	c := newTestClient(srv)
	_, err := c.CreateHook(t.Context(), "app", 42, "https://example.com/h", "item.create")
	if !errors.Is(err, ErrNotAuthenticated) {
		t.Errorf("CreateHook before Authenticate = %v, want %v", err, ErrNotAuthenticated)
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests = %v, want none", got)
	}
}

// expired is the 401 the mock and, per podio-api.md §2.5, Podio send for
// an expired access token.
var expired = reply{
	status: http.StatusUnauthorized,
	header: map[string]string{
		"Content-Type":     "application/json; charset=utf-8",
		"WWW-Authenticate": `Bearer realm="podio", error="expired_token"`,
	},
	body: `{"error_parameters":{},"error_detail":null,"error_propagate":false,` +
		`"request":{"url":"http://api.podio.com/item/7","query_string":"","method":"GET"},` +
		`"error_description":"expired_token","error":"invalid_token"}`,
}

func TestRenew(t *testing.T) {
	item := jsonReply(http.StatusOK, `{"item_id":7,"title":"x"}`)
	invalidGrant := jsonReply(http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Invalid refresh token"}`)
	get := func(t *testing.T, tok string) gotRequest { return apiRequest(t, "GET", "/item/7", "", tok, "") }
	tests := []struct {
		name        string
		replies     []reply
		wantReqs    func(t *testing.T) []gotRequest
		wantErr     error // nil: GetItem succeeds
		wantRefresh string
	}{
		{
			name:    "expired token is refreshed and the call retried",
			replies: []reply{expired, tokenReply("tok2", "ref2"), item},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), get(t, "tok2")}
			},
			wantRefresh: "ref2",
		},
		{
			name: "2014 form: error unauthorized, description expired_token",
			replies: []reply{
				jsonReply(http.StatusUnauthorized, `{"error":"unauthorized","error_description":"expired_token"}`),
				tokenReply("tok2", "ref2"),
				item,
			},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), get(t, "tok2")}
			},
			wantRefresh: "ref2",
		},
		{
			name: "refresh answer without refresh_token keeps the old one",
			replies: []reply{
				expired,
				jsonReply(http.StatusOK, `{"access_token":"tok2","expires_in":28800}`),
				item,
			},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), get(t, "tok2")}
			},
			wantRefresh: "ref1",
		},
		{
			name:    "refused refresh token: authenticate again with the credentials",
			replies: []reply{expired, invalidGrant, tokenReply("tok3", "ref3"), item},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), tokenRequest(appForm), get(t, "tok3")}
			},
			wantRefresh: "ref3",
		},
		{
			name:    "refresh and authenticate both refused",
			replies: []reply{expired, invalidGrant, invalidGrant},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), tokenRequest(appForm)}
			},
			wantErr:     ErrInvalidGrant,
			wantRefresh: "ref1",
		},
		{
			name:    "refresh fails with a server error: no second grant",
			replies: []reply{expired, reply{status: http.StatusBadGateway, body: "<html>bad gateway</html>"}},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1"))}
			},
			wantErr:     ErrServer,
			wantRefresh: "ref1",
		},
		{
			name:    "still expired after the refresh: retried once only",
			replies: []reply{expired, tokenReply("tok2", "ref2"), expired},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1"), tokenRequest(refreshForm("ref1")), get(t, "tok2")}
			},
			wantErr:     ErrUnauthorized,
			wantRefresh: "ref2",
		},
		{
			name: "unknown token: no refresh",
			replies: []reply{
				jsonReply(http.StatusUnauthorized, `{"error":"unauthorized","error_description":"invalid_token"}`),
			},
			wantReqs: func(t *testing.T) []gotRequest {
				return []gotRequest{get(t, "tok1")}
			},
			wantErr:     ErrUnauthorized,
			wantRefresh: "ref1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := authed(t, tt.replies...)
			_, err := c.GetItem(t.Context(), 7)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("GetItem() = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if _, ok := errors.AsType[*Error](err); !ok {
					t.Errorf("GetItem() = %v, want an *Error", err)
				}
			}
			if diff := cmp.Diff(tt.wantReqs(t), f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			tok, _ := c.Token()
			if got := tok.RefreshToken.Reveal(); got != tt.wantRefresh {
				t.Errorf("refresh token after GetItem = %q, want %q", got, tt.wantRefresh)
			}
		})
	}
}

// TestConcurrentRefresh has 20 calls find the token expired at once; the
// client must refresh it exactly once and retry every call with the new
// token.
func TestConcurrentRefresh(t *testing.T) {
	const callers = 20
	var (
		refreshes  atomic.Int32
		staleCalls atomic.Int32
		allStale   = make(chan struct{}) // closed when every caller has used the old token
		mu         sync.Mutex            // guards retried
		retried    []string
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		switch r.FormValue("grant_type") {
		case "app":
			tokenReply("old", "ref1").write(w)
		case "refresh_token":
			refreshes.Add(1)
			tokenReply("new", "ref2").write(w)
		default:
			t.Errorf("unexpected grant %q", r.FormValue("grant_type"))
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /item/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch auth := r.Header.Get("Authorization"); auth {
		case "OAuth2 old":
			// Hold every stale call until all of them have arrived, so
			// all 20 see the expiry before anyone refreshes.
			if staleCalls.Add(1) == callers {
				close(allStale)
			}
			select {
			case <-allStale:
			case <-r.Context().Done():
				return
			}
			expired.write(w)
		case "OAuth2 new":
			mu.Lock()
			retried = append(retried, r.PathValue("id"))
			mu.Unlock()
			jsonReply(http.StatusOK, `{"item_id":`+r.PathValue("id")+`}`).write(w)
		default:
			t.Errorf("unexpected Authorization %q", auth)
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	srv := newServer(t, mux)
	c := newTestClient(srv)
	if err := c.Authenticate(t.Context(), appCreds); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}

	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			it, err := c.GetItem(t.Context(), int64(i+1))
			if err == nil && it.ItemID != int64(i+1) {
				t.Errorf("GetItem(%d).ItemID = %d", i+1, it.ItemID)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("GetItem(%d) = %v", i+1, err)
		}
	}
	if got := refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
	if got := staleCalls.Load(); got != callers {
		t.Errorf("calls with the expired token = %d, want %d", got, callers)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(retried) != callers {
		t.Errorf("calls retried with the new token = %d, want %d", len(retried), callers)
	}
}

// TestRenewWithoutRefreshToken: when Podio issued no refresh token, an
// expired token is replaced by authenticating again.
func TestRenewWithoutRefreshToken(t *testing.T) {
	srv, f := newFake(t,
		jsonReply(http.StatusOK, `{"access_token":"tok1","expires_in":28800}`),
		expired,
		tokenReply("tok2", "ref2"),
		jsonReply(http.StatusOK, `{"item_id":7}`),
	)
	c := newTestClient(srv)
	if err := c.Authenticate(t.Context(), appCreds); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if _, err := c.GetItem(t.Context(), 7); err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	want := []gotRequest{
		tokenRequest(appForm),
		apiRequest(t, "GET", "/item/7", "", "tok1", ""),
		tokenRequest(appForm),
		apiRequest(t, "GET", "/item/7", "", "tok2", ""),
	}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestSignIn: a signed-in client on success; on failure an error that
// names the API without the password of its URL and still matches the
// sentinels.
func TestSignIn(t *testing.T) {
	srv, _ := newFake(t, tokenReply("tok1", "ref1"))
	c, err := SignIn(t.Context(), srv.URL, appCreds)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if tok, ok := c.Token(); !ok || tok.AccessToken.Reveal() != "tok1" || c.BaseURL != srv.URL {
		t.Errorf("client %+v, token %v %v", c, tok, ok)
	}

	bad, _ := newFake(t, jsonReply(http.StatusBadRequest, `{"error":"invalid_grant","error_description":"wrong"}`))
	withPassword := strings.Replace(bad.URL, "http://", "http://me:hunter2@", 1)
	_, err = SignIn(t.Context(), withPassword, appCreds)
	if err == nil || !errors.Is(err, ErrInvalidGrant) || strings.Contains(err.Error(), "hunter2") ||
		!strings.HasPrefix(err.Error(), "sign in to http://me:xxxxx@") {
		t.Errorf("SignIn with wrong credentials = %v, want invalid_grant naming the URL without its password", err)
	}
	_, err = SignIn(t.Context(), "http://a b\x7f:secret@x", appCreds)
	if err == nil || err.Error() != "sign in: the API URL does not parse (not shown: it may hold a secret)" {
		t.Errorf("SignIn to an unparseable URL = %v", err)
	}
}
