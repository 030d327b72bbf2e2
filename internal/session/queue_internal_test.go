package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestRecordsQueueBoundedInBytes: while the terminal (the Sink) is stuck,
// the records the relay reports wait in the session's queue; past
// QueueBytes they wait without their headers and bodies, so the queue
// holds at most QueueBytes plus a few hundred bytes a record, not 16,384
// records of two 64 KiB bodies. The relay's goroutine is never held back
// by it. The shed records still say what came (sizes and SHA-256 of the
// request body), each carries a warning, one warning opens the stretch,
// and shutdown counts them. A held delivery (queued for the buffer) is
// never shed.
func TestRecordsQueueBoundedInBytes(t *testing.T) {
	const (
		budget = 1 << 20
		n      = 40
	)
	gate := make(chan struct{})
	var (
		mu         sync.Mutex
		deliveries []deliverylog.Record
		warnings   []string
	)
	blocked := make(chan struct{}, 1)
	s := &Session{cfg: Config{QueueBytes: budget, Sink: func(ev Event) {
		switch ev := ev.(type) {
		case Delivery:
			select {
			case blocked <- struct{}{}:
				<-gate // the first delivery's line holds up every later record
			default:
			}
			mu.Lock()
			deliveries = append(deliveries, ev.Record)
			mu.Unlock()
		case Warning:
			mu.Lock()
			warnings = append(warnings, ev.Text)
			mu.Unlock()
		}
	}}, clock: clock.Real()}

	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	rec := func(i int, outcome deliverylog.Outcome) deliverylog.Record {
		return deliverylog.Record{
			Kind: deliverylog.KindDelivery, Type: "item.create", Time: t0.Add(time.Duration(i) * time.Millisecond),
			Outcome: outcome, Status: 200,
			Request: deliverylog.Request{Method: "POST", Path: "/hook", Header: http.Header{"X-Pad": {strings.Repeat("h", 1000)}},
				Body: bytes.Repeat([]byte{byte('a' + i%26)}, deliverylog.MaxBody)},
			Response: deliverylog.Response{Status: 200, Header: http.Header{"X-Pad": {"r"}}, Body: bytes.Repeat([]byte("r"), deliverylog.MaxBody)},
		}
	}
	sent := make([]deliverylog.Record, 0, n+1)
	for i := range n {
		r := rec(i, deliverylog.OutcomeForwarded)
		sent = append(sent, r)
		s.onRelayEvent(r)
		if i == 0 {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			select {
			case <-blocked:
			case <-ctx.Done():
				t.Fatal("the first record never reached the Sink")
			}
		}
	}
	held := rec(n, deliverylog.OutcomeQueued) // s.buffer is nil: it is logged, not held, but keeps its body
	sent = append(sent, held)
	s.onRelayEvent(held)

	// Every record is queued (the first is at the Sink, already counted).
	used := s.queue.inUse()
	s.queue.mu.Lock()
	shed := s.queue.shed
	s.queue.mu.Unlock()
	whole := n - shed
	if shed == 0 || whole < 2 {
		t.Fatalf("%d of %d records shed, want some kept whole and some shed", shed, n)
	}
	if perShed := int64(4 << 10); used > budget+recordSize(held)+int64(shed)*perShed {
		t.Errorf("the queue holds %d bytes with %d records shed, want at most %d + the held delivery + %d a shed record",
			used, shed, budget, perShed)
	}
	close(gate)
	s.records.Wait()
	if got := s.queue.inUse(); got != 0 {
		t.Errorf("%d bytes still counted after the queue drained", got)
	}
	if notice := s.queue.summary(); !strings.Contains(notice, fmt.Sprintf("%d requests were kept without their headers and bodies", shed)) {
		t.Errorf("summary %q does not count the %d shed records", notice, shed)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != n+1 {
		t.Fatalf("%d records reported, want %d", len(deliveries), n+1)
	}
	for i, got := range deliveries {
		want := deliverylog.Cap(sent[i])
		if i >= whole && i < n {
			sum := sha256.Sum256(sent[i].Request.Body)
			want.Request = deliverylog.Request{Method: "POST", Path: "/hook",
				BodySize: deliverylog.MaxBody, BodySHA256: hex.EncodeToString(sum[:]), BodyTruncated: true}
			want.Response = deliverylog.Response{Status: 200, BodyTruncated: true}
			want.Warning = shedWarning
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(bytes.Equal)); diff != "" {
			t.Errorf("record %d (%d kept whole, then %d shed) (-want +got):\n%s", i, whole, shed, diff)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "requests are kept without their headers and bodies") {
		t.Errorf("warnings %q, want one opening the stretch of shed records", warnings)
	}
}
