package render

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

func TestTable(t *testing.T) {
	t.Setenv("TZ", "UTC")
	at := time.Date(2026, 11, 25, 10, 2, 3, 0, time.UTC)
	recs := []deliverylog.Record{
		{ID: "k3-1", Time: at, Source: "up", Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12,
			IDs: []string{"item_id=42", "item_revision_id=7"}, Status: 200, LatencyMS: 14, Outcome: deliverylog.OutcomeForwarded},
		{ID: "k3-2", Time: at, Source: "up", Kind: deliverylog.KindRejected, Status: 404, LatencyMS: 0.1, Outcome: deliverylog.OutcomeRejected},
		{ID: "k3-3", Time: at, Source: "mock", Kind: deliverylog.KindDelivery, Type: "item.create\t\x1b[2J", HookID: 5, Outcome: deliverylog.OutcomeDroppedFault},
	}
	var b strings.Builder
	if err := Table(&b, recs); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ID TIME SOURCE TYPE HOOK IDS STATUS LATENCY OUTCOME",
		"k3-1 2026-11-25 10:02:03 up item.create 12 item_id=42,item_revision_id=7 200 14 ms forwarded",
		"k3-2 2026-11-25 10:02:03 up rejected - - 404 0.1 ms rejected",
		`k3-3 2026-11-25 10:02:03 mock "item.create\t\x1b[2J" 5 - - - dropped_fault`,
	}
	var fields []string
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		fields = append(fields, strings.Join(strings.Fields(l), " "))
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("Table (-want +got):\n%s\n%s", diff, b.String())
	}
}
