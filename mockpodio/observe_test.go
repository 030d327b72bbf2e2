package mockpodio_test

import (
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

func TestOnDeliverySeesEveryRecord(t *testing.T) {
	var mu sync.Mutex
	var seen []mockpodio.Delivery
	s := newServer(t, func(s *mockpodio.Server) {
		s.OnDelivery = func(d mockpodio.Delivery) {
			mu.Lock()
			seen = append(seen, d)
			mu.Unlock()
		}
	})
	token := tokenFor(t, s, "7", "tok")
	rs := statusReceiver(t, s, token, failIfAsked)
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	fire(t, s, 7, "ok")
	fire(t, s, 7, "fail")
	s.Close() // OnDelivery runs on the server's goroutine: Close waits for it
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(s.Deliveries(), seen); diff != "" {
		t.Errorf("OnDelivery saw (-recorded +seen):\n%s", diff)
	}
}

// deliveryLine matches the Logf line of a delivery; the group is its
// outcome.
var deliveryLine = regexp.MustCompile(`^hook \d+  \S+  -> (\S+) `)

// TestOnDeliveriesBatchesInOrder: OnDeliveries gets every recorded
// delivery once, in order; deliveries recorded while a call runs come in
// one call; each delivery's Logf line comes after the call that has it.
func TestOnDeliveriesBatchesInOrder(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string // the external_id (or type) of each call's deliveries
	var all []mockpodio.Delivery
	var events []string // "call N" and delivery lines, in the order they ran
	started, release := make(chan struct{}), make(chan struct{})
	s := newServer(t, func(s *mockpodio.Server) {
		s.OnDeliveries = func(ds []mockpodio.Delivery) {
			var names []string
			for _, d := range ds {
				name := d.Params["external_id"]
				if name == "" {
					name = d.Type
				}
				names = append(names, name)
			}
			mu.Lock()
			calls = append(calls, names)
			all = append(all, ds...)
			events = append(events, fmt.Sprintf("call %d", len(calls)))
			mu.Unlock()
			if names[0] == "ok" {
				close(started)
				<-release
			}
		}
		s.OnDelivery = func(mockpodio.Delivery) { t.Error("OnDelivery called with OnDeliveries set") }
		s.Logf = func(format string, args ...any) {
			if m := deliveryLine.FindStringSubmatch(fmt.Sprintf(format, args...)); m != nil {
				mu.Lock()
				events = append(events, "line "+m[1])
				mu.Unlock()
			}
		}
	})
	token := tokenFor(t, s, "7", "tok")
	rs := statusReceiver(t, s, token, failIfAsked)
	activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	fire(t, s, 7, "ok")
	<-started
	for _, ext := range []string{"a", "fail", "b"} {
		fire(t, s, 7, ext)
	}
	close(release)
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(s.Deliveries(), all); diff != "" {
		t.Errorf("OnDeliveries saw (-recorded +seen):\n%s", diff)
	}
	want := [][]string{{"hook.verify"}, {"ok"}, {"a", "fail", "b"}}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	wantEvents := []string{"call 1", "line delivered", "call 2", "line delivered", "call 3", "line delivered", "line failed", "line delivered"}
	if diff := cmp.Diff(wantEvents, events); diff != "" {
		t.Errorf("calls and lines (-want +got):\n%s", diff)
	}
}
