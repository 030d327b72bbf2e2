package session

import "github.com/devhookhq/devhook/internal/deliverylog"

// logRecord logs rec, a record the relay made, and returns it with the
// log's ID. The log keeps what Podio sent, not who sent it: its copy has
// no Request.RemoteAddr, and its bodies are bounded (deliverylog.Cap);
// the record returned, which the session reports, keeps both.
func (s *Session) logRecord(rec deliverylog.Record) deliverylog.Record {
	kept := rec
	kept.Request.RemoteAddr = ""
	rec.ID = s.feed.Add(kept).ID
	return rec
}
