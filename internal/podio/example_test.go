package podio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/devhookhq/devhook/internal/podio"
)

// podioStub answers the token request and one create-hook call, the way
// Podio does.
func podioStub() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"access_token":"a1","token_type":"bearer","expires_in":28800,"refresh_token":"r1","ref":{"type":"app","id":42}}`)
	})
	mux.HandleFunc("POST /hook/app/42/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"hook_id":7}`)
	})
	mux.HandleFunc("DELETE /hook/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not_found","error_description":"Object not found"}`)
	})
	return httptest.NewServer(mux)
}

func Example() {
	srv := podioStub()
	defer srv.Close()
	ctx := context.Background()

	c := &podio.Client{BaseURL: srv.URL}
	creds := podio.Credentials{
		ClientID:     "devhook",
		ClientSecret: podio.NewSecret("s3cr3t"),
		AppID:        42,
		AppToken:     podio.NewSecret("app-token"),
	}
	if err := c.Authenticate(ctx, creds); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("authenticated with %v\n", creds)

	id, err := c.CreateHook(ctx, "app", 42, "https://example.com/hook", "item.create")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created hook", id)

	err = c.DeleteHook(ctx, 99)
	fmt.Println(errors.Is(err, podio.ErrNotFound), err)
	// Output:
	// authenticated with {ClientID:devhook ClientSecret:[redacted] AppID:42 AppToken:[redacted] Username: Password:}
	// created hook 7
	// true delete hook 99: podio: 404 not_found: Object not found
}
