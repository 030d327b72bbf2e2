package mockpodio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// APIError is an error the mock answers in Podio's JSON error shape
// (https://developers.podio.com/index/api).
type APIError struct {
	// StatusCode is the HTTP status, e.g. 400.
	StatusCode int
	// Code is Podio's "error" string, e.g. "invalid_value".
	Code string
	// Description is Podio's "error_description".
	Description string
	// Detail is Podio's "error_detail"; nil means null.
	Detail any
	// Parameters is Podio's "error_parameters"; nil means {}.
	Parameters map[string]any
}

// Error returns "mockpodio: status code: description".
func (e *APIError) Error() string {
	return fmt.Sprintf("mockpodio: %d %s: %s", e.StatusCode, e.Code, e.Description)
}

// Error codes and descriptions the mock uses. Where the reference marks a
// wording UNVERIFIED, the choice is made here and nowhere else.
const (
	codeNotFound     = "not_found"
	codeInvalidValue = "invalid_value"
	codeInvalidGrant = "invalid_grant"
	codeUnauthorized = "unauthorized"
	// codeExpiredToken is the "error" of an expired token's 401: the
	// body observed from Podio is "unauthorized" with error_description
	// "expired_token" (https://developers.podio.com/authentication).
	codeExpiredToken = codeUnauthorized
	codeForbidden    = "forbidden"
	codeConflict     = "conflict"     // UNVERIFIED string
	codeGone         = "gone"         // UNVERIFIED string
	codeRateLimit    = "rate_limit"   // UNVERIFIED string
	codeServerError  = "server_error" // UNVERIFIED string
	codeUnavailable  = "unavailable"  // UNVERIFIED string
	codeTooLarge     = "request_too_large"
	codeBadRequest   = "bad_request" // UNVERIFIED string

	descNoOperation = "No matching operation could be found. No body was given."
	descExpired     = "expired_token"
	descInvalid     = "invalid_token" // UNVERIFIED wording for an unknown token
)

func errorf(status int, code, format string, args ...any) *APIError {
	return &APIError{StatusCode: status, Code: code, Description: fmt.Sprintf(format, args...)}
}

func notFound(what string, id any) *APIError {
	return errorf(http.StatusNotFound, codeNotFound, "Object not found (%s %v)", what, id)
}

func invalid(format string, args ...any) *APIError {
	return errorf(http.StatusBadRequest, codeInvalidValue, format, args...)
}

// errorBody is Podio's error JSON.
type errorBody struct {
	ErrorParameters map[string]any `json:"error_parameters"`
	ErrorDetail     any            `json:"error_detail"`
	ErrorPropagate  bool           `json:"error_propagate"`
	Request         errorRequest   `json:"request"`
	Description     string         `json:"error_description"`
	Error           string         `json:"error"`
}

type errorRequest struct {
	URL         string `json:"url"`
	QueryString string `json:"query_string"`
	Method      string `json:"method"`
}

// writeError answers err in Podio's error shape. An error that is not an
// *APIError becomes a 500.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *APIError
	if !errors.As(err, &ae) {
		ae = errorf(http.StatusInternalServerError, codeServerError, "%v", err)
	}
	params := ae.Parameters
	if params == nil {
		params = map[string]any{}
	}
	body := errorBody{
		ErrorParameters: params,
		ErrorDetail:     ae.Detail,
		Request: errorRequest{
			URL:         "http://" + r.Host + r.URL.Path,
			QueryString: r.URL.RawQuery,
			Method:      r.Method,
		},
		Description: ae.Description,
		Error:       ae.Code,
	}
	if ae.StatusCode == http.StatusUnauthorized && ae.Description == descExpired {
		w.Header().Set("WWW-Authenticate", `Bearer realm="podio", error="expired_token"`)
	}
	writeJSON(w, ae.StatusCode, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"server_error","error_description":"encode response"}`)
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(b)
}

// jsonContentType is the Content-Type of every JSON answer, shared rather
// than allocated per answer: a header's values are replaced, never changed
// in place.
var jsonContentType = []string{"application/json; charset=utf-8"}
