package inspector_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
)

func Example() {
	// What the command keeps: the records, under a lock.
	var mu sync.Mutex // guards records
	var records []deliverylog.Record

	insp := inspector.New(inspector.Source{
		State: func() inspector.State {
			return inspector.State{PublicURL: "https://example.ngrok.app/s3cret", Target: "http://localhost:3000/"}
		},
		Records: func() []deliverylog.Record {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(records)
		},
	})
	ln, warning, err := inspector.Listen("127.0.0.1:0") // devhook up uses inspector.DefaultAddr
	if err != nil {
		log.Fatal(err)
	}
	if warning != "" {
		fmt.Println(warning)
	}
	srv := &http.Server{Handler: insp}
	go srv.Serve(ln)
	defer srv.Close()
	defer insp.Close() // ends the open pages' streams

	// For each delivery: keep it, then announce it to the open pages.
	r := deliverylog.Record{
		ID: "k3f9a2-1", Time: time.Date(2026, 3, 2, 11, 43, 50, 0, time.UTC),
		Source: "up", Kind: "delivery", Type: "item.create", HookID: 101, Outcome: "forwarded", Status: 200,
	}
	mu.Lock()
	records = append(records, r)
	mu.Unlock()
	insp.Publish(r)

	resp, err := http.Get("http://" + ln.Addr().String() + "/api/deliveries")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var got []deliverylog.Record
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		log.Fatal(err)
	}
	for _, r := range got {
		fmt.Println(r.ID, r.Type, r.Outcome, r.Status)
	}
	// Output:
	// k3f9a2-1 item.create forwarded 200
}
