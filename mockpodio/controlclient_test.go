package mockpodio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// The control client sees over HTTP what the server's own methods see.
func TestControlClient(t *testing.T) {
	clock := mockpodio.NewManualClock(clockStart)
	s := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
	cc := &mockpodio.ControlClient{URL: s.URL, HTTPClient: s.Client()}
	ctx := awaitCtx(t)
	rcv := mockpodio.NewReceiver(t, s)
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
	if err != nil {
		t.Fatal(err)
	}

	hooks, err := cc.Hooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Hooks(), hooks); diff != "" {
		t.Errorf("Hooks (-server +client):\n%s", diff)
	}

	id, err := cc.FireEvent(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", map[string]string{"external_id": "cc"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := cc.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.EventID == id })
	if err != nil {
		t.Fatal(err)
	}
	if d.Params["external_id"] != "cc" || d.HookID != h.HookID || d.Outcome != mockpodio.OutcomeDelivered {
		t.Errorf("delivery = %+v", d)
	}
	all, err := cc.Deliveries(ctx, mockpodio.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Deliveries(), all, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("Deliveries (-server +client):\n%s", diff)
	}
	verifies, err := cc.Deliveries(ctx, mockpodio.DeliveryFilter{HookID: h.HookID, Type: "hook.verify", Outcome: mockpodio.OutcomeDelivered})
	if err != nil {
		t.Fatal(err)
	}
	later, err := cc.Deliveries(ctx, mockpodio.DeliveryFilter{After: verifies[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(verifies) != 1 || len(later) != 1 || later[0].ID != d.ID {
		t.Errorf("filtered: %d verifies, %d later; want 1 and 1", len(verifies), len(later))
	}

	// Fire and HookCount, the forms devhook trigger takes.
	if id2, err := cc.Fire(ctx, fixtures.RefApp, mockpodio.DefaultAppID, "item.create", nil); err != nil || id2 <= id {
		t.Errorf("Fire = %d, %v; want an event after %d", id2, err, id)
	}
	// A second item.create hook on the app that stays inactive: its
	// receiver ignores the handshake.
	deaf := mockpodio.NewReceiver(t, s)
	deaf.IgnoreVerify()
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/hook/app/3001/", strings.NewReader(`{"url":"`+deaf.URL+`","type":"item.create"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "OAuth2 "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create the inactive hook: %s", res.Status)
	}
	for _, tt := range []struct {
		refType          string
		refID            int64
		typ              string
		wantN, wantActve int
	}{
		{fixtures.RefApp, mockpodio.DefaultAppID, "item.create", 2, 1},
		{fixtures.RefApp, mockpodio.DefaultAppID, "item.update", 0, 0},
		{fixtures.RefSpace, mockpodio.DefaultAppID, "item.create", 0, 0},
		{fixtures.RefApp, 99, "item.create", 0, 0},
	} {
		n, active, err := cc.HookCount(ctx, tt.refType, tt.refID, tt.typ)
		if err != nil || n != tt.wantN || active != tt.wantActve {
			t.Errorf("HookCount(%s %d, %s) = %d, %d, %v; want %d, %d", tt.refType, tt.refID, tt.typ, n, active, err, tt.wantN, tt.wantActve)
		}
	}

	// The inactive hook's hook.verify is delivered in the background: the
	// four deliveries (two hook.verify, two item.create) must be recorded
	// before the two reads of the counters can agree.
	if err := s.AwaitDeliveries(ctx, 4); err != nil {
		t.Fatal(err)
	}
	stats, err := cc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Stats(), stats); diff != "" {
		t.Errorf("Stats (-server +client):\n%s", diff)
	}

	st, err := cc.Advance(ctx, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Now.Equal(clockStart.Add(15*time.Minute)) || !st.Manual || !clock.Now().Equal(st.Now) {
		t.Errorf("after Advance: %+v, clock %s", st, clock.Now())
	}
	if st, err := cc.ClockState(ctx); err != nil || !st.Now.Equal(clock.Now()) {
		t.Errorf("ClockState = %+v, %v", st, err)
	}

	fault := mockpodio.Faults{Delivery: []mockpodio.DeliveryFault{{HookID: h.HookID, DropRate: 1}}}
	got, err := cc.AddFaults(ctx, fault)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.CurrentFaults(), got); diff != "" {
		t.Errorf("AddFaults (-server +client):\n%s", diff)
	}
	if cur, err := cc.CurrentFaults(ctx); err != nil || len(cur.Delivery) != 1 {
		t.Errorf("CurrentFaults = %+v, %v", cur, err)
	}
	if err := cc.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if f := s.CurrentFaults(); len(f.Delivery)+len(f.API) != 0 {
		t.Errorf("faults after ClearFaults: %+v", f)
	}

	if _, err := cc.AwaitHook(ctx, h.HookID, func(h mockpodio.Hook) bool { return h.Status == "active" }); err != nil {
		t.Fatal(err)
	}
	if err := cc.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Hooks()); n != 0 {
		t.Errorf("%d hooks after Reset", n)
	}
}

func TestControlClientErrors(t *testing.T) {
	s := mockpodio.NewTestServer(t) // on the wall clock
	cc := &mockpodio.ControlClient{URL: s.URL + "/"}
	ctx := awaitCtx(t)
	tests := []struct {
		name   string
		call   func() error
		status int
	}{
		{"advance the wall clock", func() error { _, err := cc.Advance(ctx, time.Minute); return err }, http.StatusConflict},
		{"unknown event type", func() error {
			_, err := cc.FireEvent(ctx, mockpodio.AppRef(1), "item.explode", nil)
			return err
		}, http.StatusBadRequest},
		{"bad fault", func() error {
			_, err := cc.AddFaults(ctx, mockpodio.Faults{Delivery: []mockpodio.DeliveryFault{{DropRate: 2}}})
			return err
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var apiErr *mockpodio.APIError
			if err := tt.call(); !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Errorf("error = %v, want an APIError %d", err, tt.status)
			}
		})
	}
	// Awaits fail when their context ends, with its cause.
	short, cancel := context.WithCancelCause(ctx)
	cause := errors.New("gave up")
	cancel(cause)
	if _, err := cc.AwaitHook(short, 1, func(mockpodio.Hook) bool { return true }); !errors.Is(err, cause) {
		t.Errorf("AwaitHook on an ended context: %v", err)
	}
	// A mock that is gone is an error, not a wait.
	gone := &mockpodio.ControlClient{URL: "http://127.0.0.1:1"}
	if _, err := gone.AwaitDelivery(ctx, func(mockpodio.Delivery) bool { return true }); err == nil {
		t.Error("AwaitDelivery on a mock that is not there succeeded")
	}
}
