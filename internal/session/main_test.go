package session_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestMain keeps the sessions' delivery logs out of the user's state
// directory: a log grown by earlier runs there slows every start.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devhook-session-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(deliverylog.StateDirEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
