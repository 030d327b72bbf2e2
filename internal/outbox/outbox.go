// Package outbox runs callbacks one at a time, in the order they were
// queued, on a goroutine of its own, so that whoever queues them (a
// request handler, a delivery holding a lock) never waits for them.
//
// A delivery log on a slow disk or an inspector with a slow page then
// costs the caller one append, not the callback's time.
package outbox

import "sync"

// DefaultLimit is the number of waiting callbacks past which
// [Outbox.WaitRoom] blocks when Limit is 0.
const DefaultLimit = 16384

// Outbox is a FIFO of callbacks run by one goroutine. Its zero value is
// ready to use. The goroutine is started when a callback is queued and
// ends when the queue is empty, so an idle Outbox holds none.
type Outbox struct {
	// Limit bounds the callbacks waiting to run: [Outbox.WaitRoom] blocks
	// while Limit or more wait. 0 means DefaultLimit.
	Limit int

	mu      sync.Mutex
	cond    sync.Cond // broadcast when callbacks have run; L is &mu
	queue   []func()  // waiting, oldest first
	spare   []func()  // the last batch's array, reused
	pending int       // queued and not yet finished, the running batch included
	running bool      // the goroutine is running
	pushes  uint64    // callbacks pushed so far, to tell which was pushed last
	joined  int       // items run by batches of the running run, beyond one per callback
}

// Push queues f and returns at once; f runs after every callback pushed
// before it. Push never blocks, so it may be called with other locks
// held (that is how callbacks keep the order of the events they report);
// callers keep the queue bounded by calling [Outbox.WaitRoom] before they
// take those locks.
func (o *Outbox) Push(f func()) {
	o.mu.Lock()
	o.pushLocked(f)
	o.mu.Unlock()
}

func (o *Outbox) pushLocked(f func()) {
	o.queue = append(o.queue, f)
	o.pending++
	o.pushes++
	if !o.running {
		o.running = true
		go o.run()
	}
}

// run runs the queue in batches until it is empty.
func (o *Outbox) run() {
	o.mu.Lock()
	for len(o.queue) > 0 {
		batch := o.queue
		o.queue, o.spare = o.spare[:0], nil
		o.mu.Unlock()
		for _, f := range batch {
			f()
		}
		clear(batch) // let the callbacks' captures go
		o.mu.Lock()
		o.spare = batch[:0]
		o.pending -= len(batch) + o.joined
		o.joined = 0
		o.initLocked()
		o.cond.Broadcast()
	}
	o.running = false
	o.mu.Unlock()
}

func (o *Outbox) initLocked() {
	if o.cond.L == nil {
		o.cond.L = &o.mu
	}
}

func (o *Outbox) limit() int {
	if o.Limit > 0 {
		return o.Limit
	}
	return DefaultLimit
}

// WaitRoom blocks while Limit or more callbacks wait to run. Call it
// without holding locks a callback may need.
func (o *Outbox) WaitRoom() {
	o.mu.Lock()
	o.initLocked()
	for o.pending >= o.limit() {
		o.cond.Wait()
	}
	o.mu.Unlock()
}

// Wait blocks until every callback queued so far, and any queued while it
// waits, has run. It must not be called from a callback.
func (o *Outbox) Wait() {
	o.mu.Lock()
	o.initLocked()
	for o.pending > 0 {
		o.cond.Wait()
	}
	o.mu.Unlock()
}

// Len returns how many callbacks are queued or running.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pending
}

// Batch gathers items pushed in a row into one callback on an Outbox, for
// a callback that does better with several at once (one write(2) for many
// log lines). Its zero value is not usable: set Outbox and Run.
type Batch[T any] struct {
	// Outbox runs the batches.
	Outbox *Outbox
	// Run is called with each batch's items, in the order they were added.
	Run func([]T)

	open *openBatch[T] // the batch queued last, while it may still grow
}

type openBatch[T any] struct {
	items []T
	push  uint64 // the Outbox's pushes when it was queued
}

// Add queues item: it joins the batch queued last on the Outbox when that
// batch has not started and nothing was pushed after it, or else starts a
// new batch, queued as a callback. So items run in order with every other
// callback, as if each were a callback of its own, and each counts
// against Limit the same way. Add never blocks, and is safe for
// concurrent use.
func (b *Batch[T]) Add(item T) {
	o := b.Outbox
	o.mu.Lock()
	defer o.mu.Unlock()
	if ob := b.open; ob != nil && ob.push == o.pushes {
		ob.items = append(ob.items, item)
		o.pending++
		return
	}
	ob := &openBatch[T]{items: []T{item}}
	b.open = ob
	o.pushLocked(func() {
		o.mu.Lock()
		if b.open == ob {
			b.open = nil
		}
		items := ob.items
		ob.items = nil
		o.joined += len(items) - 1
		o.mu.Unlock()
		b.Run(items)
	})
	ob.push = o.pushes
}
