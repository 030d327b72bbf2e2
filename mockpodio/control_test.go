package mockpodio_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/mockpodio"
)

// The keys of the control API's JSON objects, exactly as README.md
// ("Control API") documents them.
var (
	controlHookKeys     = sortedKeys("hook_id, ref_type, ref_id, type, url, status, inactive_reason, suspended_until, failures_15m, failures_7d, consecutive_failures, queued, created_on")
	controlDeliveryKeys = sortedKeys("id, event_id, hook_id, type, url, params, body, status_code, location, error, duration_ms, outcome, at, duplicate")
	controlStatsKeys    = sortedKeys("events, deliveries, outcomes, dropped_from_record, verify_events, targeted, event_outcomes, verify_outcomes, duplicate_outcomes")
	controlOutcomeKeys  = sortedKeys("delivered, failed, dropped_suspended, dropped_inactive, dropped_fault")
	controlClockKeys    = sortedKeys("now, manual")
	controlFaultsKeys   = sortedKeys("api, delivery")
)

func sortedKeys(list string) []string {
	keys := strings.Split(list, ", ")
	slices.Sort(keys)
	return keys
}

// control sends a request to the control API, with no token. A string body
// is sent as it is.
func control(t *testing.T, s *mockpodio.Server, method, path string, body any) response {
	t.Helper()
	return do(t, s, "", method, "/_mock/"+path, body)
}

// wantControlError fails the test unless res is a Podio-shaped error with
// status and code.
func wantControlError(t *testing.T, res response, status int, code string) {
	t.Helper()
	if res.Status != status || errCode(res) != code {
		t.Fatalf("status, error = %d, %q, want %d, %q: %s", res.Status, errCode(res), status, code, res.Raw)
	}
	if diff := cmp.Diff(errorKeys, keysOf(res.Body)); diff != "" {
		t.Errorf("error body keys (-want +got):\n%s", diff)
	}
}

// controlEnv is a mock on a manual clock with an active item.create hook
// on app 7, an inactive one beside it whose receiver never validates, and
// two events fired at both. Its deliveries, in order: the two hook.verify,
// then per event a dropped_inactive and a delivered.
type controlEnv struct {
	s                *mockpodio.Server
	clk              *mockpodio.ManualClock
	token            string
	active, inactive int64
}

func newControlEnv(t *testing.T) controlEnv {
	t.Helper()
	s, clk, token := manualServer(t)
	rs := statusReceiver(t, s, token, func(*http.Request) int { return http.StatusOK })
	e := controlEnv{s: s, clk: clk, token: token}
	e.active = activeHook(t, s, token, "app", 7, rs.URL, "item.create")
	awaitDeliveries(t, s, 1)
	quiet := mockpodio.NewReceiver(t, s)
	quiet.IgnoreVerify()
	e.inactive = createHook(t, s, token, "app", 7, "item.create", quiet.URL)
	awaitDeliveries(t, s, 2)
	for i := range 2 {
		if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
			t.Fatal(err)
		}
		awaitDeliveries(t, s, 4+2*i) // keeps the ids in a known order
	}
	return e
}

func TestControlHooks(t *testing.T) {
	e := newControlEnv(t)
	for _, path := range []string{"hooks", "hooks/"} {
		res := control(t, e.s, "GET", path, nil)
		mustStatus(t, "GET /_mock/"+path, res, http.StatusOK)
		var got []mockpodio.Hook
		decodeJSON(t, res.Raw, &got)
		if diff := cmp.Diff(e.s.Hooks(), got); diff != "" {
			t.Errorf("GET /_mock/%s differs from Hooks() (-want +got):\n%s", path, diff)
		}
		if len(got) != 2 || got[0].Status != "active" || got[1].Status != "inactive" || got[1].InactiveReason == "" {
			t.Errorf("GET /_mock/%s = %+v, want hook %d active and %d inactive with a reason", path, got, e.active, e.inactive)
		}
		for i, h := range res.Body.([]any) {
			if diff := cmp.Diff(controlHookKeys, keysOf(h)); diff != "" {
				t.Errorf("hook %d keys (-want +got):\n%s", i, diff)
			}
		}
	}

	e.s.Reset()
	res := control(t, e.s, "GET", "hooks", nil)
	if res.Status != http.StatusOK || res.Raw != "[]" {
		t.Errorf("GET /_mock/hooks after reset = %d %s, want 200 []", res.Status, res.Raw)
	}
}

