package relay_test

import (
	"fmt"
	"time"

	"github.com/devhookhq/devhook/internal/relay"
)

func ExampleFormatLine() {
	at := time.Date(2026, 11, 25, 10, 2, 3, 0, time.UTC)
	events := []relay.Event{
		{Time: at, Kind: relay.KindVerify, Type: "hook.verify", HookID: 12, Status: 200, Verified: true},
		{
			Time: at, Kind: relay.KindDelivery, Type: "item.create", HookID: 12,
			IDs:    []string{"item_id=42", "item_revision_id=7"},
			Status: 200, ForwardedTo: "http://localhost:3000/podio/hook", Latency: 14 * time.Millisecond,
		},
		{Time: at, Kind: relay.KindRejected, Status: 404, Request: relay.Request{Method: "GET", Path: "/wrong-path", RemoteAddr: "1.2.3.4:5"}},
	}
	for _, e := range events {
		fmt.Println(relay.FormatLine(e))
	}
	// Output:
	// 10:02:03  hook.verify  hook 12  -> verified
	// 10:02:03  item.create  hook 12  item_id=42 item_revision_id=7  -> 200  14 ms
	// 10:02:03  rejected GET /wrong-path from 1.2.3.4:5 (404)
}
