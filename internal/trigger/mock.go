package trigger

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
)

// perform makes the event happen in the mock at cfg.Mock: through its
// action (actions.go) when it has one, else through the control API.
func perform(ctx context.Context, cfg Config, set map[string]string) error {
	u, err := parseHTTPURL("mock", cfg.Mock)
	if err != nil {
		return err
	}
	if cfg.Repeat > 1 || cfg.Concurrency > 1 {
		return usagef("--repeat and --concurrency go with --to, not --mock")
	}
	if cfg.Event == fixtures.VerifyEvent {
		return usagef("%s cannot be triggered in the mock: %s hooks verify ID asks it to send a new one", fixtures.VerifyEvent, cfg.Command)
	}
	if _, ok := set["hook_id"]; ok {
		return usagef("--set hook_id: the mock sends each hook its own hook_id (--to sends any)")
	}
	a, acted := actions[cfg.Event]
	acted = acted && !cfg.ForceControl
	if acted {
		if err := a.check(cfg.Event, set); err != nil {
			return err
		}
	}
	if cfg.Control == nil {
		return errors.New("trigger: no control API client for the mock")
	}
	base := strings.TrimRight(u.String(), "/")
	cl := &podio.Client{BaseURL: base}
	if err := cl.Authenticate(ctx, cfg.Credentials); err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok && ctx.Err() == nil {
			return fmt.Errorf("cannot reach the mock at %s (is %s mock running?): %w", u.Redacted(), cfg.Command, ue.Err)
		}
		return fmt.Errorf("sign in to the mock at %s: %w", u.Redacted(), err)
	}
	r := &run{cfg: cfg, m: cl, typ: cfg.Event, set: set, appID: cfg.App, spaceID: cfg.Space}
	if r.appID == 0 {
		r.appID = cfg.DefaultApp
	}
	if acted {
		return r.perform(ctx, a)
	}
	return r.fireControl(ctx)
}

// run is one trigger in the mock: the event and where it happens.
type run struct {
	cfg     Config
	m       *podio.Client
	typ     string
	set     map[string]string
	appID   int64 // --app, or the default
	spaceID int64 // --space; 0 until needed, then the app's
	withExt bool  // an item made carries --set external_id (action.withExt)

	apps map[int64]*knownApp // fetched apps, by id
}

// knownApp is what trigger knows of an app: Podio's answer, or that there
// is none.
type knownApp struct {
	podio.App
	missing bool // GET /app answered 404
}

// app fetches app id once.
func (r *run) app(ctx context.Context, id int64) (*knownApp, error) {
	if a, ok := r.apps[id]; ok {
		return a, nil
	}
	got, err := r.m.GetApp(ctx, id)
	a := &knownApp{App: got}
	if errors.Is(err, podio.ErrNotFound) {
		a, err = &knownApp{missing: true}, nil
	}
	if err != nil {
		return nil, err
	}
	if r.apps == nil {
		r.apps = map[int64]*knownApp{}
	}
	r.apps[id] = a
	return a, nil
}

// space returns --space, or the space of --app.
func (r *run) space(ctx context.Context) (int64, error) {
	if r.spaceID != 0 {
		return r.spaceID, nil
	}
	a, err := r.app(ctx, r.appID)
	if err != nil {
		return 0, err
	}
	if a.missing || a.SpaceID == 0 {
		return 0, fmt.Errorf("app %d does not exist in the mock, so it has no space: give --space", r.appID)
	}
	r.spaceID = a.SpaceID
	return r.spaceID, nil
}

// report prints what was done and how many hooks of the event are on
// refType refID, the object the event fired on.
func (r *run) report(ctx context.Context, did, refType string, refID int64) error {
	line := did
	n, active, err := r.cfg.Control.HookCount(ctx, refType, refID, r.typ)
	switch {
	case err != nil:
	case n == 0:
		line += fmt.Sprintf(", but no %s hook is registered on %s %d: %s up registers one with --event %s (one --event per type)",
			r.typ, refType, refID, r.cfg.Command, r.typ)
	case n == 1:
		line += fmt.Sprintf(", 1 hook targeted (%d active)", active)
	default:
		line += fmt.Sprintf(", %d hooks targeted (%d active)", n, active)
	}
	_, err = fmt.Fprintln(r.cfg.Out, line)
	return err
}

// stamp makes a text unique, so an update always changes something.
func stamp(s string) string {
	return s + " " + time.Now().UTC().Format("15:04:05.000000")
}

// fireControl fires the event through POST /_mock/events on --app or
// --space, whichever the event's hooks are registered on. app_id and
// space_id default to that object, not to the fixture's ids.
func (r *run) fireControl(ctx context.Context) error {
	spec, _ := fixtures.Lookup(r.typ)
	refType := spec.RefTypes[0]
	refID := r.appID
	if refType == fixtures.RefSpace {
		sp, err := r.space(ctx)
		if err != nil {
			return err
		}
		refID = sp
	}
	params := maps.Clone(r.set)
	for _, k := range spec.Params {
		_, given := params[k]
		if !given && (k == "app_id" && refType == fixtures.RefApp || k == "space_id" && refType == fixtures.RefSpace) {
			params[k] = strconv.FormatInt(refID, 10)
		}
	}
	eventID, err := r.cfg.Control.Fire(ctx, refType, refID, r.typ, params)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("fired %s on %s %d through the mock's control API (event %d)", r.typ, refType, refID, eventID), refType, refID)
}

// checkSet refuses --set values the action cannot take, before any
// request: keys it does not take, ids that are not positive numbers, two
// exclusive keys together, and what the action's own check refuses.
func (a action) check(typ string, set map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !slices.Contains(a.settable, k) {
			return usagef("--set %s: the mock assigns it when it performs %s; with --control the event is fired with any parameters", k, typ)
		}
		if id, err := strconv.ParseInt(set[k], 10, 64); strings.HasSuffix(k, "_id") && k != "external_id" && (err != nil || id <= 0) {
			return usagef("--set %s must be the id of an existing object, a positive number, not %q", k, set[k])
		}
	}
	x, y := a.exclusive[0], a.exclusive[1]
	if _, okX := set[x]; okX && x != "" {
		if _, okY := set[y]; okY {
			return usagef("--set %s and --set %s cannot go together for %s", x, y, typ)
		}
	}
	if a.checkSet != nil {
		return a.checkSet(set)
	}
	return nil
}
