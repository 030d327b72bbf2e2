package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
)

// While hooks wait for verification the session asks Podio for their
// status, in case their hook.verify went to another devhook sharing the
// URL: one list call per reference per poll, the first after firstPoll,
// then twice as long each time up to maxPoll. A prompt hook.verify needs
// no poll at all.
const (
	firstPoll = 2 * time.Second
	maxPoll   = 8 * time.Second
)

// Hook is a registered hook as the session sees it.
type Hook struct {
	HookSpec
	ID     int64
	Reused bool   // it was registered already, with this URL and event
	Status string // podio.HookActive or podio.HookInactive
}

// hookState is a registered hook and what the session knows of it. Its
// fields are guarded by Session.hooksMu.
type hookState struct {
	spec    HookSpec
	id      int64
	reused  bool
	active  bool
	problem string // why validation failed
	live    liveState
}

func (h *hookState) public() Hook {
	st := podio.HookInactive
	if h.active {
		st = podio.HookActive
	}
	return Hook{HookSpec: h.spec, ID: h.id, Reused: h.reused, Status: st}
}

// ref is a reference hooks are registered on.
type ref struct {
	typ string
	id  int64
}

func (r ref) String() string { return fmt.Sprintf("%s %d", r.typ, r.id) }

// register creates each hook, or reuses one with the same URL and type.
// Each reference's hooks are listed once.
func (s *Session) register(ctx context.Context) ([]*hookState, error) {
	existing := map[ref][]podio.Hook{}
	var out []*hookState
	for _, sp := range s.cfg.Hooks {
		r := ref{sp.RefType, sp.RefID}
		list, ok := existing[r]
		if !ok {
			var err error
			if list, err = s.cfg.Client.ListHooks(ctx, sp.RefType, sp.RefID); err != nil {
				return out, fmt.Errorf("list hooks on %s: %w", r, err)
			}
			existing[r] = list
		}
		st := &hookState{spec: sp}
		for _, h := range list {
			if h.URL == s.hookURL && h.Type == sp.Event {
				st.id, st.reused, st.active = h.HookID, true, h.Status == podio.HookActive
			}
		}
		if st.reused {
			if !st.active {
				// Only the answer to this request counts: forget any
				// hook.verify of this hook seen before it.
				s.verifyMu.Lock()
				delete(s.verified, st.id)
				s.verifyMu.Unlock()
				if err := s.cfg.Client.RequestVerification(ctx, st.id); err != nil {
					return out, fmt.Errorf("verify hook %d: %w", st.id, err)
				}
			}
			s.addHook(st, false)
			out = append(out, st)
			continue
		}
		id, err := s.cfg.Client.CreateHook(ctx, sp.RefType, sp.RefID, s.hookURL, sp.Event)
		if err != nil {
			if errors.Is(err, podio.ErrBadRequest) && countType(list, sp.Event) >= fixtures.MaxHooksPerType {
				return out, fmt.Errorf("create %s hook on %s: it already has %d, Podio's limit; delete some with `%s hooks delete`: %w", sp.Event, r, fixtures.MaxHooksPerType, cmp.Or(s.cfg.Command, "devhook"), err)
			}
			return out, fmt.Errorf("create %s hook on %s: %w", sp.Event, r, err)
		}
		st.id = id
		s.addHook(st, true)
		out = append(out, st)
	}
	return out, nil
}

func (s *Session) addHook(h *hookState, created bool) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.hooks = append(s.hooks, h)
	if created {
		s.created = append(s.created, h.id)
	}
}

func countType(list []podio.Hook, event string) int {
	n := 0
	for _, h := range list {
		if h.Type == event {
			n++
		}
	}
	return n
}

