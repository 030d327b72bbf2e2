package headercheck

import "testing"

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		ok     bool
	}{
		{"Content-Type", []string{"application/x-www-form-urlencoded"}, true},
		{"X-Token!#$%&'*+-.^_`|~", []string{"a\tb", "ünïcode", ""}, true},
		{"", nil, false},
		{"Bad Name", nil, false},
		{"Bad:Name", nil, false},
		{"Bad\x7fName", nil, false},
		{"Bäd", nil, false},
		{"X", []string{"line\r\nInjected: 1"}, false},
		{"X", []string{"nul\x00"}, false},
		{"X", []string{"del\x7f"}, false},
		{"X", []string{"ok", "esc\x1b[31m"}, false},
	}
	for _, tt := range tests {
		if err := Check(tt.name, tt.values); (err == nil) != tt.ok {
			t.Errorf("Check(%q, %q) = %v, want ok %v", tt.name, tt.values, err, tt.ok)
		}
	}
}
