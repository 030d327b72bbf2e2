package mockpodio_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// putItem updates item id's title through the API, with query appended
// to the path.
func putItem(ctx context.Context, s *mockpodio.Server, id int64, query string) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, fmt.Sprintf("%s/item/%d%s", s.URL, id, query),
		strings.NewReader(`{"fields":{"title":"touched"}}`))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth2 "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT /item/%d%s: %d", id, query, res.StatusCode)
	}
	return nil
}

// TestLoopSignal: a receiver that writes to the item it is called for,
// while the delivery is still open and without hook=false, gets a loop
// signal; with hook=false, to another item, or after it answered, not.
func TestLoopSignal(t *testing.T) {
	tests := []struct {
		name   string
		during bool   // write while handling the delivery (else after it ended)
		other  bool   // write to another item
		query  string // the write's query
		want   bool
	}{
		{name: "write during the delivery", during: true, want: true},
		{name: "write during the delivery, hook=false", during: true, query: "?hook=false"},
		{name: "write during the delivery, hook=0", during: true, query: "?hook=0"},
		{name: "write to another item during the delivery", during: true, other: true},
		{name: "write after the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := awaitCtx(t)
			// One delivery at a time per hook: the first is recorded first.
			s := mockpodio.NewTestServer(t, mockpodio.WithClock(mockpodio.NewManualClock(clockStart)), mockpodio.WithHookConcurrency(1))
			var (
				mu      sync.Mutex
				signals []mockpodio.LoopSignal
				logged  []string
			)
			recorded := make(chan mockpodio.Delivery, 10)
			s.OnLoop = func(l mockpodio.LoopSignal) {
				mu.Lock()
				defer mu.Unlock()
				signals = append(signals, l)
			}
			s.Logf = func(format string, args ...any) {
				mu.Lock()
				defer mu.Unlock()
				logged = append(logged, fmt.Sprintf(format, args...))
			}
			s.OnDelivery = func(d mockpodio.Delivery) {
				if d.Type == "item.update" {
					recorded <- d
				}
			}
			rcv := mockpodio.NewReceiver(t, s)
			h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.update", rcv)
			if err != nil {
				t.Fatal(err)
			}
			item, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.CreateItem(ctx, mockpodio.DefaultAppID, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			target := item
			if tt.other {
				target = other
			}
			var wrote atomic.Bool
			writeErr := make(chan error, 1)
			rcv.Steer(func(ev mockpodio.Event) mockpodio.Response {
				if tt.during && ev.Type == "item.update" && wrote.CompareAndSwap(false, true) {
					writeErr <- putItem(ctx, s, target, tt.query)
				}
				return mockpodio.Response{}
			})
			if err := s.UpdateItem(ctx, item, map[string]any{"title": "changed"}); err != nil {
				t.Fatal(err)
			}
			var firstDelivery mockpodio.Delivery
			select {
			case firstDelivery = <-recorded: // the first delivery has ended
			case <-ctx.Done():
				t.Fatal("no item.update delivery")
			}
			if tt.during {
				if err := <-writeErr; err != nil {
					t.Fatal(err)
				}
			} else if err := putItem(ctx, s, target, tt.query); err != nil {
				t.Fatal(err)
			}
			if tt.query == "" {
				// The write fired item.update again: once its delivery is
				// recorded, every callback before it has run.
				select {
				case <-recorded:
				case <-ctx.Done():
					t.Fatal("the write fired no item.update")
				}
			}

			mu.Lock()
			defer mu.Unlock()
			var want []mockpodio.LoopSignal
			if tt.want {
				want = []mockpodio.LoopSignal{{Method: "PUT", Path: fmt.Sprintf("/item/%d", item), Object: fmt.Sprintf("item_id=%d", item),
					HookID: h.HookID, EventID: firstDelivery.EventID, Type: "item.update", At: clockStart}}
			}
			if diff := cmp.Diff(want, signals); diff != "" {
				t.Errorf("signals (-want +got):\n%s", diff)
			}
			loopLines := 0
			for _, l := range logged {
				if strings.HasPrefix(l, "hook loop: ") {
					loopLines++
					if !strings.Contains(l, "Pass hook=false") {
						t.Errorf("log line lacks the advice: %s", l)
					}
				}
			}
			if wantLines := len(want); loopLines != wantLines {
				t.Errorf("%d loop lines logged, want %d: %q", loopLines, wantLines, logged)
			}
		})
	}
}
