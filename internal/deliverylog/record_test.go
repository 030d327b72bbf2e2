package deliverylog

import (
	"testing"
	"time"
)

func TestFormatLatencyMS(t *testing.T) {
	tests := []struct {
		ms   float64
		want string
	}{
		{0, "0.0 ms"},
		{0.44, "0.4 ms"},
		{0.96, "1 ms"},
		{3.24, "3 ms"},
		{12.4, "12 ms"},
		{999.4, "999 ms"},
		{999.6, "1.0 s"},
		{11200, "11.2 s"},
	}
	for _, tt := range tests {
		if got := FormatLatencyMS(tt.ms); got != tt.want {
			t.Errorf("FormatLatencyMS(%v) = %q, want %q", tt.ms, got, tt.want)
		}
		if got := FormatLatency(time.Duration(tt.ms * float64(time.Millisecond))); got != tt.want {
			t.Errorf("FormatLatency(%v ms) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}
