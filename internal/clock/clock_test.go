package clock_test

import (
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/clock"
)

func TestReal(t *testing.T) {
	c := clock.Real()
	before := time.Now()
	if now := c.Now(); now.Before(before) || now.Sub(before) > time.Minute {
		t.Errorf("Now() = %v, want about %v", now, before)
	}
	fired := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("AfterFunc did not fire")
	}
	never := c.AfterFunc(time.Hour, func() { t.Error("a stopped timer fired") })
	if !never.Stop() {
		t.Error("Stop of a pending timer = false, want true")
	}
	if never.Stop() {
		t.Error("second Stop = true, want false")
	}
}
