package httpguard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHostAllowed(t *testing.T) {
	tests := []struct {
		host  string
		names []string
		want  bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"10.0.0.5", nil, true},
		{"localhost:8080", nil, true},
		{"LOCALHOST.", nil, true},
		{"app.localhost:1", nil, true},
		{"", nil, true},
		{"evil.example", nil, false},
		{"evil.example:8080", nil, false},
		{"localhost.evil.example", nil, false},
		{"mock:8080", nil, false},
		{"mock:8080", []string{"mock"}, true},
		{"MOCK", []string{"mock:9000"}, true},
		{"other", []string{"mock"}, false},
	}
	for _, tt := range tests {
		if got := HostAllowed(tt.host, tt.names); got != tt.want {
			t.Errorf("HostAllowed(%q, %q) = %v, want %v", tt.host, tt.names, got, tt.want)
		}
	}
}

func TestCheckCrossSite(t *testing.T) {
	tests := []struct {
		name, method string
		header       map[string]string
		wantErr      bool
	}{
		{"API client", "POST", nil, false},
		{"GET from another site", "GET", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, false},
		{"cross-site fetch", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, true},
		{"same-site, other port", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, true},
		{"same origin", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, false},
		{"typed in", "POST", map[string]string{"Sec-Fetch-Site": "none"}, false},
		{"Origin of another site", "DELETE", map[string]string{"Origin": "http://evil.example"}, true},
		{"Origin null", "POST", map[string]string{"Origin": "null"}, true},
		{"Origin of this host", "POST", map[string]string{"Origin": "http://127.0.0.1:8080"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://127.0.0.1:8080/_mock/reset", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if err := CheckCrossSite(r); (err != nil) != tt.wantErr {
				t.Errorf("CheckCrossSite = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestServerLimits: every listener built with Server (the mock, the relay,
// the inspector) gets the header cap and the read and idle timeouts; the
// zero Limits means the package's defaults.
func TestServerLimits(t *testing.T) {
	h := http.NotFoundHandler()
	custom := Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: 3 * time.Second, MaxHeaderBytes: 4096}
	for _, tt := range []struct {
		name string
		in   Limits
		want Limits
	}{
		{"defaults", Limits{}, Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}},
		{"custom", custom, custom},
	} {
		s := Server(h, tt.in)
		got := Limits{ReadHeaderTimeout: s.ReadHeaderTimeout, ReadTimeout: s.ReadTimeout, IdleTimeout: s.IdleTimeout, MaxHeaderBytes: s.MaxHeaderBytes}
		if got != tt.want {
			t.Errorf("%s: server limits %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
