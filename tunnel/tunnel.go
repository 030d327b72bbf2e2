// Package tunnel gives devhook a public URL whose traffic arrives on a local
// [net.Listener].
//
// Three implementations exist: [Local] (loopback only, for the mock and for
// tests), [Static] (a tunnel the user runs, such as cloudflared) and [Ngrok]
// (an ngrok agent session). Only ngrok.go imports the ngrok SDK; everything
// else depends on the small [Tunnel] interface.
package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Tunnel is a public URL plus the local listener that receives its traffic.
// Serve HTTP on it with [net/http.Serve]; Close stops the listener and tears
// down whatever carries the traffic.
type Tunnel interface {
	net.Listener

	// URL returns the public base URL, with no trailing slash.
	URL() string
}

// Reconnecting is a [Tunnel] carried by a session with a service that can
// be lost and restored, such as [Ngrok]. After a restore the public URL
// may no longer reach this machine (the service gave the address away
// meanwhile); Renew then binds a new endpoint, whose URL URL returns.
type Reconnecting interface {
	Tunnel
	// Restored receives a value when the session is back after a loss.
	Restored() <-chan struct{}
	// Renew replaces the public endpoint by a new one, on a new URL.
	Renew(ctx context.Context) error
}

// Errors returned by this package. Callers branch on them with [errors.Is];
// ngrok failures also carry an [*NgrokError] with a one-line hint.
var (
	// ErrNotLoopback is returned by [ListenLocal] for an address that is not
	// a loopback address.
	ErrNotLoopback = errors.New("tunnel: address is not loopback")

	// ErrInvalidPublicURL is returned by [ListenStatic] for a public URL that
	// is not an absolute http or https URL with a host.
	ErrInvalidPublicURL = errors.New("tunnel: invalid public url")

	// ErrAuthtokenMissing means no ngrok authtoken was given, or ngrok
	// demands one (ERR_NGROK_4018).
	ErrAuthtokenMissing = errors.New("tunnel: ngrok authtoken missing")

	// ErrAuthtokenInvalid means ngrok rejected the authtoken
	// (ERR_NGROK_105, ERR_NGROK_106, ERR_NGROK_107).
	ErrAuthtokenInvalid = errors.New("tunnel: ngrok authtoken invalid")

	// ErrSessionLimit means the account already has as many agent sessions
	// as its plan allows (ERR_NGROK_108).
	ErrSessionLimit = errors.New("tunnel: ngrok agent session limit reached")

	// ErrEndpointInUse means the requested URL or domain is already served
	// by another agent (ERR_NGROK_334).
	ErrEndpointInUse = errors.New("tunnel: ngrok endpoint already in use")

	// ErrRejected means ngrok refused the session or the endpoint with an
	// error this package does not map to a more specific sentinel.
	ErrRejected = errors.New("tunnel: ngrok refused the request")

	// ErrFixedURL is returned by [Ngrok.Renew] for a tunnel on a reserved
	// domain, which cannot move to another URL.
	ErrFixedURL = errors.New("tunnel: the public URL is a reserved domain")

	// ErrUnreachable means no ngrok session was established within
	// [NgrokOptions.ConnectTimeout].
	ErrUnreachable = errors.New("tunnel: cannot reach ngrok")
)

// NgrokError describes why an ngrok tunnel could not start. It wraps one of
// the package's sentinel errors, so both errors.Is(err, ErrAuthtokenInvalid)
// and errors.As(err, &ngrokErr) work.
type NgrokError struct {
	// Err is the sentinel: ErrAuthtokenMissing, ErrAuthtokenInvalid,
	// ErrSessionLimit, ErrEndpointInUse, ErrRejected or ErrUnreachable.
	Err error
	// Code is the ngrok error code, such as "ERR_NGROK_107". It is empty
	// when the failure was detected locally.
	Code string
	// Message is what went wrong, on one line: the server's message with
	// the authtoken redacted, or the last connection error.
	Message string
	// Hint is one line of advice for the user. It may be empty.
	Hint string
}

// Error returns the sentinel text, the message, the code and the hint on one
// line.
func (e *NgrokError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns [NgrokError.Err].
func (e *NgrokError) Unwrap() error { return e.Err }
