package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// mockHook is a hook as the embedded mock's GET /_mock/hooks lists it.
type mockHook struct {
	HookID              int64  `json:"hook_id"`
	Status              string `json:"status"`
	ConsecutiveFailures int    `json:"consecutive_failures"`
}

// awaitMockHook polls the embedded mock's hook list until ok holds of
// hook id.
func awaitMockHook(t *testing.T, mock string, id int64, ok func(mockHook) bool) mockHook {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var last mockHook
	for {
		if res, err := http.Get(mock + "/_mock/hooks"); err == nil {
			var hooks []mockHook
			err := json.NewDecoder(res.Body).Decode(&hooks)
			res.Body.Close()
			for _, h := range hooks {
				if err == nil && h.HookID == id {
					if last = h; ok(h) {
						return h
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mock hook %d: %+v", id, last)
		case <-tick.C:
		}
	}
}

// TestUpLongSessionReverify rehearses, through the binary on the embedded
// mock's manual clock, the second sequence of issue 10: an app answering
// 500 to 51 events a minute apart (never more than 15 in 15 minutes, so
// no suspension) gets the hook made inactive, and the JSON stream says so
// with the reason; once the app answers again and the clock moves on,
// devhook has the hook verified again ("reverified") and events reach the
// app.
func TestUpLongSessionReverify(t *testing.T) {
	var code atomic.Int32
	code.Store(500)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(code.Load()))
	}))
	t.Cleanup(app.Close)
	u := startJSONUp(t, "--mock-clock", "manual", "--forward-to", app.URL+"/hook")
	mock := u.ready(t)
	var id int64
	u.await(t, "the hook.verify line", func() bool {
		if v := u.lines("delivery", "type", "hook.verify"); len(v) == 1 {
			id = int64(v[0]["hook_id"].(float64))
		}
		return id != 0
	})

	for i := range 51 {
		if i > 0 {
			control(t, mock, "clock/advance", `{"duration":"1m"}`)
		}
		fireItems(t, mock, 1000+i, 1)
		// The mock applies its rules once the answer is in: wait for that
		// before moving the clock.
		awaitMockHook(t, mock, id, func(h mockHook) bool { return h.ConsecutiveFailures == i+1 || h.Status == "inactive" })
	}
	u.await(t, "inactive", func() bool { return len(u.lines("hook_state", "state", "inactive")) == 1 })
	in := u.lines("hook_state", "state", "inactive")[0]
	if r, _ := in["reason"].(string); r != "51 consecutive failures (51× 500 from your app)" || in["hook_id"] != float64(id) {
		t.Errorf("inactive line %v", in)
	}
	if s := u.lines("hook_state", "state", "suspended"); len(s) > 0 {
		t.Errorf("suspended on the way: %v", s)
	}
	awaitMockHook(t, mock, id, func(h mockHook) bool { return h.Status == "inactive" })

	// The app is fixed. devhook looks at it 5 s (on the clock) after the
	// hook went inactive, then twice as long each time; its timer may not
	// be armed yet when the line arrives. Move the clock 5 s at a time,
	// polling the stream between steps, until the hook is re-verified.
	code.Store(200)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(u.linesLocked("hook_state", "state", "reverified")) == 0 {
		control(t, mock, "clock/advance", `{"duration":"5s"}`)
		select {
		case <-ctx.Done():
			t.Fatal("no reverified line")
		case <-tick.C:
		}
	}
	rv := u.linesLocked("hook_state", "state", "reverified")[0]
	if rv["hook_id"] != float64(id) {
		t.Errorf("reverified line %v", rv)
	}
	awaitMockHook(t, mock, id, func(h mockHook) bool { return h.Status == "active" })

	fireItems(t, mock, 5000, 1)
	u.await(t, "a delivery after the re-verification", func() bool {
		for _, d := range u.lines("delivery", "type", "item.create") {
			if d["status"] == float64(200) {
				return true
			}
		}
		return false
	})
	if c := u.interrupt(t); c != 0 {
		t.Errorf("exit code %d", c)
	}
	if len(u.bad) > 0 {
		t.Errorf("stdout has lines that are not JSON: %q", u.bad)
	}
}

// linesLocked is lines under u's lock.
func (u *jsonUp) linesLocked(kind, key string, value any) []map[string]any {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lines(kind, key, value)
}
