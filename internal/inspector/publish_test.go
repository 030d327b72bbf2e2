package inspector

import (
	"testing"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// A stream that does not keep up is ended, never waited for.
func TestPublishDropsSlowStream(t *testing.T) {
	var s Server
	slow, ok := s.subscribe()
	if !ok {
		t.Fatal("subscribe on a new Server: not ok")
	}
	for range streamBuffer + 1 {
		s.Publish(deliverylog.Record{ID: "r"})
	}
	n := 0
	for range slow {
		n++
	}
	if n != streamBuffer {
		t.Errorf("slow stream got %d records before it ended, want %d", n, streamBuffer)
	}
	s.mu.Lock()
	left := len(s.streams)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d streams left, want 0", left)
	}
	s.unsubscribe(slow) // the handler's deferred call: harmless now
}
