package relay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFormatLine(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 2, 3, 999, time.UTC)
	local := "http://127.0.0.1:3000/hook"
	ids := []string{"item_id=42", "item_revision_id=7"}
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{
			name: "delivery",
			e:    Event{Time: at, Kind: KindDelivery, Type: "item.create", HookID: 12, IDs: ids, Status: 200, ForwardedTo: local, Latency: 14 * time.Millisecond},
			want: "10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms",
		},
		{
			name: "delivery without hook or ids",
			e:    Event{Time: at, Kind: KindDelivery, Type: "task.create", Status: 201, ForwardedTo: local, Latency: 999 * time.Millisecond},
			want: "10:02:03  task.create  -> 201  999 ms",
		},
		{
			name: "sub-millisecond",
			e:    Event{Time: at, Kind: KindDelivery, Type: "app.update", HookID: 3, IDs: []string{"app_id=5"}, Status: 500, ForwardedTo: local, Latency: 400 * time.Microsecond},
			want: "10:02:03  app.update  hook 3  app_id=5  -> 500  0.4 ms",
		},
		{
			name: "verified",
			e:    Event{Time: at, Kind: KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Verified: true, Latency: 80 * time.Millisecond},
			want: "10:02:03  hook.verify  hook 12  -> verified",
		},
		{
			name: "verified and forwarded",
			e:    Event{Time: at, Kind: KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Verified: true, ForwardedTo: local, Latency: 3 * time.Millisecond},
			want: "10:02:03  hook.verify  hook 12  -> verified, local 200  3 ms",
		},
		{
			name: "validate failed",
			e:    Event{Time: at, Kind: KindVerify, Type: "hook.verify", HookID: 12, Status: 502, Err: "validate hook 12: podio said no"},
			want: "10:02:03  hook.verify  hook 12  -> 502  validate hook 12: podio said no",
		},
		{
			name: "verify with bad hook_id",
			e:    Event{Time: at, Kind: KindVerify, Type: "hook.verify", Status: 400, Err: `invalid hook_id "abc"`},
			want: `10:02:03  hook.verify  -> 400  invalid hook_id "abc"`,
		},
		{
			name: "local app down",
			e:    Event{Time: at, Kind: KindDelivery, Type: "item.create", HookID: 12, IDs: ids[:1], Status: 502, ForwardedTo: local, Err: "local app not reachable at " + local + " (connection refused)"},
			want: "10:02:03  item.create  hook 12  item_id=42  -> 502  local app not reachable at http://127.0.0.1:3000/hook (connection refused)",
		},
		{
			name: "slow",
			e:    Event{Time: at, Kind: KindDelivery, Type: "item.update", HookID: 12, IDs: ids, Status: 200, ForwardedTo: local, Latency: 11234 * time.Millisecond, Warning: "SLOW: 11.2 s (Podio gives up at 15 s)"},
			want: "10:02:03  item.update  hook 12  item_id=42 item_revision_id=7  -> 200  11.2 s  SLOW: 11.2 s (Podio gives up at 15 s)",
		},
		{
			name: "acked",
			e:    Event{Time: at, Kind: KindDelivery, Type: "item.delete", HookID: 12, IDs: ids, Status: 500, Acked: true, ForwardedTo: local, Latency: 14 * time.Millisecond},
			want: "10:02:03  item.delete  hook 12  item_id=42 item_revision_id=7  -> acked, local 500  14 ms",
		},
		{
			name: "rejected",
			e:    Event{Time: at, Kind: KindRejected, Status: 404, Request: Request{Method: "GET", Path: "/wrong-path", RemoteAddr: "1.2.3.4:5"}},
			want: "10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)",
		},
		{
			name: "rejected with reason and query",
			e:    Event{Time: at, Kind: KindRejected, Status: 400, Err: "missing type parameter", Request: Request{Method: "POST", Path: "/", Query: "a=b", RemoteAddr: "1.2.3.4:5"}},
			want: "10:02:03  rejected POST /?a=b from 1.2.3.4:5 (400: missing type parameter)",
		},
		{
			name: "control characters stay on one line",
			e:    Event{Time: at, Kind: KindDelivery, Type: "item.create\nFAKE", HookID: 1, IDs: []string{"item_id=1\r"}, Status: 200, ForwardedTo: local, Latency: time.Second},
			want: `10:02:03  "item.create\nFAKE"  hook 1  "item_id=1\r"  -> 200  1.0 s`,
		},
		{
			name: "time zone of the event",
			e:    Event{Time: at.In(time.FixedZone("CEST", 2*60*60)), Kind: KindVerify, Type: "hook.verify", HookID: 1, Status: 200, Verified: true},
			want: "12:02:03  hook.verify  hook 1  -> verified",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatLine(tt.e); got != tt.want {
				t.Errorf("FormatLine() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestFormatJSON(t *testing.T) {
	e := Event{
		Time:        time.Date(2026, 11, 25, 10, 2, 3, 0, time.UTC),
		Kind:        KindDelivery,
		Type:        "item.create",
		HookID:      12,
		IDs:         []string{"item_id=42", "external_id=<a&b>"},
		Status:      200,
		Acked:       true,
		ForwardedTo: "http://127.0.0.1:3000/hook",
		Latency:     14 * time.Millisecond,
		Warning:     "w",
		Request: Request{
			Method:     "POST",
			Path:       "/",
			Query:      "a=1",
			RemoteAddr: "127.0.0.1:5",
			Header:     http.Header{"Content-Type": {formType}},
			Body:       []byte("type=item.create"),
		},
		Response: Response{
			Status:        200,
			Header:        http.Header{"X-App": {"1"}},
			Body:          []byte("ok"),
			BodyTruncated: true,
		},
	}
	const want = `{
		"time": "2026-11-25T10:02:03Z",
		"kind": "delivery",
		"type": "item.create",
		"hook_id": 12,
		"ids": ["item_id=42", "external_id=<a&b>"],
		"status": 200,
		"acked": true,
		"forwarded_to": "http://127.0.0.1:3000/hook",
		"latency_ns": 14000000,
		"warning": "w",
		"request": {
			"method": "POST",
			"path": "/",
			"query": "a=1",
			"remote_addr": "127.0.0.1:5",
			"header": {"Content-Type": ["application/x-www-form-urlencoded"]},
			"body": "dHlwZT1pdGVtLmNyZWF0ZQ=="
		},
		"response": {
			"status": 200,
			"header": {"X-App": ["1"]},
			"body": "b2s=",
			"body_truncated": true
		}
	}`
	got, err := FormatJSON(e)
	if err != nil {
		t.Fatalf("FormatJSON: %v", err)
	}
	if bytes.ContainsAny(got, "\r\n") {
		t.Errorf("FormatJSON() = %s, want a single line", got)
	}
	if !bytes.Contains(got, []byte("<a&b>")) {
		t.Errorf("FormatJSON() = %s, want HTML characters unescaped", got)
	}
	var gotAny, wantAny any
	if err := json.Unmarshal(got, &gotAny); err != nil {
		t.Fatalf("FormatJSON output does not parse: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &wantAny); err != nil {
		t.Fatalf("want does not parse: %v", err)
	}
	if diff := cmp.Diff(wantAny, gotAny); diff != "" {
		t.Errorf("FormatJSON() mismatch (-want +got):\n%s", diff)
	}
	var back Event
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("unmarshal into Event: %v", err)
	}
	if diff := cmp.Diff(e, back); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}
