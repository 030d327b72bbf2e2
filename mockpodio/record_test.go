package mockpodio_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/mockpodio"
)

// recordServer starts a mock whose record keeps limit deliveries, with one
// hook that never verifies, and returns it once the hook's hook.verify (to
// a closed port) is recorded: each fired event then records a drop at once.
func recordServer(t *testing.T, limit int) *mockpodio.Server {
	t.Helper()
	s := newServer(t, func(s *mockpodio.Server) { s.MaxDeliveries = limit })
	token := tokenFor(t, s, "7", "tok")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	createHook(t, s, token, "app", 7, "item.create", "http://"+l.Addr().String())
	awaitDeliveries(t, s, 1)
	return s
}

// recordFire fires n events at recordServer's hook.
func recordFire(t *testing.T, s *mockpodio.Server, n int) {
	t.Helper()
	for range n {
		if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
			t.Fatal(err)
		}
	}
}

func recordedIDs(ds []mockpodio.Delivery) []int64 {
	ids := []int64{}
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

func TestRecordKeepsTheNewest(t *testing.T) {
	tests := []struct {
		name        string
		limit       int
		deliveries  int // hook.verify included
		wantIDs     []int64
		wantDropped int
	}{
		{name: "under the cap", limit: 3, deliveries: 2, wantIDs: []int64{1, 2}},
		{name: "at the cap", limit: 3, deliveries: 3, wantIDs: []int64{1, 2, 3}},
		{name: "one over", limit: 3, deliveries: 4, wantIDs: []int64{2, 3, 4}, wantDropped: 1},
		{name: "cap 3, 10 deliveries", limit: 3, deliveries: 10, wantIDs: []int64{8, 9, 10}, wantDropped: 7},
		{name: "cap 1", limit: 1, deliveries: 10, wantIDs: []int64{10}, wantDropped: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := recordServer(t, tt.limit)
			recordFire(t, s, tt.deliveries-1)
			if diff := cmp.Diff(tt.wantIDs, recordedIDs(s.Deliveries())); diff != "" {
				t.Errorf("Deliveries() IDs (-want +got):\n%s", diff)
			}
			st := s.Stats()
			if st.DroppedFromRecord != tt.wantDropped {
				t.Errorf("DroppedFromRecord = %d, want %d", st.DroppedFromRecord, tt.wantDropped)
			}
			if st.Deliveries != int64(tt.deliveries) {
				t.Errorf("Stats().Deliveries = %d, want %d", st.Deliveries, tt.deliveries)
			}
			if n := st.Outcomes[mockpodio.OutcomeFailed] + st.Outcomes[mockpodio.OutcomeDroppedInactive]; n != tt.deliveries {
				t.Errorf("outcomes sum to %d, want %d", n, tt.deliveries)
			}

			ctx, cancel := context.WithTimeout(t.Context(), awaitTimeout)
			defer cancel()
			if err := s.AwaitDeliveries(ctx, tt.deliveries); err != nil {
				t.Errorf("AwaitDeliveries(%d): %v", tt.deliveries, err)
			}
			newest := tt.wantIDs[len(tt.wantIDs)-1]
			d, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.ID == newest })
			if err != nil || d.ID != newest {
				t.Errorf("AwaitDelivery(newest) = %d, %v, want %d", d.ID, err, newest)
			}
			// A dropped delivery is not found; the next one recorded is.
			done, stop := context.WithCancel(t.Context())
			stop()
			if _, err := s.AwaitDelivery(done, func(d mockpodio.Delivery) bool { return d.ID < tt.wantIDs[0] }); !errors.Is(err, context.Canceled) {
				t.Errorf("AwaitDelivery(dropped) error = %v, want context.Canceled", err)
			}
			next := make(chan mockpodio.Delivery, 1)
			go func() {
				d, _ := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.ID == int64(tt.deliveries)+1 })
				next <- d
			}()
			recordFire(t, s, 1)
			if d := <-next; d.ID != int64(tt.deliveries)+1 {
				t.Errorf("AwaitDelivery(next) = delivery %d, want %d", d.ID, tt.deliveries+1)
			}
		})
	}
}

