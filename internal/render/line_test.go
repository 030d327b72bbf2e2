package render

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

func TestLine(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 2, 3, 999, time.UTC)
	local := "http://127.0.0.1:3000/hook"
	ids := []string{"item_id=42", "item_revision_id=7"}
	tests := []struct {
		name string
		r    deliverylog.Record
		want string
	}{
		{
			name: "delivery",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, IDs: ids, Status: 200, Target: local, LatencyMS: 14},
			want: "10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms",
		},
		{
			name: "delivery without hook or ids",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "task.create", Status: 201, Target: local, LatencyMS: 999},
			want: "10:02:03  task.create  -> 201  999 ms",
		},
		{
			name: "sub-millisecond",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "app.update", HookID: 3, IDs: []string{"app_id=5"}, Status: 500, Target: local, LatencyMS: 0.4},
			want: "10:02:03  app.update  hook 3  app_id=5  -> 500  0.4 ms",
		},
		{
			name: "verified",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Outcome: deliverylog.OutcomeVerified, LatencyMS: 80},
			want: "10:02:03  hook.verify  hook 12  -> verified",
		},
		{
			name: "verified and forwarded",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Outcome: deliverylog.OutcomeVerified, Target: local, LatencyMS: 3},
			want: "10:02:03  hook.verify  hook 12  -> verified, local 200  3 ms",
		},
		{
			name: "validate failed",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 12, Status: 502, Error: "validate hook 12: podio said no"},
			want: "10:02:03  hook.verify  hook 12  -> 502  validate hook 12: podio said no",
		},
		{
			name: "verify with bad hook_id",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", Status: 400, Error: `invalid hook_id "abc"`},
			want: `10:02:03  hook.verify  -> 400  invalid hook_id "abc"`,
		},
		{
			name: "local app down",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, IDs: ids[:1], Status: 502, Target: local, Error: "local app not reachable at " + local + " (connection refused)"},
			want: "10:02:03  item.create  hook 12  item_id=42  -> 502  local app not reachable at http://127.0.0.1:3000/hook (connection refused)",
		},
		{
			name: "slow",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.update", HookID: 12, IDs: ids, Status: 200, Target: local, LatencyMS: 11234, Warning: "SLOW: 11.2 s (Podio gives up at 15 s)"},
			want: "10:02:03  item.update  hook 12  item_id=42 item_revision_id=7  -> 200  11.2 s  SLOW: 11.2 s (Podio gives up at 15 s)",
		},
		{
			name: "acked",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.delete", HookID: 12, IDs: ids, Status: 200, Acked: true, Response: deliverylog.Response{Status: 500}, Target: local, LatencyMS: 14},
			want: "10:02:03  item.delete  hook 12  item_id=42 item_revision_id=7  -> acked, local 500  14 ms",
		},
		{
			name: "acked, local app not reachable",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, IDs: ids[:1], Status: 200, Acked: true, Target: local, Outcome: deliverylog.OutcomeFailed, Error: "local app not reachable at " + local + " (connection refused)"},
			want: "10:02:03  item.create  hook 12  item_id=42  -> acked, local 502  local app not reachable at http://127.0.0.1:3000/hook (connection refused)",
		},
		{
			name: "queued",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, IDs: ids[:1], Status: 200, Outcome: deliverylog.OutcomeQueued, Target: local, Error: "local app not reachable"},
			want: "10:02:03  item.create  hook 12  item_id=42  -> queued (app down)  local app not reachable",
		},
		{
			name: "replayed from the inspector",
			r:    deliverylog.Record{Time: at, Source: "replay", Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12, IDs: ids[:1], Status: 200, ReplayOf: "k3f9a2-17", LatencyMS: 3.2, Response: deliverylog.Response{Status: 200}},
			want: "10:02:03  item.create  hook 12  item_id=42  replayed from the inspector (of k3f9a2-17) -> 200  3 ms",
		},
		{
			name: "replay without an answer",
			r:    deliverylog.Record{Time: at, Source: "replay", Kind: deliverylog.KindVerify, ReplayOf: "r-1\x1b[2J", Error: "connection refused"},
			want: `10:02:03  verify  replayed from the inspector (of "r-1\x1b[2J") -> no answer  connection refused`,
		},
		{
			name: "rejected",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindRejected, Status: 404, Request: deliverylog.Request{Method: "GET", Path: "/wrong-path", RemoteAddr: "1.2.3.4:5"}},
			want: "10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)",
		},
		{
			name: "rejected with reason and query",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindRejected, Status: 400, Error: "missing type parameter", Request: deliverylog.Request{Method: "POST", Path: "/", Query: "a=b", RemoteAddr: "1.2.3.4:5"}},
			want: "10:02:03  rejected POST /?a=b from 1.2.3.4:5 (400: missing type parameter)",
		},
		{
			name: "control characters stay on one line",
			r:    deliverylog.Record{Time: at, Kind: deliverylog.KindDelivery, Type: "item.create\nFAKE", HookID: 1, IDs: []string{"item_id=1\r"}, Status: 200, Target: local, LatencyMS: 1000},
			want: `10:02:03  "item.create\nFAKE"  hook 1  "item_id=1\r"  -> 200  1.0 s`,
		},
		{
			name: "time zone of the event",
			r:    deliverylog.Record{Time: at.In(time.FixedZone("CEST", 2*60*60)), Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 1, Status: 200, Outcome: deliverylog.OutcomeVerified},
			want: "12:02:03  hook.verify  hook 1  -> verified",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.r); got != tt.want {
				t.Errorf("Line() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestLogf(t *testing.T) {
	var b strings.Builder
	logf := Logf(&b)
	logf("GET /item/%d -> %d", 42, 200)
	logf("hostile %s", "\x1b[2J\nnext")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("Logf wrote %d lines, want 2:\n%s", len(lines), b.String())
	}
	re := regexp.MustCompile(`^\d\d:\d\d:\d\d  `)
	for i, want := range []string{"GET /item/42 -> 200", `hostile \x1b[2J\nnext`} {
		if !re.MatchString(lines[i]) || !strings.HasSuffix(lines[i], "  "+want) {
			t.Errorf("line %d = %q, want the time then %q", i, lines[i], want)
		}
	}
}
