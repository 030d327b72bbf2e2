package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
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
