package render_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/render"
)

// fixtureRows are rows of devhook fixtures list, from Podio's hooks
// reference (https://developers.podio.com/doc/hooks): the first three
// columns, split on blanks.
var fixtureRows = map[string][]string{
	"TYPE":        {"TYPE", "REF", "TYPES", "PARAMS"},
	"item.create": {"item.create", "app,app_field", "item_id,item_revision_id,external_id"},
	"app.delete":  {"app.delete", "app", "app_id"},
	"member.add":  {"member.add", "space", "space_id,user_id"},
	"hook.verify": {"hook.verify", "-", "code"},
}

func TestFixtures(t *testing.T) {
	var b strings.Builder
	if err := render.Fixtures(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if got, want := len(lines), 1+len(fixtures.Specs()); got != want {
		t.Errorf("%d lines, want a header and one per event type: %d", got, want)
	}
	seen := 0
	for _, l := range lines {
		f := strings.Fields(l)
		want, ok := fixtureRows[f[0]]
		if !ok {
			continue
		}
		seen++
		if diff := cmp.Diff(want, f[:len(want)]); diff != "" {
			t.Errorf("row %s (-want +got):\n%s", f[0], diff)
		}
	}
	if seen != len(fixtureRows) {
		t.Errorf("found %d of the %d rows checked:\n%s", seen, len(fixtureRows), b.String())
	}
}

func TestFixture(t *testing.T) {
	for _, tt := range []struct {
		event, where string
	}{
		{"item.create", "ref types: app, app_field"},
		{"member.add", "ref types: space"},
		{"hook.verify", "ref types: none (Podio sends it to every new hook)"},
	} {
		ev, err := fixtures.Get(tt.event)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := render.Fixture(&b, ev); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		if got, want := lines[:4], []string{ev.Type + ": " + ev.Description, tt.where, "", "params:"}; !cmp.Equal(want, got) {
			t.Errorf("%s: head (-want +got):\n%s", tt.event, cmp.Diff(want, got))
		}
		if want := "\n\nform body (POST, Content-Type: application/x-www-form-urlencoded):\n" + ev.Body() + "\n"; !strings.HasSuffix(b.String(), want) {
			t.Errorf("%s: output does not end with the form body %q:\n%s", tt.event, want, b.String())
		}
	}
}
