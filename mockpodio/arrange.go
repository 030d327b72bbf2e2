package mockpodio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

// Arranging state in Go: each method below makes the API call a client
// would, served in memory through the server's own handler, so it fires
// the same events, counts against the same rate limit and meets the same
// injected faults. A refused call returns an error wrapping the
// [*APIError] the API answered.

// Token signs in with Podio's app grant (POST /oauth/token) and returns
// the access token: as the seed's first app with the seed's first OAuth
// client, or, when the seed has none, as [DefaultAppID] with the default
// credentials, which a permissive server accepts.
func (s *Server) Token(ctx context.Context) (string, error) {
	appID, appToken := int64(DefaultAppID), DefaultAppToken
	clientID, secret := DefaultClientID, DefaultClientSecret
	if sd := s.Seed; sd != nil {
		if len(sd.Apps) > 0 {
			appID, appToken = sd.Apps[0].AppID, sd.Apps[0].AppToken
		}
		if len(sd.Clients) > 0 {
			clientID, secret = sd.Clients[0].ClientID, sd.Clients[0].ClientSecret
		}
	}
	form := url.Values{"grant_type": {"app"}, "app_id": {strconv.FormatInt(appID, 10)}, "app_token": {appToken},
		"client_id": {clientID}, "client_secret": {secret}}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.apiCall(ctx, "", http.MethodPost, "/oauth/token", form, &out); err != nil {
		return "", err
	}
	return out.AccessToken, nil
}

// AppField is a field [Server.CreateApp] adds to a new app.
type AppField struct {
	// ExternalID names the field in item writes; empty means the label,
	// lower-cased, spaces as dashes.
	ExternalID string
	// Label is the field's label.
	Label string
	// Type is a Podio field type, e.g. "text", "number" or "category".
	Type string
	// Options are a category field's choices, numbered from 1.
	Options []string
}

// CreateApp creates an app named name in the space spaceID with fields,
// firing app.create on the space, and returns its id.
func (s *Server) CreateApp(ctx context.Context, spaceID int64, name string, fields ...AppField) (int64, error) {
	type option struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	}
	type fieldJSON struct {
		Type       string `json:"type"`
		ExternalID string `json:"external_id,omitempty"`
		Config     struct {
			Label    string `json:"label"`
			Settings struct {
				Options []option `json:"options,omitempty"`
			} `json:"settings"`
		} `json:"config"`
	}
	body := struct {
		SpaceID int64             `json:"space_id"`
		Config  map[string]string `json:"config"`
		Fields  []fieldJSON       `json:"fields"`
	}{SpaceID: spaceID, Config: map[string]string{"name": name}}
	for _, f := range fields {
		fj := fieldJSON{Type: f.Type, ExternalID: f.ExternalID}
		fj.Config.Label = f.Label
		for i, o := range f.Options {
			fj.Config.Settings.Options = append(fj.Config.Settings.Options, option{int64(i + 1), o})
		}
		body.Fields = append(body.Fields, fj)
	}
	var out struct {
		AppID int64 `json:"app_id"`
	}
	err := s.authCall(ctx, http.MethodPost, "/app/", body, &out)
	return out.AppID, err
}

// CreateItem creates an item in the app appID, firing item.create, and
// returns its id. fields maps external ids (or field ids) to values as
// POST /item/app/{app_id}/ takes them, e.g. {"title": "It crashes"}.
// An empty externalID sets none.
func (s *Server) CreateItem(ctx context.Context, appID int64, externalID string, fields map[string]any) (int64, error) {
	body := map[string]any{"fields": fields}
	if externalID != "" {
		body["external_id"] = externalID
	}
	var out struct {
		ItemID int64 `json:"item_id"`
	}
	err := s.authCall(ctx, http.MethodPost, "/item/app/"+strconv.FormatInt(appID, 10)+"/", body, &out)
	return out.ItemID, err
}

// UpdateItem sets fields of the item id, firing item.update.
func (s *Server) UpdateItem(ctx context.Context, id int64, fields map[string]any) error {
	return s.authCall(ctx, http.MethodPut, "/item/"+strconv.FormatInt(id, 10), map[string]any{"fields": fields}, nil)
}

// DeleteItem deletes the item id, firing item.delete.
func (s *Server) DeleteItem(ctx context.Context, id int64) error {
	return s.authCall(ctx, http.MethodDelete, "/item/"+strconv.FormatInt(id, 10), nil, nil)
}

// CreateComment comments value on the object ref (an [ItemRef]), firing
// comment.create, and returns the comment's id.
func (s *Server) CreateComment(ctx context.Context, ref Ref, value string) (int64, error) {
	var out struct {
		CommentID int64 `json:"comment_id"`
	}
	err := s.authCall(ctx, http.MethodPost, "/comment/"+ref.Type+"/"+strconv.FormatInt(ref.ID, 10)+"/",
		map[string]string{"value": value}, &out)
	return out.CommentID, err
}

