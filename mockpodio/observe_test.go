package mockpodio_test

import (
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
