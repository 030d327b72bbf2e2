package podio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. An [*Error] matches them with [errors.Is] by its status
// code or its Podio error code, so callers can branch without type
// assertions:
//
//	if errors.Is(err, podio.ErrRateLimited) { … }
var (
	// ErrBadRequest matches a 400 response of any error code.
	ErrBadRequest = errors.New("podio: bad request")
	// ErrUnauthorized matches a 401 response: the access token is unknown,
	// or it expired and could not be renewed.
	ErrUnauthorized = errors.New("podio: unauthorized")
	// ErrForbidden matches a 403 response.
	ErrForbidden = errors.New("podio: forbidden")
	// ErrNotFound matches a 404 response.
	ErrNotFound = errors.New("podio: not found")
	// ErrConflict matches a 409 response, such as an item revision conflict.
	ErrConflict = errors.New("podio: conflict")
	// ErrGone matches a 410 response, such as a deleted item.
	ErrGone = errors.New("podio: gone")
	// ErrRateLimited matches a 420 response, Podio's "rate limit exceeded".
	// It also matches 429, which one third-party document claims.
	ErrRateLimited = errors.New("podio: rate limited")
	// ErrServer matches a 5xx response.
	ErrServer = errors.New("podio: server error")
	// ErrInvalidGrant matches an OAuth error whose code is "invalid_grant":
	// wrong credentials, or a refresh token that is no longer valid.
	ErrInvalidGrant = errors.New("podio: invalid grant")

	// ErrNotAuthenticated is returned by API calls made before a successful
	// [Client.Authenticate].
	ErrNotAuthenticated = errors.New("podio: not authenticated")
	// ErrInvalidCredentials is returned by [Client.Authenticate] when the
	// [Credentials] do not describe exactly one grant.
	ErrInvalidCredentials = errors.New("podio: invalid credentials")
	// ErrEmptyResponse is returned when a call that needs a response body
	// got a success status with an empty body.
	ErrEmptyResponse = errors.New("podio: empty response body")
)

// StatusRateLimited is the status Podio answers with once a caller is over
// its rate limit. It is not a registered HTTP status.
const StatusRateLimited = 420

// Error is a non-2xx answer from Podio. Podio's error body looks like
//
//	{"error":"not_found","error_description":"…","error_detail":null,
//	 "error_parameters":{},"error_propagate":false,
//	 "request":{"url":"…","query_string":"","method":"POST"}}
//
// and each of its fields is kept. When the body is not Podio's JSON (an
// HTML page from a proxy, say) Code is empty and Body holds a short
// snippet of it.
//
// Error matches the sentinels above with [errors.Is]; use [errors.As] or
// [errors.AsType] to read its fields.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int `json:"-"`
	// Code is Podio's error code (JSON "error"), such as "invalid_value".
	Code string `json:"error"`
	// Description is Podio's message (JSON "error_description").
	Description string `json:"error_description"`
	// Detail is the free-form JSON "error_detail", often nil.
	Detail any `json:"error_detail"`
	// Parameters is the JSON "error_parameters" object.
	Parameters map[string]any `json:"error_parameters"`
	// Propagate reports that Description is safe to show to end users
	// (JSON "error_propagate").
	Propagate bool `json:"error_propagate"`
	// Request describes the failed call as Podio reported it, or as it was
	// sent when the body did not say.
	Request ErrorRequest `json:"request"`
	// Body is a short, single-line snippet of a body that was not Podio's
	// error JSON. It is empty otherwise.
	Body string `json:"-"`
}

// ErrorRequest is the "request" object of a Podio error body.
type ErrorRequest struct {
	// URL is the called URL. Podio reports http:// even for HTTPS calls.
	URL string `json:"url"`
	// QueryString is the query of the call, without the "?".
	QueryString string `json:"query_string"`
	// Method is the HTTP method of the call.
	Method string `json:"method"`
}

// Error returns "podio: <status> <code>: <description>", leaving out the
// parts that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "podio: %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	switch {
	case e.Description != "":
		b.WriteString(": " + e.Description)
	case e.Body != "":
		b.WriteString(": " + e.Body)
	case e.Code == "":
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + strings.ToLower(t))
		}
	}
	return b.String()
}

// Is reports whether target is one of the package's sentinels that this
// error's status or code stands for.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrGone:
		return e.StatusCode == http.StatusGone
	case ErrRateLimited:
		return e.StatusCode == StatusRateLimited || e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	case ErrInvalidGrant:
		return e.Code == "invalid_grant"
	}
	return false
}

// tokenExpired reports whether a 401 means "renew the token and retry":
// the description mentions expired_token (every official client matches
// on it) or the code is invalid_token (.NET, JS and PHP also match on it).
func (e *Error) tokenExpired() bool {
	return e.StatusCode == http.StatusUnauthorized &&
		(strings.Contains(e.Description, "expired_token") || e.Code == "invalid_token")
}

// maxSnippet is how many bytes of a non-JSON error body [Error.Body] keeps.
const maxSnippet = 200

// parseError builds the *Error for a non-2xx response. It never fails: a
// body that is not Podio's error JSON is kept as a snippet.
func parseError(status int, body []byte, method, rawURL, rawQuery string) *Error {
	// error_parameters is read leniently: an empty one might come as []
	// (a PHP-style empty array) rather than {}, and must not cost the rest.
	var wire struct {
		Code        string          `json:"error"`
		Description string          `json:"error_description"`
		Detail      any             `json:"error_detail"`
		Parameters  json.RawMessage `json:"error_parameters"`
		Propagate   bool            `json:"error_propagate"`
		Request     ErrorRequest    `json:"request"`
	}
	var e *Error
	if err := json.Unmarshal(body, &wire); err != nil || wire.Code == "" {
		e = &Error{StatusCode: status, Body: snippet(body)}
	} else {
		e = &Error{
			StatusCode:  status,
			Code:        wire.Code,
			Description: wire.Description,
			Detail:      wire.Detail,
			Propagate:   wire.Propagate,
			Request:     wire.Request,
		}
		_ = json.Unmarshal(wire.Parameters, &e.Parameters) // not an object: leave nil
	}
	if e.Request == (ErrorRequest{}) {
		e.Request = ErrorRequest{URL: rawURL, QueryString: rawQuery, Method: method}
	}
	return e
}

// snippet returns the start of body on one line, valid UTF-8, at most
// maxSnippet bytes plus an ellipsis.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
