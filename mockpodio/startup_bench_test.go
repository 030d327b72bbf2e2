package mockpodio_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/devhookhq/devhook/mockpodio"
)

// BenchmarkServerStartClose starts an in-process mock on a loopback port
// and closes it, as every test that uses one does.
func BenchmarkServerStartClose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := mockpodio.NewServer()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkHTTPTestStartClose is what BenchmarkServerStartClose is
// measured against: httptest.NewServer and Close with a trivial handler.
func BenchmarkHTTPTestStartClose(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	b.ReportAllocs()
	for b.Loop() {
		s := httptest.NewServer(h)
		s.Close()
	}
}
