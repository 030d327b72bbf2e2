package podio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SignIn returns a client of the API at baseURL ([DefaultBaseURL] when
// empty) authenticated with creds. Its error names baseURL with any
// password in it hidden; a baseURL that does not parse is refused without
// a request and without being shown, since it may hold a secret.
func SignIn(ctx context.Context, baseURL string, creds Credentials) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, errors.New("sign in: the API URL does not parse (not shown: it may hold a secret)")
	}
	c := &Client{BaseURL: baseURL}
	if err := c.Authenticate(ctx, creds); err != nil {
		return nil, fmt.Errorf("sign in to %s: %w", u.Redacted(), err)
	}
	return c, nil
}

// Authenticate exchanges creds for a token with POST /oauth/token
// (form-encoded, client credentials in the body, grant_type "app" or
// "password") and keeps both: the token for every later call, the
// credentials to authenticate again when a refresh token is refused.
//
// Wrong credentials give an [*Error] that matches [ErrInvalidGrant];
// incomplete ones give [ErrInvalidCredentials] without a request.
func (c *Client) Authenticate(ctx context.Context, creds Credentials) error {
	if err := creds.validate(); err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	unlock, err := c.lockAuth(ctx)
	if err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	defer unlock()
	tok, err := c.fetchToken(ctx, creds.form())
	if err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	c.mu.Lock()
	c.creds = &creds
	c.token = tok
	c.mu.Unlock()
	return nil
}

// lockAuth takes the right to request and replace the token, waiting at
// most until ctx ends.
func (c *Client) lockAuth(ctx context.Context) (unlock func(), err error) {
	c.mu.Lock()
	if c.authSem == nil {
		c.authSem = make(chan struct{}, 1)
	}
	sem := c.authSem
	c.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// renew replaces the access token stale, which Podio called expired. If
// another caller already replaced it, renew does nothing, so concurrent
// callers that all saw stale cause a single refresh. It tries the refresh
// token first (grant_type=refresh_token); if Podio refuses it with a 400
// or 401 (invalid_grant) it authenticates once more with the original
// credentials.
func (c *Client) renew(ctx context.Context, stale string) error {
	unlock, err := c.lockAuth(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	c.mu.Lock()
	cur, creds := *c.token, *c.creds
	c.mu.Unlock()
	if cur.AccessToken.Reveal() != stale {
		return nil
	}

	var refreshErr error
	if !cur.RefreshToken.IsZero() {
		tok, err := c.fetchToken(ctx, map[string]string{
			"grant_type":    "refresh_token",
			"refresh_token": cur.RefreshToken.Reveal(),
			"client_id":     creds.ClientID,
			"client_secret": creds.ClientSecret.Reveal(),
		})
		if err == nil {
			if tok.RefreshToken.IsZero() {
				tok.RefreshToken = cur.RefreshToken
			}
			c.setToken(tok)
			return nil
		}
		if e, ok := errors.AsType[*Error](err); !ok || (e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusUnauthorized) {
			return fmt.Errorf("refresh: %w", err)
		}
		refreshErr = err
	}
	tok, err := c.fetchToken(ctx, creds.form())
	if err != nil {
		if refreshErr != nil {
			return fmt.Errorf("refresh failed (%v), then authenticate: %w", refreshErr, err)
		}
		return fmt.Errorf("authenticate: %w", err)
	}
	c.setToken(tok)
	return nil
}

func (c *Client) setToken(t *Token) {
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
}

// tokenResponse is the body of a successful POST /oauth/token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Ref          Ref    `json:"ref"`
	Scope        string `json:"scope"`
}

// fetchToken posts form to /oauth/token and decodes the token.
func (c *Client) fetchToken(ctx context.Context, form map[string]string) (*Token, error) {
	v := url.Values{}
	for k, val := range form {
		v.Set(k, val)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint("/oauth/token", nil), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, body, err := c.do(hr)
	if err != nil {
		return nil, err
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	if tr.AccessToken == "" {
		return nil, errors.New("podio: token response has no access_token")
	}
	t := &Token{AccessToken: NewSecret(tr.AccessToken), RefreshToken: NewSecret(tr.RefreshToken), Ref: tr.Ref}
	if tr.ExpiresIn > 0 {
		t.Expiry = time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return t, nil
}
