// Package fakeedge is a fake ngrok agent ingress ("edge") for tests: it
// accepts ngrok agent sessions on 127.0.0.1, binds http and https endpoints,
// and proxies test requests to the agent.
//
// It speaks the wire protocol of golang.ngrok.com/ngrok/v2 v2.4.0 (see its
// internal/tunnel/proto and internal/tunnel/client packages) over
// golang.ngrok.com/muxado/v2 v2.0.1: TLS, then a muxado session on which the
// agent opens typed streams that carry one JSON request and one JSON reply
// (Auth 0, Bind 1, Unbind 2, SrvInfo 8) and a heartbeat stream (0xFFFFFFFF)
// that echoes 4-byte ids. The edge opens Proxy streams (3) that start with a
// little-endian int64 length and a JSON ProxyHeader, followed by the
// connection's bytes. Re-check these against the SDK when upgrading it.
//
// Fidelity and limitations: endpoints are bound by URL only (no labels, TCP
// or TLS endpoints, traffic policy or multi-leg sessions); the edge never
// sends stop, restart or update commands and does not accept agent metrics;
// it does not terminate TLS or add X-Forwarded-* headers, so [Server.Client]
// sends plain HTTP/1.1 down the proxy stream whatever the URL's scheme.
package fakeedge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/muxado/v2"
)

// Stream types of ngrok-go v2.4.0 internal/tunnel/proto.
const (
	authReq       muxado.StreamType = 0
	bindReq       muxado.StreamType = 1
	unbindReq     muxado.StreamType = 2
	proxyReq      muxado.StreamType = 3
	srvInfoReq    muxado.StreamType = 8
	heartbeatType muxado.StreamType = 0xFFFFFFFF
)

// ErrNoEndpoint is returned by [Server.Dial] when no agent has bound the host.
var ErrNoEndpoint = errors.New("fakeedge: no endpoint for host")

// ErrorMessage formats an error the way the ngrok service sends it, with the
// code on its own line, so that the agent's error exposes code as its
// ngrok error code. For example ErrorMessage("ERR_NGROK_108", "too many
// sessions").
func ErrorMessage(code, msg string) string {
	return msg + "\r\n\r\n" + code + "\r\n"
}

// Server is a fake ngrok edge. Set the exported config fields before
// [Server.Start]; Addr and CAs are set by Start.
type Server struct {
	// Authtoken is the only authtoken accepted; others get ERR_NGROK_107 and
	// an empty one gets ERR_NGROK_4018. Empty means any non-empty authtoken.
	Authtoken string
	// OnAuth, if non-nil, is called with the authtoken of every auth request
	// before the Authtoken check. A non-empty result is sent to the agent as
	// the auth error (see [ErrorMessage]). nil means Authtoken alone decides.
	OnAuth func(authtoken string) (errMsg string)
	// OnBind, if non-nil, is called for every bind with the requested URL,
	// "" for a random one. A non-empty result is sent to the agent as the
	// bind error. nil means every bind succeeds.
	OnBind func(requestedURL string) (errMsg string)
	// NewURLOnRebind makes the edge give a new random URL to an endpoint
	// bound again after a reconnect (a bind that carries the id of an
	// earlier one), as the ngrok service does once it has given the old
	// address away. The agent is not told: ngrok-go v2.4.0 keeps the URL
	// of the first bind (internal/tunnel/client reconnectTunnelToSession
	// reads only the error of the new bind), so the old URL, now unbound,
	// is what it reports.
	NewURLOnRebind bool

	// Addr is the host:port agents connect to: the agent's connect URL.
	Addr string
	// CAs holds the CA that signed the edge's certificate.
	CAs *x509.CertPool
	// CAPEM is that CA in PEM form, for an agent run as a process.
	CAPEM []byte

	ln      net.Listener
	tlsConf *tls.Config
	wg      sync.WaitGroup

	mu        sync.Mutex // guards closed, sessions, endpoints, conns, binds, changed
	closed    bool
	sessions  map[*session]bool
	endpoints map[string]endpoint // by host
	conns     int
	binds     []string
	changed   chan struct{} // closed and replaced on every successful bind
}

type session struct {
	mux    muxado.TypedStreamSession
	authed bool // guarded by Server.mu
}

type endpoint struct {
	sess   *session
	bindID string
	url    string
}

