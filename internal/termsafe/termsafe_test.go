package termsafe

import "testing"

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "POST https://example.com/hook?a=1&b=2", "POST https://example.com/hook?a=1&b=2"},
		{"backslash kept", `C:\path`, `C:\path`},
		{"accents", "café naïve Ærø", "café naïve Ærø"},
		{"emoji", "ok 👍🏽 🇳🇴 👨‍👩‍👧", "ok 👍🏽 🇳🇴 👨‍👩‍👧"},
		{"cjk", "日本語", "日本語"},
		{"nul", "a\x00b", `a\x00b`},
		{"bel", "\x07", `\x07`},
		{"esc clear screen", "\x1b[2J", `\x1b[2J`},
		{"osc 52", "\x1b]52;c;SGVsbG8=\x07", `\x1b]52;c;SGVsbG8=\x07`},
		{"tab newline cr", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"unit separator", "\x1f", `\x1f`},
		{"del", "a\x7fb", `a\x7fb`},
		{"c1 first", "\u0080", `\u0080`},
		{"c1 nel", "x\u0085y", `x\u0085y`},
		{"c1 csi", "\u009b2J", `\u009b2J`},
		{"c1 last", "\u009f", `\u009f`},
		{"after c1", "\u00a0\u00e9", "\u00a0\u00e9"},
		{"arabic letter mark", "\u061c", `\u061c`},
		{"lrm rlm", "\u200e\u200f", `\u200e\u200f`},
		{"lre", "\u202a", `\u202a`},
		{"rlo", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"bidi embeddings", "\u202b\u202c\u202d", `\u202b\u202c\u202d`},
		{"isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"paragraph separator", "a\u2029b", `a\u2029b`},
		{"zwj kept", "\u200d", "\u200d"},
		{"invalid utf8", "a\xffb\xc3", `a\xffb\xc3`},
		{"lone continuation", "\x80", `\x80`},
		{"mixed", "é\x1b[31m👍\u202e", `é\x1b[31m👍\u202e`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"newlines kept", "a\nb\n", "a\nb\n"},
		{"controls in lines escaped", "ok \x1b[2J\r\nline \u2028 \u009b2J\u202e\n\xff", `ok \x1b[2J\r` + "\n" + `line \u2028 \u009b2J\u202e` + "\n" + `\xff`},
		{"tab escaped", "a\tb", `a\tb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lines(tt.in); got != tt.want {
				t.Errorf("Lines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "item.create", "item.create"},
		{"spaces and quotes kept", `say "hi" now`, `say "hi" now`},
		{"backslash kept", `C:\path`, `C:\path`},
		{"accents and emoji kept", "café 👍🏽", "café 👍🏽"},
		{"zwj alone kept", "a\u200db", "a\u200db"},
		{"newline", "item.create\nFAKE", `"item.create\nFAKE"`},
		{"carriage return", "item_id=1\r", `"item_id=1\r"`},
		{"tab", "a\tb", `"a\tb"`},
		{"esc", "\x1b[2J", `"\x1b[2J"`},
		{"del", "a\x7f", `"a\x7f"`},
		{"c1", "x\u0085y", `"x\u0085y"`},
		{"bidi override", "evil\u202etxt", `"evil\u202etxt"`},
		{"line separator", "a\u2028b", `"a\u2028b"`},
		{"invalid utf8", "a\xffb", `"a\xffb"`},
		{"quotes escaped once quoted", "\"a\"\n", `"\"a\"\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Quote(tt.in); got != tt.want {
				t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got := Quote(tt.in); String(got) != got {
				t.Errorf("Quote(%q) = %q still holds unsafe text", tt.in, got)
			}
		})
	}
}
