// Package termsafe makes untrusted text safe to print on a terminal.
//
// A receiver's answer, a hook URL or a header can hold bytes a terminal
// obeys instead of showing: ESC sequences that clear the screen or write
// the clipboard (OSC 52), C1 codes, bidi overrides that reorder what is
// shown, and line separators. String replaces each with a visible escape.
package termsafe

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns s with every C0 control (tab, newline and carriage return
// included), DEL, C1 code (U+0080–U+009F), bidi control (U+061C, U+200E,
// U+200F, U+202A–U+202E, U+2066–U+2069), line or paragraph separator
// (U+2028, U+2029) and invalid UTF-8 byte replaced by a visible escape:
// \t, \n, \r, \x1b, \x7f and \xff for bytes, \u0085 and \u202e for runes.
// Other text, accents and emoji included, is returned unchanged.
func String(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeByte(&b, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			writeByte(&b, byte(r))
		case unsafeRune(r):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)))
			b.WriteString(h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Lines is [String] applied to each line of s, for texts shown on several
// lines (bodies, messages): the newlines stay, everything a terminal would
// obey inside a line (ESC, CR, C1, bidi controls, U+2028) is escaped.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = String(l)
	}
	return strings.Join(lines, "\n")
}

// firstUnsafe returns the index of the first byte of s String escapes, or
// -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether r is a C1 code, a bidi control or a line or
// paragraph separator.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func writeByte(b *strings.Builder, c byte) {
	const hex = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}

// Quote returns s as it is when [String] would leave it unchanged, and
// otherwise s quoted as a Go string (strconv.Quote), so that a field that
// holds a control, a bidi control, a line separator or invalid UTF-8 shows
// as one visible, unambiguous token. Every printer of devhook that puts
// untrusted text in a line or a table cell uses it.
func Quote(s string) string {
	if firstUnsafe(s) < 0 {
		return s
	}
	return strconv.Quote(s)
}
