package outbox_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/outbox"
)

func TestRunsInOrder(t *testing.T) {
	var o outbox.Outbox
	var mu sync.Mutex
	var got, want []int
	for i := range 10_000 {
		want = append(want, i)
		o.Push(func() {
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
		})
	}
	o.Wait()
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run order (-pushed +ran):\n%s", diff)
	}
	if n := o.Len(); n != 0 {
		t.Errorf("Len after Wait = %d, want 0", n)
	}
}

// TestPushDoesNotWaitForACallback: a blocked callback holds up only the
// callbacks after it, never Push.
func TestPushDoesNotWaitForACallback(t *testing.T) {
	o := outbox.Outbox{Limit: 100}
	started, release := make(chan struct{}), make(chan struct{})
	o.Push(func() { close(started); <-release })
	<-started
	ran := 0
	for range 1000 { // past Limit: Push itself never blocks
		o.Push(func() { ran++ })
	}
	if n := o.Len(); n != 1001 {
		t.Errorf("Len = %d, want 1001", n)
	}
	close(release)
	o.Wait()
	if ran != 1000 {
		t.Errorf("%d callbacks ran, want 1000", ran)
	}
}

// TestWaitRoom: WaitRoom returns at once below Limit, and blocks at Limit
// until callbacks have run.
func TestWaitRoom(t *testing.T) {
	o := outbox.Outbox{Limit: 3}
	o.WaitRoom() // empty
	started, release := make(chan struct{}), make(chan struct{})
	o.Push(func() { close(started); <-release })
	<-started
	o.Push(func() {})
	o.WaitRoom() // 2 waiting, below 3
	o.Push(func() {})
	done := make(chan struct{})
	go func() { o.WaitRoom(); close(done) }()
	select {
	case <-done:
		t.Fatal("WaitRoom returned with Limit callbacks waiting")
	default:
	}
	close(release)
	<-done // bounded by the test's timeout: it must return once they ran
	o.Wait()
}

// TestPushAfterIdle: once the queue has drained, a later Push runs too.
func TestPushAfterIdle(t *testing.T) {
	var o outbox.Outbox
	for round := range 3 {
		ran := make(chan int, 1)
		o.Push(func() { ran <- round })
		if got := <-ran; got != round {
			t.Fatalf("round %d ran %d", round, got)
		}
		o.Wait()
	}
}
