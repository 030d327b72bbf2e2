package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// probePublicURL checks the public URL reaches the relay end to end before
// any hook is created: Podio sends hook.verify at once, and new ngrok
// endpoints can answer 404 for a moment. It waits on the wall clock, as the
// network does.
func (s *Session) probePublicURL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.cfg.ConnectTimeout, DefaultConnectTimeout))
	defer cancel()
	base := s.cfg.Tunnel.URL()
	probeURL := strings.TrimSuffix(base, "/") + s.probe
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, probeURL, nil)
		if err != nil {
			return fmt.Errorf("probe %s: %w", base, err)
		}
		res, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
			res.Body.Close()
			if res.StatusCode == http.StatusOK && strings.HasSuffix(s.probe, string(body)) {
				return nil
			}
			last = fmt.Sprintf("answered %d", res.StatusCode)
		} else {
			last = err.Error()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err()
			}
			return fmt.Errorf("public URL %s does not reach devhook (%s): check the tunnel forwards to this machine", base, last)
		case <-t.C:
		}
	}
}
