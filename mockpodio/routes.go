package mockpodio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handlerFunc serves one API operation. It returns the status and the
// value to answer as JSON; a nil value with 204 answers no body.
type handlerFunc func(s *Server, c *call) (int, any, error)

type route struct {
	method  string
	pattern []string // segments; "{name}" matches any one segment
	handle  handlerFunc
	public  bool // needs no access token
	// upload: the body is a file upload, capped by MaxFileBytes (plus
	// the multipart framing) instead of MaxBodyBytes.
	upload bool
	// queryToken: the access token may come as ?oauth_token= instead of
	// the Authorization header, as clients fetch a file's link.
	queryToken bool
}

// routes are Podio's paths the mock serves. Trailing slashes are ignored
// when matching, so both forms work everywhere (https://github.com/podio).
var routes = []route{
	{method: "POST", pattern: seg("oauth/token"), handle: (*Server).handleToken, public: true},
	{method: "POST", pattern: seg("oauth/token/v2"), handle: (*Server).handleToken, public: true},

	{method: "POST", pattern: seg("hook/{ref_type}/{ref_id}"), handle: (*Server).handleCreateHook},
	{method: "GET", pattern: seg("hook/{ref_type}/{ref_id}"), handle: (*Server).handleListHooks},
	{method: "DELETE", pattern: seg("hook/{hook_id}"), handle: (*Server).handleDeleteHook},
	{method: "POST", pattern: seg("hook/{hook_id}/verify/request"), handle: (*Server).handleVerifyRequest},
	{method: "POST", pattern: seg("hook/{hook_id}/verify/validate"), handle: (*Server).handleVerifyValidate},

	{method: "POST", pattern: seg("item/app/{app_id}"), handle: (*Server).handleCreateItem},
	{method: "POST", pattern: seg("item/app/{app_id}/filter"), handle: (*Server).handleFilterItems},
	{method: "GET", pattern: seg("item/app/{app_id}/external_id/{external_id}"), handle: (*Server).handleGetItemByExternalID},
	{method: "GET", pattern: seg("item/{item_id}"), handle: (*Server).handleGetItem},
	{method: "PUT", pattern: seg("item/{item_id}"), handle: (*Server).handleUpdateItem},
	{method: "PUT", pattern: seg("item/{item_id}/value"), handle: (*Server).handleUpdateItemValues},
	{method: "PUT", pattern: seg("item/{item_id}/value/{field}"), handle: (*Server).handleUpdateItemFieldValues},
	{method: "DELETE", pattern: seg("item/{item_id}"), handle: (*Server).handleDeleteItem},
	{method: "GET", pattern: seg("app/{app_id}/item/{app_item_id}"), handle: (*Server).handleGetItemByAppItemID},
	{method: "GET", pattern: seg("item/app/{app_id}"), handle: (*Server).handleListItems},
	{method: "GET", pattern: seg("item/app/{app_id}/v2"), handle: (*Server).handleListItems},
	{method: "GET", pattern: seg("item/{item_id}/basic"), handle: (*Server).handleGetItemBasic},
	{method: "GET", pattern: seg("item/{item_id}/value"), handle: (*Server).handleGetItemValues},
	{method: "GET", pattern: seg("item/{item_id}/value/{field}"), handle: (*Server).handleGetItemFieldValues},
	{method: "GET", pattern: seg("item/{item_id}/revision"), handle: (*Server).handleListRevisions},
	{method: "GET", pattern: seg("item/{item_id}/revision/{revision}"), handle: (*Server).handleGetRevision},
	{method: "GET", pattern: seg("item/{item_id}/revision/{from}/{to}"), handle: (*Server).handleRevisionDiff},

	{method: "POST", pattern: seg("comment/{ref_type}/{ref_id}"), handle: (*Server).handleCreateComment},
	{method: "GET", pattern: seg("comment/{ref_type}/{ref_id}"), handle: (*Server).handleListComments},
	{method: "GET", pattern: seg("comment/{comment_id}"), handle: (*Server).handleGetComment},
	{method: "PUT", pattern: seg("comment/{comment_id}"), handle: (*Server).handleUpdateComment},
	{method: "DELETE", pattern: seg("comment/{comment_id}"), handle: (*Server).handleDeleteComment},

	{method: "POST", pattern: seg("task"), handle: (*Server).handleCreateTask},
	{method: "POST", pattern: seg("task/{ref_type}/{ref_id}"), handle: (*Server).handleCreateTask},
	{method: "GET", pattern: seg("task/{task_id}"), handle: (*Server).handleGetTask},
	{method: "PUT", pattern: seg("task/{task_id}"), handle: (*Server).handleUpdateTask},
	{method: "DELETE", pattern: seg("task/{task_id}"), handle: (*Server).handleDeleteTask},
	{method: "POST", pattern: seg("task/{task_id}/complete"), handle: (*Server).handleCompleteTask},
	{method: "POST", pattern: seg("task/{task_id}/incomplete"), handle: (*Server).handleIncompleteTask},

	{method: "POST", pattern: seg("file"), handle: (*Server).handleUploadFile, upload: true},
	{method: "POST", pattern: seg("file/v2"), handle: (*Server).handleUploadFile, upload: true},
	{method: "GET", pattern: seg("file/{file_id}"), handle: (*Server).handleGetFile},
	{method: "GET", pattern: seg("file/{file_id}/raw"), handle: (*Server).handleRawFile, queryToken: true},
	{method: "GET", pattern: seg("file/{file_id}/raw/{size}"), handle: (*Server).handleRawFile, queryToken: true},
	{method: "POST", pattern: seg("file/{file_id}/attach"), handle: (*Server).handleAttachFile},
	{method: "POST", pattern: seg("file/{file_id}/replace"), handle: (*Server).handleReplaceFile},
	{method: "DELETE", pattern: seg("file/{file_id}"), handle: (*Server).handleDeleteFile},

	{method: "POST", pattern: seg("tag/{ref_type}/{ref_id}"), handle: (*Server).handleAddTags},
	{method: "PUT", pattern: seg("tag/{ref_type}/{ref_id}"), handle: (*Server).handleReplaceTags},
	{method: "DELETE", pattern: seg("tag/{ref_type}/{ref_id}"), handle: (*Server).handleRemoveTag},
	{method: "GET", pattern: seg("tag/app/{app_id}"), handle: (*Server).handleAppTags},

	{method: "POST", pattern: seg("status/space/{space_id}"), handle: (*Server).handleCreateStatus},
	{method: "GET", pattern: seg("status/{status_id}"), handle: (*Server).handleGetStatus},
	{method: "PUT", pattern: seg("status/{status_id}"), handle: (*Server).handleUpdateStatus},
	{method: "DELETE", pattern: seg("status/{status_id}"), handle: (*Server).handleDeleteStatus},

	{method: "POST", pattern: seg("space/{space_id}/member"), handle: (*Server).handleAddMembers},
	{method: "GET", pattern: seg("space/{space_id}/member"), handle: (*Server).handleListMembers},
	{method: "GET", pattern: seg("space/{space_id}/member/{user_id}"), handle: (*Server).handleGetMember},
	{method: "GET", pattern: seg("space/{space_id}/member/{user_id}/v2"), handle: (*Server).handleGetMember},
	{method: "PUT", pattern: seg("space/{space_id}/member/{user_ids}"), handle: (*Server).handleUpdateMembers},
	{method: "DELETE", pattern: seg("space/{space_id}/member/{user_ids}"), handle: (*Server).handleEndMembers},

	{method: "POST", pattern: seg("form/app/{app_id}"), handle: (*Server).handleCreateForm},
	{method: "GET", pattern: seg("form/app/{app_id}"), handle: (*Server).handleListForms},
	{method: "GET", pattern: seg("form/{form_id}"), handle: (*Server).handleGetForm},
	{method: "PUT", pattern: seg("form/{form_id}"), handle: (*Server).handleUpdateForm},
	{method: "DELETE", pattern: seg("form/{form_id}"), handle: (*Server).handleDeleteForm},
	{method: "POST", pattern: seg("form/{form_id}/activate"), handle: (*Server).handleActivateForm},
	{method: "POST", pattern: seg("form/{form_id}/deactivate"), handle: (*Server).handleDeactivateForm},

	{method: "POST", pattern: seg("space"), handle: (*Server).handleCreateSpace},
	{method: "GET", pattern: seg("space/{space_id}"), handle: (*Server).handleGetSpace},
	{method: "GET", pattern: seg("space/org/{org_id}"), handle: (*Server).handleOrgSpaces},
	{method: "GET", pattern: seg("org/{org_id}/space"), handle: (*Server).handleOrgSpaces},
	{method: "GET", pattern: seg("org"), handle: (*Server).handleListOrgs},
	{method: "GET", pattern: seg("org/{org_id}"), handle: (*Server).handleGetOrg},

	{method: "POST", pattern: seg("app"), handle: (*Server).handleCreateApp},
	{method: "GET", pattern: seg("app/{app_id}"), handle: (*Server).handleGetApp},
	{method: "PUT", pattern: seg("app/{app_id}"), handle: (*Server).handleUpdateApp},
	{method: "DELETE", pattern: seg("app/{app_id}"), handle: (*Server).handleDeleteApp},
}

