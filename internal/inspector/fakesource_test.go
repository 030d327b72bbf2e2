package inspector_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
)

// t0 is the time of the first test record.
var t0 = time.Date(2026, 3, 2, 11, 43, 50, 0, time.UTC)

// fakeSource is an inspector.Source over a slice of records. Replay appends
// a copy of the record, with the edit's headers and body when given, a new
// id, Source "replay", ReplayOf and a time after every record's.
type fakeSource struct {
	mu      sync.Mutex // guards records, replays, state
	records []deliverylog.Record
	replays int
	state   inspector.State
}

func (f *fakeSource) Source() inspector.Source {
	return inspector.Source{State: f.State, Records: f.Records, Replay: f.Replay}
}

func (f *fakeSource) State() inspector.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeSource) SetState(st inspector.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = st
}

func (f *fakeSource) Records() []deliverylog.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]deliverylog.Record(nil), f.records...)
}

// Add appends r and returns it.
func (f *fakeSource) Add(r deliverylog.Record) deliverylog.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records = append(f.records, r)
	return r
}

func (f *fakeSource) Replay(ctx context.Context, id string, edit *inspector.Edit) (deliverylog.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.records {
		if r.ID != id {
			continue
		}
		f.replays++
		r.ID = fmt.Sprintf("replay-%d", f.replays)
		r.Source = "replay"
		r.ReplayOf = id
		if edit != nil && edit.Header != nil {
			r.Request.Header = edit.Header
		}
		if edit != nil && edit.Body != nil {
			r.Request.Body = []byte(*edit.Body)
		}
		latest := r.Time
		for _, o := range f.records {
			if o.Time.After(latest) {
				latest = o.Time
			}
		}
		r.Time = latest.Add(time.Second)
		f.records = append(f.records, r)
		return r, nil
	}
	return deliverylog.Record{}, fmt.Errorf("replay %s: %w", id, inspector.ErrUnknownRecord)
}

// itemCreate is a delivery record like `devhook up` logs one.
func itemCreate(id string, at time.Time, itemID int) deliverylog.Record {
	return deliverylog.Record{
		ID:        id,
		Time:      at,
		Source:    "up",
		Kind:      "delivery",
		Type:      "item.create",
		HookID:    101,
		IDs:       []string{fmt.Sprintf("item_id=%d", itemID), "item_revision_id=5000001"},
		Outcome:   "forwarded",
		Status:    200,
		LatencyMS: 3.2,
		Target:    "http://localhost:3000/",
		Request: deliverylog.Request{
			Method: "POST",
			Path:   "/",
			Header: http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"},
				"User-Agent":   {"Podio-Webhooks"},
			},
			Body: fmt.Appendf(nil, "type=item.create&hook_id=101&item_id=%d&item_revision_id=5000001&external_id=", itemID),
		},
		Response: deliverylog.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			Body:   []byte("ok"),
		},
	}
}

// start serves an inspector over src on 127.0.0.1 and closes both at the
// end of the test (the inspector first, which ends its streams).
func start(t *testing.T, src inspector.Source) (*inspector.Server, *httptest.Server) {
	t.Helper()
	s := inspector.New(src)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close)
	return s, ts
}
