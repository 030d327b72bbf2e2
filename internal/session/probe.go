package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ngrokOffline is the code ngrok answers, in the Ngrok-Error-Code header of
// a 404, for a URL no agent serves (https://ngrok.com/docs/errors/err_ngrok_3200).
const ngrokOffline = "ERR_NGROK_3200"

// probeAnswer is what one probe of the public URL got.
type probeAnswer struct {
	ok      bool   // the relay answered with the nonce
	offline bool   // ngrok says no agent serves the URL
	detail  string // what came back instead, for messages
}

// probeOnce sends one probe to the tunnel's public URL.
func (s *Session) probeOnce(ctx context.Context) (probeAnswer, error) {
	probeURL := strings.TrimSuffix(s.cfg.Tunnel.URL(), "/") + s.probe
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, probeURL, nil)
	if err != nil {
		return probeAnswer{}, fmt.Errorf("probe %s: %w", s.cfg.Tunnel.URL(), err)
	}
	client := s.cfg.PublicClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // without the probe's secret path
		}
		return probeAnswer{detail: err.Error()}, nil
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	res.Body.Close()
	if res.StatusCode == http.StatusOK && strings.HasSuffix(s.probe, string(body)) {
		return probeAnswer{ok: true}, nil
	}
	code := res.Header.Get("Ngrok-Error-Code")
	a := probeAnswer{offline: res.StatusCode == http.StatusNotFound && code == ngrokOffline, detail: fmt.Sprintf("answered %d", res.StatusCode)}
	if code != "" {
		a.detail += " " + code
	}
	return a, nil
}

// probePublicURL checks the public URL reaches the relay end to end before
// any hook is created: Podio sends hook.verify at once, and new ngrok
// endpoints can answer 404 for a moment. It waits on the wall clock, as the
// network does.
func (s *Session) probePublicURL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.cfg.ConnectTimeout, DefaultConnectTimeout))
	defer cancel()
	base := s.cfg.Tunnel.URL()
	var last string
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		a, err := s.probeOnce(ctx)
		if err != nil {
			return err
		}
		if a.ok {
			return nil
		}
		last = a.detail
		if err := wallWait(ctx, wait); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("public URL %s does not reach devhook (%s): check the tunnel forwards to this machine", base, last)
		}
	}
}

// offlineAnswers is how many "offline" answers in a row, after the
// tunnel's session was restored, mean the URL is gone rather than not yet
// bound again.
const offlineAnswers = 3

// errOffline is wrapped by stillReachable's error when ngrok says no agent
// serves the public URL: the URL is gone, not merely unreachable from here.
var errOffline = errors.New("the endpoint is offline")

// stillReachable checks, after the tunnel's session was restored, that the
// public URL still reaches the relay. It returns nil when it does; an
// error wrapping errOffline when ngrok says the URL is offline
// offlineAnswers times in a row; and another error, saying what came back
// last, when there is no such answer within the connect timeout (the
// network may be what fails). It waits on the wall clock, as the network
// does.
func (s *Session) stillReachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.cfg.ConnectTimeout, DefaultConnectTimeout))
	defer cancel()
	offline := 0
	var last string
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		a, err := s.probeOnce(ctx)
		if err != nil {
			return err
		}
		if a.ok {
			return nil
		}
		last = a.detail
		if a.offline {
			offline++
		} else {
			offline = 0
		}
		if offline >= offlineAnswers {
			return fmt.Errorf("%w (%s)", errOffline, last)
		}
		if err := wallWait(ctx, wait); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return errors.New(last)
		}
	}
}

// wallWait waits d on the wall clock, or until ctx ends.
func wallWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
