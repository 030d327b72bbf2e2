package tunnel_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/tunnel"
)

// serve serves tun with a handler that answers "hello <path>" and returns
// a channel that receives Serve's error.
func serve(t *testing.T, tun tunnel.Tunnel) <-chan error {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(tun) }()
	t.Cleanup(func() { srv.Close() })
	return done
}

func get(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return string(body)
}

func TestListenLocal(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		wantErr error
	}{
		{name: "default", addr: ""},
		{name: "ipv4 loopback", addr: "127.0.0.1:0"},
		{name: "localhost", addr: "localhost:0"},
		{name: "all interfaces", addr: ":0", wantErr: tunnel.ErrNotLoopback},
		{name: "unspecified", addr: "0.0.0.0:0", wantErr: tunnel.ErrNotLoopback},
		{name: "public address", addr: "192.0.2.1:0", wantErr: tunnel.ErrNotLoopback},
		{name: "hostname", addr: "example.com:80", wantErr: tunnel.ErrNotLoopback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun, err := tunnel.ListenLocal(tt.addr)
			if diff := cmp.Diff(tt.wantErr, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("ListenLocal(%q) error mismatch (-want +got):\n%s", tt.addr, diff)
			}
			if err != nil {
				return
			}
			defer tun.Close()

			if got, want := tun.URL(), "http://"+tun.Addr().String(); got != want {
				t.Errorf("URL() = %q, want %q", got, want)
			}
			done := serve(t, tun)
			if got, want := get(t, http.DefaultClient, tun.URL()+"/local"), "hello /local"; got != want {
				t.Errorf("GET body = %q, want %q", got, want)
			}
			if err := tun.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if err := <-done; !errors.Is(err, net.ErrClosed) {
				t.Errorf("Serve after Close = %v, want net.ErrClosed", err)
			}
		})
	}
}

func TestListenLocalBadAddr(t *testing.T) {
	if _, err := tunnel.ListenLocal("no-port"); err == nil {
		t.Fatal(`ListenLocal("no-port") = nil error, want one`)
	}
}

func TestListenStatic(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		want      string
		wantErr   error
	}{
		{name: "https", publicURL: "https://abc.trycloudflare.com", want: "https://abc.trycloudflare.com"},
		{name: "trailing slash", publicURL: "https://abc.trycloudflare.com/", want: "https://abc.trycloudflare.com"},
		{name: "http with port and path", publicURL: "http://example.com:8080/hooks/", want: "http://example.com:8080/hooks"},
		{name: "empty", publicURL: "", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "no scheme", publicURL: "example.com", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "ftp", publicURL: "ftp://example.com", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "no host", publicURL: "https://", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "path only", publicURL: "https:///hooks", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "port only", publicURL: "https://:443", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "opaque", publicURL: "https:example.com", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "user info", publicURL: "https://user:pw@example.com", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "query", publicURL: "https://example.com/?a=1", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "fragment", publicURL: "https://example.com/#top", wantErr: tunnel.ErrInvalidPublicURL},
		{name: "unparsable", publicURL: "https://exa mple.com", wantErr: tunnel.ErrInvalidPublicURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tun, err := tunnel.ListenStatic("", tt.publicURL)
			if diff := cmp.Diff(tt.wantErr, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("ListenStatic(%q) error mismatch (-want +got):\n%s", tt.publicURL, diff)
			}
			if err != nil {
				return
			}
			defer tun.Close()
			if got := tun.URL(); got != tt.want {
				t.Errorf("URL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListenStaticServes(t *testing.T) {
	tun, err := tunnel.ListenStatic("127.0.0.1:0", "https://abc.trycloudflare.com")
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	serve(t, tun)
	// The user's tunnel would forward the public URL to this address.
	if got, want := get(t, http.DefaultClient, "http://"+tun.Addr().String()+"/static"), "hello /static"; got != want {
		t.Errorf("GET body = %q, want %q", got, want)
	}
}
