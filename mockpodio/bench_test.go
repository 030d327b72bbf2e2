package mockpodio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// benchReceiver is a loopback webhook receiver that validates hook.verify
// with token (none if empty) and answers every event 204, as a receiver
// that hands work off at once would.
func benchReceiver(tb testing.TB, s *mockpodio.Server, token string) *httptest.Server {
	tb.Helper()
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("type") == "hook.verify" {
			res, err := benchCall(s, token, "POST", "/hook/"+r.PostForm.Get("hook_id")+"/verify/validate",
				fmt.Sprintf(`{"code":%q}`, r.PostForm.Get("code")))
			if err != nil || res.StatusCode != http.StatusNoContent {
				tb.Errorf("validate: %v %v", res, err)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	tb.Cleanup(rs.Close)
	return rs
}

// benchCall makes one API call and closes its body.
func benchCall(s *mockpodio.Server, token, method, path, body string) (*http.Response, error) {
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "OAuth2 "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// benchServer starts a mock with hooks active item.create hooks on app 7,
// each with its own receiver.
func benchServer(b *testing.B, hooks int) *mockpodio.Server {
	b.Helper()
	s, err := mockpodio.NewServer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	res, err := http.PostForm(s.URL+"/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {"7"}, "app_token": {"tok"},
		"client_id": {"cid"}, "client_secret": {"csec"}})
	if err != nil {
		b.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Context(), awaitTimeout)
	defer cancel()
	for range hooks {
		rs := benchReceiver(b, s, tok.AccessToken)
		req, err := http.NewRequest("POST", s.URL+"/hook/app/7/", strings.NewReader(fmt.Sprintf(`{"url":%q,"type":"item.create"}`, rs.URL)))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "OAuth2 "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var hook struct {
			HookID int64 `json:"hook_id"`
		}
		err = json.NewDecoder(res.Body).Decode(&hook)
		res.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.AwaitHook(ctx, hook.HookID, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.AwaitDeliveries(ctx, hooks); err != nil {
		b.Fatal(err)
	}
	return s
}

// fireAndAwait fires n item.create events on app 7 and waits until want
// more deliveries are recorded.
func fireAndAwait(b *testing.B, s *mockpodio.Server, n, want int) {
	b.Helper()
	base := int(s.Stats().Deliveries)
	for range n {
		if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	if err := s.AwaitDeliveries(ctx, base+want); err != nil {
		b.Fatal(err)
	}
}

func benchmarkDelivery(b *testing.B, hooks int) {
	s := benchServer(b, hooks)
	fireAndAwait(b, s, 10, 10*hooks) // warm the connections
	b.ReportAllocs()
	b.ResetTimer()
	fireAndAwait(b, s, b.N, b.N*hooks)
	b.StopTimer()
	if st := s.Stats(); st.Outcomes[mockpodio.OutcomeDelivered] != int(st.Deliveries) {
		b.Fatalf("not every delivery was delivered: %+v", st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N*hooks)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkDeliveryThroughput fires b.N events at one active hook whose
// loopback receiver answers 204, and waits until all are recorded.
func BenchmarkDeliveryThroughput(b *testing.B) { benchmarkDelivery(b, 1) }

// BenchmarkDeliveryThroughput10Hooks fires b.N events at ten active hooks,
// each with its own receiver.
func BenchmarkDeliveryThroughput10Hooks(b *testing.B) { benchmarkDelivery(b, 10) }

// BenchmarkPlainPOSTBaseline is what BenchmarkDeliveryThroughput is
// measured against: b.N form POSTs of the same body, one after the other
// from one goroutine, to the same kind of receiver, over keep-alive.
func BenchmarkPlainPOSTBaseline(b *testing.B) {
	s := benchServer(b, 1)
	fireAndAwait(b, s, 1, 1)
	ds := s.Deliveries()
	body := ds[len(ds)-1].Body
	rs := benchReceiver(b, s, "")
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(client.CloseIdleConnections)
	post := func() {
		req, err := http.NewRequest("POST", rs.URL, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	for range 10 {
		post()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		post()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
