package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
	"github.com/devhookhq/devhook/mockpodio"
)

var logT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

const logFormType = "application/x-www-form-urlencoded"

func TestRecordFromRelay(t *testing.T) {
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
			if diff := cmp.Diff(tt.want, recordFromRelay(tt.ev)); diff != "" {
				t.Errorf("recordFromRelay (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecordFromMock(t *testing.T) {
	form := http.Header{"Content-Type": {logFormType}}
	tests := []struct {
		name string
		d    mockpodio.Delivery
		want deliverylog.Record
	}{
		{
			name: "delivered",
			d: mockpodio.Delivery{
				ID: 7, EventID: 3, HookID: 101, Type: "item.create", URL: "http://127.0.0.1:3000/podio/hook",
				Params:     map[string]string{"type": "item.create", "hook_id": "101", "item_id": "1000001", "item_revision_id": "5000001", "external_id": ""},
				Body:       "type=item.create&hook_id=101&item_id=1000001&item_revision_id=5000001&external_id=",
				StatusCode: 200, Duration: 3 * time.Millisecond, DurationMS: 3, Outcome: mockpodio.OutcomeDelivered, At: logT0,
			},
			want: deliverylog.Record{
				Time: logT0, Source: "mock", Kind: "delivery", Type: "item.create", HookID: 101,
				IDs: []string{"item_id=1000001", "item_revision_id=5000001"}, Outcome: "delivered", Status: 200, LatencyMS: 3,
				Target: "http://127.0.0.1:3000/podio/hook",
				Request: deliverylog.Request{Method: "POST", Path: "/podio/hook", Header: form,
					Body: []byte("type=item.create&hook_id=101&item_id=1000001&item_revision_id=5000001&external_id=")},
				Response: deliverylog.Response{Status: 200},
			},
		},
		{
			name: "failed, hook URL without a path",
			d: mockpodio.Delivery{
				HookID: 102, Type: "comment.create", URL: "http://127.0.0.1:3000",
				Body: "type=comment.create&hook_id=102&comment_id=9", Error: "unreachable: connection refused",
				DurationMS: 0.5, Outcome: mockpodio.OutcomeFailed, At: logT0,
			},
			want: deliverylog.Record{
				Time: logT0, Source: "mock", Kind: "delivery", Type: "comment.create", HookID: 102,
				IDs: []string{"comment_id=9"}, Outcome: "failed", LatencyMS: 0.5, Error: "unreachable: connection refused",
				Target:  "http://127.0.0.1:3000",
				Request: deliverylog.Request{Method: "POST", Path: "/", Header: form, Body: []byte("type=comment.create&hook_id=102&comment_id=9")},
			},
		},
		{
			name: "dropped",
			d: mockpodio.Delivery{
				HookID: 101, Type: "item.delete", URL: "https://example.com/h", Body: "type=item.delete&hook_id=101&item_id=1",
				Error: "hook is suspended until 2025-03-14 09:41:53", Outcome: mockpodio.OutcomeDroppedSuspended, At: logT0,
			},
			want: deliverylog.Record{
				Time: logT0, Source: "mock", Kind: "delivery", Type: "item.delete", HookID: 101,
				IDs: []string{"item_id=1"}, Outcome: "dropped_suspended", Error: "hook is suspended until 2025-03-14 09:41:53",
				Target:  "https://example.com/h",
				Request: deliverylog.Request{Method: "POST", Path: "/h", Header: form, Body: []byte("type=item.delete&hook_id=101&item_id=1")},
			},
		},
		{
			name: "hook.verify",
			d: mockpodio.Delivery{
				HookID: 101, Type: "hook.verify", URL: "http://127.0.0.1:3000/a%2Fb", Body: "type=hook.verify&hook_id=101&code=abc",
				StatusCode: 200, DurationMS: 1, Outcome: mockpodio.OutcomeDelivered, At: logT0,
			},
			want: deliverylog.Record{
				Time: logT0, Source: "mock", Kind: "verify", Type: "hook.verify", HookID: 101,
				Outcome: "delivered", Status: 200, LatencyMS: 1, Target: "http://127.0.0.1:3000/a%2Fb",
				Request:  deliverylog.Request{Method: "POST", Path: "/a%2Fb", Header: form, Body: []byte("type=hook.verify&hook_id=101&code=abc")},
				Response: deliverylog.Response{Status: 200},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, recordFromMock(tt.d)); diff != "" {
				t.Errorf("recordFromMock (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIDParamsMatchRelay checks that mock records list ids as the relay
// does: the key list is a copy of the relay's.
func TestIDParamsMatchRelay(t *testing.T) {
	vals := url.Values{"type": {"item.create"}, "hook_id": {"101"}}
	for i, k := range recordIDKeys {
		vals.Set(k, strings.Repeat("9", i+1))
	}
	vals.Set("unrelated_id", "5")
	body := vals.Encode() // sorted keys: the order must come from the list

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(app.Close)
	target, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan relay.Event, 1)
	h, err := relay.New(relay.Config{Secret: "s3cret", Target: target, OnEvent: func(ev relay.Event) { events <- ev }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	req := httptest.NewRequestWithContext(t.Context(), "POST", "/s3cret", strings.NewReader(body))
	req.Header.Set("Content-Type", logFormType)
	h.ServeHTTP(httptest.NewRecorder(), req)
	ev := <-events

	if diff := cmp.Diff(ev.IDs, recordIDParams(body)); diff != "" {
		t.Errorf("recordIDParams differs from relay.Event.IDs (-relay +recordIDParams):\n%s", diff)
	}
	if diff := cmp.Diff(ev.IDs, recordFromMock(mockpodio.Delivery{Body: body}).IDs); diff != "" {
		t.Errorf("recordFromMock IDs differ from relay.Event.IDs (-relay +mock):\n%s", diff)
	}
}

func TestDeliveryLogger(t *testing.T) {
	t.Run("logs", func(t *testing.T) {
		dir := stateDir(t)
		var warn strings.Builder
		l := openDeliveryLogger(&warn)
		if l == nil {
			t.Fatalf("openDeliveryLogger = nil; warning %q", warn.String())
		}
		if l.dir() != dir {
			t.Errorf("dir() = %q, want %q", l.dir(), dir)
		}
		a := l.append(recordFromRelay(relay.Event{Time: logT0, Kind: relay.KindDelivery, Type: "item.create", Status: 200}))
		b := l.append(recordFromMock(mockpodio.Delivery{At: logT0, Type: "item.update", URL: "http://127.0.0.1:1/", Outcome: mockpodio.OutcomeFailed}))
		l.close()
		got, err := deliverylog.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]deliverylog.Record{a, b}, got); diff != "" {
			t.Errorf("logged (-want +got):\n%s", diff)
		}
		if a.ID == "" || b.ID == "" || warn.Len() != 0 {
			t.Errorf("IDs %q and %q, warning %q; want IDs and no warning", a.ID, b.ID, warn.String())
		}
	})
	t.Run("warns once when it cannot write", func(t *testing.T) {
		stateDir(t)
		var warn strings.Builder
		l := openDeliveryLogger(&warn)
		l.close()
		r := deliverylog.Record{Source: "up", Kind: "delivery"}
		for range 3 {
			if got := l.append(r); got.ID != "" {
				t.Errorf("append after close = %+v, want the record unchanged", got)
			}
		}
		if n := strings.Count(warn.String(), "\n"); n != 1 || !strings.HasPrefix(warn.String(), "devhook: warning: deliveries are no longer logged: ") {
			t.Errorf("warning %q, want one line", warn.String())
		}
	})
	t.Run("warns and logs nothing when it cannot open", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "a-file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(deliverylog.StateDirEnv, file)
		var warn strings.Builder
		l := openDeliveryLogger(&warn)
		if l != nil {
			t.Errorf("openDeliveryLogger on a file = %v, want nil", l)
		}
		if n := strings.Count(warn.String(), "\n"); n != 1 || !strings.HasPrefix(warn.String(), "devhook: warning: deliveries will not be logged: ") {
			t.Errorf("warning %q, want one line", warn.String())
		}
		r := deliverylog.Record{Source: "up", Kind: "delivery"}
		if diff := cmp.Diff(r, l.append(r)); diff != "" {
			t.Errorf("nil append changed the record (-want +got):\n%s", diff)
		}
		if l.dir() != "" {
			t.Errorf("nil dir() = %q, want empty", l.dir())
		}
		l.close()
	})
}
