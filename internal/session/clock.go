package session

import (
	"time"

	"github.com/devhookhq/devhook/internal/clock"
)

// after returns a channel closed once d has passed on c, and the timer
// that closes it.
func after(c clock.Clock, d time.Duration) (<-chan struct{}, clock.Timer) {
	ch := make(chan struct{})
	t := c.AfterFunc(d, func() { close(ch) })
	return ch, t
}
