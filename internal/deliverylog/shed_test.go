package deliverylog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShed: a shed record keeps no headers or bodies, only the request
// body's whole size and hash (those of the whole body when it was already
// cut by Cap), and at most 1 KiB of path and query.
func TestShed(t *testing.T) {
	body := bytes.Repeat([]byte("b"), MaxBody+100)
	sum := sha256.Sum256(body)
	whole := hex.EncodeToString(sum[:])
	small := []byte("type=item.create&item_id=1")
	smallSum := sha256.Sum256(small)
	long := strings.Repeat("p", 3000)
	full := func(b []byte) Record {
		return Record{Kind: KindDelivery, Outcome: OutcomeForwarded, Status: 200,
			Request:  Request{Method: "POST", Path: "/hook", Query: "a=1", Header: http.Header{"Content-Type": {"x"}}, Body: b},
			Response: Response{Status: 200, Header: http.Header{"X": {"y"}}, Body: []byte("ok")}}
	}
	longPath := full(small)
	longPath.Request.Path, longPath.Request.Query = long, long
	tests := []struct {
		name string
		in   Record
		want Request
	}{
		{"small body", full(small), Request{Method: "POST", Path: "/hook", Query: "a=1",
			BodySize: int64(len(small)), BodySHA256: hex.EncodeToString(smallSum[:]), BodyTruncated: true}},
		{"already cut by Cap", Cap(full(body)), Request{Method: "POST", Path: "/hook", Query: "a=1",
			BodySize: int64(len(body)), BodySHA256: whole, BodyTruncated: true}},
		{"long path and query", longPath, Request{Method: "POST", Path: long[:maxRejectedText] + "…", Query: long[:maxRejectedText] + "…",
			BodySize: int64(len(small)), BodySHA256: hex.EncodeToString(smallSum[:]), BodyTruncated: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Shed(tt.in)
			want := tt.in
			want.Request = tt.want
			want.Response = Response{Status: 200, BodyTruncated: true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Shed (-want +got):\n%s", diff)
			}
		})
	}
}
