package session

import (
	"time"
)

// Waiting is reported when the session stops with deliveries still being
// forwarded to the local app: it waits for them, at most UpTo (what is
// left of the delivery timeout of the oldest).
type Waiting struct {
	N    int
	UpTo time.Duration
}

func (Waiting) isEvent() {}

// reportInFlight reports the deliveries the stop waits for, if any.
func (s *Session) reportInFlight() {
	if s.relay == nil {
		return
	}
	n, oldest := s.relay.InFlight()
	if n == 0 {
		return
	}
	left := max(s.deliveryTimeout()-time.Since(oldest), 0)
	s.emit(Waiting{N: n, UpTo: (left + time.Second - 1).Truncate(time.Second)})
}
