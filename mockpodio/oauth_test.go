package mockpodio_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// tokenJSON is Podio's token response (https://developers.podio.com/authentication).
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Ref          struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"ref"`
	Scope string `json:"scope"`
}

// tokenCall is one way to send a token request.
type tokenCall struct {
	path       string     // default /oauth/token
	form       url.Values // form-encoded body
	json       any        // JSON body instead of form
	user, pass string     // HTTP Basic credentials
}

func (tc tokenCall) send(t *testing.T, s *mockpodio.Server) response {
	t.Helper()
	path := tc.path
	if path == "" {
		path = "/oauth/token"
	}
	if tc.json != nil {
		return do(t, s, "", "POST", path, tc.json)
	}
	return postForm(t, s, path, tc.form, tc.user, tc.pass)
}

func appForm(appID, appToken string) url.Values {
	return url.Values{"grant_type": {"app"}, "app_id": {appID}, "app_token": {appToken},
		"client_id": {"cid"}, "client_secret": {"csec"}}
}

// refreshFor signs in to app 42 and returns the refresh token.
func refreshFor(t *testing.T, s *mockpodio.Server) string {
	t.Helper()
	res := postForm(t, s, "/oauth/token", appForm("42", "apptok"), "", "")
	mustStatus(t, "app grant", res, http.StatusOK)
	return field(t, res.Body, "refresh_token").(string)
}

func TestTokenGrants(t *testing.T) {
	type ref struct {
		Type string
		ID   int64 // 0: any positive id
	}
	tests := []struct {
		name string
		// call builds the request; it may make earlier calls first.
		call       func(t *testing.T, s *mockpodio.Server) tokenCall
		wantStatus int
		wantRef    ref
		wantErr    string
	}{
		{
			name:       "app grant, client in body",
			call:       func(*testing.T, *mockpodio.Server) tokenCall { return tokenCall{form: appForm("42", "apptok")} },
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "app grant, client as HTTP Basic",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"app"}, "app_id": {"42"}, "app_token": {"apptok"}}, user: "cid", pass: "csec"}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "app grant with trailing slash",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/", form: appForm("42", "apptok")}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "v2 JSON app grant, ids as strings",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/v2", json: map[string]any{"grant_type": "app", "app_id": "42", "app_token": "apptok", "client_id": "cid", "client_secret": "csec"}}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "v2 JSON app grant, id as number, trailing slash",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/v2/", json: map[string]any{"grant_type": "app", "app_id": 42, "app_token": "apptok", "client_id": "cid", "client_secret": "csec"}}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "password grant",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw"}, "client_id": {"cid"}, "client_secret": {"csec"}}}
			},
			wantStatus: 200, wantRef: ref{"user", 0},
		},
		{
			name: "password grant, same user and password again",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				f := url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw"}, "client_id": {"cid"}}
				mustStatus(t, "first login", postForm(t, s, "/oauth/token", f, "", ""), 200)
				return tokenCall{form: f}
			},
			wantStatus: 200, wantRef: ref{"user", 0},
		},
		{
			name: "authorization_code grant, any code when permissive",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}, "redirect_uri": {"https://example.com/cb"}, "client_id": {"cid"}, "client_secret": {"csec"}}}
			},
			wantStatus: 200, wantRef: ref{"user", 0},
		},
		{
			name: "refresh_token grant",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshFor(t, s)}, "client_id": {"cid"}, "client_secret": {"csec"}}}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "refresh_token grant, client as HTTP Basic, app_id added",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshFor(t, s)}, "app_id": {"42"}}, user: "cid", pass: "csec"}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "v2 JSON refresh_token grant",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/v2", json: map[string]any{"grant_type": "refresh_token", "refresh_token": refreshFor(t, s), "client_id": "cid", "client_secret": "csec"}}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "app grant, the app's first token again",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				mustStatus(t, "first grant", postForm(t, s, "/oauth/token", appForm("42", "apptok"), "", ""), 200)
				return tokenCall{form: appForm("42", "apptok")}
			},
			wantStatus: 200, wantRef: ref{"app", 42},
		},
		{
			name: "app grant, a different token after the first",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				mustStatus(t, "first grant", postForm(t, s, "/oauth/token", appForm("42", "apptok"), "", ""), 200)
				return tokenCall{form: appForm("42", "other")}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name:       "app grant, app_id not a number",
			call:       func(*testing.T, *mockpodio.Server) tokenCall { return tokenCall{form: appForm("abc", "apptok")} },
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name:       "app grant, app_token missing",
			call:       func(*testing.T, *mockpodio.Server) tokenCall { return tokenCall{form: appForm("42", "")} },
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "password grant, password missing",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "password grant, another password for a known user",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				f := url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw"}, "client_id": {"cid"}}
				mustStatus(t, "first login", postForm(t, s, "/oauth/token", f, "", ""), 200)
				f.Set("password", "wrong")
				return tokenCall{form: f}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "authorization_code grant, code missing",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "refresh_token grant, unknown token",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "refresh_token grant, token missing",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "an access token is no refresh token",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokenFor(t, s, "42", "apptok")}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "grant_type missing",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"app_id": {"42"}, "app_token": {"apptok"}, "client_id": {"cid"}}}
			},
			wantStatus: 400, wantErr: "unsupported_grant_type",
		},
		{
			name: "unknown grant_type",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csec"}}}
			},
			wantStatus: 400, wantErr: "unsupported_grant_type",
		},
		{
			name: "client_id missing",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"app"}, "app_id": {"42"}, "app_token": {"apptok"}}}
			},
			wantStatus: 400, wantErr: "invalid_client",
		},
		{
			name: "v2 body not JSON",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/v2", json: "{not json"}
			},
			wantStatus: 400, wantErr: "invalid_value",
		},
		{
			name:       "v2 empty body",
			call:       func(*testing.T, *mockpodio.Server) tokenCall { return tokenCall{path: "/oauth/token/v2", json: ""} },
			wantStatus: 400, wantErr: "invalid_client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withClock(mockpodio.NewManualClock(clockStart)))
			res := tt.call(t, s).send(t, s)
			if res.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.wantStatus, res.Raw)
			}
			if got := errCode(res); got != tt.wantErr {
				t.Errorf("error = %q, want %q", got, tt.wantErr)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if diff := cmp.Diff([]string{"access_token", "expires_in", "ref", "refresh_token", "scope", "token_type"}, keysOf(res.Body)); diff != "" {
				t.Errorf("token keys (-want +got):\n%s", diff)
			}
			var got tokenJSON
			decodeJSON(t, res.Raw, &got)
			want := tokenJSON{TokenType: "bearer", ExpiresIn: 8 * 3600}
			want.Ref.Type, want.Ref.ID = tt.wantRef.Type, tt.wantRef.ID
			opts := cmp.Options{cmpopts.IgnoreFields(tokenJSON{}, "AccessToken", "RefreshToken", "Scope")}
			if tt.wantRef.ID == 0 {
				opts = append(opts, cmpopts.IgnoreFields(tokenJSON{}, "Ref.ID"))
			}
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
			if got.AccessToken == "" || got.RefreshToken == "" || got.Scope == "" || got.Ref.ID <= 0 {
				t.Errorf("token has empty access_token, refresh_token, scope or ref.id: %s", res.Raw)
			}
			// The token works on the API.
			path := "/hook/space/1/"
			if got.Ref.Type == "app" {
				path = "/hook/app/" + itoa(got.Ref.ID) + "/"
			}
			if api := do(t, s, got.AccessToken, "GET", path, nil); api.Status != http.StatusOK {
				t.Errorf("GET %s with the new token: %d %s", path, api.Status, api.Raw)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	expiredBody := apiError{Error: "unauthorized", Description: "expired_token", ErrorParameters: map[string]any{},
		Request: apiErrorReq{QueryString: "", Method: "GET"}}
	tests := []struct {
		name     string
		lifetime time.Duration
		advance  time.Duration
		wantOK   bool
	}{
		{"fresh token", 0, 0, true},
		{"one second before 8 h", 0, 8*time.Hour - time.Second, true},
		{"8 h and one second", 0, 8*time.Hour + time.Second, false},
		{"a day", 0, 24 * time.Hour, false},
		{"TokenLifetime 1 h, 59 min later", time.Hour, 59 * time.Minute, true},
		{"TokenLifetime 1 h, 1 h 1 s later", time.Hour, time.Hour + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := mockpodio.NewManualClock(clockStart)
			s := newServer(t, withClock(clk), func(s *mockpodio.Server) { s.TokenLifetime = tt.lifetime })
			res := postForm(t, s, "/oauth/token", appForm("42", "apptok"), "", "")
			mustStatus(t, "token", res, 200)
			var tok tokenJSON
			decodeJSON(t, res.Raw, &tok)
			wantExpiresIn := int64(8 * 3600)
			if tt.lifetime != 0 {
				wantExpiresIn = int64(tt.lifetime / time.Second)
			}
			if tok.ExpiresIn != wantExpiresIn {
				t.Errorf("expires_in = %d, want %d", tok.ExpiresIn, wantExpiresIn)
			}
			clk.Advance(tt.advance)

			api := do(t, s, tok.AccessToken, "GET", "/hook/app/42/", nil)
			if tt.wantOK {
				if api.Status != http.StatusOK {
					t.Errorf("GET = %d, want 200: %s", api.Status, api.Raw)
				}
				return
			}
			if api.Status != http.StatusUnauthorized {
				t.Fatalf("GET = %d, want 401: %s", api.Status, api.Raw)
			}
			var got apiError
			decodeJSON(t, api.Raw, &got)
			if diff := cmp.Diff(expiredBody, got, cmpopts.IgnoreFields(apiError{}, "Request.URL")); diff != "" {
				t.Errorf("expired body (-want +got):\n%s", diff)
			}
			if got, want := api.Header.Get("WWW-Authenticate"), `Bearer realm="podio", error="expired_token"`; got != want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, want)
			}

			// The refresh token still works and gives a working token.
			ref := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"cid"}, "client_secret": {"csec"}}, "", "")
			mustStatus(t, "refresh", ref, 200)
			var fresh tokenJSON
			decodeJSON(t, ref.Raw, &fresh)
			if fresh.AccessToken == tok.AccessToken {
				t.Error("refresh returned the expired access token")
			}
			if fresh.ExpiresIn != wantExpiresIn {
				t.Errorf("refreshed expires_in = %d, want %d", fresh.ExpiresIn, wantExpiresIn)
			}
			if again := do(t, s, fresh.AccessToken, "GET", "/hook/app/42/", nil); again.Status != http.StatusOK {
				t.Errorf("GET with refreshed token = %d: %s", again.Status, again.Raw)
			}
		})
	}
}

func TestRefreshTokenExpires(t *testing.T) {
	tests := []struct {
		name       string
		advance    time.Duration
		wantStatus int
		wantErr    string
	}{
		{"27 days", 27 * 24 * time.Hour, 200, ""},
		{"28 days and a second", 28*24*time.Hour + time.Second, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := mockpodio.NewManualClock(clockStart)
			s := newServer(t, withClock(clk))
			refresh := refreshFor(t, s)
			clk.Advance(tt.advance)
			res := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cid"}}, "", "")
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Errorf("refresh = %d %q, want %d %q: %s", res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
		})
	}
}

func TestAuthorizationHeader(t *testing.T) {
	s := newServer(t)
	token := tokenFor(t, s, "42", "apptok")
	tests := []struct {
		name       string
		header     string
		wantStatus int
		wantErr    string
		wantDesc   string
	}{
		{"OAuth2 scheme", "OAuth2 " + token, 200, "", ""},
		{"Bearer scheme is accepted too", "Bearer " + token, 200, "", ""},
		{"no header", "", 401, "unauthorized", ""},
		{"unknown token", "OAuth2 not-a-token", 401, "unauthorized", "invalid_token"},
		{"scheme only", "OAuth2", 401, "unauthorized", ""},
		{"Basic scheme", "Basic Y2lkOmNzZWM=", 401, "unauthorized", ""},
		{"token without scheme", token, 401, "unauthorized", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := doHeader(t, s, tt.header, "GET", "/hook/app/42/", "")
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("GET = %d %q, want %d %q: %s", res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantDesc != "" {
				if got := field(t, res.Body, "error_description"); got != tt.wantDesc {
					t.Errorf("error_description = %v, want %q", got, tt.wantDesc)
				}
			}
			if got := res.Header.Get("WWW-Authenticate"); got != "" && tt.wantStatus == 401 {
				t.Errorf("WWW-Authenticate = %q on a 401 that is no expiry", got)
			}
		})
	}
}

// apiRoutes are the mock's Podio routes that need an access token, with
// ids that need not exist.
var apiRoutes = []struct{ method, path string }{
	{"POST", "/hook/app/42/"},
	{"GET", "/hook/app/42/"},
	{"DELETE", "/hook/7"},
	{"POST", "/hook/7/verify/request"},
	{"POST", "/hook/7/verify/validate"},
	{"POST", "/item/app/42/"},
	{"POST", "/item/app/42/filter/"},
	{"GET", "/item/app/42/external_id/x"},
	{"GET", "/item/9"},
	{"PUT", "/item/9"},
	{"PUT", "/item/9/value"},
	{"PUT", "/item/9/value/title"},
	{"DELETE", "/item/9"},
	{"GET", "/app/42/item/1"},
	{"POST", "/comment/item/9/"},
	{"GET", "/comment/item/9/"},
	{"GET", "/comment/5"},
	{"PUT", "/comment/5"},
	{"DELETE", "/comment/5"},
	{"POST", "/task/"},
	{"POST", "/task/space/1/"},
	{"GET", "/task/5"},
	{"PUT", "/task/5"},
	{"DELETE", "/task/5"},
	{"POST", "/task/5/complete"},
	{"POST", "/task/5/incomplete"},
	{"POST", "/app/"},
	{"GET", "/app/42"},
	{"PUT", "/app/42"},
	{"DELETE", "/app/42"},
}

func TestEveryAPIRouteNeedsToken(t *testing.T) {
	s := newServer(t)
	for _, rt := range apiRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			res := doHeader(t, s, "", rt.method, rt.path, "{}")
			if res.Status != http.StatusUnauthorized || errCode(res) != "unauthorized" {
				t.Errorf("%s %s without token = %d %q, want 401 unauthorized: %s", rt.method, rt.path, res.Status, errCode(res), res.Raw)
			}
		})
	}
}

func TestStrictOAuth(t *testing.T) {
	appGrant := func(client, secret, appID, appToken string) url.Values {
		return url.Values{"grant_type": {"app"}, "app_id": {appID}, "app_token": {appToken}, "client_id": {client}, "client_secret": {secret}}
	}
	tests := []struct {
		name       string
		call       func(t *testing.T, s *mockpodio.Server) tokenCall
		wantStatus int
		wantErr    string
		wantRef    string
	}{
		{
			name: "seeded client, app and token",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: appGrant(seedClientID, seedClientSecret, "3001", seedAppToken)}
			},
			wantStatus: 200, wantRef: "app",
		},
		{
			name: "seeded client as HTTP Basic",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {seedAppToken}}, user: seedClientID, pass: seedClientSecret}
			},
			wantStatus: 200, wantRef: "app",
		},
		{
			name: "v2 JSON with seeded credentials",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{path: "/oauth/token/v2", json: map[string]any{"grant_type": "app", "app_id": seedAppID, "app_token": seedAppToken, "client_id": seedClientID, "client_secret": seedClientSecret}}
			},
			wantStatus: 200, wantRef: "app",
		},
		{
			name: "wrong client secret",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: appGrant(seedClientID, "wrong", "3001", seedAppToken)}
			},
			wantStatus: 400, wantErr: "invalid_client",
		},
		{
			name: "wrong client secret as HTTP Basic",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {seedAppToken}}, user: seedClientID, pass: "wrong"}
			},
			wantStatus: 400, wantErr: "invalid_client",
		},
		{
			name: "unknown client",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: appGrant("cid", "csec", "3001", seedAppToken)}
			},
			wantStatus: 400, wantErr: "invalid_client",
		},
		{
			name: "wrong app token",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: appGrant(seedClientID, seedClientSecret, "3001", "other")}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "unknown app",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: appGrant(seedClientID, seedClientSecret, "42", "apptok")}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "seeded user",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"password"}, "username": {seedUsername}, "password": {seedPassword}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 200, wantRef: "user",
		},
		{
			name: "seeded user, wrong password",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"password"}, "username": {seedUsername}, "password": {"nope"}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "unknown user",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw"}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "seeded authorization code",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"seeded-code"}, "redirect_uri": {"https://example.com/cb"}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 200, wantRef: "user",
		},
		{
			name: "seeded authorization code used twice",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				f := url.Values{"grant_type": {"authorization_code"}, "code": {"seeded-code"}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}
				mustStatus(t, "first use", postForm(t, s, "/oauth/token", f, "", ""), 200)
				return tokenCall{form: f}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "unknown authorization code",
			call: func(*testing.T, *mockpodio.Server) tokenCall {
				return tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"abc"}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 400, wantErr: "invalid_grant",
		},
		{
			name: "refresh_token",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				res := postForm(t, s, "/oauth/token", appGrant(seedClientID, seedClientSecret, "3001", seedAppToken), "", "")
				mustStatus(t, "grant", res, 200)
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {field(t, res.Body, "refresh_token").(string)}, "client_id": {seedClientID}, "client_secret": {seedClientSecret}}}
			},
			wantStatus: 200, wantRef: "app",
		},
		{
			name: "refresh_token of another client",
			call: func(t *testing.T, s *mockpodio.Server) tokenCall {
				res := postForm(t, s, "/oauth/token", appGrant(seedClientID, seedClientSecret, "3001", seedAppToken), "", "")
				mustStatus(t, "grant", res, 200)
				return tokenCall{form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {field(t, res.Body, "refresh_token").(string)}, "client_id": {"other"}, "client_secret": {"x"}}, user: "", pass: ""}
			},
			wantStatus: 400, wantErr: "invalid_client",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
			if err != nil {
				t.Fatal(err)
			}
			seed.Clients = append(seed.Clients, mockpodio.SeedClient{ClientID: "second", ClientSecret: "second-secret"})
			seed.AuthCodes = append(seed.AuthCodes, mockpodio.SeedAuthCode{Code: "seeded-code", UserID: seedUserID})
			s := newServer(t, func(s *mockpodio.Server) { s.Seed = seed; s.Strict = true })
			res := tt.call(t, s).send(t, s)
			if res.Status != tt.wantStatus || errCode(res) != tt.wantErr {
				t.Fatalf("token = %d %q, want %d %q: %s", res.Status, errCode(res), tt.wantStatus, tt.wantErr, res.Raw)
			}
			if tt.wantRef != "" {
				if got := field(t, field(t, res.Body, "ref"), "type"); got != tt.wantRef {
					t.Errorf("ref.type = %v, want %s", got, tt.wantRef)
				}
			}
		})
	}
}

// TestStrictRefreshOfAnotherSeededClient checks that a refresh token
// cannot be redeemed by a second, valid client.
func TestStrictRefreshOfAnotherSeededClient(t *testing.T) {
	seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	seed.Clients = append(seed.Clients, mockpodio.SeedClient{ClientID: "second", ClientSecret: "second-secret"})
	s := newServer(t, func(s *mockpodio.Server) { s.Seed = seed; s.Strict = true })
	res := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {"3001"}, "app_token": {seedAppToken},
		"client_id": {seedClientID}, "client_secret": {seedClientSecret}}, "", "")
	mustStatus(t, "grant", res, 200)
	refresh := field(t, res.Body, "refresh_token").(string)
	got := postForm(t, s, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, "second", "second-secret")
	if got.Status != 400 || errCode(got) != "invalid_grant" {
		t.Errorf("refresh by another client = %d %q, want 400 invalid_grant: %s", got.Status, errCode(got), got.Raw)
	}
}
