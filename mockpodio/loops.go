package mockpodio

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// A hook loop: a receiver that, while handling the delivery of an event
// about an object, writes to that object without hook=false makes Podio
// fire the hook again, for ever. Podio's advice is to pass hook=false on
// such writes (https://developers.podio.com/doc/items/update-item-22363:
// "hook: If set to false, no hooks will be executed for the change"). The
// mock knows which deliveries are open, so it can tell exactly.

// LoopSignal is a write that fires hooks (no hook=false) to an object
// while a delivery of an event about the same object is still open: the
// receiver is most likely writing from its handler, and the write fires
// the hook again.
type LoopSignal struct {
	// Method is the write's method, e.g. "PUT".
	Method string `json:"method"`
	// Path is the write's path, e.g. "/item/5".
	Path string `json:"path"`
	// Object is the object written to and the open delivery is about,
	// as an id parameter, e.g. "item_id=5".
	Object string `json:"object"`
	// HookID is the hook the open delivery is for.
	HookID int64 `json:"hook_id"`
	// EventID is the event the open delivery belongs to.
	EventID int64 `json:"event_id"`
	// Type is the open delivery's event type, e.g. "item.update".
	Type string `json:"type"`
	// At is when the write arrived, on the mock's clock.
	At time.Time `json:"at"`
}

// Advice says what the signal means and what to do, on one line.
func (l LoopSignal) Advice() string {
	return fmt.Sprintf("hook loop: %s %s without hook=false arrived while the delivery of %s about %s to hook %d was still open; "+
		"Podio fires the hook again for that write. Pass hook=false on the writes your handler makes (Podio's advice)",
		l.Method, l.Path, l.Type, l.Object, l.HookID)
}

// loopState is what the mock tracks for loop signals; guarded by the
// server's mu.
type loopState struct {
	open map[string][]*pending // deliveries being attempted, by the object they are about
}

// objectOf returns the object an event is about, as an id parameter:
// the id named after the event's kind ("item_id" for item.update), or "".
func objectOf(typ string, ps []param) string {
	kind, _, _ := strings.Cut(typ, ".")
	key := kind + "_id"
	for _, p := range ps {
		if p.key == key && p.value != "" {
			return key + "=" + p.value
		}
	}
	return ""
}

// openLocked notes that p's delivery is being attempted.
func (s *Server) openLocked(p *pending) {
	obj := objectOf(p.typ, p.params)
	if obj == "" || p.verify {
		return
	}
	if s.loops.open == nil {
		s.loops.open = map[string][]*pending{}
	}
	s.loops.open[obj] = append(s.loops.open[obj], p)
}

// closeLocked notes that p's delivery has ended.
func (s *Server) closeLocked(p *pending) {
	obj := objectOf(p.typ, p.params)
	open := s.loops.open[obj]
	if i := slices.Index(open, p); i >= 0 {
		open = slices.Delete(open, i, i+1)
	}
	if len(open) == 0 {
		delete(s.loops.open, obj)
	} else {
		s.loops.open[obj] = open
	}
}

// loopAt returns the signal for c, a write that fires hooks, when it
// arrives while a delivery is open about the object it is to, its first
// id parameter in the path (item_id in PUT /item/{item_id}). Called
// before c is handled: the deliveries of the events c fires are not the
// ones it could loop on.
func (s *Server) loopAt(c *call) (LoopSignal, bool) {
	if c.r.Method == http.MethodGet || c.r.Method == http.MethodHead || !c.hooksEnabled() {
		return LoopSignal{}, false
	}
	obj := ""
	for _, k := range fixtures.IDKeys() {
		if v := c.params[k]; v != "" {
			obj = k + "=" + v
			break
		}
	}
	if obj == "" {
		return LoopSignal{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	open := s.loops.open[obj]
	if len(open) == 0 {
		return LoopSignal{}, false
	}
	p := open[0]
	return LoopSignal{Method: c.r.Method, Path: c.r.URL.Path, Object: obj, HookID: p.hookID, EventID: p.eventID, Type: p.typ, At: s.now()}, true
}

// signalLoop logs sig and calls OnLoop with it, once the write has
// succeeded.
func (s *Server) signalLoop(sig LoopSignal) {
	s.mu.Lock()
	on := s.OnLoop
	s.mu.Unlock()
	s.logf("%s", sig.Advice())
	if on != nil {
		s.callbacks.Push(func() { on(sig) })
	}
}
