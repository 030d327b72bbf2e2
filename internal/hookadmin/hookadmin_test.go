package hookadmin_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/hookadmin"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// app3001 is the seeded app of mockpodio.DefaultSeed.
var app3001 = hookadmin.Ref{App: "3001"}

func TestRefTarget(t *testing.T) {
	// wantStr is want's String; wantErr a usage error instead.
	for _, tt := range []struct {
		name, wantStr, wantErr string
		ref                    hookadmin.Ref
		want                   hookadmin.Target
	}{
		{"app", "app 3001", "", app3001, hookadmin.Target{RefType: fixtures.RefApp, ID: 3001}},
		{"space", "space 2001", "", hookadmin.Ref{Space: "2001"}, hookadmin.Target{RefType: fixtures.RefSpace, ID: 2001}},
		{"field", "app field 4001", "", hookadmin.Ref{Field: "4001"}, hookadmin.Target{RefType: fixtures.RefAppField, ID: 4001}},
		{"none", "", "hooks list needs one of --app, --space or --field", hookadmin.Ref{}, hookadmin.Target{}},
		{"two", "", "hooks list takes only one of --app, --space and --field", hookadmin.Ref{App: "1", Space: "2"}, hookadmin.Target{}},
		{"zero", "", `--app wants a number (a positive id), not "0"`, hookadmin.Ref{App: "0"}, hookadmin.Target{}},
		{"negative", "", `--field wants a number (a positive id), not "-4"`, hookadmin.Ref{Field: "-4"}, hookadmin.Target{}},
		{"word", "", `--space wants a number (a positive id), not "x"`, hookadmin.Ref{Space: "x"}, hookadmin.Target{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ref.Target("list")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, hookadmin.ErrUsage) {
					t.Fatalf("Target = %v, %v; want a usage error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Target: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Target (-want +got):\n%s", diff)
			}
			if got.String() != tt.wantStr {
				t.Errorf("String = %q, want %q", got.String(), tt.wantStr)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"", 0, false},
		{"12a", 0, false},
		{"9223372036854775808", 0, false},
	}
	for _, tt := range tests {
		got, ok := hookadmin.ParseID(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// noSignIn fails the test: a usage error comes before signing in.
func noSignIn(t *testing.T) hookadmin.SignIn {
	return func(context.Context) (*podio.Client, error) {
		t.Error("signed in despite a usage error")
		return nil, errors.New("no sign-in")
	}
}

func TestUsageErrorsComeFirst(t *testing.T) {
	app := app3001
	tests := []struct {
		name string
		run  func(hookadmin.SignIn) error
		want string
	}{
		{"list without a ref", func(s hookadmin.SignIn) error {
			return hookadmin.List(t.Context(), s, hookadmin.Ref{}, false, new(strings.Builder))
		}, "hooks list needs one of --app, --space or --field"},
		{"create without a ref", func(s hookadmin.SignIn) error {
			return hookadmin.Create(t.Context(), s, hookadmin.Ref{}, []string{"item.create"}, "https://x/h", new(strings.Builder))
		}, "hooks create needs one of --app, --space or --field"},
		{"create without events", func(s hookadmin.SignIn) error {
			return hookadmin.Create(t.Context(), s, app, nil, "https://x/h", new(strings.Builder))
		}, "hooks create needs --event; allowed on app 3001: " + strings.Join(fixtures.EventsOn(fixtures.RefApp), ", ")},
		{"create with an event the ref does not take", func(s hookadmin.SignIn) error {
			return hookadmin.Create(t.Context(), s, hookadmin.Ref{Space: "2001"}, []string{"item.create", "comment.create"}, "https://x/h", new(strings.Builder))
		}, fixtures.CheckHook(fixtures.RefSpace, "space 2001", "item.create").Error()},
		{"create without a URL", func(s hookadmin.SignIn) error {
			return hookadmin.Create(t.Context(), s, app, []string{"item.create"}, "  ", new(strings.Builder))
		}, "hooks create needs --url, where Podio will POST the events"},
		{"delete without ids", func(s hookadmin.SignIn) error {
			return hookadmin.Delete(t.Context(), s, nil, new(strings.Builder))
		}, "hooks delete needs at least one hook id"},
		{"delete a bad id after a good one", func(s hookadmin.SignIn) error {
			return hookadmin.Delete(t.Context(), s, []string{"101", "x"}, new(strings.Builder))
		}, `a hook id is a positive number, not "x"`},
		{"verify two", func(s hookadmin.SignIn) error {
			return hookadmin.Verify(t.Context(), s, []string{"1", "2"}, "", new(strings.Builder))
		}, "hooks verify takes one hook id, got 2"},
		{"verify a bad id", func(s hookadmin.SignIn) error {
			return hookadmin.Verify(t.Context(), s, []string{"0"}, "code", new(strings.Builder))
		}, `a hook id is a positive number, not "0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(noSignIn(t))
			if err == nil || err.Error() != tt.want || !errors.Is(err, hookadmin.ErrUsage) {
				t.Errorf("err = %v, want a usage error %q", err, tt.want)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	s := mockpodio.NewTestServer(t)
	recv := mockpodio.NewReceiver(t, s)
	recv.IgnoreVerify() // the test sends the code back itself
	signIn := func(ctx context.Context) (*podio.Client, error) {
		return podio.SignIn(ctx, s.URL, podio.Credentials{
			ClientID: mockpodio.DefaultClientID, ClientSecret: podio.NewSecret(mockpodio.DefaultClientSecret),
			AppID: mockpodio.DefaultAppID, AppToken: podio.NewSecret(mockpodio.DefaultAppToken),
		})
	}
	app := app3001
	var hook, code string // set by the steps "create" and "await the code"
	// awaitCode sets code to that of a hook.verify other than the last.
	awaitCode := func(*strings.Builder) error {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		ev, err := recv.AwaitEvent(ctx, func(e mockpodio.Event) bool { return e.Type == "hook.verify" && e.Params["code"] != code })
		code = ev.Params["code"]
		return err
	}
	steps := []struct {
		name string
		run  func(w *strings.Builder) error
		want string // the output, with the created hook's id as HOOK
	}{
		{"list none", func(w *strings.Builder) error { return hookadmin.List(t.Context(), signIn, app, false, w) },
			"no hooks on app 3001\n"},
		{"list none as JSON", func(w *strings.Builder) error { return hookadmin.List(t.Context(), signIn, app, true, w) },
			"[]\n"},
		{"create", func(w *strings.Builder) error {
			err := hookadmin.Create(t.Context(), signIn, app, []string{"item.create"}, recv.URL+"/hook", w)
			hook = strings.TrimSuffix(strings.Fields(w.String() + " x x")[2], ":")
			return err
		}, "created hook HOOK: item.create on app 3001, inactive until verified\n"},
		{"await the code create sent", awaitCode, ""},
		{"request verification", func(w *strings.Builder) error {
			return hookadmin.Verify(t.Context(), signIn, []string{hook}, "", w)
		}, "requested verification of hook HOOK: a new hook.verify is on its way to the hook's URL\n"},
		{"await the new code", awaitCode, ""},
		{"validate", func(w *strings.Builder) error { return hookadmin.Verify(t.Context(), signIn, []string{hook}, code, w) },
			"verified hook HOOK: it is active\n"},
		{"list the active hook", func(w *strings.Builder) error {
			err := hookadmin.List(t.Context(), signIn, app, true, w)
			var got []struct{ Status, Type string }
			if err == nil {
				err = json.Unmarshal([]byte(w.String()), &got)
			}
			if diff := cmp.Diff([]struct{ Status, Type string }{{"active", "item.create"}}, got); diff != "" {
				t.Errorf("hooks (-want +got):\n%s", diff)
			}
			w.Reset()
			return err
		}, ""},
		{"delete", func(w *strings.Builder) error { return hookadmin.Delete(t.Context(), signIn, []string{hook}, w) },
			"deleted hook HOOK\n"},
		{"delete again", func(w *strings.Builder) error {
			err := hookadmin.Delete(t.Context(), signIn, []string{hook}, w)
			if !errors.Is(err, podio.ErrNotFound) || errors.Is(err, hookadmin.ErrUsage) {
				t.Errorf("err = %v, want podio.ErrNotFound, not a usage error", err)
			}
			return nil
		}, ""},
		{"list none again", func(w *strings.Builder) error { return hookadmin.List(t.Context(), signIn, app, false, w) },
			"no hooks on app 3001\n"},
	}
	for _, st := range steps {
		var w strings.Builder
		if err := st.run(&w); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if want := strings.ReplaceAll(st.want, "HOOK", hook); w.String() != want {
			t.Errorf("%s: output %q, want %q", st.name, w.String(), want)
		}
	}
}
