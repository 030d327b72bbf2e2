package mockpodio

import (
	"context"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/hookrules"
)

// Outcome is what became of one delivery: the type devhook's delivery
// log, inspector and relay share (internal/deliverylog).
type Outcome = deliverylog.Outcome

// The outcomes a mock's delivery can have. Every event a hook is targeted
// by gets exactly one of them.
const (
	// OutcomeDelivered: the receiver answered 2xx within the timeout.
	OutcomeDelivered = deliverylog.OutcomeDelivered
	// OutcomeFailed: unreachable, connection broken, non-2xx, or no
	// complete answer within the timeout. It counts toward the suspension
	// and disabling rules.
	OutcomeFailed = deliverylog.OutcomeFailed
	// OutcomeDroppedSuspended: the hook was suspended, so the event was
	// ignored, as Podio does.
	OutcomeDroppedSuspended = deliverylog.OutcomeDroppedSuspended
	// OutcomeDroppedInactive: the hook was inactive (unverified or
	// disabled), or deleted before its turn came.
	OutcomeDroppedInactive = deliverylog.OutcomeDroppedInactive
	// OutcomeDroppedFault: an injected delivery fault dropped it.
	OutcomeDroppedFault = deliverylog.OutcomeDroppedFault
)

// outcomes are every outcome of the mock, in the order they are
// documented.
var outcomes = []Outcome{OutcomeDelivered, OutcomeFailed, OutcomeDroppedSuspended, OutcomeDroppedInactive, OutcomeDroppedFault}

// Delivery is the record of one attempt to deliver an event to a hook, or
// of the decision not to.
type Delivery struct {
	// ID numbers deliveries in the order they were recorded, from 1.
	ID int64 `json:"id"`
	// EventID is the fired event this delivery belongs to; every hook an
	// event targets shares it.
	EventID int64 `json:"event_id"`
	// HookID is the hook delivered to.
	HookID int64 `json:"hook_id"`
	// Type is the event type, e.g. "item.create" or "hook.verify".
	Type string `json:"type"`
	// URL is the URL posted to: the hook URL without its query string.
	URL string `json:"url"`
	// Params are the form parameters sent, including type and hook_id and
	// the hook URL's query pairs.
	Params map[string]string `json:"params"`
	// Body is the form-encoded body exactly as sent.
	Body string `json:"body"`
	// StatusCode is the receiver's status; 0 when none arrived.
	StatusCode int `json:"status_code"`
	// Location is the Location of a redirect the receiver answered, which
	// is not followed: the delivery failed.
	Location string `json:"location"`
	// Error says why a delivery failed or was dropped; empty on success.
	Error string `json:"error"`
	// Duration is how long the attempt took on the mock's clock.
	Duration time.Duration `json:"-"`
	// DurationMS is Duration in milliseconds, for JSON.
	DurationMS float64 `json:"duration_ms"`
	// Outcome is what became of it.
	Outcome Outcome `json:"outcome"`
	// At is when the attempt started (or the drop was decided), on the
	// mock's clock.
	At time.Time `json:"at"`
	// Duplicate marks an extra copy sent by an injected duplicate fault.
	Duplicate bool `json:"duplicate"`
}

// param is one form parameter, kept in the order it is sent.
type param struct{ key, value string }

// pending is a delivery waiting in a hook's queue.
type pending struct {
	eventID   int64
	hookID    int64
	typ       string
	url       string
	params    []param
	body      string // params, form-encoded
	verify    bool   // a hook.verify: sent whatever the hook's state, not counted by the rules
	duplicate bool
	gen       int // the server generation it was queued in

	// ready is closed once the delivery's delay has passed on the clock;
	// nil means it has none. timer closes it.
	ready chan struct{}
	timer Timer
}

func encodeParams(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	return b.String()
}

func paramMap(ps []param) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		if _, dup := m[p.key]; !dup {
			m[p.key] = p.value
		}
	}
	return m
}

// target is an object events are fired on.
type target struct {
	refType string
	refID   int64
}

// fireLocked fires an event of type typ with params on every hook of that
// type registered on one of targets, and returns the event's id. Active
// hooks get a queued delivery; the others get their drop recorded at once.
func (s *Server) fireLocked(typ string, params []param, targets ...target) int64 {
	eventID := s.nextEventIDLocked()
	now := s.now()
	hooks := s.hooksForLocked(typ, targets)
	s.targeted += int64(len(hooks))
	for _, h := range hooks {
		p := s.newPendingLocked(eventID, h, typ, params)
		switch {
		case !h.Active:
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedInactive, At: now, Error: "hook is inactive: " + h.inactiveReasonOr()})
		case hookrules.Suspended(h.history.SuspendedUntil, now):
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedSuspended, At: now,
				Error: "hook is suspended until " + podioTime(h.history.SuspendedUntil)})
		default:
			s.enqueueLocked(h, p)
		}
	}
	return eventID
}

