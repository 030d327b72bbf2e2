// Package hookadmin manages Podio hooks by hand, the job of `devhook
// hooks`: it lists the hooks of an app, a space or an app field, creates
// them, deletes them, and asks for or sends back a hook.verify code
// (Podio's hooks API: https://developers.podio.com/doc/hooks).
//
// Each operation checks what it was given first: an error in how it was
// called matches [ErrUsage] and comes before signing in. It then signs in
// and prints what it did to its writer, one line per hook. The option
// names in its messages are those of `devhook hooks`' flags.
package hookadmin

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/internal/usage"
)

// ErrUsage marks an error in how an operation was called: a missing or
// bad id, event or URL. The operation returns it before signing in. It is
// [usage.Err].
var ErrUsage = usage.Err

var usagef = usage.Errorf

// SignIn returns a client signed in to Podio (or the mock). The
// operations call it once their input is checked.
type SignIn func(context.Context) (*podio.Client, error)

// Ref names what hooks are registered on: exactly one of an app, a space
// or an app field, as the raw values of --app, --space and --field.
type Ref struct {
	App, Space, Field string
}

// Target is a parsed Ref.
type Target struct {
	RefType string // fixtures.RefApp, RefSpace or RefAppField
	ID      int64
}

// String names the target for people: "app 3001", "app field 4001".
func (t Target) String() string {
	return strings.ReplaceAll(t.RefType, "_", " ") + " " + strconv.FormatInt(t.ID, 10)
}

// Target checks that exactly one of r's ids is set, to a positive id. cmd
// is the hooks command, for the message.
func (r Ref) Target(cmd string) (Target, error) {
	var set []Target
	for _, f := range []struct{ flag, refType, v string }{
		{"app", fixtures.RefApp, r.App},
		{"space", fixtures.RefSpace, r.Space},
		{"field", fixtures.RefAppField, r.Field},
	} {
		if f.v == "" {
			continue
		}
		id, ok := ParseID(f.v)
		if !ok {
			return Target{}, usagef("--%s wants a number (a positive id), not %q", f.flag, f.v)
		}
		set = append(set, Target{f.refType, id})
	}
	switch len(set) {
	case 0:
		return Target{}, usagef("hooks %s needs one of --app, --space or --field", cmd)
	case 1:
		return set[0], nil
	}
	return Target{}, usagef("hooks %s takes only one of --app, --space and --field", cmd)
}

// ParseID parses an id given on the command line: a positive number.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// parseIDs parses hook ids given as arguments.
func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, ok := ParseID(a)
		if !ok {
			return nil, usagef("a hook id is a positive number, not %q", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// List prints the hooks on ref to w: a table, or with asJSON the JSON of
// render.HooksJSON.
func List(ctx context.Context, signIn SignIn, ref Ref, asJSON bool, w io.Writer) error {
	t, err := ref.Target("list")
	if err != nil {
		return err
	}
	cl, err := signIn(ctx)
	if err != nil {
		return err
	}
	hooks, err := cl.ListHooks(ctx, t.RefType, t.ID)
	if err != nil {
		return err
	}
	if asJSON {
		return render.HooksJSON(w, t.RefType, t.ID, hooks)
	}
	if len(hooks) == 0 {
		_, err := fmt.Fprintf(w, "no hooks on %s\n", t)
		return err
	}
	return render.HookTable(w, hooks)
}

// Create creates a hook on ref to hookURL for each of events, in order,
// and prints each hook's id. The events are checked against what Podio
// allows on ref (fixtures.CheckHook) before anything is created.
func Create(ctx context.Context, signIn SignIn, ref Ref, events []string, hookURL string, w io.Writer) error {
	t, err := ref.Target("create")
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return usagef("hooks create needs --event; allowed on %s: %s", t, strings.Join(fixtures.EventsOn(t.RefType), ", "))
	}
	for _, ev := range events {
		if err := fixtures.CheckHook(t.RefType, t.String(), ev); err != nil {
			return usage.Wrap(err)
		}
	}
	if strings.TrimSpace(hookURL) == "" {
		return usagef("hooks create needs --url, where Podio will POST the events")
	}
	cl, err := signIn(ctx)
	if err != nil {
		return err
	}
	for _, ev := range events {
		id, err := cl.CreateHook(ctx, t.RefType, t.ID, hookURL, ev)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "created hook %d: %s on %s, inactive until verified\n", id, ev, t)
	}
	return nil
}

// Delete deletes the hooks args name, in order, and prints each.
func Delete(ctx context.Context, signIn SignIn, args []string, w io.Writer) error {
	if len(args) == 0 {
		return usagef("hooks delete needs at least one hook id")
	}
	ids, err := parseIDs(args)
	if err != nil {
		return err
	}
	cl, err := signIn(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := cl.DeleteHook(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted hook %d\n", id)
	}
	return nil
}

// Verify validates the one hook args names with code, or without a code
// asks Podio to send the hook a new hook.verify.
func Verify(ctx context.Context, signIn SignIn, args []string, code string, w io.Writer) error {
	if len(args) != 1 {
		return usagef("hooks verify takes one hook id, got %d", len(args))
	}
	ids, err := parseIDs(args)
	if err != nil {
		return err
	}
	id := ids[0]
	cl, err := signIn(ctx)
	if err != nil {
		return err
	}
	if code == "" {
		if err := cl.RequestVerification(ctx, id); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "requested verification of hook %d: a new hook.verify is on its way to the hook's URL\n", id)
		return err
	}
	if err := cl.ValidateHook(ctx, id, code); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "verified hook %d: it is active\n", id)
	return err
}