func TestControlDeliveries(t *testing.T) {
	e := newControlEnv(t)
	all := e.s.Deliveries()
	tests := []struct {
		name  string
		query string
		match func(mockpodio.Delivery) bool
		wantN int
	}{
		{"all", "", func(mockpodio.Delivery) bool { return true }, 6},
		{"by hook", "?hook_id=" + itoa(e.active), func(d mockpodio.Delivery) bool { return d.HookID == e.active }, 3},
		{"by type", "?type=hook.verify", func(d mockpodio.Delivery) bool { return d.Type == "hook.verify" }, 2},
		{"by outcome", "?outcome=dropped_inactive", func(d mockpodio.Delivery) bool { return d.Outcome == mockpodio.OutcomeDroppedInactive }, 2},
		{"after an id", "?after=4", func(d mockpodio.Delivery) bool { return d.ID > 4 }, 2},
		{"after 0 is all", "?after=0", func(mockpodio.Delivery) bool { return true }, 6},
		{"all filters", "?hook_id=" + itoa(e.active) + "&type=item.create&outcome=delivered&after=3",
			func(d mockpodio.Delivery) bool { return d.HookID == e.active && d.Type == "item.create" && d.ID > 3 }, 2},
		{"unknown hook", "?hook_id=999999", func(mockpodio.Delivery) bool { return false }, 0},
		{"type never fired", "?type=item.delete", func(mockpodio.Delivery) bool { return false }, 0},
		{"outcome never seen", "?outcome=dropped_fault", func(mockpodio.Delivery) bool { return false }, 0},
		{"after the last", "?after=6", func(mockpodio.Delivery) bool { return false }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := control(t, e.s, "GET", "deliveries"+tt.query, nil)
			mustStatus(t, "GET deliveries"+tt.query, res, http.StatusOK)
			var got []mockpodio.Delivery
			decodeJSON(t, res.Raw, &got)
			want := []mockpodio.Delivery{}
			for _, d := range all {
				if tt.match(d) {
					want = append(want, d)
				}
			}
			if len(want) != tt.wantN {
				t.Fatalf("the filter matches %d of Deliveries(), want %d: %+v", len(want), tt.wantN, all)
			}
			// Duration is not in the JSON; duration_ms carries it.
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(mockpodio.Delivery{}, "Duration"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("GET deliveries%s (-want +got):\n%s", tt.query, diff)
			}
			for i, d := range res.Body.([]any) {
				if diff := cmp.Diff(controlDeliveryKeys, keysOf(d)); diff != "" {
					t.Errorf("delivery %d keys (-want +got):\n%s", i, diff)
				}
			}
		})
	}

	bad := []string{
		"?hook_id=x", "?hook_id=-1", "?hook_id=1.5", "?after=-1", "?after=x",
		"?outcome=deliverd", "?type=item.created", "?hookid=1", "?limit=0", "?limit=10001", "?limit=x",
	}
	for _, q := range bad {
		t.Run("bad "+q, func(t *testing.T) {
			wantControlError(t, control(t, e.s, "GET", "deliveries"+q, nil), http.StatusBadRequest, "invalid_value")
		})
	}
}

