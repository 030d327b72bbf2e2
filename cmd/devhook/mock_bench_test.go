package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/asyncwriter"
	"github.com/devhookhq/devhook/internal/deliverylog"
)

// BenchmarkMockDelivery measures what one item costs `devhook mock` set
// up as runMock sets it up (its log on, the delivery log and the
// inspector on): 16 workers create items through the API on keep-alive
// connections, and each item is delivered to one hook whose receiver
// counts. An op is one item created and delivered. The allocations count
// the in-process client and receiver too, the same for every build: the
// difference between two builds is the mock's. scripts/bench measures the
// built binary with every party in a process of its own.
func BenchmarkMockDelivery(b *testing.B) {
	for _, k := range []int{0, 1} {
		b.Run(fmt.Sprintf("hook-concurrency=%d", k), func(b *testing.B) {
			benchmarkMockDelivery(b, k)
		})
	}
}

func benchmarkMockDelivery(b *testing.B, k int) {
	b.Setenv(deliverylog.StateDirEnv, b.TempDir())
	out := asyncwriter.New(io.Discard, 0)
	opts := mockOptions{allowAnyPort: true, inspect: "127.0.0.1:0", hookConcurrency: k}
	s, err := newMockServer(opts, out)
	if err != nil {
		b.Fatal(err)
	}
	f := openMockFeed(s, opts, io.Discard)
	if err := s.StartOn("127.0.0.1:0", "addr", false, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.Close()
		f.Close()
		out.Close()
	})
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	tok, err := s.Token(ctx)
	if err != nil {
		b.Fatal(err)
	}
	app := s.Seed.Apps[0].AppID

	var (
		mu      sync.Mutex
		counted int
		reached = make(chan struct{})
		want    = -1 // closes reached once counted gets there
	)
	api := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}}
	b.Cleanup(api.CloseIdleConnections)
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("type") == "hook.verify" {
			if err := call(api, s.URL, tok, "POST", "/hook/"+r.PostForm.Get("hook_id")+"/verify/validate",
				`{"code":`+strconv.Quote(r.PostForm.Get("code"))+`}`); err != nil {
				b.Error(err)
			}
			return
		}
		mu.Lock()
		counted++
		if counted == want {
			close(reached)
		}
		mu.Unlock()
	}))
	b.Cleanup(rs.Close)
	if err := call(api, s.URL, tok, "POST", "/hook/app/"+strconv.FormatInt(app, 10)+"/",
		`{"url":`+strconv.Quote(rs.URL)+`,"type":"item.create"}`); err != nil {
		b.Fatal(err)
	}
	if err := s.AwaitDeliveries(ctx, 1); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.ResetTimer()
	mu.Lock()
	want = counted + b.N
	mu.Unlock()
	var next atomic.Int64
	var wg sync.WaitGroup
	path := "/item/app/" + strconv.FormatInt(app, 10) + "/"
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := call(api, s.URL, tok, "POST", path, `{"fields":{"title":"bench `+strconv.FormatInt(i, 10)+`"}}`); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-reached:
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		b.Fatalf("receiver counted %d deliveries, want %d", counted, want)
	}
	b.StopTimer()
}

// call makes one API call and fails on any answer but 2xx.
func call(c *http.Client, base, tok, method, path, body string) error {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth2 "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return nil
}
