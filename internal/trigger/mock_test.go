package trigger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// seedCredentials sign in to the mock's default seed as its app.
var seedCredentials = podio.Credentials{
	ClientID: mockpodio.DefaultClientID, ClientSecret: podio.NewSecret(mockpodio.DefaultClientSecret),
	AppID: mockpodio.DefaultAppID, AppToken: podio.NewSecret(mockpodio.DefaultAppToken),
}

// awaitCtx bounds a wait of the test.
func awaitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newMock starts an in-process mock with the default seed, a receiver
// for its hooks and a client signed in as the seed's app for the test's
// own set-up.
func newMock(t *testing.T) (*mockpodio.Server, *mockpodio.Receiver, *podio.Client) {
	t.Helper()
	s := mockpodio.NewTestServer(t)
	cl := &podio.Client{BaseURL: s.URL}
	if err := cl.Authenticate(t.Context(), seedCredentials); err != nil {
		t.Fatal(err)
	}
	return s, mockpodio.NewReceiver(t, s), cl
}

// mockConfig is a Config that makes event happen in s as `devhook
// trigger --mock` does.
func mockConfig(s *mockpodio.Server, out *bytes.Buffer, event string, set ...string) Config {
	return Config{
		Event: event, Set: set, Out: out, Mock: s.URL, Credentials: seedCredentials,
		Control:    &mockpodio.ControlClient{URL: s.URL, HTTPClient: s.Client()},
		DefaultApp: mockpodio.DefaultAppID, DefaultUser: mockpodio.DefaultSecondUserID, Command: "devhook",
	}
}

// addHook registers an active hook of event on ref that delivers to rcv.
func addHook(t *testing.T, s *mockpodio.Server, ref mockpodio.Ref, event string, rcv *mockpodio.Receiver) int64 {
	t.Helper()
	h, err := s.CreateHook(awaitCtx(t), ref, event, mockpodio.HookURL(rcv.URL+"/podio"))
	if err != nil {
		t.Fatalf("hook %s on %s: %v", event, ref, err)
	}
	return h.HookID
}

// lastDeliveryID is the id of the latest recorded delivery, 0 if none.
func lastDeliveryID(s *mockpodio.Server) int64 {
	ds := s.Deliveries()
	if len(ds) == 0 {
		return 0
	}
	return ds[len(ds)-1].ID
}