func (s *Server) nextEventIDLocked() int64 {
	s.events++
	return s.events
}

// hooksForLocked returns the live hooks of type typ on targets, by id.
func (s *Server) hooksForLocked(typ string, targets []target) []*hook {
	var out []*hook
	for _, t := range targets {
		for _, id := range s.hooksByRef[t] {
			h := s.hooks[id]
			if h != nil && !h.Deleted && h.Type == typ {
				out = append(out, h)
			}
		}
	}
	return out
}

func (s *Server) newPendingLocked(eventID int64, h *hook, typ string, params []param) *pending {
	if !h.split.ok || h.split.of != h.URL {
		u, extra := fixtures.SplitHookURL(h.URL)
		h.split = hookURLSplit{of: h.URL, ok: true, url: u, extra: extra}
	}
	u, extra := h.split.url, h.split.extra
	ps := make([]param, 0, 2+len(params)+len(extra))
	ps = append(ps, param{"type", typ}, param{"hook_id", strconv.FormatInt(h.ID, 10)})
	ps = append(ps, params...)
	for _, e := range extra {
		ps = append(ps, param{e.Key, e.Value})
	}
	return &pending{eventID: eventID, hookID: h.ID, typ: typ, url: u, params: ps, body: encodeParams(ps), gen: s.gen}
}

// enqueueLocked puts p on h's queue and starts another of h's workers
// while fewer than HookConcurrency run. p's
// delay starts now, so advancing a manual clock past it makes every
// delivery queued before the advance due at once.
func (s *Server) enqueueLocked(h *hook, p *pending) {
	if d := s.delayLocked(h, p); d > 0 {
		ready := make(chan struct{})
		p.ready = ready
		p.timer = s.clock().AfterFunc(d, func() { close(ready) })
	}
	s.wg.Add(1)
	h.queue = append(h.queue, p)
	if h.workers < s.hookConcurrency() {
		h.workers++
		go s.work(h)
	}
}

// delayLocked is how long p waits in h's queue at least: QueueDelay, a
// random part up to QueueJitter, and the delay of an injected fault (never
// for a hook.verify).
func (s *Server) delayLocked(h *hook, p *pending) time.Duration {
	d := s.QueueDelay
	if s.QueueJitter > 0 {
		rng := s.randsLocked(h).queue
		if p.duplicate {
			rng = s.randsLocked(h).faults // queued by the worker, not in firing order
		}
		d += time.Duration(rng.Int64N(int64(s.QueueJitter) + 1))
	}
	if f := s.faults.deliveryFor(h.ID); f != nil && !p.verify {
		d += f.Delay.Duration
	}
	return d
}

// hookRand is one hook's random streams. Each hook has its own, seeded
// from FaultSeed and its id, so what it draws does not depend on how other
// hooks' deliveries interleave: queue is drawn from as events are queued
// (in firing order), faults by the hook's worker.
type hookRand struct {
	queue, faults *mrand.Rand
}

func (s *Server) randsLocked(h *hook) *hookRand {
	r := s.hookRands[h]
	if r == nil {
		k := splitmix64(s.faultSeed() ^ splitmix64(uint64(h.ID)))
		r = &hookRand{
			queue:  mrand.New(mrand.NewPCG(k, splitmix64(k+1))),
			faults: mrand.New(mrand.NewPCG(splitmix64(k+2), splitmix64(k+3))),
		}
		s.hookRands[h] = r
	}
	return r
}

