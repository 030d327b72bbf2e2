package main

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
)

// runTriggerCLI runs devhook in-process (see runCLI).
func runTriggerCLI(t *testing.T, args ...string) (code int, stdout, stderr string, err error) {
	t.Helper()
	return runCLI(t, args...)
}

// outputFields splits output into lines of blank-separated words, so table
// columns compare without their padding.
func outputFields(s string) [][]string {
	var out [][]string
	for l := range strings.Lines(s) {
		out = append(out, strings.Fields(l))
	}
	return out
}

func TestFixturesList(t *testing.T) {
	code, out, _, err := runTriggerCLI(t, "fixtures", "list")
	if code != exitOK {
		t.Fatalf("fixtures list = %d (%v), want 0", code, err)
	}
	want := [][]string{{"TYPE", "REF", "TYPES", "PARAMS", "DESCRIPTION"}}
	orDash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, s := range fixtures.Specs() {
		ev, err := fixtures.Get(s.Type)
		if err != nil {
			t.Fatal(err)
		}
		row := []string{s.Type, orDash(strings.Join(s.RefTypes, ",")), orDash(strings.Join(s.Params, ","))}
		want = append(want, append(row, strings.Fields(ev.Description)...))
	}
	if diff := cmp.Diff(want, outputFields(out)); diff != "" {
		t.Errorf("fixtures list (-want +got):\n%s", diff)
	}
	// Spot-check a row against the reference rather than the code under
	// test: item.create goes on apps and app fields.
	if !strings.Contains(out, "item.create") || !strings.Contains(out, "app,app_field") ||
		!strings.Contains(out, "item_id,item_revision_id,external_id") {
		t.Errorf("fixtures list lacks the item.create row:\n%s", out)
	}
}

func TestFixturesShow(t *testing.T) {
	tests := []struct {
		name  string
		event string
	}{
		{"app event", "item.create"},
		{"space event", "member.add"},
		{"comma in a value", "file.change"},
		{"handshake", "hook.verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _, err := runTriggerCLI(t, "fixtures", "show", tt.event)
			if code != exitOK {
				t.Fatalf("fixtures show %s = %d (%v), want 0", tt.event, code, err)
			}
			ev, err := fixtures.Get(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			head, rest, _ := strings.Cut(out, "\nparams:\n")
			if want := ev.Type + ": " + ev.Description; !strings.HasPrefix(head, want) {
				t.Errorf("first line = %q, want %q", strings.SplitN(head, "\n", 2)[0], want)
			}
			js, form, ok := strings.Cut(rest, "\nform body (POST, Content-Type: application/x-www-form-urlencoded):\n")
			if !ok {
				t.Fatalf("no form body section in:\n%s", out)
			}
			var params map[string]string
			if err := json.Unmarshal([]byte(js), &params); err != nil {
				t.Fatalf("params are not JSON: %v\n%s", err, js)
			}
			if diff := cmp.Diff(ev.Params, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
			got, err := url.ParseQuery(strings.TrimSuffix(form, "\n"))
			if err != nil {
				t.Fatalf("form body: %v", err)
			}
			if diff := cmp.Diff(ev.Form(), got); diff != "" {
				t.Errorf("form body (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(form, "type="+url.QueryEscape(ev.Type)+"&hook_id=") {
				t.Errorf("form body %q does not start with type and hook_id, as Podio sends it", form)
			}
		})
	}
}

func TestFixturesErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  error // matched with errors.Is; nil: any
		wantSugg string
	}{
		{"unknown event with a suggestion", []string{"fixtures", "show", "item.created"}, exitError, fixtures.ErrUnknownEvent, "item.create"},
		{"unknown event", []string{"fixtures", "show", "nothing.like.it"}, exitError, fixtures.ErrUnknownEvent, ""},
		{"show without an event", []string{"fixtures", "show"}, exitUsage, nil, ""},
		{"show with two events", []string{"fixtures", "show", "item.create", "item.update"}, exitUsage, nil, ""},
		{"list with an argument", []string{"fixtures", "list", "item.create"}, exitUsage, nil, ""},
		{"no subcommand", []string{"fixtures"}, exitUsage, nil, ""},
		{"unknown subcommand", []string{"fixtures", "print"}, exitUsage, nil, ""},
		{"unknown flag", []string{"fixtures", "list", "--json"}, exitUsage, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, _, err := runTriggerCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("devhook %v = %d, want %d", tt.args, code, tt.wantCode)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("devhook %v: error %v, want %v", tt.args, err, tt.wantErr)
			}
			if tt.wantErr == fixtures.ErrUnknownEvent {
				ue, ok := errors.AsType[*fixtures.UnknownEventError](err)
				if !ok {
					t.Fatalf("error %v is not a *fixtures.UnknownEventError", err)
				}
				if ue.Suggestion != tt.wantSugg {
					t.Errorf("suggestion = %q, want %q", ue.Suggestion, tt.wantSugg)
				}
			}
		})
	}
}