func seg(p string) []string { return strings.Split(p, "/") }

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route for method and path segments. When several
// patterns fit, the one with the most literal segments wins, so
// /task/{id}/complete is not taken for /task/{ref_type}/{ref_id}.
func match(method string, parts []string) (r *route, params map[string]string) {
	best := -1
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || len(rt.pattern) != len(parts) {
			continue
		}
		literals := 0
		ok := true
		for j, want := range rt.pattern {
			if strings.HasPrefix(want, "{") {
				continue
			}
			if want != parts[j] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > best {
			r, best = rt, literals
		}
	}
	if r == nil {
		return nil, nil
	}
	// The parameters of the winner only: one map per call.
	params = make(map[string]string, len(r.pattern)-best)
	for j, want := range r.pattern {
		if strings.HasPrefix(want, "{") {
			params[want[1:len(want)-1]] = parts[j]
		}
	}
	return r, params
}

// call is one API request being served.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	params map[string]string
	body   []byte
	auth   *token // nil on public routes
}

// id returns the path parameter name as a positive id, or a 404.
func (c *call) id(name string) (int64, error) {
	n, ok := parseID(c.params[name])
	if !ok {
		return 0, errorf(http.StatusNotFound, codeNotFound, "Invalid %s %q: must be a positive integer", name, c.params[name])
	}
	return n, nil
}

