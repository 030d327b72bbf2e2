package tunnel

// This is the only file that imports the ngrok SDK.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// DefaultConnectTimeout is used when [NgrokOptions.ConnectTimeout] is zero.
const DefaultConnectTimeout = 20 * time.Second

// defaultConnectURL is the SDK's default agent ingress, named in errors.
const defaultConnectURL = "connect.ngrok-agent.com:443"

// One-line hints for [NgrokError.Hint].
const (
	hintAuthtokenMissing = "set NGROK_AUTHTOKEN or pass --ngrok-authtoken; get one at https://dashboard.ngrok.com/get-started/your-authtoken"
	hintAuthtokenInvalid = "check NGROK_AUTHTOKEN or --ngrok-authtoken against https://dashboard.ngrok.com/get-started/your-authtoken"
	hintSessionLimit     = "stop the other ngrok agents using this account, or upgrade the ngrok plan"
	hintEndpointInUse    = "another agent already serves this URL or domain; stop it or choose another domain"
	hintUnreachable      = "check the network, proxy and firewall, and https://status.ngrok.com"
	hintUnresolvable     = "is this machine online? check its DNS; up --mock needs no network, and --public-url takes a tunnel of your own"
)

// resolveTimeout bounds the lookup of the agent ingress's host name.
const resolveTimeout = 5 * time.Second

var _ Tunnel = (*Ngrok)(nil)

// errStartTimeout is the cause of the start context when ConnectTimeout ends.
var errStartTimeout = errors.New("connect timeout")

// NgrokOptions configures [ListenNgrok].
type NgrokOptions struct {
	// Authtoken authenticates the agent. Empty is refused before dialing
	// with [ErrAuthtokenMissing].
	Authtoken string
	// Domain is a reserved domain such as "example.ngrok.app", or a URL such
	// as "https://example.ngrok.app". Empty means ngrok assigns a random URL.
	Domain string
	// ConnectTimeout bounds the start: connecting, authenticating and
	// binding the endpoint. Zero means [DefaultConnectTimeout].
	ConnectTimeout time.Duration
	// Logger receives the SDK's logs and notices about lost and restored
	// sessions. nil means discard.
	Logger *slog.Logger

	// ConnectURL is the host:port of the ngrok agent ingress, for tests
	// against a fake edge. Empty means ngrok's default,
	// connect.ngrok-agent.com:443.
	ConnectURL string
	// ConnectCAs are the CAs trusted for ConnectURL's certificate, for
	// tests against a fake edge. nil means ngrok's own CA.
	ConnectCAs *x509.CertPool
	// Resolver looks up the ingress's host name before the agent dials it,
	// so that a name that does not resolve fails at once rather than after
	// ConnectTimeout of retries. nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// Ngrok is a [Tunnel] served by an ngrok agent session. After it starts, the
// session reconnects by itself whenever it is lost, and Accept keeps
// returning connections once it is back.
//
// ngrok-go keeps reporting the URL of the first bind after a reconnect, even
// when the service bound the endpoint again on another address. Ngrok is a
// [Reconnecting] tunnel: [Ngrok.Restored] tells when the session is back,
// so that its user can check the URL still reaches it, and [Ngrok.Renew]
// binds a new endpoint when it does not.
type Ngrok struct {
	agent    ngrok.Agent
	domain   string
	st       *starter
	cancel   context.CancelCauseFunc // ends the session's context
	restored chan struct{}           // signalled by the starter (capacity 1)

	mu  sync.Mutex // guards ln, url
	ln  ngrok.EndpointListener
	url string

	retired sync.WaitGroup // listeners replaced by Renew, closing

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ Reconnecting = (*Ngrok)(nil)

// resolveIngress looks up addr's host (unless it is an IP address) and
// fails with [ErrUnreachable] when it does not resolve: the SDK would
// retry until the connect timeout.
func resolveIngress(ctx context.Context, r *net.Resolver, addr string, timeout time.Duration) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "" || net.ParseIP(host) != nil {
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := r.LookupHost(lctx, host); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("connect to ngrok at %s: %w", addr, context.Cause(ctx))
		}
		msg := err.Error()
		if de, ok := errors.AsType[*net.DNSError](err); ok {
			msg = de.Err
		}
		return &NgrokError{Err: ErrUnreachable, Message: fmt.Sprintf("cannot resolve %s: %s", host, msg), Hint: hintUnresolvable}
	}
	return nil
}