// TestMock performs every action, and some control-API events, in an
// in-process mock with an active hook for each event, and checks that
// exactly one event fired and its delivery carried the ids trigger
// printed.
func TestMock(t *testing.T) {
	s, rcv, cl := newMock(t)
	ctx := awaitCtx(t)
	const app, space = mockpodio.DefaultAppID, mockpodio.DefaultSpaceID
	hooks := map[string]int64{}
	for _, ev := range []string{"item.create", "item.update", "item.delete", "comment.create", "comment.delete",
		"app.update", "file.change", "tag.add", "tag.delete", "form.create", "form.update", "form.delete"} {
		hooks[ev] = addHook(t, s, mockpodio.AppRef(app), ev, rcv)
	}
	for _, ev := range []string{"task.create", "task.update", "task.delete", "app.create", "member.add", "member.remove",
		"status.create", "status.update", "status.delete", "contact.create"} {
		hooks[ev] = addHook(t, s, mockpodio.SpaceRef(space), ev, rcv)
	}
	// Objects that exist before trigger runs, made without events.
	noHook := podio.WriteOptions{NoHook: true}
	it, err := cl.CreateItem(ctx, app, map[string]any{"title": "made by the test"}, podio.WriteOptions{NoHook: true, ExternalID: "pre-1"})
	if err != nil {
		t.Fatal(err)
	}
	item := it.ItemID
	task, err := cl.CreateTask(ctx, podio.TaskCreate{Text: "made by the test", RefType: fixtures.RefSpace, RefID: space}, noHook)
	if err != nil {
		t.Fatal(err)
	}
	comment, err := cl.CreateComment(ctx, "item", item, "made by the test", noHook)
	if err != nil {
		t.Fatal(err)
	}
	doomed, err := cl.CreateApp(ctx, space, podio.AppConfig{Name: "Doomed"}, noHook)
	if err != nil {
		t.Fatal(err)
	}
	hooks["app.delete"] = addHook(t, s, mockpodio.AppRef(doomed), "app.delete", rcv)

	const anyID = "<any id>"
	tests := []struct {
		name    string
		event   string
		set     []string
		app     int64
		space   int64
		control bool
		wantOut string            // a regexp; its groups fill in {1}, {2} in want
		want    map[string]string // params besides type and hook_id
	}{
		{
			name: "item.create", event: "item.create", set: []string{"external_id=bug-9"},
			wantOut: `(?m)^created item (\d+) in app 3001: item.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "item_revision_id": anyID, "external_id": "bug-9"},
		},
		{
			name: "item.update on a new item", event: "item.update",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nupdated item (\d+) in app 3001: item.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "item_revision_id": anyID, "external_id": ""},
		},
		{
			name: "item.update on an item", event: "item.update", set: []string{fmt.Sprintf("item_id=%d", item)},
			wantOut: fmt.Sprintf(`(?m)\Aupdated item %d in app 3001: item.update fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "item_revision_id": anyID, "external_id": "pre-1"},
		},
		{
			name: "item.update of the external id", event: "item.update", set: []string{fmt.Sprintf("item_id=%d", item), "external_id=pre-2"},
			wantOut: fmt.Sprintf(`(?m)\Aupdated item %d in app 3001: item.update fired`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "item_revision_id": anyID, "external_id": "pre-2"},
		},
		{
			name: "item.delete", event: "item.delete", set: []string{"external_id=gone-1"},
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\ndeleted item (\d+) in app 3001: item.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "item_revision_id": anyID, "external_id": "gone-1"},
		},
		{
			name: "comment.create on a new item", event: "comment.create",
			wantOut: `(?m)^created comment (\d+) on item (\d+) in app 3001: comment.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{2}", "comment_id": "{1}"},
		},
		{
			name: "comment.create on an item", event: "comment.create", set: []string{fmt.Sprintf("item_id=%d", item)},
			wantOut: fmt.Sprintf(`(?m)\Acreated comment (\d+) on item %d in app 3001: comment.create fired`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "comment_id": "{1}"},
		},
		{
			name: "comment.delete", event: "comment.delete",
			wantOut: `(?m)^created comment (\d+) on item (\d+) with hook=false \(it fires nothing\)\ndeleted comment (\d+) on item (\d+) in app 3001: comment.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{4}", "comment_id": "{3}"},
		},
		{
			name: "comment.delete of a comment", event: "comment.delete", set: []string{fmt.Sprintf("comment_id=%d", comment)},
			wantOut: fmt.Sprintf(`(?m)\Adeleted comment %d on item %d in app 3001: comment.delete fired`, comment, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "comment_id": strconv.FormatInt(comment, 10)},
		},
		{
			name: "task.create", event: "task.create",
			wantOut: `(?m)^created task (\d+) in space 2001: task.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{1}"},
		},
		{
			name: "task.update", event: "task.update",
			wantOut: `(?m)^created task (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated task (\d+) in space 2001: task.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{2}"},
		},
		{
			name: "task.update of a task", event: "task.update", set: []string{fmt.Sprintf("task_id=%d", task)},
			wantOut: fmt.Sprintf(`(?m)\Aupdated task %d in space 2001: task.update fired`, task),
			want:    map[string]string{"task_id": strconv.FormatInt(task, 10)},
		},
		{
			name: "task.delete", event: "task.delete", space: 2001,
			wantOut: `(?m)^deleted task (\d+) in space 2001: task.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"task_id": "{1}"},
		},
		{
			name: "app.create", event: "app.create",
			wantOut: `(?m)^created app (\d+) in space 2001: app.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"app_id": "{1}"},
		},
		{
			name: "app.update", event: "app.update", set: []string{"app_id=3001"},
			wantOut: `(?m)\Aupdated app 3001: app.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"app_id": "3001"},
		},
		{
			name: "app.delete", event: "app.delete", set: []string{fmt.Sprintf("app_id=%d", doomed)},
			wantOut: fmt.Sprintf(`(?m)\Adeleted app %d: app.delete fired, 1 hook targeted \(1 active\)$`, doomed),
			want:    map[string]string{"app_id": strconv.FormatInt(doomed, 10)},
		},
		{
			name: "contact.create through the control API", event: "contact.create", set: []string{"profile_id=7"},
			wantOut: `(?m)\Afired contact.create on space 2001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"profile_id": "7"},
		},
		{
			name: "member.add through the control API", event: "member.add", set: []string{"user_id=7"}, control: true,
			wantOut: `(?m)\Afired member.add on space 2001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "7"},
		},
		{
			name: "status.create on --space through the control API", event: "status.create", set: []string{"status_id=55"}, control: true, space: 2001,
			wantOut: `(?m)\Afired status.create on space 2001 through the mock's control API`,
			want:    map[string]string{"status_id": "55"},
		},
		{
			name: "file.change keeps the comma", event: "file.change", set: []string{"file_ids=1203,1204", "action_type=file_deleted"}, control: true, app: 3001,
			wantOut: `(?m)\Afired file.change on app 3001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "2361442135", "action_type": "file_deleted", "file_ids": "1203,1204"},
		},
		{
			name: "tag.add with fixture params", event: "tag.add", control: true,
			wantOut: `(?m)\Afired tag.add on app 3001 through the mock's control API`,
			want:    map[string]string{"item_id": "2361442135", "target_type": "item"},
		},
		{
			name: "file.change: a file attached", event: "file.change", set: []string{fmt.Sprintf("item_id=%d", item)},
			wantOut: fmt.Sprintf(`(?m)\Aattached file (\d+) to item %d in app 3001: file.change \(file_created\) fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "action_type": "file_created", "file_ids": "{1}"},
		},
		{
			name: "file.change: a file replaced", event: "file.change", set: []string{"action_type=file_replaced"},
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nattached file (\d+) to item \d+ with hook=false \(it fires nothing\)\nreplaced file \d+ of item \d+ in app 3001 with file (\d+): file.change \(file_replaced\) fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "action_type": "file_replaced", "file_ids": "{3}"},
		},
		{
			name: "file.change: a file deleted", event: "file.change", set: []string{"action_type=file_deleted"},
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\nattached file (\d+) to item \d+ with hook=false \(it fires nothing\)\ndeleted file \d+ of item \d+ in app 3001: file.change \(file_deleted\) fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "action_type": "file_deleted", "file_ids": "{2}"},
		},
		{
			name: "tag.add", event: "tag.add", set: []string{fmt.Sprintf("item_id=%d", item)},
			wantOut: fmt.Sprintf(`(?m)\Atagged item %d in app 3001 "devhook-trigger [^"]+": tag.add fired, 1 hook targeted \(1 active\)$`, item),
			want:    map[string]string{"item_id": strconv.FormatInt(item, 10), "target_type": "item"},
		},
		{
			name: "tag.delete", event: "tag.delete",
			wantOut: `(?m)^created item (\d+) in app 3001 with hook=false \(it fires nothing\)\ntagged item \d+ "[^"]+" with hook=false \(it fires nothing\)\nremoved tag "[^"]+" from item \d+ in app 3001: tag.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "{1}", "target_type": "item"},
		},
		{
			name: "form.create", event: "form.create",
			wantOut: `(?m)\Acreated form (\d+) on app 3001: form.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "form.update", event: "form.update",
			wantOut: `(?m)\Acreated form (\d+) on app 3001 with hook=false \(it fires nothing\)\nupdated form \d+ on app 3001: form.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "form.delete", event: "form.delete",
			wantOut: `(?m)\Acreated form (\d+) on app 3001 with hook=false \(it fires nothing\)\ndeleted form \d+ on app 3001: form.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"form_id": "{1}", "app_id": "3001"},
		},
		{
			name: "member.add", event: "member.add",
			wantOut: `(?m)^added user 1002 to space 2001: member.add fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.add of a member", event: "member.add", set: []string{"user_id=1002"},
			wantOut: `(?m)\Aended user 1002's membership of space 2001 with hook=false \(it fires nothing\)\nadded user 1002 to space 2001: member.add fired`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.remove", event: "member.remove", set: []string{"user_id=1002"},
			wantOut: `(?m)\Aended user 1002's membership of space 2001: member.remove fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "member.remove of a non-member", event: "member.remove",
			wantOut: `(?m)\Aadded user 1002 to space 2001 with hook=false \(it fires nothing\)\nended user 1002's membership of space 2001: member.remove fired`,
			want:    map[string]string{"space_id": "2001", "user_id": "1002"},
		},
		{
			name: "status.create", event: "status.create",
			wantOut: `(?m)\Aposted status (\d+) in space 2001: status.create fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "status.update", event: "status.update", space: 2001,
			wantOut: `(?m)\Aposted status (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated status \d+ in space 2001: status.update fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "status.delete", event: "status.delete",
			wantOut: `(?m)\Aposted status (\d+) in space 2001 with hook=false \(it fires nothing\)\ndeleted status \d+ in space 2001: status.delete fired, 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"status_id": "{1}"},
		},
		{
			name: "item.create forced through the control API", event: "item.create", set: []string{"item_id=42"}, control: true,
			wantOut: `(?m)\Afired item.create on app 3001 through the mock's control API \(event (\d+)\), 1 hook targeted \(1 active\)$`,
			want:    map[string]string{"item_id": "42", "item_revision_id": "4980118843", "external_id": "bug-17"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := s.Stats().Events, lastDeliveryID(s)
			var out bytes.Buffer
			cfg := mockConfig(s, &out, tt.event, tt.set...)
			cfg.App, cfg.Space, cfg.ForceControl = tt.app, tt.space, tt.control
			if err := Run(t.Context(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			m := regexp.MustCompile(tt.wantOut).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("output does not match %s:\n%s", tt.wantOut, out.String())
			}
			if n := s.Stats().Events - before; n != 1 {
				t.Errorf("%d events fired, want 1 (set-up writes use hook=false)", n)
			}
			d, err := s.AwaitDelivery(awaitCtx(t), func(d mockpodio.Delivery) bool { return d.ID > after && d.Type == tt.event })
			if err != nil {
				t.Fatalf("no %s delivery: %v", tt.event, err)
			}
			if d.Outcome != mockpodio.OutcomeDelivered || d.HookID != hooks[tt.event] {
				t.Errorf("delivery to hook %d: %s, want delivered to hook %d", d.HookID, d.Outcome, hooks[tt.event])
			}
			want := map[string]string{"type": tt.event, "hook_id": strconv.FormatInt(hooks[tt.event], 10)}
			for k, v := range tt.want {
				for i := 1; i < len(m); i++ {
					v = strings.ReplaceAll(v, fmt.Sprintf("{%d}", i), m[i])
				}
				want[k] = v
			}
			got := d.Params
			for k, v := range want {
				if _, err := strconv.ParseInt(got[k], 10, 64); v == anyID && err == nil {
					got[k] = anyID
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("delivered params (-want +got):\n%s", diff)
			}
			if strings.Contains(tt.wantOut, "event (") {
				if ev := strconv.FormatInt(d.EventID, 10); ev != m[1] {
					t.Errorf("printed event %s, delivered event %s", m[1], ev)
				}
			}
		})
	}
}

// TestMockNoHook shows the line for an event no hook listens for, and
// that app.update acts on a new app by default.
func TestMockNoHook(t *testing.T) {
	s, _, _ := newMock(t)
	tests := []struct {
		name    string
		event   string
		app     int64
		wantOut string
	}{
		{"item.create", "item.create", 0, `(?m)^created item \d+ in app 3001: item.create fired, but no item.create hook is registered on app 3001: devhook up registers one with --event item.create \(one --event per type\)$`},
		{"app.update on a new app", "app.update", 0, `(?m)^created app (\d+) in space 2001 with hook=false \(it fires nothing\)\nupdated app (\d+): app.update fired, but no app.update hook is registered on app \d+: devhook up registers one with --event app\.update \(one --event per type\)$`},
		{"permissive app", "item.create", 1, `(?m)^created item \d+ in app 1: item.create fired, but no item.create hook`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			cfg := mockConfig(s, &out, tt.event)
			cfg.App = tt.app
			if err := Run(t.Context(), cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !regexp.MustCompile(tt.wantOut).MatchString(out.String()) {
				t.Errorf("output does not match %s:\n%s", tt.wantOut, out.String())
			}
		})
	}
}

func TestMockErrors(t *testing.T) {
	s, _, _ := newMock(t)
	down := closedURL(t)
	tests := []struct {
		name       string
		event      string
		set        []string
		app        int64
		mock       string // "" means s
		wantStatus int    // the mock's answer to the failing call; 0: none
		wantDown   bool   // the mock is not reachable
		wantText   string // part of the error
		noControl  bool   // Config.Control is nil
	}{
		{name: "no control client", event: "item.create", noControl: true, wantText: "trigger: no control API client for the mock"},
		{name: "mock down", event: "item.create", mock: down, wantDown: true, wantText: "cannot reach the mock at " + down + " (is devhook mock running?)"},
		{name: "unknown item", event: "item.update", set: []string{"item_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown task", event: "task.delete", set: []string{"task_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown app without --space", event: "member.add", app: 999999, wantText: "app 999999 does not exist in the mock, so it has no space: give --space"},
		{name: "unknown status", event: "status.update", set: []string{"status_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown form", event: "form.delete", set: []string{"form_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "unknown comment", event: "comment.delete", set: []string{"comment_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "tag on an unknown item", event: "tag.add", set: []string{"item_id=999999"}, wantStatus: http.StatusNotFound},
		{name: "file on an unknown item", event: "file.change", set: []string{"item_id=999999"}, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mockConfig(s, new(bytes.Buffer), tt.event, tt.set...)
			cfg.App = tt.app
			if tt.mock != "" {
				cfg.Mock = tt.mock
			}
			if tt.noControl {
				cfg.Control = nil
			}
			err := Run(t.Context(), cfg)
			if err == nil || errors.Is(err, ErrUsage) {
				t.Fatalf("Run: %v, want a failure that is not a usage error", err)
			}
			if tt.wantDown && !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %v, want connection refused", err)
			}
			if tt.wantStatus != 0 {
				ae, ok := errors.AsType[*podio.Error](err)
				if !ok || ae.StatusCode != tt.wantStatus {
					t.Errorf("error %v, want the mock's %d", err, tt.wantStatus)
				}
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q lacks %q", err, tt.wantText)
			}
		})
	}
}

// TestMockExternalIDWithoutTextField updates a new item's external_id in
// an app with no text field: the only change is the external_id, so the
// item made for it must not carry it already; item.delete's must.
func TestMockExternalIDWithoutTextField(t *testing.T) {
	s, rcv, cl := newMock(t)
	bare, err := cl.CreateApp(awaitCtx(t), mockpodio.DefaultSpaceID, podio.AppConfig{Name: "No fields"}, podio.WriteOptions{NoHook: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"item.update", "item.delete"} {
		t.Run(typ, func(t *testing.T) {
			addHook(t, s, mockpodio.AppRef(bare), typ, rcv)
			var out bytes.Buffer
			cfg := mockConfig(s, &out, typ, "external_id=ext-"+typ)
			cfg.App = bare
			if err := Run(t.Context(), cfg); err != nil {
				t.Fatalf("Run: %v\n%s", err, out.String())
			}
			ev, err := rcv.AwaitEvent(awaitCtx(t), func(ev mockpodio.Event) bool { return ev.Type == typ })
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Params["external_id"]; got != "ext-"+typ {
				t.Errorf("delivered external_id %q, want %q", got, "ext-"+typ)
			}
		})
	}
}