func TestControlStats(t *testing.T) {
	e := newControlEnv(t)
	res := control(t, e.s, "GET", "stats", nil)
	mustStatus(t, "GET stats", res, http.StatusOK)
	var got mockpodio.Stats
	decodeJSON(t, res.Raw, &got)
	outcomes := func(delivered, inactive int) map[mockpodio.Outcome]int {
		return map[mockpodio.Outcome]int{
			mockpodio.OutcomeDelivered: delivered, mockpodio.OutcomeFailed: 0, mockpodio.OutcomeDroppedSuspended: 0,
			mockpodio.OutcomeDroppedInactive: inactive, mockpodio.OutcomeDroppedFault: 0,
		}
	}
	// Two hooks verified, two events each targeting both, one hook
	// inactive by then.
	want := mockpodio.Stats{Events: 4, Deliveries: 6, Outcomes: outcomes(4, 2),
		VerifyEvents: 2, Targeted: 4, EventOutcomes: outcomes(2, 2), VerifyOutcomes: outcomes(2, 0), DuplicateOutcomes: outcomes(0, 0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /_mock/stats (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.s.Stats(), got); diff != "" {
		t.Errorf("GET /_mock/stats differs from Stats() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(controlStatsKeys, keysOf(res.Body)); diff != "" {
		t.Errorf("stats keys (-want +got):\n%s", diff)
	}

	// Every outcome is there, even at zero, and right after a reset.
	e.s.Reset()
	res = control(t, e.s, "GET", "stats", nil)
	if diff := cmp.Diff(controlOutcomeKeys, keysOf(field(t, res.Body, "outcomes"))); diff != "" {
		t.Errorf("outcome keys after reset (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(controlStatsKeys, keysOf(res.Body)); diff != "" {
		t.Errorf("stats keys after reset (-want +got):\n%s", diff)
	}
}

func TestControlClock(t *testing.T) {
	clk := mockpodio.NewManualClock(clockStart)
	s := newServer(t, withClock(clk))
	token := tokenFor(t, s, "7", "tok") // lives 8 h

	clockAt := func(t *testing.T, res response) mockpodio.ClockState {
		t.Helper()
		mustStatus(t, "clock", res, http.StatusOK)
		if diff := cmp.Diff(controlClockKeys, keysOf(res.Body)); diff != "" {
			t.Errorf("clock keys (-want +got):\n%s", diff)
		}
		var c mockpodio.ClockState
		decodeJSON(t, res.Raw, &c)
		return c
	}
	if got, want := clockAt(t, control(t, s, "GET", "clock", nil)), (mockpodio.ClockState{Now: clockStart, Manual: true}); !got.Now.Equal(want.Now) || got.Manual != want.Manual {
		t.Errorf("GET /_mock/clock = %+v, want %+v", got, want)
	}

	steps := []struct {
		body      string
		wantSince time.Duration // from clockStart
	}{
		{`{"duration":"15m"}`, 15 * time.Minute},
		{`{"duration":"1h30m"}`, 105 * time.Minute},
		{`{"duration":"0s"}`, 105 * time.Minute},
		{`{}`, 105 * time.Minute},
		{`{"duration":"168h"}`, 105*time.Minute + 7*24*time.Hour},
	}
	for _, st := range steps {
		got := clockAt(t, control(t, s, "POST", "clock/advance", st.body))
		if want := clockStart.Add(st.wantSince); !got.Now.Equal(want) || !got.Manual {
			t.Errorf("advance %s: clock = %+v, want %v, manual", st.body, got, want)
		}
		if now := clk.Now(); !now.Equal(clockStart.Add(st.wantSince)) {
			t.Errorf("advance %s: ManualClock.Now() = %v, want %v", st.body, now, clockStart.Add(st.wantSince))
		}
	}
	// Seven days on, the token has expired.
	if res := do(t, s, token, "GET", "/hook/app/7/", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("call with an 8-hour token 7 days later: %d, want 401: %s", res.Status, res.Raw)
	}

	bad := []struct {
		name string
		body string
	}{
		{"not JSON", `fifteen minutes`},
		{"empty body", ``},
		{"unknown field", `{"duration":"1m","by":"1m"}`},
		{"misspelt field", `{"durration":"1m"}`},
		{"number", `{"duration":900}`},
		{"no unit", `{"duration":"15"}`},
		{"days are not Go durations", `{"duration":"7d"}`},
		{"negative", `{"duration":"-1m"}`},
		{"two values", `{"duration":"1m"}{"duration":"1m"}`},
		{"array", `["1m"]`},
	}
	before := clk.Now()
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantControlError(t, control(t, s, "POST", "clock/advance", tt.body), http.StatusBadRequest, "invalid_value")
		})
	}
	if now := clk.Now(); !now.Equal(before) {
		t.Errorf("bad advances moved the clock from %v to %v", before, now)
	}
}

func TestControlClockReal(t *testing.T) {
	s := newServer(t)
	res := control(t, s, "GET", "clock", nil)
	mustStatus(t, "GET clock", res, http.StatusOK)
	if diff := cmp.Diff(controlClockKeys, keysOf(res.Body)); diff != "" {
		t.Errorf("clock keys (-want +got):\n%s", diff)
	}
	if manual := field(t, res.Body, "manual"); manual != false {
		t.Errorf("manual = %v, want false", manual)
	}
	wantControlError(t, control(t, s, "POST", "clock/advance", `{"duration":"15m"}`), http.StatusConflict, "conflict")
	if err := s.Advance(time.Minute); !errors.Is(err, mockpodio.ErrClockNotManual) {
		t.Errorf("Advance on a real clock = %v, want ErrClockNotManual", err)
	}
}

func TestControlEvents(t *testing.T) {
	s, _, _ := manualServer(t)
	rc := mockpodio.NewReceiver(t, s)
	hk, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "space", ID: 2001}, "member.add", rc)
	if err != nil {
		t.Fatal(err)
	}
	hookID := hk.HookID

	res := control(t, s, "POST", "events", `{"ref_type":"space","ref_id":2001,"type":"member.add","params":{"user_id":"7"}}`)
	mustStatus(t, "POST events", res, http.StatusOK)
	if diff := cmp.Diff([]string{"event_id"}, keysOf(res.Body)); diff != "" {
		t.Errorf("POST events keys (-want +got):\n%s", diff)
	}
	eventID := num(t, field(t, res.Body, "event_id"))
	d := awaitDelivery(t, s, func(d mockpodio.Delivery) bool { return d.EventID == eventID })
	want := map[string]string{"type": "member.add", "hook_id": itoa(hookID), "space_id": "2001", "user_id": "7"}
	if diff := cmp.Diff(want, d.Params); diff != "" || d.HookID != hookID || d.Outcome != mockpodio.OutcomeDelivered {
		t.Errorf("delivery %s to hook %d, want delivered to %d; params (-want +got):\n%s", d.Outcome, d.HookID, hookID, diff)
	}

	bad := []struct {
		name string
		body string
	}{
		{"not JSON", `member.add`},
		{"empty body", ``},
		{"unknown field", `{"ref_type":"space","ref_id":2001,"type":"member.add","hook_id":1}`},
		{"ref_id as string", `{"ref_type":"space","ref_id":"2001","type":"member.add"}`},
		{"param not a string", `{"ref_type":"space","ref_id":2001,"type":"member.add","params":{"user_id":7}}`},
		{"no ref_type", `{"ref_id":2001,"type":"member.add"}`},
		{"no ref_id", `{"ref_type":"space","type":"member.add"}`},
		{"no type", `{"ref_type":"space","ref_id":2001}`},
		{"wrong ref_type", `{"ref_type":"app","ref_id":7,"type":"member.add"}`},
		{"unknown type", `{"ref_type":"space","ref_id":2001,"type":"member.added"}`},
		{"unknown param", `{"ref_type":"space","ref_id":2001,"type":"member.add","params":{"member_id":"7"}}`},
		{"hook_id param", `{"ref_type":"space","ref_id":2001,"type":"member.add","params":{"hook_id":"7"}}`},
	}
	before := s.Stats()
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantControlError(t, control(t, s, "POST", "events", tt.body), http.StatusBadRequest, "invalid_value")
		})
	}
	if diff := cmp.Diff(before, s.Stats()); diff != "" {
		t.Errorf("bad events changed the stats (-want +got):\n%s", diff)
	}
}

