package feed

import "github.com/devhookhq/devhook/internal/deliverylog"

// ring keeps the newest size records (Size when zero) in place: adding one costs the same
// however many came before (a copy of the whole list per record was most
// of a delivery's cost once it was full).
type ring struct {
	buf  []deliverylog.Record // grows to size, then is overwritten in place
	next int                  // where the next record goes once buf is full
	size int                  // 0 means Size
}

func (g *ring) add(r deliverylog.Record) {
	size := g.size
	if size == 0 {
		size = Size
	}
	if len(g.buf) < size {
		g.buf = append(g.buf, r)
		return
	}
	g.buf[g.next] = r
	g.next = (g.next + 1) % size
}

// all returns a copy of the records, oldest first.
func (g *ring) all() []deliverylog.Record {
	out := make([]deliverylog.Record, 0, len(g.buf))
	out = append(out, g.buf[g.next:]...)
	return append(out, g.buf[:g.next]...)
}

// find returns the newest record with id.
func (g *ring) find(id string) (deliverylog.Record, bool) {
	for i := len(g.buf) - 1; i >= 0; i-- {
		if r := g.buf[(g.next+i)%len(g.buf)]; r.ID == id {
			return r, true
		}
	}
	return deliverylog.Record{}, false
}
