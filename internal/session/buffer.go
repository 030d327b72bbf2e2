package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/relay"
)

// Bounds of the buffer that holds events while the local app is down
// (README, "Long sessions"). An event past either bound is not kept:
// Podio gets the 502 it would get without the buffer.
const (
	DefaultBufferEvents = 1000
	DefaultBufferBytes  = 16 << 20 // request bodies and headers
)

// Held events are delivered in arrival order once the app answers again:
// the session tries the oldest after flushFirst, then twice as long each
// time up to flushMax, and at once when a new event arrives.
const (
	flushFirst = 500 * time.Millisecond
	flushMax   = 30 * time.Second
)

// held is one event in the buffer.
type held struct {
	rec  deliverylog.Record
	id   string // its record's ID in the delivery log; "" when not logged
	size int
}

// buffer holds deliveries while the local app is down. It implements
// relay.Buffer.
type buffer struct {
	s        *Session
	max      int
	maxBytes int

	mu       sync.Mutex // guards the fields below
	items    []*held
	reserved int // events kept by the relay and not yet logged
	bytes    int
	full     bool // warned that the buffer is full
	pending  map[int64]int
	kick     chan struct{}
}

func newBuffer(s *Session) *buffer {
	b := &buffer{s: s, max: s.cfg.BufferEvents, maxBytes: s.cfg.BufferBytes, pending: map[int64]int{}, kick: make(chan struct{}, 1)}
	if b.max <= 0 {
		b.max = DefaultBufferEvents
	}
	if b.maxBytes <= 0 {
		b.maxBytes = DefaultBufferBytes
	}
	return b
}

func eventSize(rec deliverylog.Record) int {
	n := len(rec.Request.Body) + len(rec.Request.Path) + len(rec.Request.Query)
	for k, vs := range rec.Request.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// Holding implements relay.Buffer.
func (b *buffer) Holding() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items)+b.reserved > 0
}

// Keep implements relay.Buffer.
func (b *buffer) Keep(rec deliverylog.Record) bool {
	size := eventSize(rec)
	b.mu.Lock()
	if len(b.items)+b.reserved >= b.max || b.bytes+size > b.maxBytes {
		warn := !b.full
		b.full = true
		b.mu.Unlock()
		if warn {
			b.s.emit(Warning{Text: fmt.Sprintf("devhook: warning: the buffer is full (%d events, %d bytes at most): until your app takes them, Podio gets 502 for new events", b.max, b.maxBytes)})
		}
		return false
	}
	b.full = false
	b.reserved++
	b.bytes += size
	b.mu.Unlock()
	return true
}

// add holds rec, which Keep accepted and the relay now reports, once log
// has logged it: under the buffer's lock, so that the held events are in
// the order of their records in the delivery log. It returns the record
// and how many events the hook now has held.
func (b *buffer) add(rec deliverylog.Record, log func() string) (string, int) {
	b.mu.Lock()
	id := log()
	if b.reserved > 0 {
		b.reserved--
	}
	b.items = append(b.items, &held{rec: rec, id: id, size: eventSize(rec)})
	b.pending[rec.HookID]++
	count := b.pending[rec.HookID]
	b.mu.Unlock()
	b.wake()
	return id, count
}

func (b *buffer) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// restore holds the events an earlier run kept and never delivered: the
// delivery log's queued records for this target that no later record
// delivered. It returns how many it holds.
func (b *buffer) restore(recs []deliverylog.Record, target string) int {
	delivered := map[string]bool{}
	for _, r := range recs {
		if r.ReplayOf != "" && r.Status != 0 {
			delivered[r.ReplayOf] = true
		}
	}
	n := 0
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range recs {
		if r.Outcome != deliverylog.OutcomeQueued || r.Target != target || delivered[r.ID] {
			continue
		}
		rec := deliverylog.Record{
			Time: r.Time, Source: r.Source, Kind: deliverylog.KindDelivery, Type: r.Type, HookID: r.HookID, IDs: r.IDs,
			Request: deliverylog.Request{Method: r.Request.Method, Path: r.Request.Path, Query: r.Request.Query,
				Header: r.Request.Header, Body: r.Request.Body},
		}
		size := eventSize(rec)
		if len(b.items) >= b.max || b.bytes+size > b.maxBytes {
			break
		}
		b.items = append(b.items, &held{rec: rec, id: r.ID, size: size})
		b.bytes += size
		b.pending[r.HookID]++
		n++
	}
	return n
}