// splitmix64 scrambles x (the SplitMix64 finalizer), to derive unrelated
// seeds from related numbers.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// work drains h's queue together with h's other workers, one delivery at
// a time, concurrently with every other hook's: a hook's deliveries start
// in order (unless a reorder fault says otherwise), and with one worker
// (HookConcurrency 1) each ends before the next starts.
func (s *Server) work(h *hook) {
	for {
		s.callbacks.WaitRoom() // a slow Logf or OnDelivery slows deliveries only past the outbox's limit
		s.mu.Lock()
		if len(h.queue) == 0 {
			h.workers--
			s.mu.Unlock()
			return
		}
		i := 0
		if f := s.faults.deliveryFor(h.ID); f != nil && f.Reorder && len(h.queue) > 1 {
			i = s.randsLocked(h).faults.IntN(len(h.queue))
		}
		p := h.queue[i]
		if i == 0 {
			h.queue[0] = nil
			h.queue = h.queue[1:]
		} else {
			h.queue = append(h.queue[:i], h.queue[i+1:]...)
		}
		if p.ready == nil {
			s.attemptLocked(p) // in the same hold of the lock: one less handoff per delivery
		} else {
			s.mu.Unlock()
			if s.awaitReady(p) {
				s.mu.Lock()
				s.attemptLocked(p)
			}
		}
		s.wg.Done()
	}
}

// awaitReady blocks until p's delay has passed on the clock and reports
// true, or false when the server closes first: p is then abandoned.
func (s *Server) awaitReady(p *pending) bool {
	select {
	case <-p.ready:
		return true
	case <-s.closing:
		p.timer.Stop()
		return false
	}
}

// attemptLocked delivers p, unless the hook's state or a fault says
// otherwise, records the outcome and applies the rules. It is called with
// s.mu held and releases it: the lock is not held while the receiver
// answers.
func (s *Server) attemptLocked(p *pending) {
	h := s.hooks[p.hookID]
	if p.gen != s.gen {
		h = nil
	}
	now := s.now()
	if !p.verify {
		switch {
		case h == nil || h.Deleted:
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedInactive, At: now, Error: "hook was deleted"})
			s.mu.Unlock()
			return
		case !h.Active:
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedInactive, At: now, Error: "hook is inactive: " + h.inactiveReasonOr()})
			s.mu.Unlock()
			return
		case hookrules.Suspended(h.history.SuspendedUntil, now):
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedSuspended, At: now,
				Error: "hook is suspended until " + podioTime(h.history.SuspendedUntil)})
			s.mu.Unlock()
			return
		}
	}
	var duplicate bool
	if f := s.faults.deliveryFor(p.hookID); f != nil && !p.verify && !p.duplicate {
		rng := s.randsLocked(h).faults
		if f.DropRate > 0 && rng.Float64() < f.DropRate {
			s.recordLocked(p, Delivery{Outcome: OutcomeDroppedFault, At: now, Error: "dropped by an injected fault"})
			s.mu.Unlock()
			return
		}
		duplicate = f.DuplicateRate > 0 && rng.Float64() < f.DuplicateRate
	}
	s.openLocked(p)
	s.mu.Unlock()

	res := s.deliver(p, now)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(p)
	// The end is read under the lock, so the outcomes of concurrent
	// deliveries reach the record and the rules in the order of their
	// end times: replaying the record through Apply gives the hook's
	// state.
	end := s.now()
	d := Delivery{StatusCode: res.Status, Location: res.Location, At: now, Duration: end.Sub(now), Outcome: OutcomeDelivered}
	failure := res.Failure()
	failed := failure != nil
	if failed {
		d.Outcome = OutcomeFailed
		d.Error = failure.Error()
	}
	s.recordLocked(p, d)
	if h != nil && !h.Deleted && !p.verify {
		s.applyRulesLocked(h, failed, end)
	}
	if duplicate && h != nil && !h.Deleted {
		dup := *p
		dup.duplicate = true
		dup.ready, dup.timer = nil, nil
		s.enqueueLocked(h, &dup)
	}
}

// applyRulesLocked feeds one outcome to Podio's rules and applies the
// verdict to h.
func (s *Server) applyRulesLocked(h *hook, failed bool, now time.Time) {
	hist, v := hookrules.Apply(h.history, failed, now)
	h.history = hist
	s.touchLocked(kindHooks, h.ID)
	if !v.SuspendUntil.IsZero() {
		s.logf("hook %d suspended until %s: more than %d failures within %s", h.ID, podioTime(v.SuspendUntil), hookrules.SuspendThreshold, hookrules.SuspendWindow)
	}
	if v.Disable && h.Active {
		h.Active = false
		h.inactiveReason = fmt.Sprintf("disabled: more than %d failures within 7 days; verify it again", hookrules.DisableThreshold)
		s.logf("hook %d %s", h.ID, h.inactiveReason)
	}
	if v.Unverify && h.Active && hookrules.CountTimeoutsAsConsecutive {
		h.Active = false
		h.inactiveReason = fmt.Sprintf("unverified: more than %d consecutive failures; verify it again", hookrules.UnverifyThreshold)
		s.logf("hook %d %s", h.ID, h.inactiveReason)
	}
}

