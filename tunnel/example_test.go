package tunnel_test

import (
	"errors"
	"fmt"

	"github.com/devhookhq/devhook/tunnel"
)

func ExampleListenStatic() {
	tun, err := tunnel.ListenStatic("127.0.0.1:0", "https://abc.trycloudflare.com/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tun.Close()
	fmt.Println(tun.URL())

	_, err = tunnel.ListenStatic("127.0.0.1:0", "ftp://example.com")
	fmt.Println(errors.Is(err, tunnel.ErrInvalidPublicURL))
	fmt.Println(err)
	// Output:
	// https://abc.trycloudflare.com
	// true
	// public url "ftp://example.com": scheme must be http or https: tunnel: invalid public url
}
