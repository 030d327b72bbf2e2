package inspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// DefaultPageBytes bounds one answer of GET /api/deliveries, in bytes of
// JSON, and the deliveries the page renders, measured the same way. The
// inspector keeps 500 records, each with up to two 64 KiB bodies
// (deliverylog.MaxBody, base64 in JSON) and its headers: some 85 MB of
// JSON at worst, which one page load must not cost. The newest records
// that fit are answered, and at least one.
const DefaultPageBytes = 4 << 20

func (s *Server) pageBytes() int {
	if s.maxPageBytes > 0 {
		return s.maxPageBytes
	}
	return DefaultPageBytes
}

// newestWithin returns the newest of recs (oldest first) whose JSON
// together takes at most max bytes, at least one, oldest first, with
// their JSON.
func newestWithin(recs []deliverylog.Record, max int) ([]deliverylog.Record, [][]byte, error) {
	var raws [][]byte
	total := 0
	i := len(recs)
	for i > 0 {
		b, err := json.Marshal(recs[i-1])
		if err != nil {
			return nil, nil, err
		}
		if len(raws) > 0 && total+len(b)+1 > max {
			break
		}
		total += len(b) + 1
		raws = append(raws, b)
		i--
	}
	kept := recs[i:]
	for l, r := 0, len(raws)-1; l < r; l, r = l+1, r-1 {
		raws[l], raws[r] = raws[r], raws[l]
	}
	return kept, raws, nil
}

// serveDeliveries answers the records, oldest first by time: the newest
// that fit in the page's bytes ([DefaultPageBytes]); ?limit=N keeps at
// most the newest N; ?before=ID only those older than the record ID. When
// older records were left out, the X-Next-Before header holds the id to
// pass as before for the next page (when the oldest record answered has
// one).
func (s *Server) serveDeliveries(w http.ResponseWriter, r *http.Request) {
	recs := byTime(s.records())
	q := r.URL.Query()
	if id := q.Get("before"); id != "" {
		at := -1
		for i, rec := range recs {
			if rec.ID == id {
				at = i
			}
		}
		if at < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("inspector: bad before %q: no such record here (the inspector keeps the latest 500)", id))
			return
		}
		recs = recs[:at]
	}
	if v := q.Get("limit"); v != "" {
		n, err := parseCount(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("inspector: bad limit %q: want a count", v))
			return
		}
		if n < len(recs) {
			recs = recs[len(recs)-n:]
		}
	}
	kept, raws, err := newestWithin(recs, s.pageBytes())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if len(kept) < len(recs) && kept[0].ID != "" {
		w.Header().Set("X-Next-Before", kept[0].ID)
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	buf.Write(bytes.Join(raws, []byte{','}))
	buf.WriteString("]\n")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
