package httpguard

import (
	"net"
	"strings"
	"testing"
)

func TestListen(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	busy := held.Addr().String()

	l, taken, err := Listen("127.0.0.1:0", false)
	if err != nil || taken != nil {
		t.Fatalf("free address: %v, %v", taken, err)
	}
	l.Close()

	if _, _, err := Listen(busy, false); err == nil || strings.Contains(err.Error(), "listen tcp") {
		t.Errorf("busy address without fallback: %v, want an error without the listen prefix", err)
	}
	l, taken, err = Listen(busy, true)
	if err != nil || taken == nil || strings.Contains(taken.Error(), "listen tcp") {
		t.Fatalf("busy address with fallback: taken %v, err %v", taken, err)
	}
	if l.Addr().String() == busy || Exposed(l.Addr()) {
		t.Errorf("fallback listens on %s, want another loopback port", l.Addr())
	}
	l.Close()

	if _, _, err := Listen("256.0.0.1:0", false); err == nil {
		t.Error("bad address: no error")
	}
}

func TestExposed(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2), Port: 1}, true},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, true},
	}
	for _, tt := range tests {
		if got := Exposed(tt.addr); got != tt.want {
			t.Errorf("Exposed(%v) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
