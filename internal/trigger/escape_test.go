package trigger

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rawControls are what a hostile receiver's answer must never get onto
// the terminal raw: ESC (a screen clear, an OSC 52 clipboard write), BEL,
// C1 codes, bidi overrides, U+2028, invalid UTF-8.
var rawControls = []string{"\x1b", "\x07", "\u0085", "\u009b", "\u202e", "\u2066", "\u2028", "\xff"}

// hostileServer answers every request with the raw status line (after
// "HTTP/1.1 "), header lines and body given, so the reason phrase and a
// Location can hold what no well-behaved server sends. It stops at the
// test's end.
func hostileServer(t *testing.T, status, header, body string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				n := 0
				for { // the request's head; its body's length
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length:"); ok {
						fmt.Sscan(strings.TrimSpace(v), &n)
					}
					if line == "\r\n" {
						break
					}
				}
				br.Discard(n)
				fmt.Fprintf(c, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, header, len(body), body)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// TestHostileAnswerEscaped sends one event and bursts to receivers whose
// status line, Location and body hold terminal controls, and checks that
// every one reaches the output escaped: the answer of a single POST, and
// the summary's first failure of a burst (issue 13 item 12).
func TestHostileAnswerEscaped(t *testing.T) {
	const (
		clear   = "\x1b[2J"
		osc52   = "\x1b]52;c;SGVsbG8=\x07"
		hostile = "ok " + clear + osc52 + " \u202eevil \u2028 \u009b2J \u0085 \xff"
		escaped = `ok \x1b[2J\x1b]52;c;SGVsbG8=\x07 \u202eevil \u2028 \u009b2J \u0085 \xff`
	)
	tests := []struct {
		name           string
		status, header string
		body           string
		repeat         int
		want           []string // lines (or parts of one) the output must hold
	}{
		{
			name: "single: body", status: "200 OK", body: hostile + "\nline two \u2066\r\n", repeat: 1,
			want: []string{"-> 200 OK  ", escaped + "\n", `line two \u2066\r` + "\n"},
		},
		{
			name: "single: status text", status: "500 " + hostile, repeat: 1,
			want: []string{"-> 500 " + escaped + "  "},
		},
		{
			name: "burst: status text", status: "500 " + hostile, repeat: 3,
			want: []string{"500     3\n", "first failure: 500 " + escaped + "\n"},
		},
		{
			name: "burst: first failure's body", status: "503 Service Unavailable", body: hostile + "\nsecond line\n", repeat: 4,
			want: []string{"503     4\n", "first failure: 503 Service Unavailable: " + escaped + "\n"},
		},
		{
			name: "burst: redirect target", status: "302 Found", header: "Location: /x\u202e\u2028\u0085\r\n", repeat: 2,
			want: []string{`first failure: 302 Found (redirect to /x\u202e\u2028\u0085, not followed)` + "\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			cfg := toConfig("item.create", hostileServer(t, tt.status, tt.header, tt.body)+"/hook", &out)
			cfg.Repeat, cfg.Concurrency = tt.repeat, 2
			Run(t.Context(), cfg) // fails for a non-2xx answer; only the output matters here
			for _, c := range rawControls {
				if strings.Contains(out.String(), c) {
					t.Errorf("the output holds the raw control %q:\n%q", c, out.String())
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
