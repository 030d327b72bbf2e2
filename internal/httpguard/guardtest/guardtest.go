// Package guardtest holds the helpers of the tests that check a
// listener's limits (httpguard.Limits): a connection that sends too
// slowly, or stays idle, must be closed by the server.
package guardtest

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Dial opens a TCP connection to host, closed when the test ends.
func Dial(tb testing.TB, host string) net.Conn {
	tb.Helper()
	conn, err := net.Dial("tcp", host)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// AwaitServerClose waits, at most 10 s, for the server (named who in the
// failure) to close conn.
func AwaitServerClose(tb testing.TB, conn net.Conn, who string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns once the server closes
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		conn.Close()
		tb.Fatalf("the %s kept the connection open", who)
	}
}

// AwaitIdleClose reads the answer to the request already written on conn,
// then waits, as AwaitServerClose, for the server to close the idle
// connection.
func AwaitIdleClose(tb testing.TB, conn net.Conn, who string) {
	tb.Helper()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	AwaitServerClose(tb, conn, who)
}
