package session

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/feed"
)

// TestRelayedInARowLoggedInOrder: records relayed while the terminal is
// busy are logged together, a held one (for the buffer) among them, and
// the log and the reported records keep the order they came in, each
// reported with the ID it was logged under.
func TestRelayedInARowLoggedInOrder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	t.Setenv(deliverylog.StateDirEnv, dir)
	gate, blocked := make(chan struct{}), make(chan struct{}, 1)
	var (
		mu       sync.Mutex
		reported []deliverylog.Record
	)
	s := &Session{cfg: Config{Sink: func(ev Event) {
		if d, ok := ev.(Delivery); ok {
			select {
			case blocked <- struct{}{}:
				<-gate // the first line holds up the records after it
			default:
			}
			mu.Lock()
			reported = append(reported, d.Record)
			mu.Unlock()
		}
	}}, clock: clock.Real()}
	s.feed = feed.Open(feed.Options{InspectAddr: "false"})
	s.buffer = newBuffer(s)
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	outcomes := []deliverylog.Outcome{deliverylog.OutcomeForwarded, deliverylog.OutcomeForwarded, deliverylog.OutcomeQueued,
		deliverylog.OutcomeForwarded, deliverylog.OutcomeFailed}
	for i, o := range outcomes {
		r := deliverylog.Record{Kind: deliverylog.KindDelivery, Source: "up", Type: "item.create", Time: t0.Add(time.Duration(i) * time.Second),
			IDs: []string{"item_id=" + strconv.Itoa(i)}, Outcome: o, Status: 200, Request: deliverylog.Request{Method: "POST", Path: "/hook", RemoteAddr: "127.0.0.1:9"}}
		if o == deliverylog.OutcomeQueued && !s.buffer.Keep(r) {
			t.Fatal("the buffer refused the held record")
		}
		s.onRelayEvent(r)
		if i == 0 {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			select {
			case <-blocked:
			case <-ctx.Done():
				t.Fatal("the first record was never reported")
			}
			cancel()
		}
	}
	close(gate)
	s.records.Wait()
	s.feed.Close()

	logged, err := deliverylog.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	item := func(rs []deliverylog.Record) (items, ids []string) {
		for _, r := range rs {
			items = append(items, r.IDs[0])
			ids = append(ids, r.ID)
		}
		return items, ids
	}
	loggedItems, loggedIDs := item(logged)
	mu.Lock()
	reportedItems, reportedIDs := item(reported)
	mu.Unlock()
	want := []string{"item_id=0", "item_id=1", "item_id=2", "item_id=3", "item_id=4"}
	if diff := cmp.Diff(want, loggedItems); diff != "" {
		t.Errorf("log order (-came +logged):\n%s", diff)
	}
	if diff := cmp.Diff(want, reportedItems); diff != "" {
		t.Errorf("report order (-came +reported):\n%s", diff)
	}
	if diff := cmp.Diff(loggedIDs, reportedIDs); diff != "" {
		t.Errorf("reported IDs (-logged +reported):\n%s", diff)
	}
	for _, r := range logged {
		if r.Request.RemoteAddr != "" {
			t.Errorf("record %s logged with the remote address %q", r.ID, r.Request.RemoteAddr)
		}
	}
}