// CreateTask creates a task with text on the object ref (an [ItemRef] or
// a [SpaceRef]), firing task.create, and returns the task's id.
func (s *Server) CreateTask(ctx context.Context, ref Ref, text string) (int64, error) {
	var out struct {
		TaskID int64 `json:"task_id"`
	}
	err := s.authCall(ctx, http.MethodPost, "/task/"+ref.Type+"/"+strconv.FormatInt(ref.ID, 10)+"/",
		map[string]string{"text": text}, &out)
	return out.TaskID, err
}

// unreachableHookURL is where a hook made by CreateHook without a
// receiver points: nothing listens on port 1.
const unreachableHookURL = "http://127.0.0.1:1/"

// A HookTarget is where [Server.CreateHook] points a hook: a [*Receiver]
// or a [HookURL].
type HookTarget interface {
	hookURL() string
}

// HookURL is a hook URL as a [HookTarget]: a [Receiver]'s URL with a path
// or a query, or a receiver of the test's own that validates hook.verify
// itself.
type HookURL string

func (u HookURL) hookURL() string { return string(u) }

func (r *Receiver) hookURL() string { return r.URL }

// CreateHook registers a hook of type typ on ref that delivers to to and
// returns its snapshot once it is active: the mock has sent hook.verify,
// the receiver has validated the code through the API, as Podio's
// handshake goes, and the hook.verify delivery is recorded. With a nil to
// the hook points where nothing listens and CreateHook validates the code
// itself, for a test whose [Server.OnDeliver] answers the deliveries. It
// fails when the API refuses the hook or ctx ends first.
func (s *Server) CreateHook(ctx context.Context, ref Ref, typ string, to HookTarget) (Hook, error) {
	hookURL := unreachableHookURL
	if rcv, isRcv := to.(*Receiver); to == nil || isRcv && rcv == nil {
		to = nil
	} else {
		hookURL = to.hookURL()
	}
	var out struct {
		HookID int64 `json:"hook_id"`
	}
	if err := s.authCall(ctx, http.MethodPost, "/hook/"+ref.Type+"/"+strconv.FormatInt(ref.ID, 10)+"/",
		map[string]string{"url": hookURL, "type": typ}, &out); err != nil {
		return Hook{}, err
	}
	// The handshake is over once the hook.verify delivery is recorded:
	// nothing of it is left in flight to meet the test's next steering.
	d, err := s.AwaitDelivery(ctx, func(d Delivery) bool { return d.HookID == out.HookID && d.Type == fixtures.VerifyEvent })
	if err != nil {
		return Hook{}, err
	}
	if to == nil {
		if err := s.validate(ctx, out.HookID, d.Params["code"]); err != nil {
			return Hook{}, err
		}
	}
	return s.AwaitHook(ctx, out.HookID, func(h Hook) bool { return h.Status == "active" })
}

// validate answers hook id's hook.verify with code
// (POST /hook/{hook_id}/verify/validate).
func (s *Server) validate(ctx context.Context, id int64, code string) error {
	return s.authCall(ctx, http.MethodPost, "/hook/"+strconv.FormatInt(id, 10)+"/verify/validate",
		map[string]string{"code": code}, nil)
}

// authCall makes an API call with a fresh [Server.Token].
func (s *Server) authCall(ctx context.Context, method, path string, body, out any) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	return s.apiCall(ctx, tok, method, path, body, out)
}

// apiCall serves one API call in memory. body is a form when it is
// url.Values, JSON otherwise (nil: none); a 2xx answer is decoded into
// out unless out is nil, any other answer is an error wrapping its
// [*APIError].
func (s *Server) apiCall(ctx context.Context, token, method, path string, body, out any) error {
	var r io.Reader = http.NoBody
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("mockpodio: %s %s: %w", method, path, err)
		}
		r, ctype = bytes.NewReader(enc), "application/json"
	}
	base := s.URL
	if base == "" {
		base = inMemoryURL
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return fmt.Errorf("mockpodio: %s %s: %w", method, path, err)
	}
	req.RemoteAddr = "127.0.0.1:1"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "OAuth2 "+token)
	}
	rec := httptest.NewRecorder()
	s.persistingHandler().ServeHTTP(rec, req)
	raw := rec.Body.Bytes()
	if rec.Code < 200 || rec.Code > 299 {
		return fmt.Errorf("%s %s: %w", method, path, parseAPIError(rec.Code, raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("mockpodio: %s %s: decode %q: %w", method, path, raw, err)
		}
	}
	return nil
}

// parseAPIError reads Podio's error JSON; a body that is not one becomes
// the description.
func parseAPIError(status int, raw []byte) *APIError {
	var e struct {
		Error       string         `json:"error"`
		Description string         `json:"error_description"`
		Detail      any            `json:"error_detail"`
		Parameters  map[string]any `json:"error_parameters"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Error == "" {
		return &APIError{StatusCode: status, Code: http.StatusText(status), Description: strings.TrimSpace(string(raw))}
	}
	return &APIError{StatusCode: status, Code: e.Error, Description: e.Description, Detail: e.Detail, Parameters: e.Parameters}
}
