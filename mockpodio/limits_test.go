package mockpodio_test

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// nested returns a JSON value nested depth deep: [[[...1...]]].
func nested(depth int) string {
	return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
}

// TestDeepJSONRefused: a body nested deeper than MaxJSONDepth is refused
// at the door with 400 and stores nothing; one at the limit is accepted
// and survives a restart.
func TestDeepJSONRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, withSeed(t, false), withState(file))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// {"fields":{"notes":{"value":"x","n":X}}} adds 3 levels to X; the
	// mock keeps the extra key.
	body := func(depth int) string {
		return `{"fields":{"notes":{"value":"x","n":` + nested(depth-3) + `}}}`
	}
	res := do(t, s, tok, "POST", "/item/app/"+itoa(seedAppID), body(mockpodio.MaxJSONDepth+1))
	mustStatus(t, "create nested too deep", res, http.StatusBadRequest)
	if !strings.Contains(res.Raw, "nested") {
		t.Errorf("error %s does not say why", res.Raw)
	}
	res = do(t, s, tok, "POST", "/item/app/"+itoa(seedAppID)+"?x=1", `{"fields":{"title":"`+strings.Repeat("[{", 100)+`"}}`)
	mustStatus(t, "brackets inside a string are not nesting", res, http.StatusOK)
	res = do(t, s, tok, "POST", "/item/app/"+itoa(seedAppID), body(mockpodio.MaxJSONDepth))
	mustStatus(t, "create at the limit", res, http.StatusOK)
	id := num(t, field(t, res.Body, "item_id"))
	s.Close()
	s2 := newServer(t, withSeed(t, false), withState(file))
	tok2, err := s2.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, "GET after restart", do(t, s2, tok2, "GET", "/item/"+itoa(id), nil), http.StatusOK)
}

// TestClockAdvanceBound: the clock cannot be advanced past MaxClock, by
// the Go API or the control route; the clock stays, and the state saves.
func TestClockAdvanceBound(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	clock := mockpodio.NewManualClock(clockStart)
	s := newServer(t, withClock(clock), withState(file))
	huge := time.Duration(1<<63 - 1)
	for range 28 {
		if err := s.Advance(huge); err != nil {
			if !errors.Is(err, mockpodio.ErrClockBound) {
				t.Fatalf("Advance = %v, want ErrClockBound", err)
			}
			break
		}
	}
	if now := s.ClockState().Now; now.After(mockpodio.MaxClock) {
		t.Errorf("clock at %v, past MaxClock %v", now, mockpodio.MaxClock)
	}
	before := s.ClockState().Now
	res := do(t, s, "", "POST", "/_mock/clock/advance", map[string]string{"duration": "2562047h"})
	mustStatus(t, "advance past the bound", res, http.StatusBadRequest)
	if got := s.ClockState().Now; !got.Equal(before) {
		t.Errorf("clock moved to %v on a refused advance", got)
	}
	if err := s.SaveState(); err != nil {
		t.Errorf("SaveState at the bound: %v", err)
	}
}

