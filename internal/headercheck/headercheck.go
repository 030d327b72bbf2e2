// Package headercheck tells which HTTP header fields net/http would send:
// a name that is a token (RFC 9110 5.6.2) and a value without control
// characters other than tab. The relay refuses the rest, the inspector's
// edits are checked with it, and formpost's Transport leaves the rest to
// net/http.
package headercheck

import (
	"fmt"
	"strings"
)

// ValidName reports whether name is an HTTP token.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c > '~' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// ValidValue reports whether v has no control characters but tab.
func ValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Check returns an error naming what is wrong with the header name and
// its values, or nil.
func Check(name string, values []string) error {
	if !ValidName(name) {
		return fmt.Errorf("invalid header name %q", name)
	}
	for _, v := range values {
		if !ValidValue(v) {
			return fmt.Errorf("invalid value of header %s", name)
		}
	}
	return nil
}
