package mockpodio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// discardWriter is a ResponseWriter that keeps nothing but the status, so
// a benchmark counts the mock's own work and allocations.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

func serveRecorded(b *testing.B, s *mockpodio.Server, method, path, token, ctype, body string) *httptest.ResponseRecorder {
	b.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "OAuth2 "+token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkGetHooks serves GET /hook/app/{id}/ with three hooks through
// the handler, as a user's API client calls it: run with -benchmem for the
// allocations per GET.
func BenchmarkGetHooks(b *testing.B) {
	for _, logged := range []bool{false, true} {
		b.Run(fmt.Sprint("log=", logged), func(b *testing.B) {
			s := &mockpodio.Server{AllowAnyPort: true}
			if logged {
				s.Logf = func(format string, args ...any) { _ = fmt.Sprintf(format, args...) }
			}
			b.Cleanup(s.Close)
			rec := serveRecorded(b, s, "POST", "/oauth/token", "", "application/x-www-form-urlencoded",
				"grant_type=app&app_id=7&app_token=tok&client_id=cid&client_secret=csec")
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
				b.Fatalf("token: %d %s", rec.Code, rec.Body)
			}
			token := tok.AccessToken
			for i := range 3 {
				// Unverified hooks on a closed port: listed all the same.
				serveRecorded(b, s, "POST", "/hook/app/7/", token, "application/json",
					fmt.Sprintf(`{"url":"http://127.0.0.1:9/h%d","type":"item.create"}`, i))
			}
			req := httptest.NewRequest("GET", "/hook/app/7/", nil)
			req.Header.Set("Authorization", "OAuth2 "+token)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				s.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
