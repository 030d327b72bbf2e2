package session

import (
	"github.com/devhookhq/devhook/internal/deliverylog"
)

// Sink receives a session's events. The session calls it from one
// goroutine at a time; it should return quickly.
type Sink func(Event)

// Event is something a session reports: one of the types below.
type Event interface{ isEvent() }

// Warning is a problem that does not stop the session, such as an
// inspector that could not listen. Text is one line.
type Warning struct{ Text string }

// Ready is reported once every hook is active: the session now forwards
// deliveries.
type Ready struct {
	HookURL      string // where Podio delivers
	Target       string // where the session forwards
	InspectorURL string // "" when the inspector is off
	Hooks        []Hook
}

// Delivery is one request the relay handled, as the relay recorded it,
// with the delivery log's ID when it was logged. Unlike the log's copy it
// keeps the sender's address (Request.RemoteAddr) and whole bodies.
type Delivery struct {
	Record deliverylog.Record
}

// Replayed is a replay made from the inspector: Record is the replay as
// the delivery log keeps it.
type Replayed struct {
	Record deliverylog.Record
}

// Stopping is reported when the session's context is done, before the
// cleanup.
type Stopping struct{}

// HooksKept lists the hooks this run created and left registered (Keep).
type HooksKept struct{ IDs []int64 }

// HooksDeleted lists the hooks this run created and deleted on exit.
type HooksDeleted struct{ IDs []int64 }

func (Warning) isEvent()      {}
func (Ready) isEvent()        {}
func (Delivery) isEvent()     {}
func (Replayed) isEvent()     {}
func (Stopping) isEvent()     {}
func (HooksKept) isEvent()    {}
func (HooksDeleted) isEvent() {}
