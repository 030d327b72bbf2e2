package mockpodio

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/hookrules"
)

// Hook choices the reference leaves open (https://developers.podio.com/doc/hooks).
const (
	// statusNoContent answers the operations with no body (delete hook,
	// verify/request, verify/validate, deletes): 204, INFERRED.
	statusNoContent = http.StatusNoContent
	// verifyCodeBytes is the size of a hook.verify code, in random bytes
	// (hex-encoded on the wire). UNVERIFIED.
	verifyCodeBytes = 16
)

// Hook is a snapshot of a hook's state, as [Server.Hooks] and
// GET /_mock/hooks show it.
type Hook struct {
	HookID  int64  `json:"hook_id"`  // the hook's id
	RefType string `json:"ref_type"` // what it is registered on: "app", "app_field" or "space"
	RefID   int64  `json:"ref_id"`   // the id of that object
	Type    string `json:"type"`     // the event type, e.g. "item.create"
	URL     string `json:"url"`      // the hook URL, query included
	// Status is "active" or "inactive", as Podio lists it.
	Status string `json:"status"`
	// InactiveReason says why an inactive hook is inactive.
	InactiveReason string `json:"inactive_reason,omitempty"`
	// SuspendedUntil is when the current suspension ends; nil when the
	// hook is not suspended.
	SuspendedUntil *time.Time `json:"suspended_until"`
	// Failures15m counts failures within the suspension window.
	Failures15m int `json:"failures_15m"`
	// Failures7d counts failures within the disabling window.
	Failures7d int `json:"failures_7d"`
	// ConsecutiveFailures counts failures since the last success.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// Queued counts deliveries waiting in the hook's queue.
	Queued    int       `json:"queued"`
	CreatedOn time.Time `json:"created_on"` // when it was created, on the mock's clock
}

func (s *Server) hookSnapshotLocked(h *hook) Hook {
	now := s.now()
	out := Hook{
		HookID: h.ID, RefType: h.RefType, RefID: h.RefID, Type: h.Type, URL: h.URL,
		Status:              hookStatus(h),
		Failures15m:         hookrules.FailuresWithin(h.history.Failures, now, hookrules.SuspendWindow),
		Failures7d:          hookrules.FailuresWithin(h.history.Failures, now, hookrules.DisableWindow),
		ConsecutiveFailures: h.history.Consecutive,
		Queued:              len(h.queue),
		CreatedOn:           h.CreatedOn,
	}
	if !h.Active {
		out.InactiveReason = h.inactiveReasonOr()
	}
	if hookrules.Suspended(h.history.SuspendedUntil, now) {
		t := h.history.SuspendedUntil
		out.SuspendedUntil = &t
	}
	return out
}

func hookStatus(h *hook) string {
	if h.Active {
		return "active"
	}
	return "inactive"
}

// Hooks returns a snapshot of every live hook, by id.
func (s *Server) Hooks() []Hook {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Hook
	for _, h := range s.hooks {
		if !h.Deleted {
			out = append(out, s.hookSnapshotLocked(h))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].HookID < out[j].HookID })
	return out
}

// Hook returns a snapshot of the live hook id.
func (s *Server) Hook(id int64) (Hook, bool) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hooks[id]
	if !ok || h.Deleted {
		return Hook{}, false
	}
	return s.hookSnapshotLocked(h), true
}

var refTypes = []string{fixtures.RefApp, fixtures.RefAppField, fixtures.RefSpace}

// hookRef parses and checks the {ref_type}/{ref_id} of a hook route.
// In permissive mode an unknown app or space is created; an unknown field
// is always an error, since the mock cannot tell its app.
func (s *Server) hookRefLocked(c *call) (target, error) {
	rt := c.params["ref_type"]
	if !slices.Contains(refTypes, rt) {
		return target{}, invalid("Invalid ref_type %q: hooks can be registered on app, app_field or space", rt)
	}
	id, err := c.id("ref_id")
	if err != nil {
		return target{}, err
	}
	switch rt {
	case fixtures.RefApp:
		a, ok := s.apps[id]
		if !ok || a.Deleted {
			if s.Strict || ok {
				return target{}, notFound("app", id)
			}
			s.createAppLocked(id, s.defaultSpaceLocked(), "App "+strconv.FormatInt(id, 10), "Item")
		}
	case fixtures.RefSpace:
		if _, ok := s.spaces[id]; !ok {
			if s.Strict {
				return target{}, notFound("space", id)
			}
			s.spaces[id] = &space{ID: id, Name: "Space " + strconv.FormatInt(id, 10)}
			s.ids.space = max(s.ids.space, id)
			s.touchLocked(kindSpaces, id)
		}
	case fixtures.RefAppField:
		if f, ok := s.fields[id]; !ok || s.apps[f.AppID] == nil || s.apps[f.AppID].Deleted {
			return target{}, notFound("field", id)
		}
	}
	return target{refType: rt, refID: id}, nil
}

