package mockpodio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// The delivery policy of the hardening issue, items 8 and 9: no redirect
// is followed, the timeout covers the whole exchange, and a hook URL cannot
// point at the mock itself. The policy itself is tested in
// internal/formpost; these tests pin what it means for the mock.

// TestRedirectToTheControlAPIIsNotFollowed: a receiver that answers 307
// to /_mock/reset used to have the mock re-post the event there and wipe
// itself. The 307 is the receiver's answer: a failed delivery, recorded
// with its Location, and the mock keeps its state.
func TestRedirectToTheControlAPIIsNotFollowed(t *testing.T) {
	s, _, token := manualServer(t)
	reset := s.URL + "/_mock/reset"
	rs := verifyingReceiver(t, s, token, redirectTo(reset, http.StatusTemporaryRedirect))
	hookID := activeHook(t, s, token, "app", 7, rs.URL, "item.create")

	d := fire(t, s, 7, "x")
	if d.Outcome != mockpodio.OutcomeFailed || d.StatusCode != 307 || d.Location != reset {
		t.Errorf("delivery = %s %d Location %q, want failed 307 Location %q", d.Outcome, d.StatusCode, d.Location, reset)
	}
	if want := "answered 307, not 2xx (a redirect to " + reset + ", not followed)"; d.Error != want {
		t.Errorf("error = %q, want %q", d.Error, want)
	}
	if _, ok := s.Hook(hookID); !ok {
		t.Error("the hook is gone: the mock was reset")
	}
	if ds := s.Deliveries(); len(ds) != 2 {
		t.Errorf("deliveries = %+v, want the hook.verify and the event still recorded", ds)
	}
}

// TestRedirectIsNotResentAsGet: 301, 302 and 303 used to be resent as a
// GET to the Location and recorded "delivered 200".
func TestRedirectIsNotResentAsGet(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			s, _, token := manualServer(t)
			var landed atomic.Int32
			redirect := redirectTo("/landing", code)
			rs := verifyingReceiver(t, s, token, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/landing" {
					landed.Add(1)
					return // 200
				}
				redirect(w, r)
			})
			activeHook(t, s, token, "app", 7, rs.URL+"/hook", "item.create")
			d := fire(t, s, 7, "x")
			if d.Outcome != mockpodio.OutcomeFailed || d.StatusCode != code || d.Location != "/landing" {
				t.Errorf("delivery = %s %d Location %q, want failed %d Location /landing", d.Outcome, d.StatusCode, d.Location, code)
			}
			if n := landed.Load(); n != 0 {
				t.Errorf("the redirect was followed %d times", n)
			}
			if h, _ := s.Hook(d.HookID); h.ConsecutiveFailures != 1 {
				t.Errorf("consecutive failures = %d, want 1: a redirect counts against the hook", h.ConsecutiveFailures)
			}
		})
	}
}

// verifyingReceiver is a receiver that validates hook.verify, as
// statusReceiver does, and hands every other request to events.
func verifyingReceiver(t *testing.T, s *mockpodio.Server, token string, events http.HandlerFunc) *httptest.Server {
	t.Helper()
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && r.PostForm.Get("type") == "hook.verify" {
			validate(t, s, token, r.PostForm.Get("hook_id"), r.PostForm.Get("code"))
			return
		}
		events(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// redirectTo answers with a redirect to location.
func redirectTo(location string, code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", location)
		w.WriteHeader(code)
	}
}

// TestStalledBodyFailsAtTheTimeout: a receiver that sent its status and
// headers, then stalled, used to be recorded "delivered" whenever it let
// go (after 40 s in the report), with the hook's queue waiting behind it.
// The timeout covers reading the answer.
func TestStalledBodyFailsAtTheTimeout(t *testing.T) {
	s := newServer(t, func(s *mockpodio.Server) { s.DeliveryTimeout = 300 * time.Millisecond })
	token := tokenFor(t, s, "7", "tok")
	release := make(chan struct{})
	rs := verifyingReceiver(t, s, token, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		fmt.Fprint(w, "partial")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the receiver closes
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	d := fire(t, s, 7, "stall")
	if d.Outcome != mockpodio.OutcomeFailed || !strings.HasPrefix(d.Error, "timeout") {
		t.Errorf("delivery = %s %q, want failed with a timeout", d.Outcome, d.Error)
	}
}

// TestHookURLAtTheMockItselfIsRefused: the mock would deliver to its own
// API (the control routes included), so such a hook URL is refused at
// create, in Podio's error shape, and no hook is stored.
func TestHookURLAtTheMockItselfIsRefused(t *testing.T) {
	s, _, token := manualServer(t)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	for _, hookURL := range []string{
		s.URL + "/_mock/reset",
		"http://localhost:" + port + "/hook",
		"http://LOCALHOST:" + port + "/hook",
		"http://127.0.0.2:" + port + "/hook",
		"http://[::1]:" + port + "/hook",
		"https://127.0.0.1:" + port + "/hook",
	} {
		res := do(t, s, token, "POST", "/hook/app/7/", map[string]string{"url": hookURL, "type": "item.create"})
		if res.Status != http.StatusBadRequest || errCode(res) != "invalid_value" || !strings.Contains(res.Raw, "points at this mock") {
			t.Errorf("create hook %s: %d %s, want 400 invalid_value: points at this mock", hookURL, res.Status, res.Raw)
		}
	}
	if hooks := s.Hooks(); len(hooks) != 0 {
		t.Errorf("hooks = %+v, want none stored", hooks)
	}
	// Another port on the same host is another server.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	other := statusReceiver(t, s, token, func(*http.Request) int { return 200 })
	id := activeHook(t, s, token, "app", 7, other.URL, "item.create")
	if _, err := s.AwaitHook(ctx, id, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
		t.Error(err)
	}
}
