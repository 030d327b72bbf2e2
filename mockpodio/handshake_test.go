package mockpodio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// receiver is a webhook receiver written the way Podio's docs say: it
// validates hook.verify from inside the request and records the rest.
type receiver struct {
	srv    *httptest.Server
	events chan url.Values
}

func newReceiver(t *testing.T, s *mockpodio.Server, token string) *receiver {
	t.Helper()
	rc := &receiver{events: make(chan url.Values, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("content type %q, want form", ct)
		}
		form := r.PostForm
		if form.Get("type") == "hook.verify" {
			path := "/hook/" + form.Get("hook_id") + "/verify/validate"
			body := fmt.Sprintf(`{"code":%q}`, form.Get("code"))
			req, _ := http.NewRequestWithContext(r.Context(), "POST", s.URL+path, stringsReader(body))
			req.Header.Set("Authorization", "OAuth2 "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("validate: %v", err)
				http.Error(w, err.Error(), 500)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusNoContent {
				t.Errorf("validate: status %d", res.StatusCode)
			}
		}
		rc.events <- form
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func TestHandshakeThenItemCreateDelivers(t *testing.T) {
	s := newServer(t)
	token := tokenFor(t, s, "42", "apptok")
	rc := newReceiver(t, s, token)

	res := do(t, s, token, "POST", "/hook/app/42/", map[string]string{"url": rc.srv.URL + "/podio?secret=s3", "type": "item.create"})
	if res.Status != 200 {
		t.Fatalf("create hook: %d %s", res.Status, res.Raw)
	}
	hookID := num(t, field(t, res.Body, "hook_id"))

	verify := <-rc.events
	if diff := cmp.Diff([]string{"hook.verify", strconv.FormatInt(hookID, 10), "s3"},
		[]string{verify.Get("type"), verify.Get("hook_id"), verify.Get("secret")}); diff != "" {
		t.Errorf("hook.verify params (-want +got):\n%s", diff)
	}
	if verify.Get("code") == "" {
		t.Error("hook.verify carries no code")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := s.AwaitHook(ctx, hookID, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
		t.Fatal(err)
	}
	list := do(t, s, token, "GET", "/hook/app/42", nil)
	if got := field(t, list.Body.([]any)[0], "status"); got != "active" {
		t.Errorf("listed status = %v, want active", got)
	}

	res = do(t, s, token, "POST", "/item/app/42/", map[string]any{"external_id": "bug-1", "fields": map[string]any{"title": "Crash"}})
	if res.Status != 200 {
		t.Fatalf("create item: %d %s", res.Status, res.Raw)
	}
	itemID := num(t, field(t, res.Body, "item_id"))
	revID := num(t, field(t, field(t, res.Body, "current_revision"), "item_revision_id"))

	got := <-rc.events
	want := url.Values{
		"type": {"item.create"}, "hook_id": {strconv.FormatInt(hookID, 10)},
		"item_id": {strconv.FormatInt(itemID, 10)}, "item_revision_id": {strconv.FormatInt(revID, 10)},
		"external_id": {"bug-1"}, "secret": {"s3"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item.create form (-want +got):\n%s", diff)
	}
}
