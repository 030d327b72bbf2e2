package tunnel

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

var (
	_ Tunnel = (*Local)(nil)
	_ Tunnel = (*Static)(nil)
)

// defaultAddr is where [ListenLocal] and [ListenStatic] listen when given no
// address.
const defaultAddr = "127.0.0.1:0"

// Local is a [Tunnel] that is not public at all: a loopback listener whose
// URL is its own address, such as http://127.0.0.1:8080. Use it with the mock
// Podio server and in tests.
type Local struct {
	net.Listener
}

// ListenLocal listens on addr, which must be a loopback address such as
// "127.0.0.1:8080", "[::1]:0" or "localhost:0". An empty addr means
// "127.0.0.1:0".
func ListenLocal(addr string) (*Local, error) {
	if addr == "" {
		addr = defaultAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen local %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("listen local %q: %w", addr, ErrNotLoopback)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen local: %w", err)
	}
	return &Local{Listener: ln}, nil
}

// URL returns "http://" followed by the listener's address.
func (l *Local) URL() string {
	return "http://" + l.Addr().String()
}

// Static is a [Tunnel] run by the user outside devhook, such as cloudflared
// or a reverse proxy: devhook listens locally and reports the public URL it
// was given.
type Static struct {
	net.Listener
	publicURL string
}

// ListenStatic checks publicURL and then listens on addr. publicURL must be
// an absolute http or https URL with a host and no user info, query or
// fragment; it may have a path. An empty addr means "127.0.0.1:0". The error
// for a bad publicURL wraps [ErrInvalidPublicURL].
func ListenStatic(addr, publicURL string) (*Static, error) {
	u, err := parsePublicURL(publicURL)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		addr = defaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for %s: %w", u, err)
	}
	return &Static{Listener: ln, publicURL: u}, nil
}

// URL returns the public URL given to [ListenStatic], without a trailing
// slash.
func (s *Static) URL() string {
	return s.publicURL
}

// parsePublicURL validates raw and returns it without a trailing slash.
func parsePublicURL(raw string) (string, error) {
	invalid := func(reason string) error {
		return fmt.Errorf("public url %q: %s: %w", raw, reason, ErrInvalidPublicURL)
	}
	if raw == "" {
		return "", invalid("empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalid("cannot parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", invalid("scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return "", invalid("host missing")
	case u.User != nil:
		return "", invalid("user info not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return "", invalid("query not allowed")
	case u.Fragment != "":
		return "", invalid("fragment not allowed")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
