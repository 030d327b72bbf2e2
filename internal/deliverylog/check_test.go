package deliverylog_test

import (
	"errors"
	"testing"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/usage"
)

// checkTests are queries and the usage error Check gives, "" for none.
var checkTests = map[string]struct {
	q    deliverylog.Query
	want string
}{
	"zero":            {deliverylog.Query{}, ""},
	"all set":         {deliverylog.Query{Type: "item.create", HookID: 101, Last: 5}, ""},
	"hook.verify":     {deliverylog.Query{Type: "hook.verify"}, ""},
	"negative last":   {deliverylog.Query{Last: -1}, "--last must be 0 (all) or more, not -1"},
	"negative hook":   {deliverylog.Query{HookID: -2}, "--hook wants a positive id, not -2"},
	"a near miss":     {deliverylog.Query{Type: "item.created"}, `--type "item.created" is not an event type (did you mean "item.create"?); see dh fixtures list`},
	"no event at all": {deliverylog.Query{Type: "zzzzzzzz"}, `--type "zzzzzzzz" is not an event type; see dh fixtures list`},
}

func TestQueryCheck(t *testing.T) {
	for name, tt := range checkTests {
		err := tt.q.Check("dh")
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check = %v, want nil", name, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, usage.Err)):
			t.Errorf("%s: Check = %v, want a usage error %q", name, err, tt.want)
		}
	}
}
