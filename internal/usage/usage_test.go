package usage_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/devhookhq/devhook/internal/usage"
)

// usageTests are errors and what they read as and match; alsoIs is an
// error the usage error still matches, or nil.
var usageTests = []struct {
	name, wantText string
	err, alsoIs    error
	wantUsage      bool
}{
	{"Errorf", `--n wants a number, not "x"`, usage.Errorf("--%s wants a number, not %q", "n", "x"), nil, true},
	{"Errorf wraps with %w", "seed: file does not exist", usage.Errorf("seed: %w", fs.ErrNotExist), fs.ErrNotExist, true},
	{"Wrap", "permission denied", usage.Wrap(fs.ErrPermission), fs.ErrPermission, true},
	{"Wrap wrapped again", "hooks: file already closed", fmt.Errorf("hooks: %w", usage.Wrap(fs.ErrClosed)), fs.ErrClosed, true},
	{"a plain error", "podio: 420", errors.New("podio: 420"), nil, false},
}

func TestUsage(t *testing.T) {
	for _, tt := range usageTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.wantText {
				t.Errorf("Error() = %q, want %q", got, tt.wantText)
			}
			if got := errors.Is(tt.err, usage.Err); got != tt.wantUsage {
				t.Errorf("errors.Is(err, usage.Err) = %v, want %v", got, tt.wantUsage)
			}
			if tt.alsoIs != nil && !errors.Is(tt.err, tt.alsoIs) {
				t.Errorf("errors.Is(err, %v) = false, want true", tt.alsoIs)
			}
		})
	}
	if usage.Wrap(nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
}
