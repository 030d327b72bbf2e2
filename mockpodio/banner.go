package mockpodio

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/internal/inspector"
	"github.com/devhookhq/devhook/internal/usage"
)

// WriteBanner writes what `devhook mock` prints once s listens: where the
// API is, whether it is strict (seedFile names the seed a strict mock
// was given), the seed's credentials, a curl line that gets a token, the
// control API and how to stop.
func (s *Server) WriteBanner(w io.Writer, seedFile string) {
	mode := "permissive: any client and app credentials are accepted"
	if s.Strict {
		mode = "strict: only the credentials in " + seedFile
	}
	fmt.Fprintf(w, "devhook mock: Podio API on %s (%s)\n", s.URL, mode)
	var sd Seed
	if s.Seed != nil {
		sd = *s.Seed
	}
	if len(sd.Clients) > 0 {
		c := sd.Clients[0]
		fmt.Fprintf(w, "  client      client_id=%s client_secret=%s\n", c.ClientID, c.ClientSecret)
	}
	for _, a := range sd.Apps {
		fmt.Fprintf(w, "  app %d     %q app_token=%s\n", a.AppID, a.Name, a.AppToken)
	}
	for _, u := range sd.Users {
		fmt.Fprintf(w, "  user        %s / %s\n", u.Username, u.Password)
	}
	if len(sd.Clients) > 0 && len(sd.Apps) > 0 {
		c, a := sd.Clients[0], sd.Apps[0]
		fmt.Fprintf(w, "  token       curl -s %s/oauth/token -d grant_type=app -d app_id=%d -d app_token=%s -d client_id=%s -d client_secret=%s\n",
			s.URL, a.AppID, a.AppToken, c.ClientID, c.ClientSecret)
	}
	fmt.Fprintf(w, "  control     %s/_mock/hooks  %s/_mock/deliveries  %s/_mock/clock\n", s.URL, s.URL, s.URL)
	if !s.AllowAnyPort {
		fmt.Fprintln(w, "  note        hook URLs must use port 80 or 443, as on Podio (--allow-any-port to relax)")
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

// InspectorState is what the inspector shows of s: its hooks with their
// suspension state, and its clock.
func (s *Server) InspectorState() inspector.State {
	clock := s.ClockState()
	st := inspector.State{Title: "devhook mock", PublicURL: s.URL, MockClock: &clock.Now, ClockManual: clock.Manual}
	for _, h := range s.Hooks() {
		st.Hooks = append(st.Hooks, inspector.Hook{HookID: h.HookID, RefType: h.RefType, RefID: h.RefID, Type: h.Type,
			URL: h.URL, Status: h.Status, InactiveReason: h.InactiveReason, SuspendedUntil: h.SuspendedUntil,
			Failures15m: h.Failures15m, Failures7d: h.Failures7d, ConsecutiveFailures: h.ConsecutiveFailures})
	}
	return st
}

// ParseRateLimit reads the value of --rate-limit, a [Server.RateLimit]:
// "1000/h", "1000/hour" or "1000"; empty means off (0). Anything else is
// a usage error ([usage.Err]).
func ParseRateLimit(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, unit, _ := strings.Cut(v, "/")
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || limit < 1 {
		return 0, usage.Errorf("--rate-limit must look like 1000/h, not %q", v)
	}
	switch strings.TrimSpace(unit) {
	case "", "h", "hour":
		return limit, nil
	}
	return 0, usage.Errorf("--rate-limit counts calls per hour (like 1000/h), not per %q", unit)
}
