package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/tunnel"
)

// watchTunnel follows a tunnel whose session can be lost and restored
// (ngrok): deliveries resume by themselves once it is back, but the
// service may have given the public URL away meanwhile, and ngrok-go does
// not say so. After each restore it checks the URL still reaches the
// relay (unless probes are off); when ngrok says it is offline, it asks the
// tunnel for a new endpoint and wakes the monitor, whose followTunnel
// moves the hooks there.
func (s *Session) watchTunnel(ctx context.Context, rt tunnel.Reconnecting) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-rt.Restored():
		}
		old := rt.URL()
		if s.cfg.SkipProbe {
			s.emit(Warning{Text: "devhook: the tunnel reconnected; deliveries resume"})
			continue
		}
		err := s.stillReachable(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			s.emit(Warning{Text: fmt.Sprintf("devhook: the tunnel reconnected; %s still reaches devhook, deliveries resume", old)})
			continue
		case !errors.Is(err, errOffline):
			// No word from ngrok either way: the network may be what
			// fails, and a new URL would not help.
			s.emit(Warning{Text: fmt.Sprintf("devhook: warning: the tunnel reconnected, but checking %s failed (%v); keeping it", old, err)})
			continue
		}
		s.emit(Warning{Text: fmt.Sprintf("devhook: the tunnel reconnected, but %s no longer reaches devhook: %v; asking for a new public URL", old, err)})
		if err := rt.Renew(ctx); err != nil {
			if ctx.Err() == nil {
				s.emit(Warning{Text: fmt.Sprintf("devhook: warning: %v; Podio's deliveries are lost until the tunnel serves a URL again (restart devhook up)", err)})
			}
			continue
		}
		select {
		case s.monKick <- struct{}{}:
		default:
		}
	}
}

// followTunnel notices a tunnel whose public URL changed (a random ngrok
// domain after a reconnect): it registers the hooks on the new URL, waits
// for Podio to verify them, and deletes the old ones, which now point
// nowhere. The monitor calls it on every heartbeat.
func (s *Session) followTunnel(ctx context.Context) {
	newURL := strings.TrimSuffix(s.cfg.Tunnel.URL(), "/") + "/" + s.secret
	s.hooksMu.Lock()
	oldURL := s.hookURL
	if newURL == oldURL || s.secret == "" {
		s.hooksMu.Unlock()
		return
	}
	old := s.hooks
	oldIDs := make([]int64, len(old))
	for i, h := range old {
		oldIDs[i] = h.id
		if h.live.timer != nil {
			h.live.timer.Stop()
		}
	}
	s.hooks, s.created, s.hookURL = nil, nil, newURL
	s.hooksMu.Unlock()
	s.emit(Warning{Text: fmt.Sprintf("devhook: the tunnel's public URL changed to %s: registering the hooks there and deleting the old ones", s.cfg.Tunnel.URL())})

	hooks, err := s.register(ctx)
	if err == nil {
		err = s.awaitActive(ctx, hooks)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.emit(Warning{Text: fmt.Sprintf("devhook: warning: registering the hooks on the new URL: %v", err)})
		}
		return
	}
	s.goLive()
	var deleted []int64
	for _, id := range oldIDs {
		if err := s.cfg.Client.DeleteHook(ctx, id); err != nil && !errors.Is(err, podio.ErrNotFound) {
			s.emit(Warning{Text: fmt.Sprintf("devhook: warning: delete old hook %d: %v", id, err)})
			continue
		}
		deleted = append(deleted, id)
	}
	var ids []string
	for _, h := range s.Hooks() {
		ids = append(ids, fmt.Sprint(h.ID))
	}
	s.emit(Warning{Text: fmt.Sprintf("devhook: hooks %s now deliver to %s; deleted the old hooks %s", strings.Join(ids, ", "), newURL, joinInts(deleted))})
	s.emit(Retunneled{HookURL: newURL, Hooks: s.Hooks(), Deleted: deleted})
}

// Retunneled is reported when the hooks were registered again on the
// tunnel's new public URL and the old ones deleted.
type Retunneled struct {
	HookURL string
	Hooks   []Hook
	Deleted []int64
}

func (Retunneled) isEvent() {}

func joinInts(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}
