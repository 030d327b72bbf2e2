package feed

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestAddAllIsAddEach: AddAll logs, keeps and returns what Add does for
// each record in turn, the rejected-record quota and the body bound
// included.
func TestAddAllIsAddEach(t *testing.T) {
	recs := func() []deliverylog.Record {
		var rs []deliverylog.Record
		for i := range MaxLoggedRejected + 5 {
			rs = append(rs, deliverylog.Record{Time: logT0, Source: "up", Kind: deliverylog.KindRejected, Request: deliverylog.Request{Path: "/r" + strconv.Itoa(i)}})
		}
		for i := range 5 {
			rs = append(rs, deliverylog.Record{Time: logT0, Source: "mock", Kind: deliverylog.KindDelivery, Type: "item.create", HookID: int64(i),
				Request: deliverylog.Request{Body: []byte(strings.Repeat("x", deliverylog.MaxBody+i))}})
		}
		return rs
	}
	run := func(t *testing.T, add func(*Feed, []deliverylog.Record)) (returned, kept, logged []deliverylog.Record) {
		dir := stateDir(t)
		f := Open(Options{InspectAddr: "false"})
		rs := recs()
		add(f, rs)
		kept = f.Records()
		f.Close()
		logged, err := deliverylog.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		// IDs are "<run>-<seq>", the run random: compare the seq.
		for _, recs := range [][]deliverylog.Record{rs, kept, logged} {
			for i := range recs {
				if _, seq, ok := strings.Cut(recs[i].ID, "-"); ok {
					recs[i].ID = seq
				}
			}
		}
		return rs, kept, logged
	}
	eachRet, eachKept, eachLogged := run(t, func(f *Feed, rs []deliverylog.Record) {
		for i := range rs {
			rs[i] = f.Add(rs[i])
		}
	})
	allRet, allKept, allLogged := run(t, func(f *Feed, rs []deliverylog.Record) { f.AddAll(rs) })
	if diff := cmp.Diff(eachRet, allRet); diff != "" {
		t.Errorf("records returned (-Add +AddAll):\n%s", diff)
	}
	if diff := cmp.Diff(eachKept, allKept); diff != "" {
		t.Errorf("records kept (-Add +AddAll):\n%s", diff)
	}
	if diff := cmp.Diff(eachLogged, allLogged); diff != "" {
		t.Errorf("records logged (-Add +AddAll):\n%s", diff)
	}
	if len(allLogged) != MaxLoggedRejected+5 {
		t.Errorf("%d records logged, want %d", len(allLogged), MaxLoggedRejected+5)
	}
}
