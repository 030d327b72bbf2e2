package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestRejectedDoNotEvictDeliveries is issue 13 item 10: requests the relay
// rejected, with big headers and many of them, leave a real delivery in
// the feed and in the log, and are kept brief.
func TestRejectedDoNotEvictDeliveries(t *testing.T) {
	dir := stateDir(t)
	f := Open(Options{})
	defer f.Close()
	delivery := f.Add(deliverylog.Record{Time: logT0, Source: "up", Kind: deliverylog.KindDelivery, Type: "item.create",
		Outcome: deliverylog.OutcomeForwarded, Status: 200, Target: "http://127.0.0.1:1/",
		Request: deliverylog.Request{Method: "POST", Path: "/", Body: []byte("type=item.create&item_id=1")}})
	big := strings.Repeat("x", 1<<20)
	n := 0
	add := func(count int, header http.Header) {
		for range count {
			n++
			f.Add(deliverylog.Record{Time: logT0.Add(time.Duration(n) * time.Millisecond), Source: "up", Kind: deliverylog.KindRejected,
				Outcome: deliverylog.OutcomeRejected, Status: 404,
				Request: deliverylog.Request{Method: "GET", Path: "/wrong-path", Header: header, Body: []byte("junk")}})
		}
	}
	add(32, http.Header{"X-Big": {big}}) // 32 MB of headers: more than the log's 3 × 10 MB
	add(Size+RejectedSize, http.Header{"X-Small": {"y"}})

	recs := f.Records()
	if got, ok := f.find(delivery.ID); !ok || got.Type != "item.create" {
		t.Errorf("feed lost delivery %s after %d rejected requests (%d records kept)", delivery.ID, n, len(recs))
	}
	if len(recs) != 1+RejectedSize {
		t.Errorf("feed keeps %d records, want 1 delivery + %d rejected", len(recs), RejectedSize)
	}
	for _, r := range recs {
		if r.Kind == deliverylog.KindRejected && (r.Request.Header != nil || r.Request.Body != nil || r.Request.BodySize != 4) {
			t.Fatalf("rejected record kept %v header keys and body %q (size %d); want none, size 4", len(r.Request.Header), r.Request.Body, r.Request.BodySize)
		}
	}
	logged, err := deliverylog.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	found, rejected := false, 0
	for _, r := range logged {
		if r.ID == delivery.ID {
			found = true
		}
		if r.Kind == deliverylog.KindRejected {
			rejected++
			if r.Request.Header != nil {
				t.Fatalf("log kept the headers of rejected record %s", r.ID)
			}
		}
	}
	if !found {
		t.Errorf("log lost delivery %s after %d rejected requests", delivery.ID, n)
	}
	if want := min(n, MaxLoggedRejected); rejected != want {
		t.Errorf("log holds %d rejected records, want %d", rejected, want)
	}
}

// TestBigBodyKeptTruncated is issue 13 item 11: a body past
// deliverylog.MaxBody is kept cut, with its whole size and hash, in the feed
// and the log, and is not replayed as if whole.
func TestBigBodyKeptTruncated(t *testing.T) {
	dir := stateDir(t)
	f := Open(Options{})
	defer f.Close()
	body := []byte("type=item.create&text=" + strings.Repeat("a", 8<<20))
	sum := sha256.Sum256(body)
	r := f.Add(deliverylog.Record{Time: logT0, Source: "up", Kind: deliverylog.KindDelivery, Type: "item.create",
		Outcome: deliverylog.OutcomeForwarded, Status: 200, Target: "http://127.0.0.1:1/",
		Request:  deliverylog.Request{Method: "POST", Path: "/", Body: body},
		Response: deliverylog.Response{Status: 200, Body: body}})
	logged, err := deliverylog.Read(dir)
	if err != nil || len(logged) != 1 {
		t.Fatalf("Read = %d records, %v; want 1", len(logged), err)
	}
	for name, got := range map[string]deliverylog.Record{"feed": f.Records()[0], "log": logged[0], "Add": r} {
		q := got.Request
		if len(q.Body) != deliverylog.MaxBody || string(q.Body) != string(body[:deliverylog.MaxBody]) || !q.BodyTruncated ||
			q.BodySize != int64(len(body)) || q.BodySHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: request body %d bytes, truncated %v, size %d, sha256 %s; want %d bytes, true, %d, %x",
				name, len(q.Body), q.BodyTruncated, q.BodySize, q.BodySHA256, deliverylog.MaxBody, len(body), sum)
		}
		if len(got.Response.Body) != deliverylog.MaxBody || !got.Response.BodyTruncated {
			t.Errorf("%s: response body %d bytes, truncated %v; want %d, true", name, len(got.Response.Body), got.Response.BodyTruncated, deliverylog.MaxBody)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.Replay(ctx, r.ID, nil); !errors.Is(err, ErrPartialBody) || !strings.Contains(err.Error(), fmt.Sprintf("the first %d of its %d bytes", deliverylog.MaxBody, len(body))) {
		t.Errorf("Replay of a truncated body: err = %v, want a refusal", err)
	}
}

// TestReplaysRespectCap is issue 13 item 11: replays made from the
// inspector are kept within Size like any record.
func TestReplaysRespectCap(t *testing.T) {
	stateDir(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	f := Open(Options{})
	defer f.Close()
	orig := f.Add(upRecord(srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range Size + 10 {
		if _, err := f.Replay(ctx, orig.ID, nil); err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
	}
	if n := len(f.Records()); n != Size {
		t.Errorf("feed keeps %d records after %d replays, want %d", n, Size+10, Size)
	}
}

// TestKeptBodiesDoNotPinWholeBodies is issue 13 item 11: the feed keeps
// each record's body cut to deliverylog.MaxBody, and the cut part is all
// that stays in memory, not the whole body it was cut from (a slice of it
// would keep every byte of it for as long as the record is kept). The
// bound on the heap is generous; before, it held every whole body.
func TestKeptBodiesDoNotPinWholeBodies(t *testing.T) {
	stateDir(t)
	f := Open(Options{})
	defer f.Close()
	const n, size = 200, 1 << 20 // 200 MiB of bodies in all
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	for i := range n {
		body := bytes.Repeat([]byte{'a' + byte(i%26)}, size)
		f.Add(deliverylog.Record{Time: logT0.Add(time.Duration(i) * time.Millisecond), Source: "up", Kind: deliverylog.KindDelivery,
			Type: "item.create", Outcome: deliverylog.OutcomeForwarded, Status: 200, Target: "http://127.0.0.1:1/",
			Request:  deliverylog.Request{Method: "POST", Path: "/", Body: body},
			Response: deliverylog.Response{Status: 200, Body: body}})
	}
	if got := len(f.Records()); got != n {
		t.Fatalf("feed keeps %d records, want %d", got, n)
	}
	grown := int64(heap()) - int64(base)
	// Kept: 2 × 64 KiB per record, 25 MiB in all; whole: 200 MiB.
	if limit := int64(64 << 20); grown > limit {
		t.Errorf("heap grew %d MiB for %d records of %d MiB bodies, want at most %d MiB", grown>>20, n, size>>20, limit>>20)
	}
	t.Logf("heap grew %d MiB for %d records of %d MiB bodies", grown>>20, n, size>>20)
	runtime.KeepAlive(f)
}