// TestStatsAddUp: from /_mock/stats alone, events × hooks targeted equals
// the outcomes of event deliveries, with hook.verify and the copies of a
// duplicate fault counted apart.
func TestStatsAddUp(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	ctx := awaitCtx(t)
	rcv := mockpodio.NewReceiver(t, s)
	var hooks []int64
	for _, path := range []string{"/a", "/b"} {
		h, err := s.CreateHook(ctx, mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", mockpodio.HookURL(rcv.URL+path))
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, h.HookID)
	}
	if err := s.AddFaults(mockpodio.Faults{Delivery: []mockpodio.DeliveryFault{{HookID: hooks[1], DuplicateRate: 1}}}); err != nil {
		t.Fatal(err)
	}
	const events = 5
	for range events {
		if _, err := s.FireEvent("app", seedAppID, "item.create", nil); err != nil {
			t.Fatal(err)
		}
	}
	// 2 verifications, 2 × 5 deliveries, 5 duplicates.
	if err := s.AwaitDeliveries(ctx, 2+2*events+events); err != nil {
		t.Fatal(err)
	}
	res := do(t, s, "", "GET", "/_mock/stats", nil)
	var st mockpodio.Stats
	decodeJSON(t, res.Raw, &st)
	sum := func(m map[mockpodio.Outcome]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	if st.Events-st.VerifyEvents != events || st.Targeted != events*2 {
		t.Errorf("events %d (verify %d), targeted %d; want %d events on 2 hooks", st.Events, st.VerifyEvents, st.Targeted, events)
	}
	if got := sum(st.EventOutcomes); int64(got) != st.Targeted {
		t.Errorf("event outcomes add up to %d, want targeted %d: %+v", got, st.Targeted, st)
	}
	if got := sum(st.VerifyOutcomes); int64(got) != st.VerifyEvents || got != 2 {
		t.Errorf("verify outcomes add up to %d, want %d", got, st.VerifyEvents)
	}
	if got := sum(st.DuplicateOutcomes); got != events {
		t.Errorf("duplicate outcomes add up to %d, want %d", got, events)
	}
	if got := sum(st.Outcomes); got != sum(st.EventOutcomes)+sum(st.VerifyOutcomes)+sum(st.DuplicateOutcomes) {
		t.Errorf("outcomes %d are not the sum of the three kinds", got)
	}
}

// TestDeliveriesPaged: GET /_mock/deliveries answers at most
// DefaultDeliveriesPage deliveries (or limit) and says where the next
// page starts; the ControlClient follows the pages.
func TestDeliveriesPaged(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	ctx := awaitCtx(t)
	quiet := mockpodio.NewReceiver(t, s)
	quiet.IgnoreVerify()
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	createHook(t, s, tok, "app", seedAppID, "item.create", quiet.URL)
	if err := s.AwaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	const n = mockpodio.DefaultDeliveriesPage + 5 // every one dropped_inactive at once
	for range n {
		if _, err := s.FireEvent("app", seedAppID, "item.create", nil); err != nil {
			t.Fatal(err)
		}
	}
	total := n + 1 // and the hook.verify
	page := func(query string) ([]mockpodio.Delivery, string) {
		t.Helper()
		res := do(t, s, "", "GET", "/_mock/deliveries"+query, nil)
		mustStatus(t, "GET deliveries"+query, res, http.StatusOK)
		var ds []mockpodio.Delivery
		decodeJSON(t, res.Raw, &ds)
		return ds, res.Header.Get("X-Next-After")
	}
	first, next := page("")
	if len(first) != mockpodio.DefaultDeliveriesPage || next != itoa(first[len(first)-1].ID) {
		t.Fatalf("first page: %d deliveries, X-Next-After %q; want %d and the last id", len(first), next, mockpodio.DefaultDeliveriesPage)
	}
	rest, next := page("?after=" + next)
	if len(rest) != total-mockpodio.DefaultDeliveriesPage || next != "" {
		t.Errorf("second page: %d deliveries, X-Next-After %q; want %d and none", len(rest), next, total-mockpodio.DefaultDeliveriesPage)
	}
	small, next := page("?limit=2&type=item.create")
	if len(small) != 2 || small[0].Type != "item.create" || next != itoa(small[1].ID) {
		t.Errorf("limit=2: %d deliveries, X-Next-After %q", len(small), next)
	}
	all, err := (&mockpodio.ControlClient{URL: s.URL}).Deliveries(ctx, mockpodio.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total {
		t.Errorf("ControlClient.Deliveries: %d, want %d", len(all), total)
	}
}

// TestHookURLCapped: a hook URL longer than MaxHookURLBytes is refused at
// create, without echoing it.
func TestHookURLCapped(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	long := "http://127.0.0.1:9/h?q=" + strings.Repeat("x", mockpodio.MaxHookURLBytes)
	res := do(t, s, tok, "POST", "/hook/app/"+itoa(seedAppID), map[string]string{"url": long, "type": "item.create"})
	mustStatus(t, "create with a long url", res, http.StatusBadRequest)
	if strings.Contains(res.Raw, strings.Repeat("x", 100)) {
		t.Errorf("the error echoes the url: %.200s", res.Raw)
	}
	ok := long[:mockpodio.MaxHookURLBytes]
	mustStatus(t, "create at the cap", do(t, s, tok, "POST", "/hook/app/"+itoa(seedAppID), map[string]string{"url": ok, "type": "item.create"}), http.StatusOK)
}
