package session

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestCheckTarget refuses a forward target that is one of devhook's own
// listeners, under any loopback name, and accepts the app's.
func TestCheckTarget(t *testing.T) {
	own := map[string]string{"127.0.0.1:4040": "relay", "127.0.0.1:8080": "embedded mock", "[::1]:9999": "inspector"}
	tests := []struct {
		target string
		want   string // "" means accepted
	}{
		{"http://localhost:3000/hook", ""},
		{"http://127.0.0.1:4040/", "devhook's own relay"},
		{"http://localhost:4040/x", "devhook's own relay"},
		{"http://[::1]:8080/", "devhook's own embedded mock"},
		{"http://0.0.0.0:9999/", "devhook's own inspector"},
		{"http://127.0.0.1:80/", ""},
		{"http://example.com:8080/", ""},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.target)
		err := checkTarget(u, own)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tt.target, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error naming %q", tt.target, err, tt.want)
		}
	}
}

// TestWatchLoop warns once when item.update deliveries for one item keep
// arriving right after the app answered the previous one, and not for
// updates spread out or on different items.
func TestWatchLoop(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	upd := func(item string, at time.Duration) deliverylog.Record {
		return deliverylog.Record{Kind: deliverylog.KindDelivery, Type: "item.update", Time: t0.Add(at), LatencyMS: deliverylog.Millis(100 * time.Millisecond), IDs: []string{"item_id=" + item}}
	}
	tests := []struct {
		name   string
		events []deliverylog.Record
		warn   int
	}{
		{"loop", []deliverylog.Record{upd("1", 0), upd("1", time.Second), upd("1", 2*time.Second), upd("1", 3*time.Second), upd("1", 4*time.Second)}, 1},
		{"two only", []deliverylog.Record{upd("1", 0), upd("1", time.Second)}, 0},
		{"spread out", []deliverylog.Record{upd("1", 0), upd("1", 10*time.Second), upd("1", 20*time.Second)}, 0},
		{"different items", []deliverylog.Record{upd("1", 0), upd("2", time.Second), upd("3", 2*time.Second)}, 0},
		{"creates", []deliverylog.Record{{Kind: deliverylog.KindDelivery, Type: "item.create", Time: t0, IDs: []string{"item_id=1"}},
			{Kind: deliverylog.KindDelivery, Type: "item.create", Time: t0, IDs: []string{"item_id=1"}},
			{Kind: deliverylog.KindDelivery, Type: "item.create", Time: t0, IDs: []string{"item_id=1"}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			s := &Session{cfg: Config{Sink: func(ev Event) {
				if w, ok := ev.(Warning); ok {
					warnings = append(warnings, w.Text)
				}
			}}, clock: clock.Real()}
			for _, ev := range tt.events {
				s.watchLoop(ev)
			}
			if len(warnings) != tt.warn {
				t.Fatalf("warnings %q, want %d", warnings, tt.warn)
			}
			if tt.warn > 0 && !strings.Contains(warnings[0], "pass hook=false on the updates your handler makes") {
				t.Errorf("warning %q lacks Podio's advice", warnings[0])
			}
		})
	}
}

// TestCauseSummary says what the last n failures were, most frequent
// first; an older failure outside the n is left out.
func TestCauseSummary(t *testing.T) {
	causes := append([]string{"old"}, slices.Repeat([]string{"timeout", "500 from your app", "500 from your app", "500 from your app"}, 4)...)
	if got, want := causeSummary(causes, 16), "12× 500 from your app, 4× timeout"; got != want {
		t.Errorf("causeSummary = %q, want %q", got, want)
	}
}

// TestPodioSaw: what Podio counts as a failure, and why.
func TestPodioSaw(t *testing.T) {
	tests := []struct {
		name   string
		ev     deliverylog.Record
		failed bool
		cause  string
	}{
		{"2xx", deliverylog.Record{Status: 204}, false, ""},
		{"app 500", deliverylog.Record{Status: 500}, true, "500 from your app"},
		{"slow 200", deliverylog.Record{Status: 200, LatencyMS: deliverylog.Millis(16 * time.Second)}, true, "timeout"},
		{"hung up", deliverylog.Record{Status: 502, Error: "caller hung up after 15.0 s, before the local app answered"}, true, "timeout"},
		{"app down", deliverylog.Record{Status: 502, Error: "local app not reachable at http://127.0.0.1:3000/ (connection refused)"}, true, "502 from devhook (app down)"},
		{"queued", deliverylog.Record{Status: 200, Outcome: deliverylog.OutcomeQueued}, false, ""},
		{"acked", deliverylog.Record{Status: 500, Acked: true}, false, ""},
	}
	var got, want [][2]any
	for _, tt := range tests {
		f, c := podioSaw(tt.ev, 15*time.Second)
		got = append(got, [2]any{tt.name, [2]any{f, c}})
		want = append(want, [2]any{tt.name, [2]any{tt.failed, tt.cause}})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("podioSaw (-want +got):\n%s", diff)
	}
}

// TestLoopSeen: a loop the mock saw warns once, with the mock's words,
// and the inferred warning does not follow it.
func TestLoopSeen(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var warnings []string
	s := &Session{cfg: Config{Sink: func(ev Event) {
		if w, ok := ev.(Warning); ok {
			warnings = append(warnings, w.Text)
		}
	}}, clock: clock.Real()}
	advice := "hook loop: PUT /item/5 without hook=false arrived while the delivery of item.update about item_id=5 to hook 101 was still open; Pass hook=false"
	s.LoopSeen(advice)
	s.LoopSeen(advice)
	for i := range 4 {
		s.watchLoop(deliverylog.Record{Kind: deliverylog.KindDelivery, Type: "item.update", Time: t0.Add(time.Duration(i) * time.Second), IDs: []string{"item_id=5"}})
	}
	if diff := cmp.Diff([]string{"devhook: warning: the mock saw a " + advice}, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