func TestControlFaults(t *testing.T) {
	s := newServer(t)
	empty := map[string]any{"api": []any{}, "delivery": []any{}}
	res := control(t, s, "GET", "faults", nil)
	mustStatus(t, "GET faults", res, http.StatusOK)
	if diff := cmp.Diff(empty, res.Body); diff != "" {
		t.Errorf("GET faults at start (-want +got):\n%s", diff)
	}

	// The README's example, posted as it is.
	const body = `{"api": [{"method": "POST", "path": "/item/*", "status": 503, "count": 2},
         {"path": "/hook/*", "latency": "2s", "rate": 0.5},
         {"expire_token": true, "count": 1},
         {"status": 420}],
 "delivery": [{"hook_id": 101, "delay": "3s", "duplicate_rate": 0.1, "drop_rate": 0.05, "reorder": true}]}`
	want := mockpodio.Faults{
		API: []mockpodio.APIFault{
			{Method: "POST", Path: "/item/*", Status: 503, Count: 2},
			{Path: "/hook/*", Latency: mockpodio.Duration{Duration: 2 * time.Second}, Rate: 0.5},
			{ExpireToken: true, Count: 1},
			{Status: 420},
		},
		Delivery: []mockpodio.DeliveryFault{
			{HookID: 101, Delay: mockpodio.Duration{Duration: 3 * time.Second}, DuplicateRate: 0.1, DropRate: 0.05, Reorder: true},
		},
	}
	res = control(t, s, "POST", "faults", body)
	mustStatus(t, "POST faults", res, http.StatusOK)
	for _, r := range []response{res, control(t, s, "GET", "faults", nil)} {
		var got mockpodio.Faults
		decodeJSON(t, r.Raw, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("faults (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(controlFaultsKeys, keysOf(r.Body)); diff != "" {
			t.Errorf("faults keys (-want +got):\n%s", diff)
		}
		// What comes out can be posted back.
		var again mockpodio.Faults
		if err := json.Unmarshal([]byte(r.Raw), &again); err != nil {
			t.Errorf("faults JSON does not read back: %v", err)
		}
	}
	if diff := cmp.Diff(want, s.CurrentFaults()); diff != "" {
		t.Errorf("CurrentFaults() (-want +got):\n%s", diff)
	}

	// A delivery fault for the same hook replaces the earlier one.
	res = control(t, s, "POST", "faults", `{"delivery":[{"hook_id":101,"drop_rate":1}]}`)
	mustStatus(t, "POST faults", res, http.StatusOK)
	if got := s.CurrentFaults().Delivery; !cmp.Equal(got, []mockpodio.DeliveryFault{{HookID: 101, DropRate: 1}}) {
		t.Errorf("delivery faults after replacing hook 101's = %+v", got)
	}

	res = control(t, s, "DELETE", "faults", nil)
	if res.Status != http.StatusNoContent || res.Raw != "" {
		t.Errorf("DELETE faults = %d %q, want 204 and no body", res.Status, res.Raw)
	}
	if diff := cmp.Diff(empty, control(t, s, "GET", "faults", nil).Body); diff != "" {
		t.Errorf("GET faults after DELETE (-want +got):\n%s", diff)
	}

	bad := []struct {
		name string
		body string
	}{
		{"not JSON", `503 please`},
		{"empty body", ``},
		{"unknown top-level field", `{"api":[],"hooks":[]}`},
		{"unknown API fault field", `{"api":[{"status":503,"times":2}]}`},
		{"unknown delivery fault field", `{"delivery":[{"drop":0.5}]}`},
		{"status out of range", `{"api":[{"status":700}]}`},
		{"lower-case method", `{"api":[{"method":"post","status":503}]}`},
		{"bad path pattern", `{"api":[{"path":"/item/[","status":503}]}`},
		{"API fault that does nothing", `{"api":[{"path":"/item/*"}]}`},
		{"rate above 1", `{"api":[{"status":503,"rate":1.5}]}`},
		{"negative count", `{"api":[{"status":503,"count":-1}]}`},
		{"bad latency", `{"api":[{"latency":"soon"}]}`},
		{"latency as number", `{"api":[{"latency":2000}]}`},
		{"negative delay", `{"delivery":[{"delay":"-1s"}]}`},
		{"drop rate above 1", `{"delivery":[{"drop_rate":2}]}`},
		{"negative duplicate rate", `{"delivery":[{"duplicate_rate":-0.1}]}`},
		{"negative hook id", `{"delivery":[{"hook_id":-1,"reorder":true}]}`},
		{"one bad fault refuses all", `{"api":[{"status":503},{"status":1}]}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantControlError(t, control(t, s, "POST", "faults", tt.body), http.StatusBadRequest, "invalid_value")
			if diff := cmp.Diff(empty, control(t, s, "GET", "faults", nil).Body); diff != "" {
				t.Errorf("a refused POST changed the faults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestControlReset(t *testing.T) {
	s := newServer(t, withSeed(t, true))
	token, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc := mockpodio.NewReceiver(t, s)
	if _, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: "app", ID: seedAppID}, "item.create", rc); err != nil {
		t.Fatal(err)
	}
	createItem(t, s, token, seedAppID, map[string]any{"fields": map[string]any{"title": "before reset"}})
	awaitDeliveries(t, s, 2)
	if err := s.AddFaults(mockpodio.Faults{API: []mockpodio.APIFault{{Status: 503, Path: "/nowhere"}}}); err != nil {
		t.Fatal(err)
	}

	res := control(t, s, "POST", "reset", nil)
	if res.Status != http.StatusNoContent || res.Raw != "" {
		t.Fatalf("POST reset = %d %q, want 204 and no body", res.Status, res.Raw)
	}
	got := map[string]string{}
	for _, path := range []string{"hooks", "deliveries", "faults"} {
		got[path] = control(t, s, "GET", path, nil).Raw
	}
	want := map[string]string{"hooks": "[]", "deliveries": "[]", "faults": `{"api":[],"delivery":[]}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reset (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.Events != 0 || st.Deliveries != 0 {
		t.Errorf("stats after reset = %+v, want zero", st)
	}
	// The old token is gone; the seed is back, so its credentials work.
	if res := do(t, s, token, "GET", "/app/"+itoa(seedAppID), nil); res.Status != http.StatusUnauthorized {
		t.Errorf("old token after reset: %d, want 401", res.Status)
	}
	token, err = s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, "seeded app after reset", do(t, s, token, "GET", "/app/"+itoa(seedAppID), nil), http.StatusOK)
}

func TestControlUnknownRoutes(t *testing.T) {
	s := newServer(t)
	tests := []struct{ method, path string }{
		{"GET", "/_mock"},
		{"GET", "/_mock/"},
		{"GET", "/_mock/nothing-here"},
		{"GET", "/_mock/hooks/101"},
		{"GET", "/_mock/deliveries/1"},
		{"PUT", "/_mock/hooks"},
		{"POST", "/_mock/hooks"},
		{"DELETE", "/_mock/deliveries"},
		{"POST", "/_mock/stats"},
		{"POST", "/_mock/clock"},
		{"GET", "/_mock/clock/advance"},
		{"GET", "/_mock/events"},
		{"PUT", "/_mock/faults"},
		{"GET", "/_mock/reset"},
		{"GET", "/_MOCK/hooks"},
		{"GET", "/_mock/Hooks"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			wantControlError(t, do(t, s, "", tt.method, tt.path, nil), http.StatusNotFound, "not_found")
		})
	}
}
