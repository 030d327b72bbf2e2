package relay

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// benchBody is a typical Podio delivery.
const benchBody = "type=item.create&hook_id=123456&item_id=2345678901&item_revision_id=4358664400&external_id="

// benchTransport keeps connections alive between iterations.
func benchTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// startBenchApp starts a loopback app that reads the body and answers 200.
func startBenchApp(b *testing.B) *httptest.Server {
	b.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			b.Errorf("local app: read body: %v", err)
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}))
	b.Cleanup(app.Close)
	return app
}

// benchPost posts benchBody to u and returns the round-trip time.
func benchPost(b *testing.B, client *http.Client, u string) time.Duration {
	start := time.Now()
	resp, err := client.Post(u, formType, strings.NewReader(benchBody))
	if err != nil {
		b.Fatalf("POST %s: %v", u, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatalf("POST %s: read body: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("POST %s: status %d, want 200", u, resp.StatusCode)
	}
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// benchFront measures b.N sequential deliveries through front (a URL in
// front of app), reporting the p50 round trip and the p50 latency it adds to
// a direct round trip to app, measured the same number of times beforehand.
func benchFront(b *testing.B, app *httptest.Server, appURL, frontURL string) {
	client := &http.Client{Transport: benchTransport()}
	b.Cleanup(client.CloseIdleConnections)

	direct := make([]time.Duration, b.N)
	for i := range direct {
		direct[i] = benchPost(b, client, appURL)
	}
	benchPost(b, client, frontURL) // open the keep-alive connections
	through := make([]time.Duration, b.N)

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		through[i] = benchPost(b, client, frontURL)
	}
	b.StopTimer()

	p50, p50Direct := median(through), median(direct)
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(p50Direct.Nanoseconds()), "p50-direct-ns")
	b.ReportMetric(float64((p50 - p50Direct).Nanoseconds()), "p50-added-ns")
}

// BenchmarkRelayForward posts a typical Podio delivery through the relay to
// a loopback app that answers 200.
func BenchmarkRelayForward(b *testing.B) {
	app := startBenchApp(b)
	target, err := url.Parse(app.URL + "/podio/hook")
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	h, err := New(Config{
		Secret:  testSecret,
		Target:  target,
		OnEvent: func(deliverylog.Record) { events++ }, // as `devhook up` would, minus printing
	})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	front := httptest.NewServer(h)
	b.Cleanup(func() {
		front.Close()
		h.Close()
	})
	benchFront(b, app, target.String(), front.URL+"/"+testSecret)
	if events == 0 {
		b.Error("relay reported no events")
	}
}

// BenchmarkReverseProxyBaseline is BenchmarkRelayForward through
// httputil.NewSingleHostReverseProxy instead of the relay.
func BenchmarkReverseProxyBaseline(b *testing.B) {
	app := startBenchApp(b)
	target, err := url.Parse(app.URL + "/podio/hook")
	if err != nil {
		b.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	transport := benchTransport()
	proxy.Transport = transport
	front := httptest.NewServer(proxy)
	b.Cleanup(func() {
		front.Close()
		transport.CloseIdleConnections()
	})
	benchFront(b, app, target.String(), front.URL)
}
