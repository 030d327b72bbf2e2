package session

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
)

var logT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

const logFormType = "application/x-www-form-urlencoded"

func TestRecordOf(t *testing.T) {
	body := []byte("type=item.create&hook_id=101&item_id=42&item_revision_id=7")
	reqHeader := http.Header{"Content-Type": {logFormType}, "User-Agent": {"Podio"}}
	req := relay.Request{Method: "POST", Path: "/", Query: "x=1", RemoteAddr: "1.2.3.4:5", Header: reqHeader, Body: body}
	wantReq := deliverylog.Request{Method: "POST", Path: "/", Query: "x=1", Header: reqHeader, Body: body}
	resHeader := http.Header{"Content-Type": {"text/plain"}}
	tests := []struct {
		name string
		ev   relay.Event
		want deliverylog.Record
	}{
		{
			name: "forwarded",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindDelivery, Type: "item.create", HookID: 101,
				IDs: []string{"item_id=42", "item_revision_id=7"}, Status: 200,
				ForwardedTo: "http://localhost:3000/hook?x=1", Latency: 12500 * time.Microsecond,
				Request:  req,
				Response: relay.Response{Status: 200, Header: resHeader, Body: []byte("ok")},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
				IDs: []string{"item_id=42", "item_revision_id=7"}, Outcome: "forwarded", Status: 200,
				LatencyMS: 12.5, Target: "http://localhost:3000/hook?x=1",
				Request:  wantReq,
				Response: deliverylog.Response{Status: 200, Header: resHeader, Body: []byte("ok")},
			},
		},
		{
			name: "local app answered 500",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindDelivery, Type: "item.create", HookID: 101, Status: 500,
				ForwardedTo: "http://localhost:3000/", Latency: 2 * time.Millisecond, Request: req,
				Response: relay.Response{Status: 500, Body: []byte("boom")},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
				Outcome: "failed", Status: 500, LatencyMS: 2, Target: "http://localhost:3000/", Request: wantReq,
				Response: deliverylog.Response{Status: 500, Body: []byte("boom")},
			},
		},
		{
			name: "local app unreachable",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindDelivery, Type: "item.create", HookID: 101, Status: 502,
				ForwardedTo: "http://localhost:3000/", Latency: time.Millisecond, Request: req,
				Err: "local app not reachable at http://localhost:3000/ (connection refused)",
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
				Outcome: "failed", Status: 502, LatencyMS: 1, Target: "http://localhost:3000/", Request: wantReq,
				Error: "local app not reachable at http://localhost:3000/ (connection refused)",
			},
		},
		{
			name: "acked, local 500: Podio got 200",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindDelivery, Type: "item.create", HookID: 101, Status: 500, Acked: true,
				ForwardedTo: "http://localhost:3000/", Latency: 3 * time.Millisecond, Request: req,
				Response: relay.Response{Status: 500},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
				Outcome: "failed", Status: 200, LatencyMS: 3, Target: "http://localhost:3000/", Request: wantReq,
				Response: deliverylog.Response{Status: 500},
			},
		},
		{
			name: "slow but 2xx",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindDelivery, Type: "item.create", HookID: 101, Status: 204,
				ForwardedTo: "http://localhost:3000/", Latency: 11200 * time.Millisecond, Request: req,
				Warning: "SLOW: 11.2 s (Podio gives up at 15 s)", Response: relay.Response{Status: 204},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "delivery", Type: "item.create", HookID: 101,
				Outcome: "forwarded", Status: 204, LatencyMS: 11200, Target: "http://localhost:3000/", Request: wantReq,
				Warning: "SLOW: 11.2 s (Podio gives up at 15 s)", Response: deliverylog.Response{Status: 204},
			},
		},
		{
			name: "hook.verify validated",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindVerify, Type: "hook.verify", HookID: 101, Status: 200, Verified: true,
				Latency: 4 * time.Millisecond, Request: req,
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "verify", Type: "hook.verify", HookID: 101,
				Outcome: "verified", Status: 200, LatencyMS: 4, Request: wantReq,
			},
		},
		{
			name: "hook.verify refused",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindVerify, Type: "hook.verify", HookID: 101, Status: 502,
				Latency: 4 * time.Millisecond, Request: req, Err: "validate hook 101: bad code",
				Response: relay.Response{Status: 502, Body: []byte("devhook: hook validation failed\n")},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "verify", Type: "hook.verify", HookID: 101,
				Outcome: "failed", Status: 502, LatencyMS: 4, Request: wantReq, Error: "validate hook 101: bad code",
				Response: deliverylog.Response{Status: 502, Body: []byte("devhook: hook validation failed\n")},
			},
		},
		{
			name: "rejected",
			ev: relay.Event{
				Time: logT0, Kind: relay.KindRejected, Status: 404, Latency: 100 * time.Microsecond,
				Request: relay.Request{Method: "GET", Path: "/{secret}x", RemoteAddr: "1.2.3.4:5"},
			},
			want: deliverylog.Record{
				Time: logT0, Source: "up", Kind: "rejected", Outcome: "rejected", Status: 404, LatencyMS: 0.1,
				Request: deliverylog.Request{Method: "GET", Path: "/{secret}x"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, recordOf(tt.ev)); diff != "" {
				t.Errorf("recordOf (-want +got):\n%s", diff)
			}
		})
	}
}
