package session

import (
	"fmt"
	"sync"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// DefaultQueueBytes bounds the records waiting in the session's records
// queue (between the relay's answer and the log, the inspector and the
// terminal) when Config.QueueBytes is zero. The queue also holds at most
// outbox.DefaultLimit (16,384) records; each record the relay reports
// carries at most deliverylog.MaxBody of its request and response bodies
// besides its headers, so without this bound a slow terminal or disk
// could have some 3 GiB waiting.
const DefaultQueueBytes = 64 << 20

// queueBytes counts the bytes of the records waiting in the records
// queue. A record that does not fit is queued without its headers and
// bodies (deliverylog.Shed), never held back: the relay has answered by
// then, and the record still says what came and what became of it. A
// held (queued) delivery is never shed: the buffer needs its body, and
// its own bound (BufferBytes) already counts it.
type queueBytes struct {
	mu       sync.Mutex // guards the fields below
	used     int64
	shed     int  // records shed this run
	shedding bool // the last record was shed: warned for this stretch
}

// recordSize estimates what rec holds in memory.
func recordSize(rec deliverylog.Record) int64 {
	n := 512 + len(rec.Request.Body) + len(rec.Response.Body) + len(rec.Request.Path) + len(rec.Request.Query) +
		len(rec.Error) + len(rec.Warning) + len(rec.Target) + len(rec.Type)
	for _, id := range rec.IDs {
		n += len(id) + 16
	}
	for _, h := range []map[string][]string{rec.Request.Header, rec.Response.Header} {
		for k, vs := range h {
			n += len(k) + 32
			for _, v := range vs {
				n += len(v) + 16
			}
		}
	}
	return int64(n)
}

// shedWarning is what a shed record's Warning says.
const shedWarning = "devhook kept no headers or bodies of this request: its records queue was full (a slow terminal, log or inspector)"

// admit counts rec into the queue, shedding its headers and bodies when
// the queue holds max bytes or more (0 means DefaultQueueBytes). It
// returns the record to queue, its size, to give back with release once
// it has been handled, and a warning to report with it when it begins a
// stretch of shed records.
func (q *queueBytes) admit(rec deliverylog.Record, max int64) (deliverylog.Record, int64, string) {
	if max <= 0 {
		max = DefaultQueueBytes
	}
	size := recordSize(rec)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used+size <= max || rec.Outcome == deliverylog.OutcomeQueued {
		q.shedding = false
		q.used += size
		return rec, size, ""
	}
	rec = deliverylog.Shed(rec)
	if rec.Warning != "" {
		rec.Warning += "; "
	}
	rec.Warning += shedWarning
	size = recordSize(rec)
	q.used += size
	q.shed++
	notice := ""
	if !q.shedding {
		q.shedding = true
		notice = fmt.Sprintf("devhook: warning: more than %d MiB of records wait to be logged and shown: "+
			"requests are kept without their headers and bodies until they catch up (%d so far this run)", max>>20, q.shed)
	}
	return rec, size, notice
}

// release gives back the size of a record admit counted.
func (q *queueBytes) release(size int64) {
	q.mu.Lock()
	q.used -= size
	q.mu.Unlock()
}

// summary returns a warning counting the records shed this run, or "".
func (q *queueBytes) summary() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shed == 0 {
		return ""
	}
	return fmt.Sprintf("devhook: warning: %d requests were kept without their headers and bodies this run: the records queue was full", q.shed)
}

// inUse returns the bytes counted and not given back.
func (q *queueBytes) inUse() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.used
}
