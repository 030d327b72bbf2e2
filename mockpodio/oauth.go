package mockpodio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OAuth choices the reference leaves open (https://developers.podio.com/authentication).
const (
	codeInvalidClient        = "invalid_client"         // UNVERIFIED string
	codeUnsupportedGrantType = "unsupported_grant_type" // UNVERIFIED string
	// tokenScope is the scope string of every token. UNVERIFIED: Podio's
	// real scope strings depend on the API key.
	tokenScope = "global:all"
	// defaultSpaceName names the space permissive mode puts apps it
	// creates on the fly in.
	defaultSpaceName = "Sandbox"
)

// tokenRequest holds the fields of a token request, from a form (v1) or a
// JSON body (v2).
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AppID        string `json:"app_id"`
	AppToken     string `json:"app_token"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	RefreshToken string `json:"refresh_token"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirect_uri"`
}

// tokenResponse is Podio's token JSON (§2.3).
type tokenResponse struct {
	AccessToken  string         `json:"access_token"`
	TokenType    string         `json:"token_type"`
	ExpiresIn    int64          `json:"expires_in"`
	RefreshToken string         `json:"refresh_token"`
	Ref          map[string]any `json:"ref"`
	Scope        string         `json:"scope"`
}

func (s *Server) handleToken(c *call) (int, any, error) {
	tr, err := parseTokenRequest(c)
	if err != nil {
		return 0, nil, err
	}
	if id, secret, ok := c.r.BasicAuth(); ok && tr.ClientID == "" {
		tr.ClientID, tr.ClientSecret = id, secret
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkClientLocked(tr); err != nil {
		return 0, nil, err
	}
	var who ref
	switch tr.GrantType {
	case "app":
		who, err = s.appGrantLocked(tr)
	case "password":
		who, err = s.passwordGrantLocked(tr)
	case "authorization_code":
		who, err = s.codeGrantLocked(tr)
	case "refresh_token":
		return s.refreshGrantLocked(tr)
	case "":
		err = errorf(http.StatusBadRequest, codeUnsupportedGrantType, "grant_type is missing: use app, password, refresh_token or authorization_code")
	default:
		err = errorf(http.StatusBadRequest, codeUnsupportedGrantType, "Unsupported grant_type %q: use app, password, refresh_token or authorization_code", tr.GrantType)
	}
	if err != nil {
		return 0, nil, err
	}
	t := s.issueTokenLocked(who, tr.ClientID)
	return http.StatusOK, s.tokenJSON(t), nil
}

func parseTokenRequest(c *call) (tokenRequest, error) {
	var tr tokenRequest
	ct := c.r.Header.Get("Content-Type")
	if strings.HasSuffix(c.r.URL.Path, "/v2") || strings.HasSuffix(c.r.URL.Path, "/v2/") || strings.Contains(ct, "json") {
		// JSON: values may be strings or numbers.
		var raw map[string]any
		if err := c.decode(&raw); err != nil {
			return tr, err
		}
		get := func(k string) string {
			switch v := raw[k].(type) {
			case string:
				return v
			case json.Number:
				return v.String()
			}
			return ""
		}
		return tokenRequest{
			GrantType: get("grant_type"), ClientID: get("client_id"), ClientSecret: get("client_secret"),
			AppID: get("app_id"), AppToken: get("app_token"), Username: get("username"), Password: get("password"),
			RefreshToken: get("refresh_token"), Code: get("code"), RedirectURI: get("redirect_uri"),
		}, nil
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		return tr, invalid("Invalid form body: %v", err)
	}
	return tokenRequest{
		GrantType: form.Get("grant_type"), ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"),
		AppID: form.Get("app_id"), AppToken: form.Get("app_token"), Username: form.Get("username"), Password: form.Get("password"),
		RefreshToken: form.Get("refresh_token"), Code: form.Get("code"), RedirectURI: form.Get("redirect_uri"),
	}, nil
}

// checkClientLocked checks the API key: any client in permissive mode, a
// seeded one with its secret in strict mode.
func (s *Server) checkClientLocked(tr tokenRequest) error {
	if tr.ClientID == "" {
		return errorf(http.StatusBadRequest, codeInvalidClient, "client_id is missing: send it in the body or as HTTP Basic auth")
	}
	cl, ok := s.clients[tr.ClientID]
	if !ok {
		if s.Strict {
			return errorf(http.StatusBadRequest, codeInvalidClient, "Invalid client_id")
		}
		return nil
	}
	if s.Strict && cl.Secret != tr.ClientSecret {
		return errorf(http.StatusBadRequest, codeInvalidClient, "Invalid client_secret")
	}
	return nil
}

func (s *Server) appGrantLocked(tr tokenRequest) (ref, error) {
	id, ok := parseID(tr.AppID)
	if !ok {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "app_id must be a positive integer")
	}
	if tr.AppToken == "" {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "app_token is missing")
	}
	a, ok := s.apps[id]
	if !ok || a.Deleted {
		if s.Strict || ok {
			return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid app_id or app_token")
		}
		a = s.createAppLocked(id, s.defaultSpaceLocked(), "App "+strconv.FormatInt(id, 10), "Item")
	}
	if a.Token == "" && !s.Strict {
		a.Token = tr.AppToken
		s.touchLocked(kindApps, a.ID)
	}
	if a.Token != tr.AppToken {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid app_id or app_token")
	}
	return ref{Type: "app", ID: a.ID}, nil
}

