package mockpodio_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

func TestOnDeliver(t *testing.T) {
	tests := []struct {
		name      string
		resp      mockpodio.Response
		advance   time.Duration // once the timers are armed; 0: none
		outcome   mockpodio.Outcome
		status    int
		errPrefix string
		received  bool // the receiver got the event
	}{
		{"zero sends for real", mockpodio.Response{}, 0, mockpodio.OutcomeDelivered, 200, "", true},
		{"status", mockpodio.Response{Status: 503}, 0, mockpodio.OutcomeFailed, 503, "answered 503", false},
		{"2xx", mockpodio.Response{Status: 204}, 0, mockpodio.OutcomeDelivered, 204, "", false},
		{"drop", mockpodio.Response{Drop: true}, 0, mockpodio.OutcomeFailed, 0, "connection failed", false},
		{"delay within the timeout", mockpodio.Response{Delay: 14 * time.Second}, 14 * time.Second, mockpodio.OutcomeDelivered, 200, "", false},
		{"delay past the timeout", mockpodio.Response{Delay: time.Minute}, 15 * time.Second, mockpodio.OutcomeFailed, 0, "timeout", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := mockpodio.NewManualClock(clockStart)
			s := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
			var (
				mu   sync.Mutex
				seen []mockpodio.Delivery
			)
			s.OnDeliver = func(d *mockpodio.Delivery) mockpodio.Response {
				s.Hooks() // outside the lock: this would deadlock under it
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, *d)
				if d.Type == "item.create" {
					return tt.resp
				}
				return mockpodio.Response{}
			}
			rcv := mockpodio.NewReceiver(t, s)
			ctx := awaitCtx(t)
			h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "x", nil); err != nil {
				t.Fatal(err)
			}
			if tt.advance > 0 {
				if err := clock.AwaitPending(ctx, 2); err != nil { // the timeout and the delay
					t.Fatal(err)
				}
				clock.Advance(tt.advance)
			}
			d := awaitEvent(t, s, h.HookID, "item.create")
			if d.Outcome != tt.outcome || d.StatusCode != tt.status || !strings.HasPrefix(d.Error, tt.errPrefix) {
				t.Errorf("delivery = %s %d %q, want %s %d %q…", d.Outcome, d.StatusCode, d.Error, tt.outcome, tt.status, tt.errPrefix)
			}
			if tt.advance > 0 && d.Duration != tt.advance {
				t.Errorf("duration = %s, want %s", d.Duration, tt.advance)
			}
			got := 0
			for _, ev := range rcv.Events() {
				if ev.Type == "item.create" {
					got++
				}
			}
			if want := map[bool]int{true: 1}[tt.received]; got != want {
				t.Errorf("the receiver got %d item.create, want %d", got, want)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []mockpodio.Delivery{
				{EventID: 1, HookID: h.HookID, Type: "hook.verify", URL: rcv.URL, At: clockStart},
				{EventID: 2, HookID: h.HookID, Type: "item.create", URL: rcv.URL, Params: d.Params, Body: d.Body, At: clockStart},
			}
			if diff := cmp.Diff(want, seen, cmpopts.IgnoreFields(mockpodio.Delivery{}, "Params", "Body")); diff != "" {
				t.Errorf("OnDeliver saw (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(d.Params, seen[1].Params); diff != "" || seen[1].Body != d.Body {
				t.Errorf("OnDeliver's params differ from the record's (-record +seen):\n%s", diff)
			}
		})
	}
}

// OnDeliver rehearses a suspension without a receiver: 16 failures within
// 15 minutes suspend the hook, and 15 minutes later on the manual clock
// deliveries go through again.
func ExampleServer_OnDeliver() {
	clock := mockpodio.NewManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	podio, err := mockpodio.NewUnstartedServer()
	if err != nil {
		panic(err)
	}
	podio.Clock, podio.Seed = clock, mockpodio.DefaultSeed()
	var down atomic.Bool // the receiver we pretend to be answers 500 while down
	podio.OnDeliver = func(d *mockpodio.Delivery) mockpodio.Response {
		if down.Load() {
			return mockpodio.Response{Status: 500}
		}
		return mockpodio.Response{Status: 200}
	}
	if err := podio.Start(); err != nil {
		panic(err)
	}
	defer podio.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	hook, err := podio.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", nil)
	if err != nil {
		panic(err)
	}
	deliver := func(externalID string) mockpodio.Delivery {
		if _, err := podio.CreateItem(ctx, mockpodio.DefaultAppID, externalID, nil); err != nil {
			panic(err)
		}
		d, err := podio.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.Params["external_id"] == externalID })
		if err != nil {
			panic(err)
		}
		return d
	}
	down.Store(true)
	for i := range 16 {
		deliver(fmt.Sprint("down-", i))
	}
	h, _ := podio.Hook(hook.HookID)
	fmt.Println("failures:", h.Failures15m, "suspended until:", h.SuspendedUntil.Format("15:04"))

	down.Store(false)
	fmt.Println("while suspended:", deliver("while-suspended").Outcome)
	podio.Advance(15 * time.Minute)
	fmt.Println(clock.Now().Format("15:04"), deliver("after").Outcome)
	// Output:
	// failures: 16 suspended until: 10:15
	// while suspended: dropped_suspended
	// 10:15 delivered
}
