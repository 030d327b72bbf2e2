package mockpodio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string such as "15m" or "1.5s".
type Duration struct{ time.Duration }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "250ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"15m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	d.Duration = v
	return nil
}

// Faults are the misbehaviours injected into a server: API answers and
// deliveries to receivers.
type Faults struct {
	API      []APIFault      `json:"api"`      // faults of API calls
	Delivery []DeliveryFault `json:"delivery"` // faults of deliveries
}

// APIFault makes matching API calls misbehave.
type APIFault struct {
	// Method matches the HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// Path matches the request path (without trailing slash) with
	// path.Match syntax, e.g. "/item/*" or "/hook/*/verify/validate";
	// empty matches any path.
	Path string `json:"path,omitempty"`
	// Status is answered instead of the real response, in Podio's error
	// shape; 0 means no status fault (latency or token expiry only).
	Status int `json:"status,omitempty"`
	// Error and Description override Podio's "error" and
	// "error_description"; empty means the usual ones for Status.
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"` // with Error, above
	// Latency delays the answer by this much on the mock's clock.
	Latency Duration `json:"latency,omitzero"`
	// ExpireToken expires the caller's access token, so the call gets 401
	// expired_token and a client must refresh.
	ExpireToken bool `json:"expire_token,omitempty"`
	// Count is how many matching calls it applies to; 0 means all.
	Count int `json:"count,omitempty"`
	// Rate is the share of matching calls (0 to 1) it applies to; 0 means
	// all of them.
	Rate float64 `json:"rate,omitempty"`
}

// DeliveryFault misbehaves on the way to receivers, for one hook or all.
// hook.verify deliveries are never faulted.
type DeliveryFault struct {
	// HookID is the hook it applies to; 0 means every hook without a fault
	// of its own.
	HookID int64 `json:"hook_id,omitempty"`
	// Delay is added before each delivery, on the mock's clock.
	Delay Duration `json:"delay,omitzero"`
	// DuplicateRate is the share of deliveries (0 to 1) sent twice.
	DuplicateRate float64 `json:"duplicate_rate,omitempty"`
	// DropRate is the share of deliveries (0 to 1) dropped unsent,
	// recorded as dropped_fault.
	DropRate float64 `json:"drop_rate,omitempty"`
	// Reorder takes a hook's queued deliveries in random order.
	Reorder bool `json:"reorder,omitempty"`
}

// ErrBadFault is returned for a fault that makes no sense.
var ErrBadFault = errors.New("mockpodio: bad fault")

func (f APIFault) check() error {
	if f.Method != "" && f.Method != strings.ToUpper(f.Method) {
		return fmt.Errorf("%w: method %q must be upper case", ErrBadFault, f.Method)
	}
	if f.Path != "" {
		if _, err := path.Match(f.Path, "/"); err != nil {
			return fmt.Errorf("%w: path pattern %q: %v", ErrBadFault, f.Path, err)
		}
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		return fmt.Errorf("%w: status %d", ErrBadFault, f.Status)
	}
	if f.Count < 0 || f.Rate < 0 || f.Rate > 1 {
		return fmt.Errorf("%w: count must be 0 or more and rate 0 to 1", ErrBadFault)
	}
	if f.Status == 0 && f.Latency.Duration == 0 && !f.ExpireToken {
		return fmt.Errorf("%w: an API fault needs status, latency or expire_token", ErrBadFault)
	}
	return nil
}

func (f DeliveryFault) check() error {
	if f.HookID < 0 || f.DuplicateRate < 0 || f.DuplicateRate > 1 || f.DropRate < 0 || f.DropRate > 1 {
		return fmt.Errorf("%w: hook_id must be 0 or more, rates 0 to 1", ErrBadFault)
	}
	return nil
}

// faultSet holds the injected faults. Guarded by Server.mu.
type faultSet struct {
	delivery []DeliveryFault
	api      []*apiFaultState
}

type apiFaultState struct {
	APIFault
	left int // calls left when Count > 0
}

