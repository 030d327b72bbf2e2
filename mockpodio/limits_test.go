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