// NewServer returns a started Server. Call [Server.Close] when done.
func NewServer() (*Server, error) {
	s := NewUnstartedServer()
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewUnstartedServer returns a Server to configure and then [Server.Start].
func NewUnstartedServer() *Server {
	return &Server{}
}

// Start generates a self-signed CA and starts listening on 127.0.0.1.
func (s *Server) Start() error {
	cert, pool, err := selfSigned()
	if err != nil {
		return fmt.Errorf("fakeedge: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fakeedge: %w", err)
	}
	s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.ln, s.Addr, s.CAs = ln, ln.Addr().String(), pool
	s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	s.sessions = make(map[*session]bool)
	s.endpoints = make(map[string]endpoint)
	s.changed = make(chan struct{})
	s.wg.Add(1)
	go s.acceptLoop()
	return nil
}

// Close stops the edge, drops every session and waits for its goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.ln == nil {
		return
	}
	s.ln.Close()
	s.DropSessions()
	s.wg.Wait()
}

// DropSessions closes every agent session, as a network failure would; the
// agents reconnect and bind their endpoints again.
func (s *Server) DropSessions() {
	s.mu.Lock()
	var muxes []muxado.TypedStreamSession
	for sess := range s.sessions {
		muxes = append(muxes, sess.mux)
		s.removeSessionLocked(sess)
	}
	s.mu.Unlock()
	for _, m := range muxes {
		m.Close()
	}
}

// Conns returns how many TCP connections the edge has accepted.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// URLs returns the URLs bound right now, sorted.
func (s *Server) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urls []string
	for _, ep := range s.endpoints {
		urls = append(urls, ep.url)
	}
	slices.Sort(urls)
	return urls
}

// AwaitBinds waits until the edge has accepted n binds in total, rebinds
// after a reconnect included. It fails only when ctx ends.
func (s *Server) AwaitBinds(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := len(s.binds), s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("await %d binds, have %d: %w", n, got, ctx.Err())
		}
	}
}

// Dial opens a proxy stream to the agent that bound host (a URL host, with or
// without port), as the edge does for each public connection.
func (s *Server) Dial(ctx context.Context, host string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s.mu.Lock()
	ep, ok := s.endpoints[host]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("dial %s: %w", host, ErrNoEndpoint)
	}
	hdr, err := json.Marshal(proxyHeader{ID: ep.bindID, ClientAddr: "127.0.0.1:0", Proto: scheme(ep.url)})
	if err != nil {
		return nil, err
	}
	st, err := ep.sess.mux.OpenTypedStream(proxyReq)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", host, err)
	}
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	if _, err := st.Write(append(buf, hdr...)); err != nil {
		st.Close()
		return nil, fmt.Errorf("dial %s: %w", host, err)
	}
	return st, nil
}

// Client returns an HTTP client that sends every request, http or https,
// through the edge to the agent that bound the request's host. It opens a
// new proxy stream per request. A host no agent has bound gets what ngrok
// answers for an offline endpoint: 404 with the header
// Ngrok-Error-Code: ERR_NGROK_3200
// (https://ngrok.com/docs/errors/err_ngrok_3200).
func (s *Server) Client() *http.Client {
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) { return s.Dial(ctx, addr) }
	return &http.Client{Transport: offlineTransport{&http.Transport{
		DialContext:       dial,
		DialTLSContext:    dial,
		DisableKeepAlives: true,
	}}}
}

// OfflineCode is the ngrok error code of an endpoint that is offline.
const OfflineCode = "ERR_NGROK_3200"

// offlineTransport answers for an endpoint that is not bound as the edge
// does.
type offlineTransport struct{ next http.RoundTripper }

func (t offlineTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(r)
	if err == nil || !errors.Is(err, ErrNoEndpoint) {
		return res, err
	}
	if r.Body != nil {
		r.Body.Close()
	}
	body := fmt.Sprintf("The endpoint %s is offline.\n\n%s\n", r.URL.Host, OfflineCode)
	return &http.Response{
		Status: "404 Not Found", StatusCode: http.StatusNotFound,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":     {"text/plain"},
			"Ngrok-Error-Code": {OfflineCode},
		},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		sess := &session{mux: muxado.NewTypedStreamSession(muxado.Server(tls.Server(c, s.tlsConf), &muxado.Config{}))}
		if s.closed {
			s.mu.Unlock()
			sess.mux.Close()
			continue
		}
		s.sessions[sess] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveSession(sess)
	}
}

func (s *Server) serveSession(sess *session) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.removeSessionLocked(sess)
		s.mu.Unlock()
		sess.mux.Close()
	}()
	for {
		st, err := sess.mux.AcceptTypedStream()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer st.Close()
			s.handleStream(sess, st)
		}()
	}
}

func (s *Server) removeSessionLocked(sess *session) {
	delete(s.sessions, sess)
	for host, ep := range s.endpoints {
		if ep.sess == sess {
			delete(s.endpoints, host)
		}
	}
}