// checkHookURL applies Podio's rules to a hook URL: http or https, a
// host, no user info, and port 80 or 443 unless AllowAnyPort.
func (s *Server) checkHookURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return invalid("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid("Invalid url %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid("Invalid url %q: the scheme must be http or https", raw)
	}
	if u.Hostname() == "" {
		return invalid("Invalid url %q: no host", raw)
	}
	if u.User != nil {
		return invalid("Invalid url %q: user info is not allowed", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return invalid("Invalid url %q: bad port", raw)
		}
		if !s.AllowAnyPort && p != "80" && p != "443" {
			return invalid("Invalid url %q: only ports 80 and 443 are allowed", raw)
		}
	}
	if s.isSelf(u) {
		// Deliveries would reach the mock's own API, the control routes
		// included: one event could reset the mock.
		return invalid("Invalid url %q: it points at this mock itself", raw)
	}
	return nil
}

// isSelf reports whether u reaches the mock's own listener: its port, on
// a loopback name or address, or the address the mock listens on.
func (s *Server) isSelf(u *url.URL) bool {
	if s.URL == "" {
		return false // not listening: served in memory only
	}
	self, err := url.Parse(s.URL)
	if err != nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != self.Port() {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == self.Hostname() {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	// Listening on every address: any address of this machine is the mock.
	if listen, err := netip.ParseAddr(self.Hostname()); err != nil || !listen.IsUnspecified() {
		return false
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Unmap() == ip.Unmap() {
			return true
		}
	}
	return false
}

func (s *Server) handleCreateHook(c *call) (int, any, error) {
	var body struct {
		URL  string `json:"url"`
		Type string `json:"type"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Type == "" {
		return 0, nil, invalid("type is required")
	}
	if !validEventType(body.Type) || body.Type == fixtures.VerifyEvent {
		return 0, nil, invalid("Invalid type %q: not a hook event type", body.Type)
	}
	if err := s.checkHookURL(body.URL); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	undo := s.checkpointLocked()
	t, err := s.hookRefLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if !fixtures.Allowed(t.refType, body.Type) {
		undo()
		spec, _ := fixtures.Lookup(body.Type)
		return 0, nil, invalid("Invalid type %q for ref_type %s: it can be registered on %s", body.Type, t.refType, strings.Join(spec.RefTypes, ", "))
	}
	n := 0
	for _, id := range s.hooksByRef[t] {
		if h := s.hooks[id]; !h.Deleted && h.Type == body.Type {
			n++
		}
	}
	if n >= fixtures.MaxHooksPerType {
		undo()
		return 0, nil, invalid("The %s %d already has %d hooks of type %s, the most allowed", t.refType, t.refID, fixtures.MaxHooksPerType, body.Type)
	}
	h := &hook{
		ID: next(&s.ids.hook), RefType: t.refType, RefID: t.refID, Type: body.Type, URL: body.URL,
		CreatedOn: s.now(), CreatedBy: c.auth.Ref,
	}
	s.hooks[h.ID] = h
	s.hooksByRef[t] = append(s.hooksByRef[t], h.ID)
	s.touchLocked(kindHooks, h.ID)
	s.sendVerifyLocked(h)
	return http.StatusOK, map[string]int64{"hook_id": h.ID}, nil
}

// sendVerifyLocked queues a hook.verify with a new code for h.
func (s *Server) sendVerifyLocked(h *hook) {
	h.Code = randomHex(verifyCodeBytes)
	s.touchLocked(kindHooks, h.ID)
	p := s.newPendingLocked(s.nextEventIDLocked(), h, fixtures.VerifyEvent, []param{{"code", h.Code}})
	p.verify = true
	s.enqueueLocked(h, p)
}

// hookJSON is a hook as GET /hook/{ref_type}/{ref_id}/ lists it.
type hookJSON struct {
	HookID     int64   `json:"hook_id"`
	Status     string  `json:"status"`
	Type       string  `json:"type"`
	URL        string  `json:"url"`
	CreatedOn  string  `json:"created_on"`
	CreatedBy  byline  `json:"created_by"`
	CreatedVia viaJSON `json:"created_via"`
}

func (s *Server) handleListHooks(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.hookRefLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := []hookJSON{}
	for _, id := range s.hooksByRef[t] {
		h := s.hooks[id]
		if h.Deleted {
			continue
		}
		out = append(out, hookJSON{
			HookID: h.ID, Status: hookStatus(h), Type: h.Type, URL: h.URL,
			CreatedOn: podioTime(h.CreatedOn), CreatedBy: s.bylineLocked(h.CreatedBy), CreatedVia: via(),
		})
	}
	return http.StatusOK, out, nil
}

// liveHookLocked returns the hook of the {hook_id} path parameter.
func (s *Server) liveHookLocked(c *call) (*hook, error) {
	id, err := c.id("hook_id")
	if err != nil {
		return nil, err
	}
	h, ok := s.hooks[id]
	if !ok || h.Deleted {
		return nil, notFound("hook", id)
	}
	return h, nil
}

func (s *Server) handleDeleteHook(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.liveHookLocked(c)
	if err != nil {
		return 0, nil, err
	}
	h.Deleted = true
	h.Active = false
	s.touchLocked(kindHooks, h.ID)
	t := target{h.RefType, h.RefID}
	s.hooksByRef[t] = slices.DeleteFunc(s.hooksByRef[t], func(id int64) bool { return id == h.ID })
	s.notifyLocked()
	return statusNoContent, nil, nil
}

func (s *Server) handleVerifyRequest(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.liveHookLocked(c)
	if err != nil {
		return 0, nil, err
	}
	s.sendVerifyLocked(h)
	return statusNoContent, nil, nil
}

func (s *Server) handleVerifyValidate(c *call) (int, any, error) {
	var body struct {
		Code any `json:"code"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	code := fmt.Sprint(body.Code)
	if body.Code == nil || code == "" {
		return 0, nil, invalid("code is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.liveHookLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if h.Code == "" || code != h.Code {
		return 0, nil, invalid("Invalid verification code for hook %d", h.ID)
	}
	h.Active = true
	h.inactiveReason = ""
	s.touchLocked(kindHooks, h.ID)
	if hookrules.ResetHistoryOnVerify {
		h.history = hookrules.History{}
	}
	s.logf("hook %d verified: active", h.ID)
	s.notifyLocked()
	return statusNoContent, nil, nil
}

// byline is Podio's ByLine object. Its fields are in alphabetical order,
// the order the mock sent them in when they were a map; the null ones are
// always null.
type byline struct {
	AvatarID   *int64  `json:"avatar_id"`
	AvatarType string  `json:"avatar_type"`
	ID         int64   `json:"id"`
	Image      *string `json:"image"`
	LastSeenOn *string `json:"last_seen_on"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	URL        *string `json:"url"`
}

// viaJSON is Podio's Via object, fields in alphabetical order.
type viaJSON struct {
	Display bool    `json:"display"`
	ID      int     `json:"id"`
	Name    string  `json:"name"`
	URL     *string `json:"url"`
}

// bylineLocked renders who made something as Podio's ByLine.
func (s *Server) bylineLocked(r ref) byline {
	name := ""
	switch r.Type {
	case "app":
		if a, ok := s.apps[r.ID]; ok {
			name = a.Name
		}
	case "user":
		if u, ok := s.users[r.ID]; ok {
			name = u.Name
		}
	}
	return byline{Type: r.Type, ID: r.ID, Name: name, AvatarType: "file"}
}

// via renders the API client something was made through as Podio's Via.
func via() viaJSON {
	return viaJSON{ID: 1, Name: "devhook mockpodio"}
}