func (h *hook) inactiveReasonOr() string {
	if h.inactiveReason != "" {
		return h.inactiveReason
	}
	return "not verified"
}

// deliveryUserAgent is the User-Agent of event POSTs. UNVERIFIED: Podio's
// real one is not documented.
const deliveryUserAgent = "Podio-Webhooks (devhook mockpodio)"

// post sends p with the one policy of [formpost]: no redirects followed, a
// timeout on the mock's clock that covers the whole exchange, an answer
// cut short is a failure.
func (s *Server) post(p *pending) formpost.Result { return s.postWith(p, s.delivClient) }

// postWith is post through client.
func (s *Server) postWith(p *pending, client *http.Client) formpost.Result {
	clock := s.clock()
	sender := formpost.Sender{
		Client:    client,
		Timeout:   s.deliveryTimeout(),
		AfterFunc: func(d time.Duration, f func()) func() bool { return clock.AfterFunc(d, f).Stop },
		UserAgent: deliveryUserAgent,
	}
	return sender.Post(context.Background(), p.url, []byte(p.body))
}

// recordLocked completes d from p and appends it to the record.
func (s *Server) recordLocked(p *pending, d Delivery) {
	if p.gen != s.gen {
		return // queued before a Reset
	}
	s.recorded++
	d.ID = s.recorded
	d.EventID = p.eventID
	d.HookID = p.hookID
	d.Type = p.typ
	d.URL = p.url
	d.Params = paramMap(p.params)
	d.Body = p.body
	d.Duplicate = p.duplicate
	d.DurationMS = float64(d.Duration) / float64(time.Millisecond)
	s.counts[d.Outcome]++
	switch {
	case p.duplicate:
		s.dupCounts[d.Outcome]++
	case p.verify:
		s.verifyCounts[d.Outcome]++
	default:
		s.eventCounts[d.Outcome]++
	}
	s.storeLocked(d)
	if s.Logf != nil || s.OnDelivery != nil || s.OnDeliveries != nil {
		// Outside the lock, in record order (runCallbacks).
		s.lines.Add(callback{delivery: true, d: d})
	}
	s.notifyLocked()
}

// callback is a Logf line, or a delivery for OnDelivery and its line,
// queued to run outside the lock.
type callback struct {
	delivery bool
	d        Delivery // when delivery
	format   string   // a line's, when not delivery
	args     []any
}

// runCallbacks runs, on the callbacks' goroutine, the lines and
// deliveries queued in a row: OnDelivery (or OnDeliveries once) for the
// deliveries first, then the Logf lines in order, each delivery's where
// it was recorded. So a reader who sees a delivery's line finds its
// record wherever the callbacks put it, and a batch's records are written
// together. Each delivery's Params is shared with the record, which never
// writes to it: the callbacks get clones.
func (s *Server) runCallbacks(cs []callback) {
	onAll, on := s.OnDeliveries, s.OnDelivery
	if onAll != nil || on != nil {
		var ds []Delivery
		for _, c := range cs {
			if c.delivery {
				d := c.d
				d.Params = maps.Clone(d.Params)
				ds = append(ds, d)
			}
		}
		switch {
		case len(ds) == 0:
		case onAll != nil:
			onAll(ds)
		default:
			for _, d := range ds {
				on(d)
			}
		}
	}
	logf := s.Logf
	if logf == nil {
		return
	}
	for _, c := range cs {
		if !c.delivery {
			logf(c.format, c.args...)
			continue
		}
		d, msg := c.d, ""
		if d.Error != "" {
			msg = "  " + d.Error
		}
		logf("hook %d  %s  -> %s %d  %s%s", d.HookID, d.Type, d.Outcome, d.StatusCode, deliverylog.FormatLatencyMS(d.DurationMS), msg)
	}
}

// The record is a ring: the delivery with ID k lives in
// s.deliveries[(k-1) % len(s.deliveries)], and the record holds IDs
// s.dropped+1 through s.recorded. It grows by appending until it holds
// MaxDeliveries, then each new delivery overwrites the oldest: amortized
// O(1) per delivery, whatever the cap.

