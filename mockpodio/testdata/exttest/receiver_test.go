// Package exttest is a module of its own that tests a webhook receiver
// against mockpodio through its exported API only, as a user's module
// would (mockpodio's TestExternalModule runs it).
package exttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// newApp is the receiver under test: it validates hook.verify with the
// token it is given and counts item.create events by item id.
func newApp(t *testing.T, podio *mockpodio.Server, token string) (*httptest.Server, func() map[string]int) {
	var mu sync.Mutex
	seen := map[string]int{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch r.PostForm.Get("type") {
		case "hook.verify":
			body := `{"code":"` + r.PostForm.Get("code") + `"}`
			req, _ := http.NewRequestWithContext(r.Context(), "POST", podio.URL+"/hook/"+r.PostForm.Get("hook_id")+"/verify/validate", stringsReader(body))
			req.Header.Set("Authorization", "OAuth2 "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := podio.Client().Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			res.Body.Close()
		case "item.create":
			mu.Lock()
			seen[r.PostForm.Get("item_id")]++
			mu.Unlock()
		}
	}))
	t.Cleanup(app.Close)
	return app, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

func TestAppCountsItemsOnce(t *testing.T) {
	podio := mockpodio.NewTestServer(t, mockpodio.WithStrict())
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	token, err := podio.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	app, seen := newApp(t, podio, token)

	// The app's hook, registered through the API as the app would.
	req, _ := http.NewRequestWithContext(ctx, "POST", podio.URL+"/hook/app/"+strconv.Itoa(mockpodio.DefaultAppID)+"/",
		stringsReader(`{"url":"`+app.URL+`","type":"item.create"}`))
	req.Header.Set("Authorization", "OAuth2 "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := podio.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create hook: %d", res.StatusCode)
	}
	hooks := podio.Hooks()
	if len(hooks) != 1 {
		t.Fatalf("%d hooks", len(hooks))
	}
	if _, err := podio.AwaitHook(ctx, hooks[0].HookID, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
		t.Fatal(err)
	}

	id, err := podio.CreateItem(ctx, mockpodio.DefaultAppID, "", map[string]any{"title": "external"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := podio.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.Type == "item.create" })
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != mockpodio.OutcomeDelivered {
		t.Fatalf("delivery: %s %s", d.Outcome, d.Error)
	}
	if got := seen()[strconv.FormatInt(id, 10)]; got != 1 {
		t.Errorf("the app saw item %d %d times, want 1", id, got)
	}
}

// The kit's receiver, steering and control client, from outside.
func TestKitFromOutside(t *testing.T) {
	clock := mockpodio.NewManualClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	podio := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
	rcv := mockpodio.NewReceiver(t, podio)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	h, err := podio.CreateHook(ctx, mockpodio.SpaceRef(mockpodio.DefaultSpaceID), "app.create", rcv)
	if err != nil {
		t.Fatal(err)
	}
	rcv.Respond(mockpodio.Response{Status: 503})
	cc := &mockpodio.ControlClient{URL: podio.URL, HTTPClient: podio.Client()}
	if _, err := cc.FireEvent(ctx, mockpodio.SpaceRef(mockpodio.DefaultSpaceID), "app.create", nil); err != nil {
		t.Fatal(err)
	}
	d, err := cc.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.HookID == h.HookID && d.Type == "app.create" })
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != mockpodio.OutcomeFailed || d.StatusCode != 503 {
		t.Errorf("delivery = %s %d, want failed 503", d.Outcome, d.StatusCode)
	}
	if st, err := cc.Advance(ctx, time.Hour); err != nil || st.Now.Hour() != 10 {
		t.Errorf("Advance: %+v %v", st, err)
	}
}
