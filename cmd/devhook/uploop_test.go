package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// mockToken signs in to the embedded mock at mock as the default seed's
// first app.
func mockToken(t *testing.T, mock string) string {
	t.Helper()
	seed, err := mockpodio.ParseSeed(fixtures.DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"app"}, "app_id": {fmt.Sprint(seed.Apps[0].AppID)}, "app_token": {seed.Apps[0].AppToken},
		"client_id": {seed.Clients[0].ClientID}, "client_secret": {seed.Clients[0].ClientSecret}}
	res, err := http.PostForm(mock+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("sign in to the mock: %d %v", res.StatusCode, err)
	}
	return out.AccessToken
}

// callMock calls the embedded mock's API with tok and returns the status
// and body.
func callMock(mock, tok, method, path, body string) (int, string, error) {
	req, err := http.NewRequest(method, mock+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "OAuth2 "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// TestUpMockLoopWarning: an app that, while handling item.create for an
// item, updates that item without hook=false. The embedded mock sees the
// write arrive while the delivery is open, and up --mock warns once, with
// Podio's advice, on stderr; stdout stays JSON. An app that passes
// hook=false gets no warning.
func TestUpMockLoopWarning(t *testing.T) {
	for _, tt := range []struct {
		name  string
		query string
		warn  bool
	}{
		{name: "without hook=false", warn: true},
		{name: "with hook=false", query: "?hook=false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				mock     string
				tok      string
				writeErr []string
			)
			wrote := make(chan struct{}, 10)
			item := regexp.MustCompile(`(?:^|&)item_id=(\d+)`)
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				m := item.FindStringSubmatch(string(b))
				if m == nil || !strings.Contains(string(b), "type=item.create") {
					return
				}
				mu.Lock()
				mock, tok := mock, tok
				mu.Unlock()
				// Two writes while the delivery is open: one warning.
				for range 2 {
					if code, body, err := callMock(mock, tok, http.MethodPut, "/item/"+m[1]+tt.query, `{"fields":{"title":"touched"}}`); err != nil || code/100 != 2 {
						mu.Lock()
						writeErr = append(writeErr, fmt.Sprintf("%d %s %v", code, body, err))
						mu.Unlock()
					}
				}
				wrote <- struct{}{}
			}))
			t.Cleanup(app.Close)
			u := startJSONUp(t, "--forward-to", app.URL+"/hook")
			m := u.ready(t)
			mu.Lock()
			mock, tok = m, mockToken(t, m)
			mu.Unlock()

			code, body, err := callMock(m, tok, http.MethodPost, "/item/app/3001/", `{"fields":{"title":"loop"}}`)
			if err != nil || code != 200 {
				t.Fatalf("create item: %d %s %v", code, body, err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			select {
			case <-wrote:
			case <-ctx.Done():
				t.Fatal("the app got no item.create")
			}
			u.await(t, "the item.create delivery line", func() bool { return len(u.lines("delivery", "type", "item.create")) == 1 })
			warning := regexp.MustCompile(`^devhook: warning: the mock saw a hook loop: PUT /item/\d+ without hook=false arrived while the delivery of item\.create about item_id=\d+ to hook \d+ was still open; .*Pass hook=false on the writes your handler makes \(Podio's advice\)$`)
			if c := u.interrupt(t); c != 0 {
				t.Errorf("exit code %d", c)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(writeErr) > 0 {
				t.Fatalf("the app's writes failed: %q", writeErr)
			}
			n := 0
			for _, l := range u.errs {
				if strings.Contains(l, "hook loop") {
					n++
					if !warning.MatchString(l) {
						t.Errorf("warning %q does not match %s", l, warning)
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.warn]; n != want {
				t.Errorf("%d loop warnings, want %d; stderr:\n%s", n, want, strings.Join(u.errs, "\n"))
			}
			if len(u.bad) > 0 {
				t.Errorf("stdout has lines that are not JSON: %q", u.bad)
			}
		})
	}
}