// ListenNgrok starts an ngrok agent session and an https endpoint.
//
// The SDK retries failed connections forever; ListenNgrok instead fails
// fast: an empty authtoken fails before dialing, an error coded by ngrok
// (ERR_NGROK_*) fails at once, so does an ingress host name that does not
// resolve ([NgrokOptions.Resolver]), and no session within
// [NgrokOptions.ConnectTimeout] fails with [ErrUnreachable]. Those errors are
// [*NgrokError] values. When ctx ends first, the error wraps its cause.
// ctx bounds only the start: cancelling it later does not close the tunnel.
func ListenNgrok(ctx context.Context, opts NgrokOptions) (*Ngrok, error) {
	if opts.Authtoken == "" {
		return nil, &NgrokError{Err: ErrAuthtokenMissing, Hint: hintAuthtokenMissing}
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	addr := opts.ConnectURL
	if addr == "" {
		addr = defaultConnectURL
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect to ngrok at %s: %w", addr, context.Cause(ctx))
	}
	if err := resolveIngress(ctx, opts.Resolver, addr, min(timeout, resolveTimeout)); err != nil {
		return nil, err
	}

	// The SDK ends the session when the context given to Connect ends, so
	// that context outlives ctx and is cancelled by Close or a failed start.
	sessCtx, cancelSess := context.WithCancelCause(context.WithoutCancel(ctx))
	st := &starter{token: opts.Authtoken, logger: logger, cancel: cancelSess, restored: make(chan struct{}, 1)}
	agentOpts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(opts.Authtoken),
		ngrok.WithLogger(logger),
		ngrok.WithEventHandler(st.onEvent),
	}
	if opts.ConnectURL != "" {
		agentOpts = append(agentOpts, ngrok.WithAgentConnectURL(opts.ConnectURL))
	}
	if opts.ConnectCAs != nil {
		agentOpts = append(agentOpts, ngrok.WithAgentConnectCAs(opts.ConnectCAs))
	}
	agent, err := ngrok.NewAgent(agentOpts...)
	if err != nil {
		cancelSess(err)
		return nil, fmt.Errorf("new ngrok agent: %w", err)
	}

	startCtx, cancelStart := context.WithTimeoutCause(ctx, timeout, errStartTimeout)
	defer cancelStart()
	stop := context.AfterFunc(startCtx, func() {
		cause := context.Cause(startCtx)
		if !errors.Is(cause, errStartTimeout) {
			st.fail(fmt.Errorf("connect to ngrok at %s: %w", addr, cause))
			return
		}
		st.fail(&NgrokError{
			Err:     ErrUnreachable,
			Message: fmt.Sprintf("no session with %s within %v%s", addr, timeout, st.lastError()),
			Hint:    hintUnreachable,
		})
	})

	ln, err := listen(sessCtx, agent, opts.Domain)
	stop()
	if err := st.finish(err, addr); err != nil {
		// Disconnect first: unbinding on a live session could wait for
		// an edge that does not answer.
		_ = agent.Disconnect()
		if ln != nil {
			_ = ln.Close()
		}
		cancelSess(err)
		return nil, err
	}
	return &Ngrok{agent: agent, domain: opts.Domain, ln: ln, url: ln.URL().String(), st: st, cancel: cancelSess, restored: st.restored}, nil
}

// listen connects the agent and binds one https endpoint.
func listen(ctx context.Context, agent ngrok.Agent, domain string) (ngrok.EndpointListener, error) {
	if err := agent.Connect(ctx); err != nil {
		return nil, err
	}
	var opts []ngrok.EndpointOption
	if domain != "" {
		if !strings.Contains(domain, "://") {
			domain = "https://" + domain
		}
		opts = append(opts, ngrok.WithURL(domain))
	}
	return agent.Listen(ctx, opts...)
}

// URL returns the endpoint's public URL, such as https://abc.ngrok.app.
// After [Ngrok.Renew] it is the new endpoint's.
func (t *Ngrok) URL() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.url
}

// Addr returns the endpoint's public address.
func (t *Ngrok) Addr() net.Addr { return t.listener().Addr() }

func (t *Ngrok) listener() ngrok.EndpointListener {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ln
}

// Accept waits for the next connection to the endpoint, the new one after
// [Ngrok.Renew]. After Close it returns an error wrapping [net.ErrClosed].
func (t *Ngrok) Accept() (net.Conn, error) {
	for {
		ln := t.listener()
		c, err := ln.Accept()
		switch {
		case err == nil:
			return c, nil
		case t.closed.Load():
			return nil, fmt.Errorf("tunnel: accept: %w", net.ErrClosed)
		case t.listener() != ln:
			continue // Renew replaced it
		}
		return nil, err
	}
}

// Restored receives a value when the agent session is back after it was
// lost (and the SDK has bound the endpoint again). Values are not queued:
// one pending value stands for any number of restores.
func (t *Ngrok) Restored() <-chan struct{} { return t.restored }

// Renew binds a new endpoint and closes the old one; URL then returns the
// new endpoint's URL. Connections keep arriving on Accept throughout. A
// tunnel on a reserved domain ([NgrokOptions.Domain]) cannot move, so
// Renew fails with [ErrFixedURL].
func (t *Ngrok) Renew(ctx context.Context) error {
	if t.domain != "" {
		return fmt.Errorf("renew %s: %w", t.URL(), ErrFixedURL)
	}
	if t.closed.Load() {
		return fmt.Errorf("renew: %w", net.ErrClosed)
	}
	ln, err := t.agent.Listen(ctx)
	if err != nil {
		if nerr := serverError(err, t.st.token); nerr != nil {
			return nerr
		}
		return fmt.Errorf("renew the ngrok endpoint: %w", err)
	}
	t.mu.Lock()
	if t.closed.Load() { // Close ran meanwhile
		t.mu.Unlock()
		_ = ln.Close()
		return fmt.Errorf("renew: %w", net.ErrClosed)
	}
	old := t.ln
	t.ln, t.url = ln, ln.URL().String()
	t.retired.Add(1)
	t.mu.Unlock()
	// The pending Accept moves to the new listener once the old one's
	// Close makes it return; Close may wait for that.
	go func() {
		defer t.retired.Done()
		_ = old.Close()
	}()
	return nil
}

