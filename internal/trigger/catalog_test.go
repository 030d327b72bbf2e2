package trigger

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// Issue 9: "a new event type touches only the catalog, its JSON fixture
// and the mock's action". These tests keep that true for trigger and for
// the rest of the tree.

// TestEveryEventTypeArrives makes every event type of the catalog happen
// in an in-process mock, as `devhook trigger --mock` does, and checks that
// a delivery of that type arrives at a receiver on loopback: through the
// type's action when it has one, else through the control API, and
// through the control API when forced. A type added to the catalog is
// covered without a change here.
func TestEveryEventTypeArrives(t *testing.T) {
	s, rcv, cl := newMock(t)
	for _, spec := range fixtures.Specs() {
		if spec.Type == fixtures.VerifyEvent {
			continue // sent to every new hook; nobody triggers it
		}
		a, acted := actions[spec.Type]
		for _, force := range []bool{false, true} {
			name := spec.Type
			if force {
				name += " --control"
			}
			t.Run(name, func(t *testing.T) {
				ctx := awaitCtx(t)
				refType := spec.RefTypes[0]
				refID := int64(mockpodio.DefaultAppID)
				if refType == fixtures.RefSpace {
					refID = mockpodio.DefaultSpaceID
				}
				var set []string
				if acted && !force && a.kind == app && a.act != nil {
					// It acts on the app of --set app_id: a new one, with the hook.
					id, err := cl.CreateApp(ctx, mockpodio.DefaultSpaceID, podio.AppConfig{Name: "For " + name}, podio.WriteOptions{NoHook: true})
					if err != nil {
						t.Fatal(err)
					}
					refID, set = id, []string{"app_id=" + strconv.FormatInt(id, 10)}
				}
				path := "/" + strings.ReplaceAll(name, " ", "")
				h, err := s.CreateHook(ctx, mockpodio.Ref{Type: refType, ID: refID}, spec.Type, mockpodio.HookURL(rcv.URL+path))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cl.DeleteHook(context.Background(), h.HookID) })
				var out bytes.Buffer
				cfg := mockConfig(s, &out, spec.Type, set...)
				cfg.ForceControl = force
				if err := Run(ctx, cfg); err != nil {
					t.Fatalf("Run: %v\n%s", err, out.String())
				}
				ev, err := rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool { return ev.Path == path && ev.Type == spec.Type })
				if err != nil {
					t.Fatalf("no %s delivery arrived: %v\n%s", spec.Type, err, out.String())
				}
				if ev.HookID != h.HookID {
					t.Errorf("delivered for hook %d, want %d", ev.HookID, h.HookID)
				}
				if got, want := strings.Contains(out.String(), "through the mock's control API"), force || !acted; got != want {
					t.Errorf("fired through the control API: %t, want %t:\n%s", got, want, out.String())
				}
				if !strings.Contains(out.String(), "1 hook targeted (1 active)") {
					t.Errorf("the report does not count the hook:\n%s", out.String())
				}
			})
		}
	}
}

// TestActionsFollowTheCatalog checks the action table against the
// catalog: every action is of a known event type, and takes only
// parameters of that event.
func TestActionsFollowTheCatalog(t *testing.T) {
	for typ, a := range actions {
		spec, ok := fixtures.Lookup(typ)
		if !ok || typ == fixtures.VerifyEvent {
			t.Errorf("action %s: not an event type of the catalog", typ)
			continue
		}
		for _, k := range append(slices.Clone(a.settable), a.exclusive[:]...) {
			if k != "" && !slices.Contains(spec.Params, k) {
				t.Errorf("action %s takes --set %s, not a parameter of the event (%v)", typ, k, spec.Params)
			}
		}
		if a.kind == nil || (a.did == "" && a.act == nil) {
			t.Errorf("action %s: no kind, or no report", typ)
		}
	}
}

// literalExceptions are the event-type string literals allowed in non-test
// Go source besides the three places of TestEventTypeLiterals, by file
// (slash-separated, from the module root), each with its reason. An entry
// is an upper bound: a file may hold fewer (the test then logs that the
// entry can shrink), never more.
var literalExceptions = map[string][]string{
	// up's default --event set on --app (session.DefaultAppEvents): a
	// choice of three, not a list of every type.
	"internal/session/spec.go": {"item.create", "item.update", "item.delete"},
	// The loop warning is about one event: an app that updates the item
	// it was told about.
	"internal/session/loops.go": {"item.update"},
	// The benchmark registers hooks of one event type.
	"internal/cmd/devhookbench/run.go": {"item.create", "item.create"},
	// To become fixtures.VerifyEvent (reported; the relay is changing in
	// another branch).
	"internal/relay/relay.go": {fixtures.VerifyEvent},
}

// TestEventTypeLiterals fails when an event type of the catalog is
// written as a string literal in non-test Go source outside:
//   - fixtures/, the catalog and its fixtures;
//   - mockpodio's actions: an argument of a call to a fire* function,
//     where an API call fires its event;
//   - internal/trigger/actions.go, trigger's action table;
//   - literalExceptions.
//
// A list of event types anywhere else would be a place a new type must
// be added to; derive it from fixtures.Specs instead. Comments, test
// files and testdata are not looked at; a literal that holds more than an
// event type (a usage text) is not one.
func TestEventTypeLiterals(t *testing.T) {
	types := map[string]bool{}
	for _, name := range fixtures.Names() {
		types[name] = true
	}
	root := moduleRoot(t)
	found := map[string][]string{}
	parsed := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || strings.HasPrefix(rel, "fixtures/") || rel == "internal/trigger/actions.go" {
			return nil
		}
		parsed++
		if lits := eventLiterals(t, path, types, strings.HasPrefix(rel, "mockpodio/")); len(lits) > 0 {
			found[rel] = lits
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parsed < 50 {
		t.Fatalf("only %d Go files under %s: the walk missed the tree", parsed, root)
	}
	var extra []string
	for file, lits := range found {
		left := slices.Clone(literalExceptions[file])
		for _, lit := range lits {
			if i := slices.Index(left, lit); i >= 0 {
				left = slices.Delete(left, i, i+1)
			} else {
				extra = append(extra, file+": "+strconv.Quote(lit))
			}
		}
	}
	for file, lits := range literalExceptions {
		if len(found[file]) < len(lits) {
			t.Logf("literalExceptions[%q] allows %q, the file has %q: shrink the entry", file, lits, found[file])
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		t.Errorf("event-type literals outside the catalog, the mock's actions and trigger's table:\n\t%s\n"+
			"derive lists of event types from fixtures.Specs, use fixtures.VerifyEvent, or (for a literal about one event) add it to literalExceptions with its reason",
			strings.Join(extra, "\n\t"))
	}
}

// eventLiterals returns the string literals of the Go file at path that
// are an event type, except, in the mock (inMock), those passed to a
// fire* function.
func eventLiterals(t *testing.T, path string, types map[string]bool, inMock bool) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	fired := map[*ast.BasicLit]bool{}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if inMock && strings.HasPrefix(callName(n.Fun), "fire") {
				for _, arg := range n.Args {
					if lit, ok := arg.(*ast.BasicLit); ok {
						fired[lit] = true
					}
				}
			}
		case *ast.BasicLit:
			if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && types[s] && !fired[n] {
				out = append(out, s)
			}
		}
		return true
	})
	return out
}

// callName is the name of the function or method fun calls.
func callName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
