package outbox_test

import (
	"strconv"
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

// TestBatchJoinsItemsInARow: items added in a row while the outbox is busy
// run as one batch; a callback pushed between them starts a new batch, and
// the order of items and callbacks is kept. Each item counts in Len.
func TestBatchJoinsItemsInARow(t *testing.T) {
	var o outbox.Outbox
	var mu sync.Mutex
	var got []string
	note := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	b := outbox.Batch[int]{Outbox: &o, Run: func(items []int) {
		s := "batch"
		for _, i := range items {
			s += " " + strconv.Itoa(i)
		}
		note(s)
	}}
	started, release := make(chan struct{}), make(chan struct{})
	o.Push(func() { close(started); <-release })
	<-started
	for i := range 3 {
		b.Add(i)
	}
	o.Push(func() { note("callback") })
	b.Add(3)
	b.Add(4)
	if n := o.Len(); n != 7 {
		t.Errorf("Len = %d, want 7 (the running callback, 5 items, 1 callback)", n)
	}
	close(release)
	o.Wait()
	want := []string{"batch 0 1 2", "callback", "batch 3 4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if n := o.Len(); n != 0 {
		t.Errorf("Len after Wait = %d, want 0", n)
	}
}

// TestBatchStartedTakesNoMore: once a batch has started, a later Add
// starts the next one instead of joining it.
func TestBatchStartedTakesNoMore(t *testing.T) {
	var o outbox.Outbox
	runs := make(chan []int, 2)
	started, release := make(chan struct{}), make(chan struct{})
	first := true
	b := outbox.Batch[int]{Outbox: &o, Run: func(items []int) {
		if first {
			first = false
			close(started)
			<-release
		}
		runs <- items
	}}
	b.Add(1)
	<-started
	b.Add(2)
	b.Add(3)
	close(release)
	o.Wait()
	close(runs)
	var got [][]int
	for r := range runs {
		got = append(got, r)
	}
	if diff := cmp.Diff([][]int{{1}, {2, 3}}, got); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
}

// TestBatchItemsCountAgainstLimit: WaitRoom blocks while Limit items wait,
// whether they joined one batch or not.
func TestBatchItemsCountAgainstLimit(t *testing.T) {
	o := outbox.Outbox{Limit: 3}
	started, release := make(chan struct{}), make(chan struct{})
	o.Push(func() { close(started); <-release })
	<-started
	b := outbox.Batch[int]{Outbox: &o, Run: func([]int) {}}
	b.Add(1)
	o.WaitRoom() // 2 waiting, below 3
	b.Add(2)
	done := make(chan struct{})
	go func() { o.WaitRoom(); close(done) }()
	select {
	case <-done:
		t.Fatal("WaitRoom returned with Limit items waiting in one batch")
	default:
	}
	close(release)
	<-done // bounded by the test's timeout: it must return once they ran
	o.Wait()
}
