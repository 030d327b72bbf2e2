package render_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

func TestJSONLines(t *testing.T) {
	recs := []deliverylog.Record{
		{ID: "a-1", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Type: "item.create", HookID: 101},
		{ID: "a-2", Time: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), Type: "hook.verify"},
	}
	var b strings.Builder
	if err := render.JSONLines(&b, recs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(recs) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(recs), b.String())
	}
	for i, r := range recs {
		want, err := render.JSON(r)
		if err != nil {
			t.Fatal(err)
		}
		if lines[i] != string(want) {
			t.Errorf("line %d = %s, want %s", i, lines[i], want)
		}
	}
	b.Reset()
	if err := render.JSONLines(&b, nil); err != nil || b.Len() != 0 {
		t.Errorf("JSONLines(nil) wrote %q, %v; want nothing", b.String(), err)
	}
}

func TestSkipped(t *testing.T) {
	for _, tt := range []struct {
		skipped []deliverylog.Skipped
		want    string
	}{
		{nil, ""},
		{[]deliverylog.Skipped{{File: "/home/u/.local/state/devhook/deliveries-1.jsonl", Line: 7, Err: errors.New("unexpected end of JSON input")},
			{File: "/x/deliveries-2.jsonl", Line: 1, Err: errors.New("bad")}},
			"devhook: warning: skipped 2 unreadable line(s) of the delivery log, the first at deliveries-1.jsonl line 7 (unexpected end of JSON input)\n"},
	} {
		var b strings.Builder
		render.Skipped(&b, tt.skipped)
		if b.String() != tt.want {
			t.Errorf("Skipped(%d) = %q, want %q", len(tt.skipped), b.String(), tt.want)
		}
	}
}
