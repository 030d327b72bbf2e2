package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/devhookhq/devhook/internal/termsafe"
)

// safeLines is termsafe.String applied to each line of s, for texts shown
// on several lines (bodies, messages): the newlines stay, everything a
// terminal would obey inside a line (ESC, CR, C1, bidi controls, U+2028)
// is escaped.
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = termsafe.String(l)
	}
	return strings.Join(lines, "\n")
}

// printBody prints an untrusted response body made safe for a terminal,
// ending with a newline. An empty body prints nothing.
func printBody(w io.Writer, body []byte) {
	if len(body) == 0 {
		return
	}
	fmt.Fprintln(w, safeLines(strings.TrimSuffix(string(body), "\n")))
}
