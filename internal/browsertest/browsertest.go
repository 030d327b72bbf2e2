// Package browsertest starts the headless Chromium of the browser tests
// (the inspector's page, and a cross-site page against the mock).
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// names are the executables Chromium looks for, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Chromium returns the path of a Chromium, or skips the test when there
// is none; under CI=true (CI installs one) a missing Chromium fails it.
func Chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium installed (looked for %s in PATH); on Debian: apt-get install -y chromium", strings.Join(names, ", "))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Start starts the headless Chromium at exe, bound to ctx, with a fresh
// profile and no network but what the page asks for, plus opts, and
// returns its browser context. When the test has failed, the browser's
// output is logged at its end (without the noise of a machine with no
// D-Bus). stop stops the browser; it is also stopped when the test ends.
func Start(ctx context.Context, tb testing.TB, exe string, opts []chromedp.ExecAllocatorOption, ctxOpts ...chromedp.ContextOption) (bctx context.Context, stop func()) {
	tb.Helper()
	var output lockedBuffer
	allocOpts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.CombinedOutput(&output),
	}, opts...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	tb.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, ctxOpts...)
	stop = func() { cancelBrowser(); cancelAlloc() }
	tb.Cleanup(stop)
	tb.Cleanup(func() {
		if !tb.Failed() {
			return
		}
		var lines []string
		for line := range strings.Lines(output.String()) {
			if !strings.Contains(line, "dbus") {
				lines = append(lines, line)
			}
		}
		tb.Logf("browser output:\n%s", strings.Join(lines, ""))
	})
	// The first Do starts the browser, bound to bctx: no shorter timeout.
	if err := chromedp.Do(bctx); err != nil {
		tb.Fatalf("start %s: %v", exe, err)
	}
	return bctx, stop
}

// lockedBuffer collects the browser's output, which it writes from another
// goroutine.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