// storeLocked puts d, whose ID is s.recorded, into the record, dropping
// the oldest delivery when the record is full.
func (s *Server) storeLocked(d Delivery) {
	limit := s.maxDeliveries()
	held := int(s.recorded-1) - s.dropped // before d
	switch {
	case len(s.deliveries) == held && held < limit && s.dropped == 0:
		s.deliveries = append(s.deliveries, d) // growing: slot k-1 is the end
		return
	case len(s.deliveries) != limit:
		s.relayoutLocked(limit) // MaxDeliveries changed since the ring filled
	}
	if held >= limit {
		s.dropped++
	}
	s.deliveries[(d.ID-1)%int64(limit)] = d
}

// relayoutLocked rebuilds the ring with limit slots, keeping the newest
// deliveries that fit and counting the others as dropped. It runs only
// when MaxDeliveries changes while the ring is full.
func (s *Server) relayoutLocked(limit int) {
	held := int(s.recorded-1) - s.dropped
	if over := held - limit; over > 0 {
		s.dropped += over
	}
	ring := make([]Delivery, limit)
	for id := int64(s.dropped) + 1; id < s.recorded; id++ {
		ring[(id-1)%int64(limit)] = *s.deliveryLocked(id)
	}
	s.deliveries = ring
}

// deliveryLocked returns the recorded delivery with ID id, which must be
// held: s.dropped < id <= s.recorded.
func (s *Server) deliveryLocked(id int64) *Delivery {
	return &s.deliveries[(id-1)%int64(len(s.deliveries))]
}

// idKeys are [fixtures.IDKeys], read once.
var idKeys = fixtures.IDKeys()

// Record returns d as devhook's delivery log keeps it (package
// internal/deliverylog): a form POST to the hook URL, whose answer the
// mock keeps only the status of.
func (d Delivery) Record() deliverylog.Record {
	path := hookPath(d.URL)
	var body []byte // nil, not empty, when there is none: as the log reads it back
	if d.Body != "" {
		body = []byte(d.Body)
	}
	kind := deliverylog.KindDelivery
	if d.Type == fixtures.VerifyEvent {
		kind = deliverylog.KindVerify
	}
	var ids []string
	if d.Params != nil {
		// Params holds the first value of each parameter of Body, as
		// ParseQuery's Get does: no need to parse Body again.
		for _, k := range idKeys {
			if v := d.Params[k]; v != "" {
				ids = append(ids, k+"="+v)
			}
		}
	} else if form, err := url.ParseQuery(d.Body); err == nil {
		ids = fixtures.IDParams(form)
	}
	return deliverylog.Record{
		Time:      d.At,
		Source:    "mock",
		Kind:      kind,
		Type:      d.Type,
		HookID:    d.HookID,
		IDs:       ids,
		Outcome:   d.Outcome,
		Status:    d.StatusCode,
		LatencyMS: d.DurationMS,
		Error:     d.Error,
		Target:    d.URL,
		Request: deliverylog.Request{
			Method: http.MethodPost,
			Path:   path,
			Header: http.Header{"Content-Type": {formpost.ContentType}},
			Body:   body,
		},
		Response: deliverylog.Response{Status: d.StatusCode},
	}
}

// hookPath returns the escaped path of a hook URL, "/" when it has none
// or does not parse. A plain http(s) URL (the usual hook URL) is cut
// without parsing; anything else goes through url.Parse, whose answer
// the cut gives in the plain case (FuzzHookPath).
func hookPath(raw string) string {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok {
		rest, ok = strings.CutPrefix(raw, "https://")
	}
	if ok {
		end := strings.IndexAny(rest, "?#")
		if end < 0 {
			end = len(rest)
		}
		slash := strings.IndexByte(rest[:end], '/')
		if slash > 0 && plainHost(rest[:slash]) && plainPath(rest[slash:end]) && plainTail(rest[end:]) {
			return rest[slash:end]
		}
	}
	if u, err := url.Parse(raw); err == nil && u.EscapedPath() != "" {
		return u.EscapedPath()
	}
	return "/"
}

// plainHost reports whether h is a host[:port] of letters, digits, '.',
// '-' and one ':' followed by digits.
func plainHost(h string) bool {
	host, port, hasPort := strings.Cut(h, ":")
	if host == "" || (hasPort && port == "") {
		return false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if c := port[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// plainTail reports whether url.Parse accepts q, a query and fragment,
// whatever it holds: no control characters, no escapes to check.
func plainTail(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c < 0x20 || c == 0x7f || c == '%' {
			return false
		}
	}
	return true
}

// plainPath reports whether url.URL.EscapedPath would give p as it is: a
// path of the characters it never escapes, and no percent sign.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("-_.~$&+,/:;=@", rune(c)) {
			return false
		}
	}
	return true
}
