package inspector

import (
	"fmt"
	"net"

	"github.com/devhookhq/devhook/internal/httpguard"
)

// DefaultAddr is where [Listen] listens when given no address.
const DefaultAddr = "127.0.0.1:4040"

// Listen listens on addr (empty means [DefaultAddr]) for the inspector.
// warning is non-empty when the listener is not on loopback only, since
// anyone who reaches the inspector sees every delivery and can replay it.
func Listen(addr string) (ln net.Listener, warning string, err error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("inspector: %w", err)
	}
	if httpguard.Exposed(ln.Addr()) {
		warning = fmt.Sprintf("inspector: %s is not a loopback address: anyone who can reach it sees every delivery and can replay it", ln.Addr())
	}
	return ln, warning, nil
}
