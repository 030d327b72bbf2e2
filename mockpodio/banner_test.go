package mockpodio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/internal/usage"
	"github.com/devhookhq/devhook/mockpodio"
)

// defaultBanner is the banner of a mock on the default seed at
// http://127.0.0.1:8080, but for its first line and its port note.
const defaultBanner = `  client      client_id=devhook client_secret=devhook-secret
  app 3001     "Bugs" app_token=devhook-app-token
  user        dev@example.com / devhook
  user        second@example.com / devhook
  token       curl -s http://127.0.0.1:8080/oauth/token -d grant_type=app -d app_id=3001 -d app_token=devhook-app-token -d client_id=devhook -d client_secret=devhook-secret
  control     http://127.0.0.1:8080/_mock/hooks  http://127.0.0.1:8080/_mock/deliveries  http://127.0.0.1:8080/_mock/clock
`

const (
	permissiveLine = "devhook mock: Podio API on http://127.0.0.1:8080 (permissive: any client and app credentials are accepted)\n"
	portNote       = "  note        hook URLs must use port 80 or 443, as on Podio (--allow-any-port to relax)\n"
	stopLine       = "Press Ctrl-C to stop.\n"
)

func TestWriteBanner(t *testing.T) {
	for name, tt := range map[string]struct {
		srv      *mockpodio.Server
		seedFile string
		want     string
	}{
		"default seed": {&mockpodio.Server{URL: "http://127.0.0.1:8080", Seed: mockpodio.DefaultSeed()}, "",
			permissiveLine + defaultBanner + portNote + stopLine},
		"any port": {&mockpodio.Server{URL: "http://127.0.0.1:8080", Seed: mockpodio.DefaultSeed(), AllowAnyPort: true}, "",
			permissiveLine + defaultBanner + stopLine},
		"strict": {&mockpodio.Server{URL: "http://127.0.0.1:8080", Seed: mockpodio.DefaultSeed(), Strict: true, AllowAnyPort: true}, "seed.json",
			"devhook mock: Podio API on http://127.0.0.1:8080 (strict: only the credentials in seed.json)\n" + defaultBanner + stopLine},
		"a seed without clients": {&mockpodio.Server{URL: "http://[::1]:9", Seed: &mockpodio.Seed{Apps: []mockpodio.SeedApp{{AppID: 7, Name: "x\"y", AppToken: "t"}}}, AllowAnyPort: true}, "",
			"devhook mock: Podio API on http://[::1]:9 (permissive: any client and app credentials are accepted)\n" +
				"  app 7     \"x\\\"y\" app_token=t\n" +
				"  control     http://[::1]:9/_mock/hooks  http://[::1]:9/_mock/deliveries  http://[::1]:9/_mock/clock\n" + stopLine},
		"no seed": {&mockpodio.Server{URL: "http://[::1]:9"}, "",
			"devhook mock: Podio API on http://[::1]:9 (permissive: any client and app credentials are accepted)\n" +
				"  control     http://[::1]:9/_mock/hooks  http://[::1]:9/_mock/deliveries  http://[::1]:9/_mock/clock\n" + portNote + stopLine},
	} {
		var b strings.Builder
		tt.srv.WriteBanner(&b, tt.seedFile)
		if diff := cmp.Diff(tt.want, b.String()); diff != "" {
			t.Errorf("%s: banner (-want +got):\n%s", name, diff)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	for v, want := range map[string]struct {
		limit int
		err   string
	}{
		"":            {0, ""},
		"1000":        {1000, ""},
		"1000/h":      {1000, ""},
		" 5 / hour ":  {5, ""},
		"0":           {0, `--rate-limit must look like 1000/h, not "0"`},
		"-1/h":        {0, `--rate-limit must look like 1000/h, not "-1/h"`},
		"lots":        {0, `--rate-limit must look like 1000/h, not "lots"`},
		"1000/minute": {0, `--rate-limit counts calls per hour (like 1000/h), not per "minute"`},
	} {
		got, err := mockpodio.ParseRateLimit(v)
		if want.err != "" {
			if err == nil || err.Error() != want.err || !errors.Is(err, usage.Err) {
				t.Errorf("ParseRateLimit(%q) = %d, %v; want a usage error %q", v, got, err, want.err)
			}
			continue
		}
		if err != nil || got != want.limit {
			t.Errorf("ParseRateLimit(%q) = %d, %v; want %d", v, got, err, want.limit)
		}
	}
}

func TestInspectorState(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := mockpodio.NewManualClock(start)
	s := mockpodio.NewTestServer(t, mockpodio.WithClock(clock))
	if got, want := s.InspectorState(), (inspector.State{Title: "devhook mock", PublicURL: s.URL, MockClock: &start, ClockManual: true}); !cmp.Equal(want, got) {
		t.Errorf("InspectorState without hooks (-want +got):\n%s", cmp.Diff(want, got))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	h, err := s.CreateHook(ctx, mockpodio.AppRef(mockpodio.DefaultAppID), "item.create", nil)
	if err != nil {
		t.Fatalf("CreateHook: %v", err)
	}
	clock.Advance(time.Minute)
	later := start.Add(time.Minute)
	want := inspector.State{Title: "devhook mock", PublicURL: s.URL, MockClock: &later, ClockManual: true, Hooks: []inspector.Hook{{
		HookID: h.HookID, RefType: "app", RefID: mockpodio.DefaultAppID, Type: "item.create", URL: h.URL, Status: "active",
	}}}
	if diff := cmp.Diff(want, s.InspectorState()); diff != "" {
		t.Errorf("InspectorState (-want +got):\n%s", diff)
	}
}
