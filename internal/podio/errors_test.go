package podio

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrors(t *testing.T) {
	const base = "BASE" // stands for the fake's URL
	tests := []struct {
		name     string
		reply    reply
		wantErrs []error // every one must match with errors.Is
		notErrs  []error // none may match
		want     *Error
	}{
		{
			name: "400 invalid_value",
			reply: jsonReply(http.StatusBadRequest, `{"error_parameters":{"field":"status"},"error_detail":{"x":1},"error_propagate":true,`+
				`"request":{"url":"http://api.podio.com/item/app/42/","query_string":"hook=false","method":"POST"},`+
				`"error_description":"Invalid value [175878, 1, 1] (array): must be object","error":"invalid_value"}`),
			wantErrs: []error{ErrBadRequest},
			notErrs:  []error{ErrInvalidGrant, ErrNotFound, ErrUnauthorized},
			want: &Error{
				StatusCode:  400,
				Code:        "invalid_value",
				Description: "Invalid value [175878, 1, 1] (array): must be object",
				Detail:      map[string]any{"x": float64(1)},
				Parameters:  map[string]any{"field": "status"},
				Propagate:   true,
				Request:     ErrorRequest{URL: "http://api.podio.com/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "error_parameters as an empty list",
			reply:    jsonReply(http.StatusBadRequest, `{"error":"invalid_value","error_description":"bad","error_parameters":[],"error_propagate":true}`),
			wantErrs: []error{ErrBadRequest},
			want: &Error{
				StatusCode: 400, Code: "invalid_value", Description: "bad", Propagate: true,
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "403 forbidden",
			reply:    jsonReply(http.StatusForbidden, `{"error":"forbidden","error_description":"No access"}`),
			wantErrs: []error{ErrForbidden},
			want: &Error{
				StatusCode: 403, Code: "forbidden", Description: "No access",
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "404 not_found",
			reply:    jsonReply(http.StatusNotFound, `{"error":"not_found","error_description":"Object not found","error_detail":null,"error_parameters":{},"error_propagate":false}`),
			wantErrs: []error{ErrNotFound},
			notErrs:  []error{ErrBadRequest, ErrServer},
			want: &Error{
				StatusCode: 404, Code: "not_found", Description: "Object not found", Parameters: map[string]any{},
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "409 conflict",
			reply:    jsonReply(http.StatusConflict, `{"error":"conflict","error_description":"revision"}`),
			wantErrs: []error{ErrConflict},
			want: &Error{
				StatusCode: 409, Code: "conflict", Description: "revision",
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "410 gone",
			reply:    jsonReply(http.StatusGone, `{"error":"gone","error_description":"Item has been deleted"}`),
			wantErrs: []error{ErrGone},
			want: &Error{
				StatusCode: 410, Code: "gone", Description: "Item has been deleted",
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "420 rate limited",
			reply:    jsonReply(StatusRateLimited, `{"error":"rate_limit","error_description":"You have hit the rate limit"}`),
			wantErrs: []error{ErrRateLimited},
			notErrs:  []error{ErrServer, ErrBadRequest},
			want: &Error{
				StatusCode: 420, Code: "rate_limit", Description: "You have hit the rate limit",
				Request: ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "429 counts as rate limited",
			reply:    reply{status: http.StatusTooManyRequests},
			wantErrs: []error{ErrRateLimited},
			want: &Error{
				StatusCode: 429,
				Request:    ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name: "502 HTML from a proxy",
			reply: reply{
				status: http.StatusBadGateway,
				header: map[string]string{"Content-Type": "text/html"},
				body:   "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + strings.Repeat("x", 500) + "</body></html>",
			},
			wantErrs: []error{ErrServer},
			notErrs:  []error{ErrRateLimited},
			want: &Error{
				StatusCode: 502,
				Body:       "<html> <head><title>502 Bad Gateway</title></head> <body>" + strings.Repeat("x", 200-len("<html> <head><title>502 Bad Gateway</title></head> <body>")) + "…",
				Request:    ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "500 with an empty body",
			reply:    reply{status: http.StatusInternalServerError},
			wantErrs: []error{ErrServer},
			want: &Error{
				StatusCode: 500,
				Request:    ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
		{
			name:     "JSON that is not a Podio error",
			reply:    jsonReply(http.StatusServiceUnavailable, `{"message":"down"}`),
			wantErrs: []error{ErrServer},
			want: &Error{
				StatusCode: 503,
				Body:       `{"message":"down"}`,
				Request:    ErrorRequest{URL: base + "/item/app/42/", QueryString: "hook=false", Method: "POST"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := authed(t, tt.reply)
			_, err := c.CreateItem(t.Context(), 42, map[string]any{"title": "x"}, WriteOptions{NoHook: true})
			for _, target := range tt.wantErrs {
				if !errors.Is(err, target) {
					t.Errorf("CreateItem() = %v, want it to match %v", err, target)
				}
			}
			for _, target := range tt.notErrs {
				if errors.Is(err, target) {
					t.Errorf("CreateItem() = %v, want it not to match %v", err, target)
				}
			}
			got, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("CreateItem() = %v, want an *Error", err)
			}
			// The client reports the request it sent when Podio did not
			// report one; the fake's address is known only now.
			want := *tt.want
			want.Request.URL = strings.Replace(want.Request.URL, base, c.BaseURL, 1)
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("*Error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{StatusCode: 400, Code: "invalid_value", Description: "must be object"}, "podio: 400 invalid_value: must be object"},
		{&Error{StatusCode: 404, Code: "not_found"}, "podio: 404 not_found"},
		{&Error{StatusCode: 502, Body: "<html>bad gateway</html>"}, "podio: 502: <html>bad gateway</html>"},
		{&Error{StatusCode: 500}, "podio: 500 internal server error"},
		{&Error{StatusCode: 420}, "podio: 420"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("(%#v).Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestErrorIsWrapped(t *testing.T) {
	c, _ := authed(t, jsonReply(http.StatusNotFound, `{"error":"not_found","error_description":"Object not found"}`))
	err := c.DeleteHook(t.Context(), 7)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("DeleteHook() = %v, want %v", err, ErrNotFound)
	}
	if _, ok := errors.AsType[*Error](errors.Unwrap(err)); !ok || errors.Unwrap(err) == nil {
		t.Errorf("DeleteHook() = %#v, want a wrapped *Error", err)
	}
}

func TestRateLimit(t *testing.T) {
	rl := func(r reply, limit, remaining string) reply {
		h := map[string]string{"X-Rate-Limit-Limit": limit, "X-Rate-Limit-Remaining": remaining}
		for k, v := range r.header {
			h[k] = v
		}
		r.header = h
		return r
	}
	c, _ := authed(t,
		rl(jsonReply(http.StatusOK, `{"item_id":1}`), "1000", "998"),
		jsonReply(http.StatusOK, `{"item_id":1}`), // no headers: keep the last values
		rl(jsonReply(StatusRateLimited, `{"error":"rate_limit","error_description":"over"}`), "250", "0"),
	)
	type limits struct{ Limit, Remaining int }
	var got []limits
	for range 3 {
		c.GetItem(t.Context(), 1)
		l, r := c.RateLimit()
		got = append(got, limits{l, r})
	}
	want := []limits{{1000, 998}, {1000, 998}, {250, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RateLimit() after each call (-want +got):\n%s", diff)
	}
}
