package session_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/session"
)

func TestHookSpecs(t *testing.T) {
	spec := func(ref string, id int64, ev string) session.HookSpec {
		return session.HookSpec{RefType: ref, RefID: id, Event: ev}
	}
	tests := []struct {
		name    string
		refs    session.Refs
		want    []session.HookSpec
		wantErr string
	}{
		{"app with the default events", session.Refs{Apps: []int64{1}},
			[]session.HookSpec{spec("app", 1, "item.create"), spec("app", 1, "item.update"), spec("app", 1, "item.delete")}, ""},
		{"field and events", session.Refs{Fields: []int64{4}, Events: []string{"item.update"}},
			[]session.HookSpec{spec("app_field", 4, "item.update")}, ""},
		{"mixed: each gets the events allowed on it", session.Refs{Apps: []int64{1}, Spaces: []int64{2}, Events: []string{"item.create", "task.create"}},
			[]session.HookSpec{spec("app", 1, "item.create"), spec("space", 2, "task.create")}, ""},
		{"two apps", session.Refs{Apps: []int64{1, 2}, Events: []string{"app.update"}},
			[]session.HookSpec{spec("app", 1, "app.update"), spec("app", 2, "app.update")}, ""},
		{"nothing", session.Refs{}, nil, "no hooks to register"},
		{"event not on app", session.Refs{Apps: []int64{1}, Events: []string{"task.create"}}, nil,
			`event "task.create" cannot be registered on --app: it takes item.create, item.update`},
		{"typo", session.Refs{Fields: []int64{1}, Events: []string{"item.created"}}, nil,
			`event "item.created" cannot be registered on --field: it takes item.create, item.update, item.delete`},
		{"space without event", session.Refs{Spaces: []int64{1}}, nil, "--space needs --event (one of app.create, task.create"},
		{"bad id", session.Refs{Apps: []int64{0}}, nil, "--app wants a positive id, not 0"},
		{"mixed, nothing allowed on the space", session.Refs{Apps: []int64{1}, Spaces: []int64{2}, Events: []string{"item.create"}},
			[]session.HookSpec{spec("app", 1, "item.create")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.refs.HookSpecs()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("HookSpecs() = %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HookSpecs() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestForwardTarget(t *testing.T) {
	tests := []struct {
		name, raw string
		port      int
		want      string
		wantErr   string
	}{
		{"default", "", 0, "http://localhost:3000/", ""},
		{"port", "", 8000, "http://localhost:8000/", ""},
		{"url", "https://127.0.0.1:9000/podio/hook?x=1", 0, "https://127.0.0.1:9000/podio/hook?x=1", ""},
		{"both", "http://x", 3000, "", "give --port or --forward-to, not both"},
		{"port out of range", "", 70000, "", "--port must be 1 to 65535, not 70000"},
		{"negative port", "", -1, "", "--port must be 1 to 65535, not -1"},
		{"not http", "ftp://x", 0, "", `--forward-to must be an http(s) URL such as http://localhost:3000/hook, not "ftp://x"`},
		{"no host", "http:///hook", 0, "", "--forward-to must be an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := session.ForwardTarget(tt.raw, tt.port)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ForwardTarget = %v, %v; want error containing %q", u, err, tt.wantErr)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Errorf("ForwardTarget = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}
