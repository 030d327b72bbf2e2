package deliverylog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

func TestCap(t *testing.T) {
	big := bytes.Repeat([]byte("b"), MaxBody+1)
	bigSum := sha256.Sum256(big)
	small := []byte("type=item.create")
	smallSum := sha256.Sum256(small)
	long := strings.Repeat("p", 2000)
	tests := []struct {
		name string
		in   Record
		want Record
	}{
		{
			"small body kept whole",
			Record{Kind: KindDelivery, Request: Request{Body: small, Header: http.Header{"A": {"b"}}}},
			Record{Kind: KindDelivery, Request: Request{Body: small, Header: http.Header{"A": {"b"}}}},
		},
		{
			"big bodies cut, size and hash kept",
			Record{Kind: KindDelivery, Request: Request{Body: big}, Response: Response{Body: big}},
			Record{Kind: KindDelivery,
				Request:  Request{Body: big[:MaxBody], BodySize: MaxBody + 1, BodySHA256: hex.EncodeToString(bigSum[:]), BodyTruncated: true},
				Response: Response{Body: big[:MaxBody], BodyTruncated: true}},
		},
		{
			"rejected kept brief",
			Record{Kind: KindRejected, Request: Request{Method: "GET", Path: long, Query: long, Header: http.Header{"X-Big": {long}}, Body: small}},
			Record{Kind: KindRejected, Request: Request{Method: "GET", Path: long[:maxRejectedText] + "…", Query: long[:maxRejectedText] + "…",
				BodySize: int64(len(small)), BodySHA256: hex.EncodeToString(smallSum[:]), BodyTruncated: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Cap(tt.in)); diff != "" {
				t.Errorf("Cap (-want +got):\n%s", diff)
			}
		})
	}
}
