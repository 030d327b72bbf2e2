package render_test

import (
	"fmt"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

func ExampleLine() {
	at := time.Date(2026, 11, 25, 10, 2, 3, 0, time.UTC)
	records := []deliverylog.Record{
		{Time: at, Kind: deliverylog.KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Outcome: deliverylog.OutcomeVerified},
		{
			Time: at, Kind: deliverylog.KindDelivery, Type: "item.create", HookID: 12,
			IDs:    []string{"item_id=42", "item_revision_id=7"},
			Status: 200, Target: "http://localhost:3000/podio/hook", LatencyMS: 14,
		},
		{Time: at, Kind: deliverylog.KindRejected, Status: 404, Request: deliverylog.Request{Method: "GET", Path: "/wrong-path", RemoteAddr: "1.2.3.4:5"}},
	}
	for _, r := range records {
		fmt.Println(render.Line(r))
	}
	// Output:
	// 10:02:03  hook.verify  hook 12  -> verified
	// 10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms
	// 10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)
}
