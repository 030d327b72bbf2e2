package render

import (
	"testing"
)

func TestBody(t *testing.T) {
	tests := []struct {
		name          string
		in            []byte
		text, wantB64 string
	}{
		{"empty", nil, "", ""},
		{"form", []byte("type=item.create&title=h%C3%A9llo"), "type=item.create&title=h%C3%A9llo", ""},
		{"utf-8 text", []byte("héllo <b>"), "héllo <b>", ""},
		{"not utf-8", []byte{0xff, 0xfe, 0, 'x'}, "", "//4AeA=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, b64 := Body(tt.in)
			if text != tt.text || b64 != tt.wantB64 {
				t.Errorf("Body(%q) = %q, %q; want %q, %q", tt.in, text, b64, tt.text, tt.wantB64)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	got, err := Encode(map[string]any{"a": "<b>&", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"<b>&","n":1}`; string(got) != want {
		t.Errorf("Encode = %s, want %s", got, want)
	}
	if _, err := Encode(func() {}); err == nil {
		t.Error("Encode(func) = nil error")
	}
}
