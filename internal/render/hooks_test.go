package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/podio"
)

func TestHookTable(t *testing.T) {
	hooks := []podio.Hook{
		{HookID: 101, Status: "active", Type: "item.create", URL: "https://example.com/hook", CreatedOn: time.Date(2026, 11, 25, 10, 27, 0, 0, time.FixedZone("CET", 3600))},
		{HookID: 102, Status: "inactive\u009b2J", Type: "item.update\u2066", URL: "https://x.test/\u202egpj.exe"},
	}
	var b strings.Builder
	if err := HookTable(&b, hooks); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	want := []string{
		"HOOK ID STATUS TYPE URL CREATED",
		"101 active item.create https://example.com/hook 2026-11-25T09:27:00Z",
		`102 "inactive\u009b2J" "item.update\u2066" "https://x.test/\u202egpj.exe" -`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HookTable (-want +got):\n%s", diff)
	}
}

func TestHooksJSON(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hooks []podio.Hook
		want  []map[string]any
	}{
		{"none", nil, []map[string]any{}},
		{"one", []podio.Hook{{HookID: 7, Status: "active", Type: "item.create", URL: "https://x.test/<a>"}},
			[]map[string]any{{"hook_id": 7.0, "ref_type": "app", "ref_id": 3001.0, "status": "active", "type": "item.create", "url": "https://x.test/<a>"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := HooksJSON(&b, "app", 3001, tt.hooks); err != nil {
				t.Fatal(err)
			}
			var got []map[string]any
			if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
				t.Fatalf("%s: %v", b.String(), err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("HooksJSON (-want +got):\n%s", diff)
			}
		})
	}
}