// decode parses the JSON body into v. An empty body or JSON null leaves v
// as it is; the Content-Type is not checked, since some clients send none.
func (c *call) decode(v any) error {
	b := bytes.TrimSpace(c.body)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid("Invalid value for %s: must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return errorf(http.StatusBadRequest, codeInvalidValue, "Invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, codeInvalidValue, "Invalid JSON body: more after the first value")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "float64":
		return "number"
	case "map", "struct":
		return "object"
	case "slice":
		return "array"
	}
	return k
}

// MaxJSONDepth is how deeply a request's JSON body may nest arrays and
// objects. A deeper one gets 400: the state file must be able to hold,
// and load back, whatever the mock accepts (Go's decoder stops at 10,000
// levels, the state file adds a few), and no Podio object nests deeper
// than a handful of levels.
const MaxJSONDepth = 32

// jsonDepth returns how deeply b nests arrays and objects, if b is JSON
// (it starts with '{' or '['); 0 for any other body, such as a form.
func jsonDepth(b []byte) int {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return 0
	}
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// hooksEnabled reports whether the write should fire hooks: true unless
// the query says hook=false (also 0 or no, any case).
func (c *call) hooksEnabled() bool {
	v, ok := c.r.URL.Query()["hook"]
	if !ok || len(v) == 0 {
		return true
	}
	return !falsy(v[0])
}

