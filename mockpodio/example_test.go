package mockpodio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// A webhook receiver tested against the mock: the mock verifies the hook
// through the receiver, then an item created through the API reaches it.
func Example() {
	podio, err := mockpodio.NewServer()
	if err != nil {
		panic(err)
	}
	defer podio.Close()

	// Sign in as an app (the mock accepts any app and client).
	res, err := http.PostForm(podio.URL+"/oauth/token", url.Values{
		"grant_type": {"app"}, "app_id": {"42"}, "app_token": {"secret"},
		"client_id": {"my-client"}, "client_secret": {"my-secret"},
	})
	if err != nil {
		panic(err)
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	decode(res, &token)
	call := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, podio.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "OAuth2 "+token.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		return res
	}

	// The receiver under test: it answers hook.verify by validating the
	// code, as Podio's documentation says, and handles item.create.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.PostForm.Get("type") {
		case "hook.verify":
			call("POST", "/hook/"+r.PostForm.Get("hook_id")+"/verify/validate",
				`{"code":"`+r.PostForm.Get("code")+`"}`).Body.Close()
		case "item.create":
			fmt.Println("received item.create for external_id", r.PostForm.Get("external_id"))
		}
	}))
	defer receiver.Close()

	var hook struct {
		HookID int64 `json:"hook_id"`
	}
	decode(call("POST", "/hook/app/42/", `{"url":"`+receiver.URL+`","type":"item.create"}`), &hook)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := podio.AwaitHook(ctx, hook.HookID, func(h mockpodio.Hook) bool { return h.Status == "active" })
	if err != nil {
		panic(err)
	}
	fmt.Println("hook status:", h.Status)

	call("POST", "/item/app/42/", `{"external_id":"bug-1","fields":{"title":"It crashes"}}`).Body.Close()
	d, err := podio.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.Type == "item.create" })
	if err != nil {
		panic(err)
	}
	fmt.Println("delivery:", d.Outcome, d.StatusCode)
	// Output:
	// hook status: active
	// received item.create for external_id bug-1
	// delivery: delivered 200
}

// A manual clock moves a hook through a 15-minute suspension at once.
func ExampleManualClock() {
	clock := mockpodio.NewManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	podio, err := mockpodio.NewUnstartedServer()
	if err != nil {
		panic(err)
	}
	podio.Clock = clock
	if err := podio.Start(); err != nil {
		panic(err)
	}
	defer podio.Close()

	fmt.Println("now:", clock.Now().Format("15:04"))
	podio.Advance(15 * time.Minute)
	fmt.Println("now:", clock.Now().Format("15:04"))
	// Output:
	// now: 10:00
	// now: 10:15
}

func decode(res *http.Response, v any) {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := jsonUnmarshal(b, v); err != nil {
		panic(fmt.Sprintf("decode %s: %v", b, err))
	}
}
