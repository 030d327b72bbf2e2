package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/devhookhq/devhook/internal/termsafe"
)

// safeLines makes a text shown on several lines safe for a terminal
// (termsafe.Lines).
func safeLines(s string) string { return termsafe.Lines(s) }

// printBody prints an untrusted response body made safe for a terminal,
// ending with a newline. An empty body prints nothing.
func printBody(w io.Writer, body []byte) {
	if len(body) == 0 {
		return
	}
	fmt.Fprintln(w, safeLines(strings.TrimSuffix(string(body), "\n")))
}