// ServeHTTP serves Podio's API and the mock's /_mock/ control routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	s.callbacks.WaitRoom() // a slow Logf slows the API only past the outbox's limit
	start := s.clock().Now()
	rw := &statusWriter{ResponseWriter: w}
	s.serve(rw, r)
	s.logf("api  %s %s -> %d  %s", r.Method, r.URL.RequestURI(), rw.status, s.clock().Now().Sub(start).Round(time.Microsecond))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Podio-Request-Id", randomHex(8))
	ceiling := strconv.Itoa(s.rateCeiling())
	w.Header().Set("X-Rate-Limit-Limit", ceiling)
	w.Header().Set("X-Rate-Limit-Remaining", ceiling)
	parts := splitPath(r.URL.Path)
	if len(parts) > 0 && parts[0] == "_mock" {
		held, err := s.reserveControl(r)
		defer s.bodies.Give(held)
		if err != nil {
			s.refuseBusy(w, r, err, maxControlBody)
			return
		}
		s.serveControl(w, r, parts[1:])
		return
	}
	rt, params := match(r.Method, parts)
	if rt == nil {
		writeError(w, r, errorf(http.StatusNotFound, codeNotFound, descNoOperation))
		return
	}
	maxBody := s.maxBodyBytes()
	if rt.upload {
		maxBody = s.maxFileBytes() + multipartSlack
	}
	body, held, err := s.readBody(r, maxBody) // reserved against MaxBodyBytesInFlight: inflight.go
	defer s.bodies.Give(held)
	if err != nil {
		if errors.Is(err, errBusy) {
			s.refuseBusy(w, r, err, maxBody)
		} else {
			writeError(w, r, err)
		}
		return
	}
	if d := jsonDepth(body); d > MaxJSONDepth {
		writeError(w, r, invalid("Invalid JSON body: nested %d deep, more than the %d allowed", d, MaxJSONDepth))
		return
	}
	s.noteHost(r)
	c := &call{w: w, r: r, params: params, body: body}
	if err := s.applyAPIFaults(c); err != nil {
		writeError(w, r, err)
		return
	}
	if rt.queryToken && r.Header.Get("Authorization") == "" && r.URL.Query().Get("oauth_token") != "" {
		r.Header.Set("Authorization", "OAuth2 "+r.URL.Query().Get("oauth_token"))
	}
	if !rt.public {
		tok, err := s.authenticate(w, r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		c.auth = tok
	}
	loop, looping := s.loopAt(c)
	status, resp, err := rt.handle(s, c)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if looping {
		s.signalLoop(loop)
	}
	if resp == nil && status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	if rb, ok := resp.(rawBody); ok {
		writeRaw(w, status, rb)
		return
	}
	writeJSON(w, status, resp)
}

// authenticate checks the Authorization header: "OAuth2 <token>" (the
// scheme word "Bearer" is accepted too), and counts the call against the
// token's rate limit ([Server.countCallLocked]), in one hold of the lock.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*token, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if h == "" {
		return nil, errorf(http.StatusUnauthorized, codeUnauthorized, "Missing Authorization header: send \"Authorization: OAuth2 <access_token>\"")
	}
	if !ok || !(strings.EqualFold(scheme, "OAuth2") || strings.EqualFold(scheme, "Bearer")) || strings.TrimSpace(tok) == "" {
		return nil, errorf(http.StatusUnauthorized, codeUnauthorized, "Malformed Authorization header: send \"Authorization: OAuth2 <access_token>\"")
	}
	tok = strings.TrimSpace(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.tokens[tok]
	if !found {
		return nil, errorf(http.StatusUnauthorized, codeUnauthorized, descInvalid)
	}
	if !s.now().Before(t.Expires) {
		return nil, errorf(http.StatusUnauthorized, codeExpiredToken, descExpired)
	}
	cp := *t
	if err := s.countCallLocked(w, &cp); err != nil {
		return nil, err
	}
	return &cp, nil
}

// countCall is countCallLocked for a caller without the lock.
func (s *Server) countCall(w http.ResponseWriter, t *token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countCallLocked(w, t)
}

// countCallLocked counts an API call against the token's hourly window,
// sets the rate-limit headers and refuses the call with 420 once over the
// configured limit.
func (s *Server) countCallLocked(w http.ResponseWriter, t *token) error {
	now := s.now()
	key := rateKey{t.Ref.Type, t.Ref.ID, t.ClientID}
	win := s.calls[key]
	if win == nil {
		win = &rateWindow{}
		s.calls[key] = win
	}
	win.advance(now)
	limit := s.RateLimit
	ceiling := s.rateCeiling()
	if limit > 0 && win.total >= limit {
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(ceiling))
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		return errorf(420, codeRateLimit, "You have hit the rate limit. Please wait 3600 seconds before trying again")
	}
	win.add()
	remaining := ceiling - win.total
	if remaining < 0 {
		remaining = 0
	}
	if w.Header().Get("X-Rate-Limit-Limit") == "" { // serve set it already, to the same ceiling
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(ceiling))
	}
	w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	return nil
}

// statusWriter remembers the status written, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (refuseBusy).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) rateCeiling() int {
	if s.RateLimit > 0 {
		return s.RateLimit
	}
	return DefaultRateLimitCeiling
}
