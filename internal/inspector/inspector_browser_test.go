package inspector_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/devhookhq/devhook/internal/inspector"
)

var screenshotDir = flag.String("screenshot", "", "also write the browser test's screenshot to this `directory`")

// chromiumNames are the executables the browser test looks for, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findChromium returns the path of a Chromium, or skips the test when there
// is none; under CI=true a missing Chromium fails it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("no Chromium installed (looked for %s in PATH); on Debian: apt-get install -y chromium", strings.Join(chromiumNames, ", "))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
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

// pageErrors collects the page's uncaught exceptions and error log entries
// (a script error, a resource that failed to load, a Content-Security-Policy
// violation).
type pageErrors struct {
	mu   sync.Mutex // guards errs
	errs []string
}

func (p *pageErrors) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = fmt.Sprintf("exception: %s %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level != cdplog.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("log: %s %s", ev.Entry.Text, ev.Entry.URL)
	default:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, msg)
}

func (p *pageErrors) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// TestBrowser opens the inspector in headless Chromium: a published delivery
// appears without a reload, expands to its request, and its Replay button
// adds the replayed delivery at the top.
func TestBrowser(t *testing.T) {
	exe := findChromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	// The inspector, on loopback, over a fake source.
	clock := t0.Add(2 * time.Minute)
	suspendedUntil := clock.Add(13 * time.Minute)
	state := inspector.State{
		Title:     "devhook mock",
		PublicURL: "http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg",
		Target:    "http://localhost:3000/",
		Hooks: []inspector.Hook{
			{HookID: 101, RefType: "app", RefID: 3001, Type: "item.create", URL: "http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg", Status: "active", Failures15m: 1, Failures7d: 1},
			{HookID: 102, RefType: "app", RefID: 3001, Type: "item.update", URL: "http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg", Status: "active",
				SuspendedUntil: &suspendedUntil, Failures15m: 16, Failures7d: 16, ConsecutiveFailures: 16},
			{HookID: 103, RefType: "app", RefID: 3001, Type: "item.delete", URL: "http://127.0.0.1:46317/TYG7r_NP93eDC9C_Rlnlxg", Status: "inactive",
				InactiveReason: "unverified after 51 consecutive failures", Failures15m: 0, Failures7d: 51, ConsecutiveFailures: 51},
		},
		MockClock:   &clock,
		ClockManual: true,
	}
	src := &fakeSource{state: state}
	verify := itemCreate("run1-1", t0, 0)
	verify.Kind, verify.Type, verify.IDs, verify.Outcome = "verify", "hook.verify", nil, "verified"
	verify.Request.Body = []byte("type=hook.verify&hook_id=101&code=4f2a9c1e0b7d46a58e3f21c9d0b7a6e5")
	src.Add(verify)
	src.Add(itemCreate("run1-2", t0.Add(30*time.Second), 1000001))
	failed := itemCreate("run1-3", t0.Add(60*time.Second), 1000002)
	failed.Outcome, failed.Status, failed.LatencyMS = "failed", 500, 41.7
	failed.Response.Status = 500
	failed.Response.Body = []byte(`<img src=x onerror="window.__pwned=1">`)
	failed.Error = "local app answered 500"
	src.Add(failed)

	ln, warning, err := inspector.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if warning != "" {
		t.Errorf("Listen(127.0.0.1:0) warning = %q, want none", warning)
	}
	s := inspector.New(src.Source())
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	defer srv.Close()
	defer s.Close()
	url := "http://" + ln.Addr().String() + "/"

	// The browser: a fresh profile, no network but loopback.
	var output lockedBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
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
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900), // a laptop screen
		chromedp.CombinedOutput(&output),
	)
	defer cancelAlloc()
	var perrs pageErrors
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithListener(perrs.listen))
	defer cancelBrowser()
	defer func() {
		if t.Failed() {
			// Without the noise of a machine with no D-Bus.
			var lines []string
			for line := range strings.Lines(output.String()) {
				if !strings.Contains(line, "dbus") {
					lines = append(lines, line)
				}
			}
			t.Logf("browser output:\n%s", strings.Join(lines, ""))
		}
	}()
	// The first Do starts the browser, bound to bctx: no shorter timeout.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}

	// do runs one step, bounded so a failure names the step.
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	topRecord := `document.querySelector("#deliveries tbody.record").dataset.id`

	do("open the page",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="run1-3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#live.on`)), // the stream is open
	)
	if got := eval(topRecord); got != "run1-3" {
		t.Errorf("top delivery = %s, want the newest, run1-3", got)
	}
	if got := text(`tr.hook[data-hook-id="102"] .status`); !strings.HasPrefix(got, "suspended until ") {
		t.Errorf("hook 102 status = %q, want suspended until ...", got)
	}

	// A new delivery appears without a reload. It is not in the source yet,
	// so only the stream can bring it; then the source gets it, for Replay.
	fresh := itemCreate("run1-4", t0.Add(90*time.Second), 1000003)
	fresh.Request.Body = []byte(`type=item.create&hook_id=101&item_id=1000003&title=%3Cimg+src%3Dx+onerror%3D%22window.__pwned%3D1%22%3E`)
	s.Publish(fresh)
	src.Add(fresh)
	do("see the published delivery",
		chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="run1-4"]`)),
	)
	if got := eval(topRecord); got != "run1-4" {
		t.Errorf("top delivery after Publish = %s, want run1-4", got)
	}

	// Click it: the request body and its form table show.
	do("expand the delivery",
		chromedp.Click(chromedp.CSS(`tr.delivery[data-id="run1-4"] td.event`)),
		chromedp.WaitVisible(chromedp.CSS(`tbody.record[data-id="run1-4"] pre.request-body`)),
	)
	if got, want := text(`tbody.record[data-id="run1-4"] pre.request-body`), string(fresh.Request.Body); got != want {
		t.Errorf("request body shown = %q, want %q", got, want)
	}
	if got, want := text(`tbody.record[data-id="run1-4"] table.form tr:last-child td`), `<img src=x onerror="window.__pwned=1">`; got != want {
		t.Errorf("form title shown = %q, want %q", got, want)
	}
	if got := text(`tbody.record[data-id="run1-4"] .response .line`); got != "200 OK" {
		t.Errorf("response status shown = %q, want 200 OK", got)
	}

	// Replay it: the replayed delivery appears at the top, once.
	do("replay the delivery",
		chromedp.Click(chromedp.CSS(`button.replay[data-id="run1-4"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="replay-1"]`)),
	)
	if got := eval(topRecord); got != "replay-1" {
		t.Errorf("top delivery after Replay = %s, want replay-1", got)
	}
	if got := text(`tr.delivery[data-id="replay-1"] .source`); got != "replay" {
		t.Errorf("replayed delivery source = %q, want replay", got)
	}
	if got := eval(`String(document.querySelectorAll('tbody.record[data-id="replay-1"]').length)`); got != "1" {
		t.Errorf("replay-1 shown %s times, want once", got)
	}

	// The hooks follow the state (sent every StateInterval).
	state.Hooks[0].Status, state.Hooks[0].InactiveReason = "inactive", "disabled after 201 failures in 7 days"
	src.SetState(state)
	do("see the state change",
		chromedp.WaitVisible(chromedp.CSS(`tr.hook[data-hook-id="101"] .status.bad`)),
	)

	// Nothing injected ran.
	if got := eval(`String(window.__pwned)`); got != "undefined" {
		t.Errorf("window.__pwned = %s: a payload ran as HTML", got)
	}

	// A replay the source refuses shows its error.
	do("replay an unknown record",
		chromedp.Evaluate[chromedp.Void](`(() => {
			const b = document.querySelector('button.replay[data-id="run1-1"]');
			b.dataset.id = "gone";
			b.click();
		})()`),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)),
	)
	if got := text(`#notice`); !strings.Contains(got, "gone") || !strings.Contains(got, "unknown record") {
		t.Errorf("notice = %q, want the replay error", got)
	}

	shot, err := func() ([]byte, error) {
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		return chromedp.Run(sctx, chromedp.FullScreenshot(100))
	}()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dirs := []string{t.TempDir()}
	if *screenshotDir != "" {
		dirs = append(dirs, *screenshotDir)
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "inspector.png")
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}

	// The failed replay logs the 404 of its fetch; anything else is a bug.
	var unexpected []string
	for _, e := range perrs.list() {
		if !strings.Contains(e, "/api/replay/gone") {
			unexpected = append(unexpected, e)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(unexpected, "\n"))
	}
	if err := ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the test took more than 60 s")
	}
}