// Close ends the agent session, which removes the endpoint, and makes
// pending and later Accept calls return. It is safe to call more than once.
func (t *Ngrok) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed.Store(true) // under mu: Renew swaps no listener after this
		ln := t.ln
		t.mu.Unlock()
		t.st.close()
		t.closeErr = t.agent.Disconnect()
		// The SDK's listener Close waits for connections that are still
		// being handed to Accept, so accept and drop them meanwhile.
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = ln.Close() // fails to unbind: the session is already gone
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				break
			}
			c.Close()
		}
		<-done
		t.retired.Wait()
		t.cancel(net.ErrClosed)
	})
	return t.closeErr
}

// starter turns the SDK's endless retries into one error while
// [ListenNgrok] runs, and logs session changes afterwards.
type starter struct {
	token    string
	logger   *slog.Logger
	cancel   context.CancelCauseFunc // ends the session's context
	restored chan struct{}           // signalled on every restore after the start

	mu      sync.Mutex // guards started, closing, failure, last
	started bool
	closing bool  // Close was called: session changes are no news
	failure error // why the start was abandoned
	last    error // the last disconnect error
}

// onEvent is the agent's event handler. It must not block.
func (s *starter) onEvent(ev ngrok.Event) {
	switch ev := ev.(type) {
	case *ngrok.EventAgentDisconnected:
		if ev.Error == nil || errors.Is(ev.Error, context.Canceled) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closing {
			return
		}
		if s.started {
			s.logger.Warn("ngrok session lost, reconnecting", "err", ev.Error)
			return
		}
		s.last = ev.Error
		if nerr := serverError(ev.Error, s.token); nerr != nil {
			s.failLocked(nerr)
		}
	case *ngrok.EventAgentConnectSucceeded:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.started && !s.closing {
			s.logger.Info("ngrok session restored")
			select {
			case s.restored <- struct{}{}:
			default:
			}
		}
	}
}

// close silences the log before the session is closed on purpose.
func (s *starter) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
}

// fail abandons the start with err unless it has already ended.
func (s *starter) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLocked(err)
}

func (s *starter) failLocked(err error) {
	if s.started || s.failure != nil {
		return
	}
	s.failure = err
	s.cancel(err)
}

// lastError formats the last disconnect error for an unreachable message.
func (s *starter) lastError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return ""
	}
	return " (last error: " + firstLine(s.last.Error()) + ")"
}

// finish ends the start with the result of listen. It returns nil when the
// tunnel is up, or the error to report.
func (s *starter) finish(err error, addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.failure != nil:
		return s.failure
	case err != nil:
		if nerr := serverError(err, s.token); nerr != nil {
			s.failure = nerr
		} else {
			s.failure = fmt.Errorf("connect to ngrok at %s: %w", addr, err)
		}
		return s.failure
	}
	s.started = true
	return nil
}

var errorCode = regexp.MustCompile(`ERR_NGROK_\d+`)

// serverError returns the [*NgrokError] for an error sent by the ngrok
// service, or nil for any other error. The SDK's session errors expose the
// code as ErrorCode and its returned errors as [ngrok.Error].
func serverError(err error, token string) *NgrokError {
	var code string
	var coded interface{ ErrorCode() string }
	var sdkErr ngrok.Error
	switch {
	case errors.As(err, &sdkErr):
		code = sdkErr.Code()
	case errors.As(err, &coded):
		code = coded.ErrorCode()
	default:
		return nil
	}
	msg := errorCode.ReplaceAllString(err.Error(), "")
	msg = strings.ReplaceAll(msg, "https://ngrok.com/docs/errors/"+strings.ToLower(code), "")
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "HIDDEN")
	}
	e := &NgrokError{Err: ErrRejected, Code: code, Message: firstLine(msg)}
	switch code {
	case "ERR_NGROK_105", "ERR_NGROK_106", "ERR_NGROK_107":
		e.Err, e.Hint = ErrAuthtokenInvalid, hintAuthtokenInvalid
	case "ERR_NGROK_4018":
		e.Err, e.Hint = ErrAuthtokenMissing, hintAuthtokenMissing
	case "ERR_NGROK_108":
		e.Err, e.Hint = ErrSessionLimit, hintSessionLimit
	case "ERR_NGROK_334":
		e.Err, e.Hint = ErrEndpointInUse, hintEndpointInUse
	case "":
	default:
		e.Hint = "see https://ngrok.com/docs/errors/" + strings.ToLower(code)
	}
	return e
}

// firstLine returns the first non-blank line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
