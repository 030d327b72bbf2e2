package session

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/devhookhq/devhook/internal/clock"
	"github.com/devhookhq/devhook/internal/relay"
)

// Self-healing: when Podio has made a hook inactive, the session waits
// until the local app answers again (a GET on the forward target that
// gets any answer below 500), then asks Podio to verify the hook
// (POST /hook/{id}/verify/request) and answers the hook.verify itself, as
// at the start. It looks at the app after reverifyFirst, then twice as
// long each time up to reverifyMax, and asks Podio at most reverifyCap
// times per inactive spell.
const (
	reverifyFirst = 5 * time.Second
	reverifyMax   = 5 * time.Minute
	reverifyCap   = 5
	// probeTimeout bounds one look at the app.
	probeTimeout = 5 * time.Second
)

// startReverify starts re-verifying h, unless that is off, or running.
func (s *Session) startReverify(h *hookState) {
	if s.cfg.NoReverify || s.runCtx == nil {
		return
	}
	s.hooksMu.Lock()
	if h.live.reverify || h.live.state != StateInactive {
		s.hooksMu.Unlock()
		return
	}
	h.live.reverify = true
	episode := h.live.episode
	s.hooksMu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.reverify(s.runCtx, h.id, episode)
	}()
}

// stillInactive reports whether hook id is in the inactive spell episode.
func (s *Session) stillInactive(id int64, episode int) bool {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	h := s.hookLocked(id)
	return h != nil && h.live.state == StateInactive && h.live.episode == episode
}

func (s *Session) reverify(ctx context.Context, id int64, episode int) {
	defer func() {
		s.hooksMu.Lock()
		if h := s.hookLocked(id); h != nil && h.live.episode == episode {
			h.live.reverify = false
		}
		s.hooksMu.Unlock()
	}()
	wait := reverifyFirst
	asked := 0
	for asked < reverifyCap {
		if err := sleep(ctx, s.clock, wait); err != nil {
			return
		}
		wait = min(2*wait, reverifyMax)
		if !s.stillInactive(id, episode) {
			return
		}
		answer, ok := s.appAnswers(ctx)
		if !ok {
			continue
		}
		asked++
		if err := s.cfg.Client.RequestVerification(ctx, id); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.emit(Warning{Text: fmt.Sprintf("devhook: warning: re-verify hook %d: %v", id, err)})
			continue
		}
		s.emit(Warning{Text: fmt.Sprintf("devhook: hook %d is inactive and your app answers again (%s): asked Podio to verify it (try %d of %d)", id, answer, asked, reverifyCap)})
	}
	if err := sleep(ctx, s.clock, wait); err != nil {
		return
	}
	if s.stillInactive(id, episode) {
		s.emit(Warning{Text: fmt.Sprintf("devhook: hook %d is still inactive after %d requests to verify it; gave up (restarting %s up asks again)", id, reverifyCap, cmp.Or(s.cfg.Command, "devhook"))})
	}
}

// appAnswers looks at the local app with a GET on the forward target and
// reports what it answered, and whether that looks healthy (below 500).
func (s *Session) appAnswers(ctx context.Context) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.Target.String(), nil)
	if err != nil {
		return "", false
	}
	req.Header.Set(relay.MarkHeader, s.mark)
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return fmt.Sprintf("GET %s → %d", cmp.Or(s.cfg.Target.Path, "/"), resp.StatusCode), resp.StatusCode < 500
}

// sleep waits d on c, or until ctx is done.
func sleep(ctx context.Context, c clock.Clock, d time.Duration) error {
	ch, t := after(c, d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-ch:
		return nil
	}
}