func (s *Server) passwordGrantLocked(tr tokenRequest) (ref, error) {
	if tr.Username == "" || tr.Password == "" {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "username and password are required")
	}
	for _, u := range s.users {
		if strings.EqualFold(u.Username, tr.Username) {
			if u.Password == "" && !s.Strict {
				u.Password = tr.Password
				s.touchLocked(kindUsers, u.ID)
			}
			if u.Password != tr.Password {
				return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid username or password")
			}
			return ref{Type: "user", ID: u.ID}, nil
		}
	}
	if s.Strict {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid username or password")
	}
	u := &user{ID: next(&s.ids.user), Name: tr.Username, Username: tr.Username, Password: tr.Password}
	s.users[u.ID] = u
	s.touchLocked(kindUsers, u.ID)
	return ref{Type: "user", ID: u.ID}, nil
}

func (s *Server) codeGrantLocked(tr tokenRequest) (ref, error) {
	if tr.Code == "" {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "code is missing")
	}
	if uid, ok := s.authCodes[tr.Code]; ok {
		delete(s.authCodes, tr.Code)
		s.touchLocked(kindAuthCodes, tr.Code)
		return ref{Type: "user", ID: uid}, nil
	}
	if s.Strict {
		return ref{}, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid or used authorization code")
	}
	// Permissive: any code signs in the first user, made if need be.
	var first *user
	for _, u := range s.users {
		if first == nil || u.ID < first.ID {
			first = u
		}
	}
	if first == nil {
		first = &user{ID: next(&s.ids.user), Name: "Mock User", Username: "user@example.com"}
		s.users[first.ID] = first
		s.touchLocked(kindUsers, first.ID)
	}
	return ref{Type: "user", ID: first.ID}, nil
}

func (s *Server) refreshGrantLocked(tr tokenRequest) (int, any, error) {
	old, ok := s.refreshes[tr.RefreshToken]
	if tr.RefreshToken == "" || !ok || !s.now().Before(old.RefreshExpires) {
		return 0, nil, errorf(http.StatusBadRequest, codeInvalidGrant, "Invalid or expired refresh_token")
	}
	if s.Strict && old.ClientID != tr.ClientID {
		return 0, nil, errorf(http.StatusBadRequest, codeInvalidGrant, "refresh_token was issued to another client")
	}
	now := s.now()
	t := &token{Access: randomHex(64), Refresh: old.Refresh, Ref: old.Ref, ClientID: old.ClientID,
		Expires: now.Add(s.tokenLifetime()), RefreshExpires: old.RefreshExpires}
	s.tokens[t.Access] = t
	s.refreshes[t.Refresh] = t
	s.touchLocked(kindTokens, t.Access)
	s.touchLocked(kindRefreshes, t.Refresh)
	return http.StatusOK, s.tokenJSON(t), nil
}

func (s *Server) issueTokenLocked(who ref, clientID string) *token {
	now := s.now()
	t := &token{
		Access: randomHex(64), Refresh: randomHex(32), Ref: who, ClientID: clientID,
		Expires: now.Add(s.tokenLifetime()), RefreshExpires: now.Add(DefaultRefreshLifetime),
	}
	s.tokens[t.Access] = t
	s.refreshes[t.Refresh] = t
	s.touchLocked(kindTokens, t.Access)
	s.touchLocked(kindRefreshes, t.Refresh)
	return t
}

func (s *Server) tokenJSON(t *token) tokenResponse {
	return tokenResponse{
		AccessToken: t.Access, TokenType: "bearer",
		ExpiresIn:    int64(t.Expires.Sub(s.now()) / time.Second),
		RefreshToken: t.Refresh,
		Ref:          map[string]any{"type": t.Ref.Type, "id": t.Ref.ID},
		Scope:        tokenScope,
	}
}

// defaultSpaceLocked returns the space permissive mode puts new apps in,
// making it if need be.
func (s *Server) defaultSpaceLocked() int64 {
	for _, sp := range s.spaces {
		if sp.Name == defaultSpaceName {
			return sp.ID
		}
	}
	sp := &space{ID: next(&s.ids.space), Name: defaultSpaceName, URLLabel: strings.ToLower(defaultSpaceName)}
	s.spaces[sp.ID] = sp
	s.touchLocked(kindSpaces, sp.ID)
	return sp.ID
}

// createAppLocked adds an app; id 0 means a new id.
func (s *Server) createAppLocked(id, spaceID int64, name, itemName string) *app {
	if id == 0 {
		id = next(&s.ids.app)
	}
	s.ids.app = max(s.ids.app, id)
	a := &app{ID: id, SpaceID: spaceID, Name: name, ItemName: itemName, NextAppID: 1}
	s.apps[id] = a
	s.touchLocked(kindApps, id)
	return a
}