// awaitActive waits until every hook is active, with a diagnosis for those
// that are not within the verify timeout, or as soon as every hook not
// active has failed its validation. A failed call to Podio is
// reported as itself: at once when waiting longer cannot help (rate
// limited, signed out), at the deadline otherwise.
func (s *Session) awaitActive(ctx context.Context, hooks []*hookState) error {
	timeout := cmp.Or(s.cfg.VerifyTimeout, DefaultVerifyTimeout)
	deadline, dt := after(s.clock, timeout)
	defer dt.Stop()
	wait := firstPoll
	poll, pt := after(s.clock, wait)
	defer func() { pt.Stop() }()
	var checkErr error
	for {
		pending, undecided := s.settle(hooks)
		if pending == 0 {
			return nil
		}
		if undecided == 0 {
			// Every hook left failed its validation: Podio sends no
			// other hook.verify unless asked, so waiting cannot help.
			return s.diagnose(hooks, timeout, nil)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.verifyCh:
		case <-poll:
			checkErr = s.checkPodio(ctx, hooks)
			if fatal(checkErr) {
				return fmt.Errorf("hooks not active: %w", checkErr)
			}
			wait = min(2*wait, maxPoll)
			poll, pt = after(s.clock, wait)
		case <-deadline:
			return s.diagnose(hooks, timeout, checkErr)
		}
	}
}

// settle applies the hook.verify outcomes seen so far and returns how many
// hooks are still not active, and how many of those have not failed
// validation either.
func (s *Session) settle(hooks []*hookState) (pending, undecided int) {
	s.verifyMu.Lock()
	defer s.verifyMu.Unlock()
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	for _, h := range hooks {
		if problem, seen := s.verified[h.id]; seen && !h.active {
			h.active, h.problem = problem == "", problem
		}
		if !h.active {
			pending++
			if h.problem == "" {
				undecided++
			}
		}
	}
	return pending, undecided
}

// checkPodio asks Podio for the status of the hooks still waiting, with
// one list call per reference, and marks those it lists as active.
func (s *Session) checkPodio(ctx context.Context, hooks []*hookState) error {
	var refs []ref
	waiting := map[ref][]*hookState{}
	s.hooksMu.Lock()
	for _, h := range hooks {
		if h.active || h.problem != "" {
			continue
		}
		r := ref{h.spec.RefType, h.spec.RefID}
		if _, ok := waiting[r]; !ok {
			refs = append(refs, r)
		}
		waiting[r] = append(waiting[r], h)
	}
	s.hooksMu.Unlock()
	for _, r := range refs {
		list, err := s.cfg.Client.ListHooks(ctx, r.typ, r.id)
		if err != nil {
			return fmt.Errorf("check hooks on %s: %w", r, err)
		}
		s.hooksMu.Lock()
		for _, h := range waiting[r] {
			for _, l := range list {
				if l.HookID == h.id && l.Status == podio.HookActive {
					h.active = true
				}
			}
		}
		s.hooksMu.Unlock()
	}
	return nil
}

// fatal reports whether a failed call to Podio ends the wait at once:
// more calls cannot succeed before the rate limit resets or the
// credentials change.
func fatal(err error) bool {
	for _, target := range []error{podio.ErrRateLimited, podio.ErrUnauthorized, podio.ErrForbidden, podio.ErrInvalidGrant, podio.ErrNotAuthenticated} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// diagnose explains why hooks are not active at the deadline.
func (s *Session) diagnose(hooks []*hookState, timeout time.Duration, checkErr error) error {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	var msgs []string
	var unasked []string
	for _, h := range hooks {
		switch {
		case h.active:
		case h.problem != "":
			msgs = append(msgs, fmt.Sprintf("hook %d (%s): hook.verify arrived but validation failed: %s", h.id, h.spec.Event, h.problem))
		case checkErr != nil:
			unasked = append(unasked, fmt.Sprintf("%d (%s)", h.id, h.spec.Event))
		default:
			msgs = append(msgs, fmt.Sprintf("hook %d (%s): Podio's hook.verify never arrived at %s within %s: is the tunnel reachable from the internet?", h.id, h.spec.Event, s.hookURL, timeout))
		}
	}
	if len(unasked) > 0 {
		msgs = append(msgs, fmt.Sprintf("hooks %s: not verified within %s, and asking Podio about them failed: %v", strings.Join(unasked, ", "), timeout, checkErr))
		return fmt.Errorf("hooks not active: %s: %w", strings.Join(msgs, "; "), checkErr)
	}
	return errors.New("hooks not active: " + strings.Join(msgs, "; "))
}
