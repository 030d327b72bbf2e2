// Package httpguard holds what every listener devhook opens on this
// machine (the mock's API, the relay, the inspector) shares to stay safe
// from web pages and bounded against slow or greedy clients: the Host
// check against DNS rebinding, the cross-site check, and the server
// timeouts and header limit.
package httpguard

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// The limits of every listener, unless a test sets others.
const (
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 60 * time.Second
	// IdleTimeout closes a keep-alive connection that carries no request
	// for this long. It is longer than Go clients keep an idle connection
	// (http.DefaultTransport: 90 s), so such a client always closes first:
	// a server that closes first races the client's next request on the
	// connection, which then fails unretried (a POST), as a delivery
	// failure that never happened (seen with 30 s).
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes caps a request's headers; larger ones get 431.
	MaxHeaderBytes = 64 << 10
)

// Limits are a listener's timeouts and header cap.
type Limits struct {
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                              int
}

// DefaultLimits are the package's constants.
var DefaultLimits = Limits{ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
	IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes}

// Server returns an http.Server for h with the limits l (the zero Limits
// means DefaultLimits).
func Server(h http.Handler, l Limits) *http.Server {
	if l == (Limits{}) {
		l = DefaultLimits
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes}
}

// HostAllowed reports whether a request's Host header (with or without a
// port) may be served: an IP literal, localhost or a name under
// .localhost, or one of names (compared without case or port; the
// --allow-host flag's values, for containers). Any other name could be a
// page's own domain rebound to this machine (DNS rebinding). An empty
// Host (HTTP/1.0) is no browser's and is allowed.
func HostAllowed(hostport string, names []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case host == "", host == "localhost", strings.HasSuffix(host, ".localhost"):
		return true
	case net.ParseIP(strings.Trim(host, "[]")) != nil:
		return true
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if h, _, err := net.SplitHostPort(n); err == nil {
			n = h
		}
		if strings.TrimSuffix(n, ".") == host {
			return true
		}
	}
	return false
}

// CheckHost returns an error saying why r's Host is refused, or nil.
func CheckHost(r *http.Request, names []string) error {
	if HostAllowed(r.Host, names) {
		return nil
	}
	return fmt.Errorf("host %q is not allowed: use localhost or an IP address, or allow the name with --allow-host", r.Host)
}

var crossOrigin = http.NewCrossOriginProtection()

// CheckCrossSite returns an error when r is a state-changing request
// (not GET, HEAD or OPTIONS) that a browser marked, with Sec-Fetch-Site or
// Origin, as coming from a page of another origin; nil otherwise.
// Clients that send neither header, as every API client does, pass.
func CheckCrossSite(r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return fmt.Errorf("cross-origin request refused (Origin %q, Sec-Fetch-Site %q): a web page cannot change this server",
			r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"))
	}
	return nil
}
