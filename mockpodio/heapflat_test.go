package mockpodio_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

// TestHeapPerRecordedDeliveryFlat records 1,000 and then 100,000
// deliveries and weighs the live heap per
// recorded delivery at each size: it must stay flat, whatever the history,
// as nothing but the record's entry keeps a delivery. The events go to a hook that never verified, so each records
// its drop at once, with no HTTP: the record is all that grows. Bytes are
// measured, never time.
func TestHeapPerRecordedDeliveryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 deliveries: skipped under -short")
	}
	s, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	s.MaxDeliveries = 1 << 20 // keep every delivery, to weigh them
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // a closed port: the hook's verify fails, the hook stays inactive
	res, err := benchCall(s, tok, "POST", "/hook/app/7/", fmt.Sprintf(`{"url":"http://%s/h?team=a","type":"item.create"}`, l.Addr()))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("create hook: %v %v", res, err)
	}
	if err := s.AwaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fire := func(n int) {
		for range n {
			if _, err := s.FireEvent("app", 7, "item.create", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	fire(100) // warm up: the maps and buffers of a first delivery
	base := heapAlloc()
	const small, large = 1_000, 100_000
	fire(small)
	atSmall := heapAlloc()
	fire(large - small)
	atLarge := heapAlloc()
	if err := s.AwaitDeliveries(ctx, 1+100+large); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.DroppedFromRecord != 0 {
		t.Fatalf("%d deliveries dropped from the record, want every one kept", st.DroppedFromRecord)
	}
	perSmall := float64(int64(atSmall)-int64(base)) / small
	perLarge := float64(int64(atLarge)-int64(base)) / large
	t.Logf("live heap per recorded delivery: %.0f B at %d, %.0f B at %d", perSmall, small, perLarge, large)
	// The record's slice grows by doubling, so up to about a third of its
	// capacity may be spare at any size: allow that, not a growth.
	if perLarge > 1.5*perSmall || perLarge < perSmall/1.5 {
		t.Errorf("heap per recorded delivery %.0f B at %d deliveries, %.0f B at %d: not flat", perLarge, large, perSmall, small)
	}
	if perLarge <= 0 {
		t.Errorf("heap per recorded delivery %.0f B: the deliveries were not weighed", perLarge)
	}
}
