package session

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"

	"github.com/devhookhq/devhook/tunnel"
)

// TunnelOptions say which tunnel devhook up opens (its --public-url,
// --listen, --ngrok-* and --domain flags).
type TunnelOptions struct {
	// Local asks for a loopback tunnel (up --mock with no other tunnel
	// option): Podio is the embedded mock on this machine.
	Local bool
	// PublicURL is a tunnel the user runs (cloudflared, a reverse proxy)
	// that reaches Listen.
	PublicURL, Listen string
	// SkipProbe: no line asks the user's tunnel to reach Listen, since
	// nothing waits for it.
	SkipProbe bool
	// Ngrok configures ngrok; NgrokCAFile is a PEM file of CAs for its
	// ConnectURL (tests).
	Ngrok       tunnel.NgrokOptions
	NgrokCAFile string
}

// OpenTunnel opens the tunnel o asks for: local, the user's own with
// PublicURL, else ngrok. It tells w what it waits for.
func OpenTunnel(ctx context.Context, o TunnelOptions, w io.Writer) (tunnel.Tunnel, error) {
	switch {
	case o.Local:
		return tunnel.ListenLocal("")
	case o.PublicURL != "":
		tun, err := tunnel.ListenStatic(o.Listen, o.PublicURL)
		if err != nil {
			return nil, err
		}
		if !o.SkipProbe {
			fmt.Fprintf(w, "Waiting for %s to reach devhook: your tunnel must forward it to http://%s (--listen)\n", tun.URL(), tun.Addr())
		}
		return tun, nil
	}
	no := o.Ngrok
	if o.NgrokCAFile != "" {
		pem, err := os.ReadFile(o.NgrokCAFile)
		if err != nil {
			return nil, fmt.Errorf("read --ngrok-ca: %w", err)
		}
		no.ConnectCAs = x509.NewCertPool()
		if !no.ConnectCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ngrok-ca %s: no PEM certificate in it", o.NgrokCAFile)
		}
	}
	if no.Authtoken == "" {
		return nil, fmt.Errorf("%w; set NGROK_AUTHTOKEN or --ngrok-authtoken (https://dashboard.ngrok.com/get-started/your-authtoken), use --public-url with a tunnel of your own, or try --mock", tunnel.ErrAuthtokenMissing)
	}
	fmt.Fprintf(w, "Connecting to ngrok...\n")
	return tunnel.ListenNgrok(ctx, no)
}
