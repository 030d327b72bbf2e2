package inspector_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/devhookhq/devhook/internal/browsertest"
	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/inspector"
)

var screenshotDir = flag.String("screenshot", "", "also write the browser test's screenshot to this `directory`")

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

// TestBrowser opens the inspector in headless Chromium: deliveries show
// newest first by time, failures say why without expanding, the filters
// and the search narrow the list, a published delivery appears without a
// reload in its place, expands to its request, its Replay button adds the
// replayed delivery at the top, it can be edited before a replay, a
// hook.verify's Replay explains itself, and the manual-clock badge shows
// only with a manual clock.
func TestBrowser(t *testing.T) {
	exe := browsertest.Chromium(t)
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
	// A hook.verify is recorded when its validation ends: after a delivery
	// that came later.
	lateVerify := itemCreate("run1-0", t0.Add(45*time.Second), 0)
	lateVerify.Kind, lateVerify.Type, lateVerify.HookID, lateVerify.IDs, lateVerify.Outcome = "verify", "hook.verify", 102, nil, "verified"
	lateVerify.Request.Body = []byte("type=hook.verify&hook_id=102&code=9b0c")
	src.Add(lateVerify)

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
	var perrs pageErrors
	bctx, stopBrowser := browsertest.Start(ctx, t, exe, []chromedp.ExecAllocatorOption{chromedp.WindowSize(1366, 900)}, // a laptop screen
		chromedp.WithListener(perrs.listen))
	defer stopBrowser()

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
	// shown lists the ids of the deliveries shown, top to bottom.
	shown := func() string {
		t.Helper()
		return eval(`[...document.querySelectorAll("#deliveries tbody.record")]
			.filter((tb) => getComputedStyle(tb).display !== "none").map((tb) => tb.dataset.id).join(" ")`)
	}
	// choose picks a filter's value as a person would, firing its change.
	choose := func(sel, value string) {
		t.Helper()
		do("choose "+value+" in "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const s = document.querySelector(%q);
			s.value = %q;
			s.dispatchEvent(new Event("change", { bubbles: true }));
		})()`, sel, value)))
	}
	visible := func(sel string) bool {
		t.Helper()
		return eval(fmt.Sprintf(`(() => {
			const e = document.querySelector(%q);
			return String(!!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden");
		})()`, sel)) == "true"
	}

	do("open the page",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="run1-3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#live.on`)), // the stream is open
	)
	if got, want := shown(), "run1-3 run1-0 run1-2 run1-1"; got != want {
		t.Errorf("deliveries shown = %s, want newest first by time: %s", got, want)
	}
	if !visible("#clock-mode") {
		t.Errorf("manual clock badge hidden, want it shown with a manual clock")
	}
	// The failure says why in the list, without expanding the row.
	if !visible(`tr.delivery[data-id="run1-3"] .why`) {
		t.Errorf("the failure reason of run1-3 is not visible in the list")
	}
	if got := text(`tr.delivery[data-id="run1-3"] .why`); got != "local app answered 500" {
		t.Errorf("failure reason shown = %q, want local app answered 500", got)
	}
	if visible(`tbody.record[data-id="run1-3"] tr.detail`) {
		t.Errorf("run1-3 is expanded, want it collapsed")
	}

	// The filters: by event type, hook and outcome, and a text search.
	filters := []struct {
		sel, value, want string
	}{
		{"#filter-outcome", "failed", "run1-3"},
		{"#filter-outcome", "", "run1-3 run1-0 run1-2 run1-1"},
		{"#filter-type", "hook.verify", "run1-0 run1-1"},
		{"#filter-hook", "102", "run1-0"},
		{"#filter-type", "", "run1-0"},
		{"#filter-hook", "", "run1-3 run1-0 run1-2 run1-1"},
	}
	choose("#filter-outcome", "") // nothing chosen yet: a no-op
	for _, f := range filters {
		choose(f.sel, f.value)
		if got := shown(); got != f.want {
			t.Errorf("with %s = %q: shown %s, want %s", f.sel, f.value, got, f.want)
		}
		if f.value == "failed" {
			if got := text("#filter-count"); got != "1 of 4 shown" {
				t.Errorf("filter count = %q, want 1 of 4 shown", got)
			}
		}
	}
	// The search looks into the request bodies too, collapsed or not.
	do("search", chromedp.SendKeys(chromedp.CSS("#filter-text"), "code=9b0c"))
	if got := shown(); got != "run1-0" {
		t.Errorf("search code=9b0c: shown %s, want run1-0", got)
	}
	do("clear the search", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector("#filter-text");
		s.value = "";
		s.dispatchEvent(new Event("input"));
	})()`))
	if got := shown(); got != "run1-3 run1-0 run1-2 run1-1" {
		t.Errorf("search cleared: shown %s, want all four", got)
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
	// One published after it but of an earlier time goes in its place.
	lateVerify2 := lateVerify
	lateVerify2.ID, lateVerify2.Time = "run1-5", t0.Add(75*time.Second)
	s.Publish(lateVerify2)
	src.Add(lateVerify2)
	do("see the late hook.verify", chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="run1-5"]`)))
	if got, want := shown(), "run1-4 run1-5 run1-3 run1-0 run1-2 run1-1"; got != want {
		t.Errorf("deliveries shown = %s, want newest first by time: %s", got, want)
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

	// Edit before replay: change a header and the body, then send.
	do("open the editor",
		chromedp.Click(chromedp.CSS(`tbody.record[data-id="run1-4"] button.edit`)),
		chromedp.WaitVisible(chromedp.CSS(`tbody.record[data-id="run1-4"] textarea.edit-body`)),
	)
	if got, want := eval(`document.querySelector('tbody.record[data-id="run1-4"] textarea.edit-headers').value`),
		"Content-Type: application/x-www-form-urlencoded\nUser-Agent: Podio-Webhooks"; got != want {
		t.Errorf("headers to edit = %q, want %q", got, want)
	}
	if got := eval(`document.querySelector('tbody.record[data-id="run1-4"] textarea.edit-body').value`); got != string(fresh.Request.Body) {
		t.Errorf("body to edit = %q, want %q", got, fresh.Request.Body)
	}
	editedBody := "type=item.create&hook_id=101&item_id=777"
	do("edit and send",
		chromedp.SetValue(chromedp.CSS(`tbody.record[data-id="run1-4"] textarea.edit-headers`),
			"Content-Type: application/x-www-form-urlencoded\nX-Attempt: 2"),
		chromedp.SetValue(chromedp.CSS(`tbody.record[data-id="run1-4"] textarea.edit-body`), editedBody),
		chromedp.Click(chromedp.CSS(`tbody.record[data-id="run1-4"] .editor button.send`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.delivery[data-id="replay-2"]`)),
	)
	if got := eval(topRecord); got != "replay-2" {
		t.Errorf("top delivery after the edited replay = %s, want replay-2", got)
	}
	recs := src.Records()
	edited := recs[len(recs)-1]
	if diff := cmp.Diff(http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Attempt": {"2"}}, edited.Request.Header); diff != "" {
		t.Errorf("edited replay's headers (-want +got):\n%s", diff)
	}
	if got := string(edited.Request.Body); got != editedBody {
		t.Errorf("edited replay's body = %q, want %q", got, editedBody)
	}
	if got := text(`tbody.record[data-id="replay-2"] pre.request-body`); got != editedBody {
		t.Errorf("edited replay shows body %q, want %q", got, editedBody)
	}

	// A hook.verify's Replay says why there is nothing to replay, in the
	// page's terms.
	do("replay a hook.verify",
		chromedp.Click(chromedp.CSS(`button.replay[data-id="run1-1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice`)),
	)
	if got := text(`#notice`); !strings.Contains(got, "Podio sends it once, when the hook is created") || strings.Contains(got, "--") {
		t.Errorf("notice = %q, want why a hook.verify is not replayed, without CLI flags", got)
	}

	// The hooks follow the state (sent every StateInterval), and so does
	// the manual-clock badge.
	state.Hooks[0].Status, state.Hooks[0].InactiveReason = "inactive", "disabled after 201 failures in 7 days"
	state.ClockManual = false
	src.SetState(state)
	do("see the state change",
		chromedp.WaitVisible(chromedp.CSS(`tr.hook[data-hook-id="101"] .status.bad`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#clock-mode`)),
	)
	if !visible("#clock-box") {
		t.Errorf("mock clock hidden, want it shown with a mock")
	}

	// Nothing injected ran.
	if got := eval(`String(window.__pwned)`); got != "undefined" {
		t.Errorf("window.__pwned = %s: a payload ran as HTML", got)
	}

	// A replay the source refuses shows its error.
	do("replay an unknown record",
		chromedp.Evaluate[chromedp.Void](`(() => {
			// An earlier step's notice may still show: clear it, so the
			// wait below sees this replay's answer and not the old one.
			const n = document.getElementById("notice");
			n.textContent = "";
			n.hidden = true;
			const b = document.querySelector('button.replay[data-id="run1-2"]');
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

	// The refused replays log the 404 and 409 of their fetches; anything
	// else is a bug.
	var unexpected []string
	for _, e := range perrs.list() {
		if !strings.Contains(e, "/api/replay/gone") && !strings.Contains(e, "/api/replay/run1-1") {
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