// TestRecordCapChangedMidRun raises and lowers MaxDeliveries while the
// record is full: it keeps the newest that fit and counts the rest.
func TestRecordCapChangedMidRun(t *testing.T) {
	s := recordServer(t, 3)
	recordFire(t, s, 4) // IDs 1..5, record 3..5
	s.MaxDeliveries = 5
	recordFire(t, s, 3) // IDs 6..8, record 4..8
	if diff := cmp.Diff([]int64{4, 5, 6, 7, 8}, recordedIDs(s.Deliveries())); diff != "" {
		t.Errorf("after raising the cap (-want +got):\n%s", diff)
	}
	s.MaxDeliveries = 2
	recordFire(t, s, 1) // ID 9, record 8..9
	if diff := cmp.Diff([]int64{8, 9}, recordedIDs(s.Deliveries())); diff != "" {
		t.Errorf("after lowering the cap (-want +got):\n%s", diff)
	}
	if got := s.Stats().DroppedFromRecord; got != 7 {
		t.Errorf("DroppedFromRecord = %d, want 7", got)
	}
	s.Reset()
	if got := len(s.Deliveries()); got != 0 {
		t.Errorf("after Reset, %d deliveries recorded, want 0", got)
	}
}

// recordT0 is when TestDeliveryRecord's deliveries happen.
var recordT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// TestDeliveryRecord: a mock delivery as the delivery log keeps it.
func TestDeliveryRecord(t *testing.T) {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
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
				StatusCode: 200, Duration: 3 * time.Millisecond, DurationMS: 3, Outcome: mockpodio.OutcomeDelivered, At: recordT0,
			},
			want: deliverylog.Record{
				Time: recordT0, Source: "mock", Kind: "delivery", Type: "item.create", HookID: 101,
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
				DurationMS: 0.5, Outcome: mockpodio.OutcomeFailed, At: recordT0,
			},
			want: deliverylog.Record{
				Time: recordT0, Source: "mock", Kind: "delivery", Type: "comment.create", HookID: 102,
				IDs: []string{"comment_id=9"}, Outcome: "failed", LatencyMS: 0.5, Error: "unreachable: connection refused",
				Target:  "http://127.0.0.1:3000",
				Request: deliverylog.Request{Method: "POST", Path: "/", Header: form, Body: []byte("type=comment.create&hook_id=102&comment_id=9")},
			},
		},
		{
			name: "dropped",
			d: mockpodio.Delivery{
				HookID: 101, Type: "item.delete", URL: "https://example.com/h", Body: "type=item.delete&hook_id=101&item_id=1",
				Error: "hook is suspended until 2025-03-14 09:41:53", Outcome: mockpodio.OutcomeDroppedSuspended, At: recordT0,
			},
			want: deliverylog.Record{
				Time: recordT0, Source: "mock", Kind: "delivery", Type: "item.delete", HookID: 101,
				IDs: []string{"item_id=1"}, Outcome: "dropped_suspended", Error: "hook is suspended until 2025-03-14 09:41:53",
				Target:  "https://example.com/h",
				Request: deliverylog.Request{Method: "POST", Path: "/h", Header: form, Body: []byte("type=item.delete&hook_id=101&item_id=1")},
			},
		},
		{
			name: "hook.verify",
			d: mockpodio.Delivery{
				HookID: 101, Type: "hook.verify", URL: "http://127.0.0.1:3000/a%2Fb", Body: "type=hook.verify&hook_id=101&code=abc",
				StatusCode: 200, DurationMS: 1, Outcome: mockpodio.OutcomeDelivered, At: recordT0,
			},
			want: deliverylog.Record{
				Time: recordT0, Source: "mock", Kind: "verify", Type: "hook.verify", HookID: 101,
				Outcome: "delivered", Status: 200, LatencyMS: 1, Target: "http://127.0.0.1:3000/a%2Fb",
				Request:  deliverylog.Request{Method: "POST", Path: "/a%2Fb", Header: form, Body: []byte("type=hook.verify&hook_id=101&code=abc")},
				Response: deliverylog.Response{Status: 200},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.d.Record()); diff != "" {
				t.Errorf("Record (-want +got):\n%s", diff)
			}
		})
	}
}
