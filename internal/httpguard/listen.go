package httpguard

import (
	"errors"
	"net"
)

// Listen listens on the TCP address addr. When addr cannot be used and
// fallback is set, it listens on a free loopback port instead and returns
// why addr could not be used as taken. Its errors, and taken, leave out
// the "listen tcp ADDR:" prefix, since the caller names the address.
func Listen(addr string, fallback bool) (l net.Listener, taken, err error) {
	l, err = net.Listen("tcp", addr)
	if err != nil && fallback {
		taken = shortListenError(err)
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, nil, shortListenError(err)
	}
	return l, taken, nil
}

func shortListenError(err error) error {
	if oe, ok := errors.AsType[*net.OpError](err); ok && oe.Err != nil {
		return oe.Err
	}
	return err
}

// Exposed reports whether a listener on a is reachable beyond loopback:
// anyone who reaches it uses it.
func Exposed(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}