func (s *Server) handleStream(sess *session, st muxado.TypedStream) {
	switch st.StreamType() {
	case heartbeatType:
		_, _ = io.Copy(st, st)
	case authReq:
		var req struct {
			ClientID string `json:"ClientId"`
			Extra    struct{ Authtoken string }
		}
		if json.NewDecoder(st).Decode(&req) == nil {
			_ = json.NewEncoder(st).Encode(s.auth(sess, req.Extra.Authtoken, req.ClientID))
		}
	case bindReq:
		var req bind
		if json.NewDecoder(st).Decode(&req) == nil {
			_ = json.NewEncoder(st).Encode(s.bind(sess, req))
		}
	case unbindReq:
		var req struct {
			ID string `json:"Id"`
		}
		if json.NewDecoder(st).Decode(&req) == nil {
			s.unbind(sess, req.ID)
			_ = json.NewEncoder(st).Encode(struct{ Error string }{})
		}
	case srvInfoReq:
		_ = json.NewEncoder(st).Encode(struct{ Region string }{"test"})
	}
}

type authExtra struct {
	Version, Region, Cookie, AccountName, PlanName string
	AgentSessionID                                 string
}

type authResp struct {
	Version  string
	ClientID string `json:"ClientId"`
	Error    string
	Extra    authExtra
}

func (s *Server) auth(sess *session, token, clientID string) authResp {
	msg := ""
	if s.OnAuth != nil {
		msg = s.OnAuth(token)
	}
	switch {
	case msg != "":
	case token == "":
		msg = ErrorMessage("ERR_NGROK_4018", "Usage of ngrok requires a verified account and authtoken.")
	case s.Authtoken != "" && token != s.Authtoken:
		msg = ErrorMessage("ERR_NGROK_107", "The authtoken you specified is properly formed, but it is invalid.")
	}
	if msg != "" {
		return authResp{Error: msg}
	}
	if clientID == "" {
		clientID = randomID()
	}
	s.mu.Lock()
	sess.authed = true
	s.mu.Unlock()
	return authResp{Version: "3", ClientID: clientID, Extra: authExtra{
		Version: "fakeedge", Region: "test", Cookie: clientID,
		AccountName: "test", PlanName: "free", AgentSessionID: "as_" + clientID,
	}}
}

type bind struct {
	ID    string `json:"Id"`
	Proto string
	Opts  struct{ URL string }
}

type bindResp struct {
	ID    string `json:"Id"`
	URL   string
	Proto string
	Opts  map[string]string
	Error string
	Extra struct{ Token, TunnelID string }
}

func (s *Server) bind(sess *session, req bind) bindResp {
	if req.Proto != "http" && req.Proto != "https" {
		return bindResp{Error: fmt.Sprintf("fakeedge: protocol %q not supported", req.Proto)}
	}
	if s.OnBind != nil {
		if msg := s.OnBind(req.Opts.URL); msg != "" {
			return bindResp{Error: msg}
		}
	}
	raw := req.Opts.URL
	if s.NewURLOnRebind && req.ID != "" {
		raw = ""
	}
	if raw == "" {
		raw = req.Proto + "://" + randomID() + ".ngrok.test"
	} else if !strings.Contains(raw, "://") {
		raw = req.Proto + "://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return bindResp{Error: fmt.Sprintf("fakeedge: invalid url %q", req.Opts.URL)}
	}
	host := u.Hostname()
	id := req.ID
	if id == "" {
		id = "bind_" + randomID()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !sess.authed {
		return bindResp{Error: "fakeedge: bind before auth"}
	}
	if ep, ok := s.endpoints[host]; ok && ep.bindID != req.ID {
		return bindResp{Error: ErrorMessage("ERR_NGROK_334", fmt.Sprintf("The endpoint '%s' is already online.", u))}
	}
	s.endpoints[host] = endpoint{sess: sess, bindID: id, url: u.String()}
	s.binds = append(s.binds, u.String())
	close(s.changed)
	s.changed = make(chan struct{})

	resp := bindResp{ID: id, URL: u.String(), Proto: req.Proto, Opts: map[string]string{"URL": u.String(), "Hostname": host}}
	resp.Extra.Token, resp.Extra.TunnelID = u.String(), "tn_"+id
	return resp
}

func (s *Server) unbind(sess *session, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for host, ep := range s.endpoints {
		if ep.sess == sess && ep.bindID == id {
			delete(s.endpoints, host)
		}
	}
}

type proxyHeader struct {
	ID             string `json:"Id"`
	ClientAddr     string
	Proto          string
	EdgeType       string
	PassthroughTLS bool
}

func scheme(rawURL string) string {
	s, _, _ := strings.Cut(rawURL, "://")
	return s
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// selfSigned returns a certificate for 127.0.0.1, ::1 and localhost that is
// its own CA, and a pool holding it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "fakeedge"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
