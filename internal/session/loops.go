package session

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// checkTarget refuses a forward target that is one of devhook's own
// listeners: every delivery would come back to devhook and be forwarded
// again. own maps a listener's address (host:port) to its name.
func checkTarget(target *url.URL, own map[string]string) error {
	port := target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[target.Scheme]
	}
	host := strings.Trim(target.Hostname(), "[]")
	for addr, name := range own {
		h, p, err := net.SplitHostPort(addr)
		if err != nil || p != port {
			continue
		}
		if sameHost(host, h) {
			return fmt.Errorf("the forward target %s is devhook's own %s (%s): every delivery would come back to devhook; give your app's address", target.Redacted(), name, addr)
		}
	}
	return nil
}

// sameHost reports whether a and b name the same listener host: equal, or
// both loopback, or one of them a wildcard address.
func sameHost(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	local := func(h string) bool {
		if strings.EqualFold(h, "localhost") {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
	}
	return local(a) && local(b)
}

// ownListeners lists the addresses the session listens on, and the
// embedded mock's, by name.
func (s *Session) ownListeners() map[string]string {
	own := map[string]string{}
	if a := s.cfg.Tunnel.Addr(); a != nil && a.Network() == "tcp" {
		own[a.String()] = "relay"
	}
	if u, err := url.Parse(s.cfg.Tunnel.URL()); err == nil && u.Host != "" {
		p := u.Port()
		if p == "" {
			p = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		own[net.JoinHostPort(u.Hostname(), p)] = "relay (its public URL)"
	}
	if u, err := url.Parse(s.feed.InspectorURL()); err == nil && u.Host != "" {
		own[u.Host] = "inspector"
	}
	for _, a := range s.cfg.OwnAddrs {
		own[a] = "embedded mock"
	}
	return own
}

// Hook loops: a handler that updates the item it was called for without
// hook=false makes Podio fire item.update again, for ever
// (https://developers.podio.com/doc/items/update-item-22363: "hook: If set
// to false, no hooks will be executed for the change"). The session warns
// once when loopCount item.update deliveries for one item each arrive
// within loopGap of the app's answer to the previous one.
const (
	loopGap   = 3 * time.Second
	loopCount = 3
	loopItems = 1000 // items remembered
)

// loopTrack is what the session remembers of one item's item.update
// deliveries.
type loopTrack struct {
	answered time.Time // when the app answered the last one
	chain    int       // deliveries in the current chain
}

// watchLoop notes an item.update delivery and warns once about a loop.
func (s *Session) watchLoop(ev deliverylog.Record) {
	if ev.Type != "item.update" || ev.Kind != deliverylog.KindDelivery {
		return
	}
	item := ""
	for _, id := range ev.IDs {
		if v, ok := strings.CutPrefix(id, "item_id="); ok {
			item = v
		}
	}
	if item == "" {
		return
	}
	answered := ev.Time.Add(ev.Latency())
	s.loopMu.Lock()
	if s.loops == nil {
		s.loops = map[string]*loopTrack{}
	}
	t := s.loops[item]
	if t == nil {
		if len(s.loops) >= loopItems {
			clear(s.loops)
		}
		t = &loopTrack{}
		s.loops[item] = t
	}
	if t.chain > 0 && ev.Time.Sub(t.answered) <= loopGap {
		t.chain++
	} else {
		t.chain = 1
	}
	t.answered = answered
	warn := t.chain >= loopCount && !s.loopWarned
	if warn {
		s.loopWarned = true
	}
	n := t.chain
	s.loopMu.Unlock()
	if warn {
		s.emit(Warning{Text: fmt.Sprintf("devhook: warning: possible hook loop on item %s: %d item.update deliveries, each right after your app answered the previous one. "+
			"If your handler updates the item it was called for, Podio fires item.update again; pass hook=false on the updates your handler makes (Podio's advice)", item, n)})
	}
}

// LoopSeen reports a hook loop seen as it happened, by an embedded mock
// that knows which deliveries are open (a write without hook=false to the
// object a delivery is still open about); advice says so on one line.
// The session warns once about loops, seen or inferred.
func (s *Session) LoopSeen(advice string) {
	s.loopMu.Lock()
	warn := !s.loopWarned
	s.loopWarned = true
	s.loopMu.Unlock()
	if warn {
		s.emit(Warning{Text: "devhook: warning: the mock saw a " + advice})
	}
}
