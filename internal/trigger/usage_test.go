package trigger

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// TestUsageErrors checks that Run refuses what cannot be done before any
// request: the URLs point where nothing listens, and a control client
// that is called fails the test.
func TestUsageErrors(t *testing.T) {
	down := closedURL(t)
	to := func(event string, set ...string) Config {
		return Config{Event: event, Set: set, To: down, Repeat: 1, Concurrency: 1, Timeout: 1}
	}
	mock := func(event string, set ...string) Config {
		return Config{Event: event, Set: set, Mock: down, Control: refuseControl{t}, DefaultApp: mockpodio.DefaultAppID}
	}
	with := func(c Config, f func(*Config)) Config { f(&c); return c }
	tests := []struct {
		name    string
		cfg     Config
		wantErr error // matched with errors.Is besides ErrUsage; nil: none
	}{
		{"unknown event", to("item.created"), fixtures.ErrUnknownEvent},
		{"unknown param", to("item.create", "itemid=4"), fixtures.ErrUnknownParam},
		{"unknown param with --mock", mock("member.add", "item_id=4"), fixtures.ErrUnknownParam},
		{"type param", to("item.create", "type=item.update"), fixtures.ErrTypeOverride},
		{"set without =", to("item.create", "item_id"), fixtures.ErrBadSet},
		{"set twice", to("item.create", "item_id=1", "item_id=2"), fixtures.ErrBadSet},
		{"neither --to nor --mock", Config{Event: "item.create"}, nil},
		{"both --to and --mock", with(to("item.create"), func(c *Config) { c.Mock = down }), nil},
		{"--to without scheme", with(to("item.create"), func(c *Config) { c.To = "localhost:3000/hook" }), nil},
		{"--to ftp", with(to("item.create"), func(c *Config) { c.To = "ftp://localhost/hook" }), nil},
		{"--to without host", with(to("item.create"), func(c *Config) { c.To = "http:///hook" }), nil},
		{"--to not a URL", with(to("item.create"), func(c *Config) { c.To = "http://[::1" }), nil},
		{"--repeat 0", with(to("item.create"), func(c *Config) { c.Repeat = 0 }), nil},
		{"--concurrency 0", with(to("item.create"), func(c *Config) { c.Concurrency = 0 }), nil},
		{"--timeout 0", with(to("item.create"), func(c *Config) { c.Timeout = 0 }), nil},
		{"--app with --to", with(to("item.create"), func(c *Config) { c.App = 3001 }), nil},
		{"--space with --to", with(to("item.create"), func(c *Config) { c.Space = 2001 }), nil},
		{"--control with --to", with(to("item.create"), func(c *Config) { c.ForceControl = true }), nil},
		{"--repeat with --mock", with(mock("item.create"), func(c *Config) { c.Repeat = 2 }), nil},
		{"--concurrency with --mock", with(mock("item.create"), func(c *Config) { c.Concurrency = 2 }), nil},
		{"bad --mock", with(mock("item.create"), func(c *Config) { c.Mock = "127.0.0.1:8080" }), nil},
		{"hook.verify in the mock", mock("hook.verify"), nil},
		{"hook_id in the mock", mock("item.create", "hook_id=5"), nil},
		{"hook_id in the mock with --control", with(mock("item.create", "hook_id=5"), func(c *Config) { c.ForceControl = true }), nil},
		{"id the mock assigns", mock("item.create", "item_id=5"), nil},
		{"revision the mock assigns", mock("item.update", "item_revision_id=5"), nil},
		{"two targets", mock("comment.delete", "item_id=5", "comment_id=6"), nil},
		{"item id and external id to delete", mock("item.delete", "item_id=5", "external_id=x"), nil},
		{"id not a number", mock("item.update", "item_id=abc"), nil},
		{"id not positive", mock("task.update", "task_id=0"), nil},
		{"unknown file action", mock("file.change", "action_type=file_moved"), nil},
		{"form id not a number", mock("form.update", "form_id=x"), nil},
		{"file_ids the mock assigns", mock("file.change", "file_ids=1,2"), nil},
		{"status id the mock assigns", mock("status.create", "status_id=5"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			tt.cfg.Out = &out
			err := Run(t.Context(), tt.cfg)
			if !errors.Is(err, ErrUsage) {
				t.Errorf("Run: %v, want a usage error", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Run: %v, want %v", err, tt.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("Run printed %q before refusing", out.String())
			}
		})
	}
}

// refuseControl is a control client that must not be called.
type refuseControl struct{ t *testing.T }

func (c refuseControl) Fire(_ context.Context, refType string, refID int64, typ string, _ map[string]string) (int64, error) {
	c.t.Errorf("Fire(%s %d, %s) called", refType, refID, typ)
	return 0, errors.New("refused")
}

func (c refuseControl) HookCount(_ context.Context, refType string, refID int64, typ string) (int, int, error) {
	c.t.Errorf("HookCount(%s %d, %s) called", refType, refID, typ)
	return 0, 0, errors.New("refused")
}

// TestUnknownParamLists checks that the error for an unknown --set names
// the event's parameters.
func TestUnknownParamLists(t *testing.T) {
	err := Run(t.Context(), Config{Event: "item.create", Set: []string{"itemid=4"}, To: "http://127.0.0.1:1/", Out: io.Discard})
	pe, ok := errors.AsType[*fixtures.UnknownParamError](err)
	if !ok {
		t.Fatalf("Run: %v, want a *fixtures.UnknownParamError", err)
	}
	if diff := cmp.Diff([]string{"hook_id", "item_id", "item_revision_id", "external_id"}, pe.Params); diff != "" {
		t.Errorf("listed params (-want +got):\n%s", diff)
	}
	if pe.Suggestion != "item_id" {
		t.Errorf("suggestion = %q, want %q", pe.Suggestion, "item_id")
	}
}

// TestZeroOutAndCommand runs with no Out (nothing printed, no panic) and
// no Command (hints name devhook).
func TestZeroOutAndCommand(t *testing.T) {
	recv := newReceiver(t, answer(200), "ok", 0)
	if err := Run(t.Context(), Config{Event: "item.create", To: recv.URL, Repeat: 1, Concurrency: 1, Timeout: 10 * time.Second}); err != nil {
		t.Errorf("Run without Out: %v", err)
	}
	if n := len(recv.Events()); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
	err := Run(t.Context(), Config{Event: fixtures.VerifyEvent, Mock: closedURL(t)})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "devhook hooks verify ID") {
		t.Errorf("Run: %v, want a usage error that names devhook hooks verify", err)
	}
}
