package fakeedge_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/devhookhq/devhook/internal/fakeedge"
	"github.com/devhookhq/devhook/tunnel"
)

func Example() {
	edge := fakeedge.NewUnstartedServer()
	edge.Authtoken = "secret"
	if err := edge.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer edge.Close()

	tun, err := tunnel.ListenNgrok(context.Background(), tunnel.NgrokOptions{
		Authtoken:  "secret",
		Domain:     "hooks.example.test",
		ConnectURL: edge.Addr,
		ConnectCAs: edge.CAs,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tun.Close()
	go http.Serve(tun, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
	}))

	resp, err := edge.Client().Post(tun.URL()+"/hook", "text/plain", strings.NewReader("type=item.create"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tun.URL())
	fmt.Println(edge.URLs())
	fmt.Println(string(body))
	// Output:
	// https://hooks.example.test
	// [https://hooks.example.test]
	// POST /hook type=item.create
}
