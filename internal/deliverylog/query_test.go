package deliverylog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuerySelect(t *testing.T) {
	recs := []Record{
		{ID: "a", Type: "item.create", HookID: 1},
		{ID: "b", Type: "item.update", HookID: 1},
		{ID: "c", Type: "item.create", HookID: 2},
		{ID: "d", Type: "item.create", HookID: 1},
	}
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"all", Query{}, []string{"a", "b", "c", "d"}},
		{"type", Query{Type: "item.create"}, []string{"a", "c", "d"}},
		{"hook", Query{HookID: 1}, []string{"a", "b", "d"}},
		{"type and hook", Query{Type: "item.create", HookID: 1}, []string{"a", "d"}},
		{"last of the selected", Query{Type: "item.create", Last: 2}, []string{"c", "d"}},
		{"last beyond the count", Query{Last: 10}, []string{"a", "b", "c", "d"}},
		{"none", Query{Type: "task.create"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range tt.q.Select(recs) {
				got = append(got, r.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select (-want +got):\n%s", diff)
			}
		})
	}
}
