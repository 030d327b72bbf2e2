package mockpodio_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestExternalModule runs the tests of testdata/exttest, a module of its
// own that uses mockpodio through its exported API only, as a user's
// module would (a replace directive points it at this checkout).
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second module")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	cmd := exec.CommandContext(ctx, goTool, "test", "-count=1", "./...")
	cmd.Dir = filepath.Join("testdata", "exttest")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test in %s: %v\n%s", cmd.Dir, err, out)
	}
	t.Logf("%s", out)
}
