package mockpodio

import "time"

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string such as "15m" or "1.5s".
type Duration struct{ time.Duration }

// faultSet holds the injected faults.
type faultSet struct {
	delivery []DeliveryFault
	api      []*apiFaultState
}

// DeliveryFault misbehaves on the way to receivers, for one hook or all.
type DeliveryFault struct {
	// HookID is the hook it applies to; 0 means every hook.
	HookID int64 `json:"hook_id,omitempty"`
	// Delay is added before each delivery.
	Delay Duration `json:"delay,omitzero"`
	// DuplicateRate is the share of deliveries (0 to 1) sent twice.
	DuplicateRate float64 `json:"duplicate_rate,omitempty"`
	// DropRate is the share of deliveries (0 to 1) dropped unsent.
	DropRate float64 `json:"drop_rate,omitempty"`
	// Reorder takes a hook's queued deliveries in random order.
	Reorder bool `json:"reorder,omitempty"`
}

type apiFaultState struct{}

// deliveryFor returns the delivery fault for hook id: its own, else the
// global one, else nil.
func (f *faultSet) deliveryFor(id int64) *DeliveryFault {
	var global *DeliveryFault
	for i := range f.delivery {
		d := &f.delivery[i]
		if d.HookID == id {
			return d
		}
		if d.HookID == 0 {
			global = d
		}
	}
	return global
}

func (s *Server) applyAPIFaults(c *call) error { return nil }
