// Package podio is the small Podio API client devhook itself uses: OAuth
// (app and password grants, with refresh), hooks, items, comments, tasks
// and apps.
//
// A [Client] is configured through its exported fields, authenticated once
// with [Client.Authenticate], and is then safe for concurrent use. Every
// call takes a context. When Podio answers 401 expired_token the client
// renews the token (once, however many calls noticed) and retries the call
// once. Failures from Podio are [*Error] values that match the package's
// sentinels, such as [ErrNotFound] and [ErrRateLimited], with [errors.Is].
package podio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is the Podio API that a [Client] with an empty BaseURL
// calls.
const DefaultBaseURL = "https://api.podio.com"

// DefaultTimeout bounds each HTTP exchange of a [Client] whose HTTPClient
// is nil.
const DefaultTimeout = 30 * time.Second

// maxBody is the most of a response body the client reads.
const maxBody = 16 << 20

// defaultHTTPClient is used when Client.HTTPClient is nil.
var defaultHTTPClient = &http.Client{Timeout: DefaultTimeout}

// DefaultUserAgent is the User-Agent of a [Client] with an empty
// UserAgent: "devhook/<version>", where the version is the main module's
// version from the build info, or "dev" for a development build.
var DefaultUserAgent = "devhook/" + buildVersion()

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Client calls the Podio API. Set its fields before the first call and do
// not change them afterwards; the zero value calls [DefaultBaseURL].
// Authenticate with [Client.Authenticate] before any other call.
//
// A Client is safe for concurrent use. It must not be copied after first
// use.
type Client struct {
	// BaseURL is the API root, such as "https://api.podio.com" or a mock's
	// URL. A trailing slash is ignored; a path prefix is kept. Empty means
	// [DefaultBaseURL].
	BaseURL string
	// HTTPClient sends the requests. nil means a client with a
	// [DefaultTimeout] timeout on top of http.DefaultTransport's dial and
	// TLS handshake timeouts.
	HTTPClient *http.Client
	// UserAgent is sent as the User-Agent header. Empty means
	// [DefaultUserAgent].
	UserAgent string

	mu         sync.Mutex   // guards creds, token, rateLimit, rateRemain, authSem
	creds      *Credentials // nil until Authenticate
	token      *Token       // nil until Authenticate
	rateLimit  int
	rateRemain int
	// authSem serializes token requests (a buffered channel of one, so
	// waiters can give up when their context ends). Whoever holds it may
	// replace token.
	authSem chan struct{}
}

// RateLimit returns the X-Rate-Limit-Limit and X-Rate-Limit-Remaining
// headers of the latest response that carried them. limit is 0 when no
// response has carried them yet.
func (c *Client) RateLimit() (limit, remaining int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rateLimit, c.rateRemain
}

// Token returns a copy of the current token, and false before a
// successful [Client.Authenticate].
func (c *Client) Token() (Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == nil {
		return Token{}, false
	}
	return *c.token, true
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return defaultHTTPClient
}

func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}

// endpoint joins the base URL, path (which starts with "/") and query.
func (c *Client) endpoint(path string, query url.Values) string {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := strings.TrimRight(base, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// request is one API call, kept so it can be sent again after a refresh.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte // nil: no body and no Content-Type
}

// call sends an authenticated API call and decodes a 2xx body into out
// (unless out is nil). A 401 expired_token renews the token and sends the
// call once more. It returns the response status.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) (int, error) {
	req := request{method: method, path: path, query: query}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encode request: %w", err)
		}
		req.body = b
	}
	tok, err := c.accessToken()
	if err != nil {
		return 0, err
	}
	status, body, err := c.send(ctx, req, tok)
	if e, ok := errors.AsType[*Error](err); ok && e.tokenExpired() {
		if err := c.renew(ctx, tok); err != nil {
			return 0, fmt.Errorf("renew token: %w", err)
		}
		if tok, err = c.accessToken(); err != nil {
			return 0, err
		}
		status, body, err = c.send(ctx, req, tok)
	}
	if err != nil {
		return status, err
	}
	if out != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return status, ErrEmptyResponse
		}
		if err := json.Unmarshal(body, out); err != nil {
			return status, fmt.Errorf("decode response: %w", err)
		}
	}
	return status, nil
}

// accessToken returns the current access token.
func (c *Client) accessToken() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == nil {
		return "", ErrNotAuthenticated
	}
	return c.token.AccessToken.Reveal(), nil
}

// send performs one exchange with the given access token and returns the
// status and body of a 2xx response, or an *Error for any other status.
func (c *Client) send(ctx context.Context, r request, accessToken string) (int, []byte, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r.path, r.query), body)
	if err != nil {
		return 0, nil, err
	}
	hr.Header.Set("Authorization", "OAuth2 "+accessToken)
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	return c.do(hr)
}

// do sends hr with the common headers, records the rate-limit headers and
// turns a non-2xx response into an *Error.
func (c *Client) do(hr *http.Request) (int, []byte, error) {
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgent())
	resp, err := c.httpClient().Do(hr)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	c.recordRateLimit(resp.Header)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		u := *hr.URL
		u.RawQuery = ""
		return resp.StatusCode, nil, parseError(resp.StatusCode, body, hr.Method, u.String(), hr.URL.RawQuery)
	}
	return resp.StatusCode, body, nil
}

func (c *Client) recordRateLimit(h http.Header) {
	limit, err := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	if err != nil {
		return
	}
	remaining, err := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	if err != nil {
		return
	}
	c.mu.Lock()
	c.rateLimit, c.rateRemain = limit, remaining
	c.mu.Unlock()
}