// head returns the oldest held event, or nil.
func (b *buffer) head() *held {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.items) == 0 {
		return nil
	}
	return b.items[0]
}

// pop removes h, the head.
func (b *buffer) pop(h *held) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.items) > 0 && b.items[0] == h {
		b.items[0] = nil
		b.items = b.items[1:]
		b.bytes -= h.size
	}
	if b.pending[h.rec.HookID] > 0 {
		b.pending[h.rec.HookID]--
	}
}

// left returns the held events.
func (b *buffer) left() []deliverylog.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]deliverylog.Record, len(b.items))
	for i, h := range b.items {
		out[i] = h.rec
	}
	return out
}

// leftIDs returns the record IDs of the held events ("" when not logged).
func (b *buffer) leftIDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, len(b.items))
	for i, h := range b.items {
		out[i] = h.id
	}
	return out
}

// flush delivers held events, oldest first, until ctx is done: when
// woken, and again after a backoff while the app is down.
func (b *buffer) flush(ctx context.Context) {
	wait := flushFirst
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		for b.deliverHeld(ctx) {
			if err := sleep(ctx, b.s.clock, wait); err != nil {
				return
			}
			wait = min(2*wait, flushMax)
		}
		wait = flushFirst
	}
}

// deliverHeld delivers held events, oldest first, and reports whether it
// stopped because the app is still down.
func (b *buffer) deliverHeld(ctx context.Context) (down bool) {
	flushed := map[int64]int{}
	var order []int64
	defer func() {
		for _, id := range order {
			b.s.emit(HookState{HookID: id, State: StateFlushed, Count: flushed[id],
				Line: fmt.Sprintf("hook %d: delivered %d held %s to your app", id, flushed[id], plural(flushed[id], "event", "events"))})
		}
	}()
	for h := b.head(); h != nil; h = b.head() {
		tctx, cancel := context.WithTimeout(ctx, b.s.deliveryTimeout())
		rec, err := b.s.relay.Redeliver(tctx, h.rec)
		cancel()
		if err != nil {
			return ctx.Err() == nil
		}
		b.pop(h)
		rec.ReplayOf = h.id
		b.s.emit(Delivery{Record: b.s.logRecord(rec)})
		if flushed[rec.HookID] == 0 {
			order = append(order, rec.HookID)
		}
		flushed[rec.HookID]++
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// queuedState is the HookState of a newly held event.
func queuedState(id int64, count int) HookState {
	return HookState{HookID: id, State: StateQueued, Count: count,
		Line: fmt.Sprintf("hook %d: your app is down; devhook answered Podio 200 and holds %d %s for it", id, count, plural(count, "event", "events"))}
}

// Undelivered is reported on exit when held events were never delivered.
// They stay in the delivery log (Records' IDs), so `devhook replay ID`
// sends one, and the next `devhook up` with the same target delivers
// them.
type Undelivered struct {
	Records []deliverylog.Record
	IDs     []string // record IDs, "" for an event the log did not keep
}

func (Undelivered) isEvent() {}

var _ relay.Buffer = (*buffer)(nil)

// startBuffer holds again what an earlier run kept for this target and
// never delivered, and starts delivering held events.
func (s *Session) startBuffer(ctx context.Context) {
	if s.buffer == nil {
		return
	}
	if dir := s.feed.LogDir(); dir != "" {
		if recs, err := deliverylog.Read(dir); err == nil {
			if n := s.buffer.restore(recs, s.cfg.Target.Redacted()); n > 0 {
				s.emit(Warning{Text: fmt.Sprintf("devhook: %d %s held by an earlier run (your app was down) will be delivered to it first", n, plural(n, "event", "events"))})
			}
		}
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.buffer.flush(ctx)
	}()
	s.buffer.wake()
}
