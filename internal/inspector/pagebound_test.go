package inspector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
)

// TestDeliveriesPageBounded: one answer of /api/deliveries, and the page,
// carry at most the page's bytes of records (here 1 MiB; 4 MiB by
// default), not the ~85 MB that 500 records with two 64 KiB bodies each
// make: the newest that fit. X-Next-Before pages back through the rest,
// each record once, in order.
func TestDeliveriesPageBounded(t *testing.T) {
	const (
		budget = 1 << 20
		n      = 30
	)
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var recs []deliverylog.Record
	var ids []string
	for i := range n {
		r := itemCreate(fmt.Sprintf("r-%d", i), t0.Add(time.Duration(i)*time.Second), i)
		r.Request.Body = bytes.Repeat([]byte{'a' + byte(i%26)}, deliverylog.MaxBody)
		r.Response.Body = bytes.Repeat([]byte("<"), deliverylog.MaxBody)
		recs = append(recs, r)
		ids = append(ids, r.ID)
	}
	s := inspector.New(inspector.Source{Records: func() []deliverylog.Record { return recs }})
	inspector.SetPageBytes(s, budget)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)

	var got []string // ids, oldest first
	var pages, first int
	next := ""
	for {
		u := ts.URL + "/api/deliveries"
		if next != "" {
			u += "?before=" + url.QueryEscape(next)
		}
		resp, body := get(t, u)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %s", u, resp.StatusCode, body)
		}
		if len(body) > budget {
			t.Errorf("GET %s: %d bytes, want at most %d", u, len(body), budget)
		}
		var page []deliverylog.Record
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			t.Fatalf("GET %s: an empty page", u)
		}
		if pages == 0 {
			first = len(page)
		}
		pages++
		var pageIDs []string
		for _, r := range page {
			pageIDs = append(pageIDs, r.ID)
		}
		got = append(pageIDs, got...)
		next = resp.Header.Get("X-Next-Before")
		if next == "" {
			break
		}
		if next != page[0].ID {
			t.Errorf("X-Next-Before %q, want the page's oldest record %q", next, page[0].ID)
		}
		if pages > n {
			t.Fatal("the pages never end")
		}
	}
	if pages < 2 {
		t.Errorf("%d records of ~175 KiB of JSON came in %d page, want several", n, pages)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("records over all pages (-want +got):\n%s", diff)
	}

	// The page renders as many as the first answer has.
	_, page := get(t, ts.URL+"/")
	if rows := strings.Count(page, `<tr class="delivery"`); rows != first {
		t.Errorf("the page renders %d deliveries, want the %d that fit in %d bytes", rows, first, budget)
	}
	if want := fmt.Sprintf("The %d oldest are left out", n-first); !strings.Contains(page, want) {
		t.Errorf("the page does not say %q", want)
	}

	resp, body := get(t, ts.URL+"/api/deliveries?before=nope")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "nope") {
		t.Errorf("before an unknown record: %d %s, want 400 naming it", resp.StatusCode, body)
	}
}
