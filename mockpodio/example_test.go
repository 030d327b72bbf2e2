package mockpodio_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestItemCreateReachesTheReceiver is the README's "Use from Go tests"
// example, verbatim (TestREADMEExample keeps them equal).
func TestItemCreateReachesTheReceiver(t *testing.T) {
	podio := mockpodio.NewTestServer(t) // the default seed; closed when the test ends
	rcv := mockpodio.NewReceiver(t, podio)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := podio.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv); err != nil {
		t.Fatal(err) // the hook is active: rcv has validated its hook.verify
	}
	id, err := podio.CreateItem(ctx, mockpodio.DefaultAppID, "bug-1", map[string]any{"title": "It crashes"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Type == "item.create" })
	if err != nil {
		t.Fatal(err)
	}
	if ev.Params["item_id"] != strconv.FormatInt(id, 10) {
		t.Errorf("item_id = %s, want %d", ev.Params["item_id"], id)
	}
}

// TestRehearseSuspension rehearses Podio's suspension on the manual
// clock: 16 failures within 15 minutes suspend the hook, events meanwhile
// are dropped, and 15 minutes later deliveries resume.
func TestRehearseSuspension(t *testing.T) {
	clock := mockpodio.NewManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	podio := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
	rcv := mockpodio.NewReceiver(t, podio)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	hook, err := podio.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", rcv)
	if err != nil {
		t.Fatal(err)
	}
	// deliver creates an item and returns what became of its delivery.
	deliver := func(externalID string) mockpodio.Outcome {
		t.Helper()
		if _, err := podio.CreateItem(ctx, mockpodio.DefaultAppID, externalID, nil); err != nil {
			t.Fatal(err)
		}
		d, err := podio.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.Params["external_id"] == externalID })
		if err != nil {
			t.Fatal(err)
		}
		return d.Outcome
	}

	rcv.Respond(mockpodio.Response{Status: 500}) // the receiver is down
	for i := range 16 {
		if got := deliver(fmt.Sprint("down-", i)); got != mockpodio.OutcomeFailed {
			t.Fatalf("failure %d: %s", i+1, got)
		}
	}
	h, _ := podio.Hook(hook.HookID)
	if want := clock.Now().Add(15 * time.Minute); h.SuspendedUntil == nil || !h.SuspendedUntil.Equal(want) {
		t.Fatalf("after 16 failures: suspended until %v, want %s", h.SuspendedUntil, want)
	}

	rcv.Respond(mockpodio.Response{}) // the receiver is back, the hook still suspended
	if got := deliver("while-suspended"); got != mockpodio.OutcomeDroppedSuspended {
		t.Errorf("while suspended: %s, want %s", got, mockpodio.OutcomeDroppedSuspended)
	}
	if err := podio.Advance(15 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := deliver("after"); got != mockpodio.OutcomeDelivered {
		t.Errorf("15 minutes later: %s, want %s", got, mockpodio.OutcomeDelivered)
	}
	if ev := rcv.Events(); ev[len(ev)-1].Params["external_id"] != "after" {
		t.Errorf("the receiver's last event is %v, want the one after the suspension", ev[len(ev)-1].Params)
	}
}

// A manual clock moves a hook through a 15-minute suspension at once.
func ExampleManualClock() {
	clock := mockpodio.NewManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	podio, err := mockpodio.NewUnstartedServer()
	if err != nil {
		panic(err)
	}
	podio.Clock = clock
	if err := podio.Start(); err != nil {
		panic(err)
	}
	defer podio.Close()

	fmt.Println("now:", clock.Now().Format("15:04"))
	podio.Advance(15 * time.Minute)
	fmt.Println("now:", clock.Now().Format("15:04"))
	// Output:
	// now: 10:00
	// now: 10:15
}

// TestREADMEExample keeps the README's "Use from Go tests" example equal
// to TestItemCreateReachesTheReceiver, and at most 20 lines.
func TestREADMEExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fn := extract(t, string(src), "func TestItemCreateReachesTheReceiver(", "\n}\n")
	section := extract(t, string(readme), "## Use from Go tests", "\n## ")
	block := extract(t, section, "```go\n", "```")
	block = strings.TrimSuffix(strings.TrimPrefix(block, "```go\n"), "```")
	if diff := cmp.Diff(fn, block); diff != "" {
		t.Errorf("README example differs from example_test.go (-example_test.go +README):\n%s", diff)
	}
	if n := strings.Count(block, "\n"); n > 20 {
		t.Errorf("README example has %d lines, want at most 20", n)
	}
}

// extract returns the part of s from the first start through the first
// end after it.
func extract(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("%q not found", start)
	}
	j := strings.Index(s[i+len(start):], end)
	if j < 0 {
		t.Fatalf("%q not found after %q", end, start)
	}
	return s[i : i+len(start)+j+len(end)]
}