// AddFaults injects faults, after the ones already there. A delivery fault
// for a hook replaces that hook's earlier one.
func (s *Server) AddFaults(f Faults) error {
	for _, a := range f.API {
		if err := a.check(); err != nil {
			return err
		}
	}
	for _, d := range f.Delivery {
		if err := d.check(); err != nil {
			return err
		}
	}
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range f.API {
		s.faults.api = append(s.faults.api, &apiFaultState{APIFault: a, left: a.Count})
	}
	s.apiFaults.Store(int64(len(s.faults.api)))
	for _, d := range f.Delivery {
		replaced := false
		for i := range s.faults.delivery {
			if s.faults.delivery[i].HookID == d.HookID {
				s.faults.delivery[i] = d
				replaced = true
			}
		}
		if !replaced {
			s.faults.delivery = append(s.faults.delivery, d)
		}
	}
	return nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultSet{}
	s.apiFaults.Store(0)
}

// CurrentFaults returns the faults in force; an API fault's Count is what
// is left of it.
func (s *Server) CurrentFaults() Faults {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Faults{API: []APIFault{}, Delivery: append([]DeliveryFault{}, s.faults.delivery...)}
	for _, a := range s.faults.api {
		f := a.APIFault
		if f.Count > 0 {
			f.Count = a.left
		}
		out.API = append(out.API, f)
	}
	return out
}

// deliveryFor returns the delivery fault for hook id: its own, else the
// global one, else nil.
func (f *faultSet) deliveryFor(id int64) *DeliveryFault {
	var global *DeliveryFault
	for i := range f.delivery {
		d := &f.delivery[i]
		if d.HookID == id {
			return d
		}
		if d.HookID == 0 {
			global = d
		}
	}
	return global
}

// defaultFaultError is Podio's error for an injected status.
func defaultFaultError(status int) (code, desc string) {
	switch {
	case status == 420:
		return codeRateLimit, "You have hit the rate limit. Please wait 3600 seconds before trying again"
	case status == 401:
		return codeUnauthorized, descInvalid
	case status == 403:
		return codeForbidden, "Injected fault: forbidden"
	case status == 404:
		return codeNotFound, "Injected fault: not found"
	case status == 409:
		return codeConflict, "Injected fault: conflict"
	case status == 410:
		return codeGone, "Injected fault: gone"
	case status == 500:
		return codeServerError, "Injected fault: internal server error"
	case status >= 502 && status <= 504:
		return codeUnavailable, "Injected fault: service unavailable"
	case status >= 400 && status < 500:
		return codeBadRequest, "Injected fault"
	}
	return codeServerError, "Injected fault"
}

// applyAPIFaults applies the first matching API fault to c: latency, then
// token expiry, then a status.
func (s *Server) applyAPIFaults(c *call) error {
	if s.apiFaults.Load() == 0 {
		return nil // none injected: no need to take the lock every call takes
	}
	p := "/" + strings.Trim(c.r.URL.Path, "/")
	s.mu.Lock()
	var hit *APIFault
	for i, a := range s.faults.api {
		if a.Method != "" && a.Method != c.r.Method {
			continue
		}
		if a.Path != "" {
			if ok, _ := path.Match(strings.TrimSuffix(a.Path, "/"), p); !ok {
				continue
			}
		}
		if a.Rate > 0 && s.rng.Float64() >= a.Rate {
			continue
		}
		f := a.APIFault
		hit = &f
		if a.Count > 0 {
			a.left--
			if a.left == 0 {
				s.faults.api = append(s.faults.api[:i:i], s.faults.api[i+1:]...)
				s.apiFaults.Store(int64(len(s.faults.api)))
			}
		}
		break
	}
	if hit != nil && hit.ExpireToken {
		if _, tok, ok := strings.Cut(c.r.Header.Get("Authorization"), " "); ok {
			if t, found := s.tokens[strings.TrimSpace(tok)]; found {
				t.Expires = s.now()
			}
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return nil
	}
	if hit.Latency.Duration > 0 {
		done := make(chan struct{})
		t := s.clock().AfterFunc(hit.Latency.Duration, func() { close(done) })
		select {
		case <-done:
		case <-c.r.Context().Done():
			t.Stop()
			return c.r.Context().Err()
		case <-s.closing:
			t.Stop()
			return errorf(http.StatusServiceUnavailable, codeUnavailable, "The mock is shutting down")
		}
	}
	if hit.Status == 0 {
		return nil
	}
	if hit.Status == 420 {
		// Over the limit, as the headers say too.
		c.w.Header().Set("X-Rate-Limit-Remaining", "0")
	}
	code, desc := defaultFaultError(hit.Status)
	if hit.Error != "" {
		code = hit.Error
	}
	if hit.Description != "" {
		desc = hit.Description
	}
	return &APIError{StatusCode: hit.Status, Code: code, Description: desc}
}
