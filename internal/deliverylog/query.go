package deliverylog

// Query selects records, as devhook deliveries does: those of event type
// Type and to hook HookID (the zero values select all), then the newest
// Last of them (0: all).
type Query struct {
	Type   string
	HookID int64
	Last   int
}

// Select returns the records of recs, oldest first, that q selects.
func (q Query) Select(recs []Record) []Record {
	var out []Record
	for _, r := range recs {
		if (q.Type == "" || r.Type == q.Type) && (q.HookID == 0 || r.HookID == q.HookID) {
			out = append(out, r)
		}
	}
	if q.Last > 0 && len(out) > q.Last {
		out = out[len(out)-q.Last:]
	}
	return out
}
