package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/termsafe"
	"github.com/devhookhq/devhook/mockpodio"
)

// What trigger sends and shows.
const (
	// triggerUserAgent is the User-Agent of the events trigger --to posts.
	// Podio's own is not documented; the mock's is alike.
	triggerUserAgent = "Podio-Webhooks (devhook trigger)"
	// triggerDefaultTimeout is how long a handler has to answer: Podio
	// gives up after 15 s and counts a failure.
	triggerDefaultTimeout = 15 * time.Second
	// triggerShownBody is how much of a handler's answer trigger prints.
	triggerShownBody = 4 << 10
)

type triggerOptions struct {
	args        []string // the event type
	set         []string // --set key=value, in order
	to          string
	mock        string
	repeat      int
	concurrency int
	timeout     time.Duration
	app         string
	space       string
	control     bool
	podio       podioOptions
}

// setValue collects repeated --set flags as they are, without splitting
// them on commas as cli.StringSliceFlag does, so that --set
// file_ids=1203,1204 keeps its comma.
type setValue struct{ vals []string }

func (v *setValue) Set(s string) error { v.vals = append(v.vals, s); return nil }

func (v *setValue) String() string {
	if v == nil {
		return ""
	}
	return strings.Join(v.vals, " ")
}

func triggerCommand(e *env) *cli.Command {
	var flags []cli.Flag
	flags = append(flags,
		&cli.StringFlag{Name: "to", Usage: "POST the event straight to the handler at this `URL`, as Podio would"},
		&cli.StringFlag{Name: "mock", Usage: "perform the action in the running mock at this `URL` (e.g. http://127.0.0.1:8080), so the event flows through its hooks"},
		&cli.GenericFlag{Name: "set", Value: &setValue{}, Usage: "set a parameter of the event, `KEY=VALUE` (repeatable; commas are kept)"},
		&cli.IntFlag{Name: "repeat", Aliases: []string{"n"}, Value: 1, Usage: "with --to: send the event `N` times and print a summary"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 1, Usage: "with --to: send `C` requests at a time"},
		&cli.DurationFlag{Name: "timeout", Value: triggerDefaultTimeout, Usage: "with --to: how long (a `DURATION`) the handler has to answer; Podio waits 15 s"},
		&cli.StringFlag{Name: "app", Usage: "with --mock: the app `ID` to act in (default: the app signed in with, else 3001)"},
		&cli.StringFlag{Name: "space", Usage: "with --mock: the space `ID` of space events (default: the app's space)"},
		&cli.BoolFlag{Name: "control", Usage: "with --mock: fire the event through the mock's control API instead of performing the action"},
	)
	for _, f := range podioFlags() {
		if !slices.Contains(f.Names(), "podio-url") {
			flags = append(flags, f)
		}
	}
	return &cli.Command{
		Name:      "trigger",
		Usage:     "send a webhook event to a handler, or make one happen in the mock",
		ArgsUsage: "EVENT",
		Description: `With --to, POSTs the event's fixture (devhook fixtures show EVENT) straight to
a handler, form-encoded exactly as Podio sends it, and prints the status,
latency and the first 4 KiB of the answer; a non-2xx answer exits 1.
--repeat and --concurrency send a burst and print a summary. Query
parameters of --to move into the body, as Podio does with hook URLs.

With --mock, performs the real action in a running mock (devhook mock): an
item is created, updated or deleted, a comment, task, app, webform or
status message made, changed or deleted, a file attached, replaced or
deleted (--set action_type), a tag added or removed, a space member added
or removed, so the event reaches the mock's hooks, rules and tunnels like
a real one. The deprecated contact.* events have no action and are fired
through its control API.
Credentials default to the mock's seed (client devhook, app 3001);
the PODIO_* variables and flags override them.

--set KEY=VALUE changes a parameter: any of the event's with --to or
--control; with an action, the ids of existing objects to act on
(item_id, comment_id, task_id, app_id, form_id, status_id, user_id), an
item's external_id and file.change's action_type.`,
		Flags:        flags,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return usageError{err} },
		Action: func(c *cli.Context) error {
			args := c.Args().Slice() // flagsFirst put the flags before them
			po, err := podioOptionsFrom(c)
			if err != nil {
				return err
			}
			var set []string
			if v, ok := c.Generic("set").(*setValue); ok {
				set = slices.Clone(v.vals)
			}
			return runTrigger(c.Context, triggerOptions{
				args: args, set: set, to: c.String("to"), mock: c.String("mock"),
				repeat: c.Int("repeat"), concurrency: c.Int("concurrency"), timeout: c.Duration("timeout"),
				app: c.String("app"), space: c.String("space"), control: c.Bool("control"), podio: po,
			}, e.stdout)
		},
	}
}

func runTrigger(ctx context.Context, opts triggerOptions, stdout io.Writer) error {
	if len(opts.args) != 1 {
		return usagef("trigger takes one event type, such as item.create (see %s fixtures list)", selfCommand())
	}
	ev, err := fixtures.Get(opts.args[0])
	if err != nil {
		return usageError{err}
	}
	set, err := fixtures.ParseSet(opts.set)
	if err != nil {
		return usageError{err}
	}
	if _, err := ev.With(set); err != nil {
		return usageError{err}
	}
	switch {
	case opts.to != "" && opts.mock != "":
		return usagef("trigger takes --to or --mock, not both")
	case opts.to != "":
		return runTriggerTo(ctx, opts, ev, set, stdout)
	case opts.mock != "":
		return runTriggerMock(ctx, opts, ev, set, stdout)
	}
	return usagef("trigger needs --to URL (POST the event to a handler) or --mock URL (perform it in a running mock)")
}

// parseHTTPURL checks that raw is an absolute http or https URL.
func parseHTTPURL(flag, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--%s must be an http:// or https:// URL, such as http://localhost:3000/hook, not %q", flag, raw)
	}
	return u, nil
}

// splitQuery returns u without its query and fragment, and the query's
// pairs in order, as Podio treats a hook URL (fixtures.SplitHookURL).
func splitQuery(u *url.URL) (string, []formPair) {
	to, pairs := fixtures.SplitHookURL(u.String())
	extra := make([]formPair, len(pairs))
	for i, p := range pairs {
		extra[i] = formPair{p.Key, p.Value}
	}
	return to, extra
}

func runTriggerTo(ctx context.Context, opts triggerOptions, ev fixtures.Event, set map[string]string, stdout io.Writer) error {
	u, err := parseHTTPURL("to", opts.to)
	if err != nil {
		return err
	}
	if opts.app != "" || opts.space != "" || opts.control {
		return usagef("--app, --space and --control go with --mock, not --to")
	}
	if opts.repeat < 1 {
		return usagef("--repeat must be at least 1, not %d", opts.repeat)
	}
	if opts.concurrency < 1 {
		return usagef("--concurrency must be at least 1, not %d", opts.concurrency)
	}
	if opts.timeout <= 0 {
		return usagef("--timeout must be positive, not %s", opts.timeout)
	}
	ev, err = ev.With(set)
	if err != nil {
		return usageError{err}
	}
	target, extra := splitQuery(u)
	body := eventBody(ev, extra)
	conc := min(opts.concurrency, opts.repeat)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	defer tr.CloseIdleConnections()
	// Podio's policy (package formpost): no redirect followed, the timeout
	// covers the whole answer.
	sender := &formpost.Sender{
		Client: &http.Client{Transport: tr}, Timeout: opts.timeout,
		UserAgent: triggerUserAgent, MaxBody: triggerShownBody,
	}
	if opts.repeat == 1 {
		fmt.Fprintf(stdout, "POST %s  %s\n%s\n", termsafe.String(target), termsafe.String(ev.Type), safeLines(body))
		r := sender.Post(ctx, target, []byte(body))
		if r.Err != nil && r.Status == 0 {
			return fmt.Errorf("POST %s: %w", target, explainSendError(r.Err, opts.timeout))
		}
		fmt.Fprintf(stdout, "-> %s  %s\n", termsafe.String(r.StatusText), deliverylog.FormatLatency(r.Latency))
		printBody(stdout, r.Body)
		if r.Truncated {
			fmt.Fprintf(stdout, "... (only the first %d bytes shown)\n", triggerShownBody)
		}
		if err := r.Failure(); err != nil {
			return fmt.Errorf("%s %w: Podio counts that as a failed delivery", target, explainSendError(err, opts.timeout))
		}
		return nil
	}
	fmt.Fprintf(stdout, "POST %s  %s  %d times, %d at a time\n%s\n", termsafe.String(target), termsafe.String(ev.Type), opts.repeat, conc, safeLines(body))
	start := time.Now()
	results := postBurst(ctx, sender, target, []byte(body), opts.repeat, conc)
	elapsed := time.Since(start)
	sum := summarizeBurst(results)
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCOUNT")
	for _, c := range sum.counts {
		fmt.Fprintf(tw, "%s\t%d\n", termsafe.String(c.status), c.count)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "latency  p50 %s  p95 %s  max %s  (%d requests in %s)\n",
		compactLatency(sum.p50), compactLatency(sum.p95), compactLatency(sum.max), len(results), compactLatency(elapsed))
	if sum.firstFailure != "" {
		fmt.Fprintf(stdout, "first failure: %s\n", termsafe.String(sum.firstFailure))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted after %d of %d requests: %w", len(results), opts.repeat, err)
	}
	if sum.failed > 0 {
		return fmt.Errorf("%d of %d requests failed: Podio counts each non-2xx or missing answer as a failed delivery", sum.failed, len(results))
	}
	return nil
}

// compactLatency is deliverylog.FormatLatency without its space ("14ms"),
// one token per value in the burst's summary line.
func compactLatency(d time.Duration) string {
	return strings.ReplaceAll(deliverylog.FormatLatency(d), " ", "")
}

// explainSendError adds what a developer needs to know to a failed send:
// Podio's own timeout next to a timeout, a hint next to an unreachable
// handler.
func explainSendError(err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, formpost.ErrTimeout):
		return fmt.Errorf("%w (waited %s; Podio gives up after 15 s)", err, timeout)
	case errors.Is(err, formpost.ErrUnreachable):
		return fmt.Errorf("%w (is the handler running?)", err)
	}
	return err
}

// postBurst POSTs body n times, conc at a time, and returns the results
// in the order sent. It stops sending when ctx ends, and then returns
// only the requests that finished.
func postBurst(ctx context.Context, sender *formpost.Sender, target string, body []byte, n, conc int) []formpost.Result {
	results := make([]formpost.Result, n)
	done := make([]bool, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range jobs {
				results[i] = sender.Post(ctx, target, body)
				done[i] = ctx.Err() == nil
			}
		})
	}
send:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	var out []formpost.Result
	for i, r := range results {
		if done[i] {
			out = append(out, r)
		}
	}
	return out
}

// statusCount is one row of a burst's summary.
type statusCount struct {
	status string // a status code, or "error" for no answer
	count  int
}

// burstSummary sums up the results of a burst.
type burstSummary struct {
	counts        []statusCount // by status code, "error" last
	p50, p95, max time.Duration
	failed        int    // non-2xx and no answer
	firstFailure  string // what the first failed request got
}

// summarizeBurst counts results by status and computes the latency
// percentiles (nearest rank) over every result.
func summarizeBurst(results []formpost.Result) burstSummary {
	var sum burstSummary
	byCode := map[int]int{}
	errs := 0
	lat := make([]time.Duration, 0, len(results))
	for _, r := range results {
		lat = append(lat, r.Latency)
		if r.Err != nil {
			errs++
		} else {
			byCode[r.Status]++
		}
		if r.Failure() != nil {
			sum.failed++
			if sum.firstFailure == "" {
				sum.firstFailure = describeFailure(r)
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(byCode)) {
		sum.counts = append(sum.counts, statusCount{strconv.Itoa(code), byCode[code]})
	}
	if errs > 0 {
		sum.counts = append(sum.counts, statusCount{"error", errs})
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		sum.p50, sum.p95, sum.max = percentile(lat, 0.50), percentile(lat, 0.95), lat[len(lat)-1]
	}
	return sum
}

// percentile returns the nearest-rank q-th percentile of sorted.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// describeFailure says in one line what a failed request got.
func describeFailure(r formpost.Result) string {
	if r.Err != nil {
		return r.Err.Error()
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(r.Body)), "\n")
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	status := r.StatusText
	if r.Location != "" {
		status += " (redirect to " + r.Location + ", not followed)"
	}
	if line == "" {
		return status
	}
	return status + ": " + line
}

// A triggerAction performs an event's action in the mock.
type triggerAction struct {
	// settable are the parameters --set may give: ids of objects to act on.
	settable []string
	// exclusive are two of them that cannot be set together.
	exclusive [2]string
	// check, if set, refuses bad --set values before any request.
	check func(set map[string]string) error
	run   func(r *triggerRun, ctx context.Context) error
}

// triggerActions are the events trigger --mock performs for real (with
// those of trigger_objects.go); the others (contact.*) go through the
// control API.
var triggerActions = map[string]triggerAction{
	"item.create":    {settable: []string{"external_id"}, run: (*triggerRun).itemCreate},
	"item.update":    {settable: []string{"item_id", "external_id"}, run: (*triggerRun).itemUpdate},
	"item.delete":    {settable: []string{"item_id", "external_id"}, exclusive: [2]string{"item_id", "external_id"}, run: (*triggerRun).itemDelete},
	"comment.create": {settable: []string{"item_id"}, run: (*triggerRun).commentCreate},
	"comment.delete": {settable: []string{"item_id", "comment_id"}, exclusive: [2]string{"item_id", "comment_id"}, run: (*triggerRun).commentDelete},
	"task.create":    {run: (*triggerRun).taskCreate},
	"task.update":    {settable: []string{"task_id"}, run: (*triggerRun).taskUpdate},
	"task.delete":    {settable: []string{"task_id"}, run: (*triggerRun).taskDelete},
	"app.create":     {run: (*triggerRun).appCreate},
	"app.update":     {settable: []string{"app_id"}, run: (*triggerRun).appUpdate},
	"app.delete":     {settable: []string{"app_id"}, run: (*triggerRun).appDelete},
}

func runTriggerMock(ctx context.Context, opts triggerOptions, ev fixtures.Event, set map[string]string, stdout io.Writer) error {
	u, err := parseHTTPURL("mock", opts.mock)
	if err != nil {
		return err
	}
	if opts.repeat != 1 || opts.concurrency != 1 {
		return usagef("--repeat and --concurrency go with --to, not --mock")
	}
	if ev.Type == fixtures.VerifyEvent {
		return usagef("hook.verify cannot be triggered in the mock: %s hooks verify ID asks it to send a new one", selfCommand())
	}
	if _, ok := set["hook_id"]; ok {
		return usagef("--set hook_id: the mock sends each hook its own hook_id (--to sends any)")
	}
	r := &triggerRun{typ: ev.Type, set: set, out: stdout}
	if r.appID, err = optionalID("app", opts.app); err != nil {
		return err
	}
	if r.spaceID, err = optionalID("space", opts.space); err != nil {
		return err
	}
	action, emulated := triggerActions[ev.Type]
	if emulated && !opts.control {
		for _, k := range slices.Sorted(maps.Keys(set)) {
			if !slices.Contains(action.settable, k) {
				return usagef("--set %s: the mock assigns it when it performs %s; with --control the event is fired with any parameters", k, ev.Type)
			}
			if _, ok := parseHookID(set[k]); !ok && strings.HasSuffix(k, "_id") && k != "external_id" {
				return usagef("--set %s must be the id of an existing object, a positive number, not %q", k, set[k])
			}
		}
		a, b := action.exclusive[0], action.exclusive[1]
		if _, okA := set[a]; okA && a != "" {
			if _, okB := set[b]; okB {
				return usagef("--set %s and --set %s cannot go together for %s", a, b, ev.Type)
			}
		}
		if action.check != nil {
			if err := action.check(set); err != nil {
				return err
			}
		}
	}
	po := opts.podio.withMockDefaults(u.String())
	if r.appID == 0 {
		r.appID = cmp.Or(opts.podio.appID, seedAppID)
	}
	if r.m, err = triggerSignIn(ctx, po); err != nil {
		return err
	}
	r.control = &mockpodio.ControlClient{URL: po.url, HTTPClient: &http.Client{Timeout: podio.DefaultTimeout}}
	if emulated && !opts.control {
		return action.run(r, ctx)
	}
	return r.fireControl(ctx)
}

// optionalID parses the value of an id flag; "" is 0.
func optionalID(flag, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, ok := parseHookID(v)
	if !ok {
		return 0, usagef("--%s wants a number (a positive id), not %q", flag, v)
	}
	return id, nil
}

// triggerSignIn signs in to the mock at o.url with the Podio client.
func triggerSignIn(ctx context.Context, o podioOptions) (*podio.Client, error) {
	cr, err := o.credentials()
	if err != nil {
		return nil, err
	}
	cl := &podio.Client{BaseURL: o.url}
	if err := cl.Authenticate(ctx, cr); err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok && ctx.Err() == nil {
			return nil, fmt.Errorf("cannot reach the mock at %s (is %s mock running?): %w", redactURL(o.url), selfCommand(), ue.Err)
		}
		return nil, fmt.Errorf("sign in to the mock at %s: %w", redactURL(o.url), err)
	}
	return cl, nil
}

// triggerRun is one trigger --mock: the event and where it happens.
type triggerRun struct {
	m       *podio.Client
	control *mockpodio.ControlClient
	typ     string
	set     map[string]string
	appID   int64 // --app, or the default
	spaceID int64 // --space; 0 until needed, then the app's
	out     io.Writer

	apps map[int64]*triggerApp // fetched apps, by id
}

// triggerApp is what trigger knows of an app: Podio's answer, or that
// there is none.
type triggerApp struct {
	podio.App
	missing bool // GET /app answered 404
}

// app fetches app id once.
func (r *triggerRun) app(ctx context.Context, id int64) (*triggerApp, error) {
	if a, ok := r.apps[id]; ok {
		return a, nil
	}
	got, err := r.m.GetApp(ctx, id)
	a := &triggerApp{App: got}
	if errors.Is(err, podio.ErrNotFound) {
		a, err = &triggerApp{missing: true}, nil
	}
	if err != nil {
		return nil, err
	}
	if r.apps == nil {
		r.apps = map[int64]*triggerApp{}
	}
	r.apps[id] = a
	return a, nil
}

// space returns --space, or the space of --app.
func (r *triggerRun) space(ctx context.Context) (int64, error) {
	if r.spaceID != 0 {
		return r.spaceID, nil
	}
	a, err := r.app(ctx, r.appID)
	if err != nil {
		return 0, err
	}
	if a.missing || a.SpaceID == 0 {
		return 0, fmt.Errorf("app %d does not exist in the mock, so it has no space: give --space", r.appID)
	}
	r.spaceID = a.SpaceID
	return r.spaceID, nil
}

// titleField returns the external_id of the app's field to write a title
// into: "title" if it is a text field, else its first text field, else
// "" (no text field). An app the mock does not know yet gets "title": a
// permissive mock creates both.
func (r *triggerRun) titleField(ctx context.Context, appID int64) (string, error) {
	a, err := r.app(ctx, appID)
	if err != nil {
		return "", err
	}
	if a.missing {
		return "title", nil
	}
	first := ""
	for _, f := range a.Fields {
		if f.Type != "text" {
			continue
		}
		if f.ExternalID == "title" {
			return f.ExternalID, nil
		}
		if first == "" {
			first = f.ExternalID
		}
	}
	return first, nil
}

// hookCount says how many hooks of the event are on refType refID, from
// the mock's GET /_mock/hooks; ok is false when it cannot tell.
func (r *triggerRun) hookCount(ctx context.Context, refType string, refID int64) (n, active int, ok bool) {
	hooks, err := r.control.Hooks(ctx)
	if err != nil {
		return 0, 0, false
	}
	for _, h := range hooks {
		if h.RefType == refType && h.RefID == refID && h.Type == r.typ {
			n++
			if h.Status == "active" {
				active++
			}
		}
	}
	return n, active, true
}

// report prints what was done and how many hooks the event targets.
func (r *triggerRun) report(ctx context.Context, did, refType string, refID int64) error {
	line := did
	n, active, ok := r.hookCount(ctx, refType, refID)
	switch {
	case !ok:
	case n == 0:
		line += fmt.Sprintf(", but no %s hook is registered on %s %d: %s up registers one with --event %s (one --event per type)",
			r.typ, refType, refID, selfCommand(), r.typ)
	case n == 1:
		line += fmt.Sprintf(", 1 hook targeted (%d active)", active)
	default:
		line += fmt.Sprintf(", %d hooks targeted (%d active)", n, active)
	}
	_, err := fmt.Fprintln(r.out, line)
	return err
}

func (r *triggerRun) note(format string, args ...any) {
	fmt.Fprintf(r.out, format+"\n", args...)
}

// triggerStamp makes a text unique, so an update always changes something.
func triggerStamp(s string) string {
	return s + " " + time.Now().UTC().Format("15:04:05.000000")
}

func parseID64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// createItem adds an item to appID with a title and returns its id.
func (r *triggerRun) createItem(ctx context.Context, appID int64, externalID string, noHook bool) (int64, error) {
	field, err := r.titleField(ctx, appID)
	if err != nil {
		return 0, err
	}
	fields := map[string]any{}
	if field != "" {
		fields[field] = "devhook trigger " + r.typ
	}
	it, err := r.m.CreateItem(ctx, appID, fields, podio.WriteOptions{NoHook: noHook, ExternalID: externalID})
	if err != nil {
		return 0, err
	}
	if noHook {
		r.note("created item %d in app %d with hook=false (it fires nothing)", it.ItemID, appID)
	}
	return it.ItemID, nil
}

// itemApp returns the app of item itemID.
func (r *triggerRun) itemApp(ctx context.Context, itemID int64) (int64, error) {
	it, err := r.m.GetItem(ctx, itemID)
	if err != nil {
		return 0, err
	}
	return it.AppID, nil
}

// targetItem returns the --set item_id and its app, or a new item made
// with hook=false in --app.
func (r *triggerRun) targetItem(ctx context.Context, externalID string) (itemID, appID int64, err error) {
	if v, ok := r.set["item_id"]; ok {
		itemID = parseID64(v)
		appID, err = r.itemApp(ctx, itemID)
		return itemID, appID, err
	}
	itemID, err = r.createItem(ctx, r.appID, externalID, true)
	return itemID, r.appID, err
}

func (r *triggerRun) itemCreate(ctx context.Context) error {
	id, err := r.createItem(ctx, r.appID, r.set["external_id"], false)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("created item %d in app %d: item.create fired", id, r.appID), fixtures.RefApp, r.appID)
}

func (r *triggerRun) itemUpdate(ctx context.Context) error {
	itemID, appID, err := r.targetItem(ctx, "")
	if err != nil {
		return err
	}
	field, err := r.titleField(ctx, appID)
	if err != nil {
		return err
	}
	fields := map[string]any{}
	if field != "" {
		fields[field] = triggerStamp("devhook trigger item.update")
	}
	var opts podio.WriteOptions
	if ext, ok := r.set["external_id"]; ok {
		opts.ExternalID = ext
	} else if field == "" {
		opts.ExternalID = triggerStamp("devhook-trigger")
	}
	up, err := r.m.UpdateItem(ctx, itemID, fields, opts)
	if err != nil {
		return err
	}
	if !up.Changed {
		return fmt.Errorf("item %d did not change (the mock answered 204), so no item.update fired", itemID)
	}
	return r.report(ctx, fmt.Sprintf("updated item %d in app %d: item.update fired", itemID, appID), fixtures.RefApp, appID)
}

func (r *triggerRun) itemDelete(ctx context.Context) error {
	itemID, appID, err := r.targetItem(ctx, r.set["external_id"])
	if err != nil {
		return err
	}
	if err := r.m.DeleteItem(ctx, itemID, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted item %d in app %d: item.delete fired", itemID, appID), fixtures.RefApp, appID)
}

// createComment comments on itemID and returns the comment's id.
func (r *triggerRun) createComment(ctx context.Context, itemID int64, noHook bool) (int64, error) {
	id, err := r.m.CreateComment(ctx, "item", itemID, "devhook trigger "+r.typ, podio.WriteOptions{NoHook: noHook})
	if err != nil {
		return 0, err
	}
	if noHook {
		r.note("created comment %d on item %d with hook=false (it fires nothing)", id, itemID)
	}
	return id, nil
}

func (r *triggerRun) commentCreate(ctx context.Context) error {
	itemID, appID, err := r.targetItem(ctx, "")
	if err != nil {
		return err
	}
	id, err := r.createComment(ctx, itemID, false)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("created comment %d on item %d in app %d: comment.create fired", id, itemID, appID), fixtures.RefApp, appID)
}

func (r *triggerRun) commentDelete(ctx context.Context) error {
	var commentID, itemID, appID int64
	var err error
	if v, ok := r.set["comment_id"]; ok {
		commentID = parseID64(v)
		cm, err := r.m.GetComment(ctx, commentID)
		if err != nil {
			return err
		}
		itemID = cm.RefID
		if appID, err = r.itemApp(ctx, itemID); err != nil {
			return err
		}
	} else {
		if itemID, appID, err = r.targetItem(ctx, ""); err != nil {
			return err
		}
		if commentID, err = r.createComment(ctx, itemID, true); err != nil {
			return err
		}
	}
	if err := r.m.DeleteComment(ctx, commentID, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted comment %d on item %d in app %d: comment.delete fired", commentID, itemID, appID), fixtures.RefApp, appID)
}

// targetTask returns the --set task_id and its space, or a new task made
// with hook=false in the space.
func (r *triggerRun) targetTask(ctx context.Context) (taskID, spaceID int64, err error) {
	if v, ok := r.set["task_id"]; ok {
		t, err := r.m.GetTask(ctx, parseID64(v))
		if err != nil {
			return 0, 0, err
		}
		return t.TaskID, t.SpaceID, nil
	}
	if taskID, spaceID, err = r.createTask(ctx, true); err != nil {
		return 0, 0, err
	}
	r.note("created task %d in space %d with hook=false (it fires nothing)", taskID, spaceID)
	return taskID, spaceID, nil
}

// createTask creates a shared task on the space.
func (r *triggerRun) createTask(ctx context.Context, noHook bool) (taskID, spaceID int64, err error) {
	sp, err := r.space(ctx)
	if err != nil {
		return 0, 0, err
	}
	task := podio.TaskCreate{Text: "devhook trigger " + r.typ, RefType: fixtures.RefSpace, RefID: sp}
	id, err := r.m.CreateTask(ctx, task, podio.WriteOptions{NoHook: noHook})
	if err != nil {
		return 0, 0, err
	}
	return id, sp, nil
}

func (r *triggerRun) taskCreate(ctx context.Context) error {
	id, sp, err := r.createTask(ctx, false)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("created task %d in space %d: task.create fired", id, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) taskUpdate(ctx context.Context) error {
	id, sp, err := r.targetTask(ctx)
	if err != nil {
		return err
	}
	if err := r.m.UpdateTask(ctx, id, triggerStamp("devhook trigger task.update"), podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("updated task %d in space %d: task.update fired", id, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) taskDelete(ctx context.Context) error {
	id, sp, err := r.targetTask(ctx)
	if err != nil {
		return err
	}
	if err := r.m.DeleteTask(ctx, id, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted task %d in space %d: task.delete fired", id, sp), fixtures.RefSpace, sp)
}

// createApp creates an app in the space.
func (r *triggerRun) createApp(ctx context.Context, noHook bool) (appID, spaceID int64, err error) {
	sp, err := r.space(ctx)
	if err != nil {
		return 0, 0, err
	}
	id, err := r.m.CreateApp(ctx, sp, podio.AppConfig{Name: "devhook trigger " + r.typ, ItemName: "Item"}, podio.WriteOptions{NoHook: noHook})
	if err != nil {
		return 0, 0, err
	}
	if noHook {
		r.note("created app %d in space %d with hook=false (it fires nothing)", id, sp)
	}
	return id, sp, nil
}

// targetApp returns the --set app_id, or a new app made with hook=false.
func (r *triggerRun) targetApp(ctx context.Context) (int64, error) {
	if v, ok := r.set["app_id"]; ok {
		return parseID64(v), nil
	}
	id, _, err := r.createApp(ctx, true)
	return id, err
}

func (r *triggerRun) appCreate(ctx context.Context) error {
	id, sp, err := r.createApp(ctx, false)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("created app %d in space %d: app.create fired", id, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) appUpdate(ctx context.Context) error {
	id, err := r.targetApp(ctx)
	if err != nil {
		return err
	}
	a, err := r.m.GetApp(ctx, id)
	if err != nil {
		return err
	}
	// Keep the name: the update changes nothing, and still fires.
	if err := r.m.UpdateApp(ctx, id, podio.AppConfig{Name: a.Name}, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("updated app %d: app.update fired", id), fixtures.RefApp, id)
}

func (r *triggerRun) appDelete(ctx context.Context) error {
	id, err := r.targetApp(ctx)
	if err != nil {
		return err
	}
	if err := r.m.DeleteApp(ctx, id, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted app %d: app.delete fired", id), fixtures.RefApp, id)
}

// fireControl fires the event through POST /_mock/events on --app or
// --space, whichever the event's hooks are registered on. app_id and
// space_id default to that object, not to the fixture's ids.
func (r *triggerRun) fireControl(ctx context.Context) error {
	spec, _ := fixtures.Lookup(r.typ)
	refType := spec.RefTypes[0]
	refID := r.appID
	if refType == fixtures.RefSpace {
		sp, err := r.space(ctx)
		if err != nil {
			return err
		}
		refID = sp
	}
	params := map[string]string{}
	for k, v := range r.set {
		params[k] = v
	}
	for _, k := range spec.Params {
		if _, ok := params[k]; ok {
			continue
		}
		switch {
		case k == "app_id" && refType == fixtures.RefApp, k == "space_id" && refType == fixtures.RefSpace:
			params[k] = strconv.FormatInt(refID, 10)
		}
	}
	eventID, err := r.control.FireEvent(ctx, mockpodio.Ref{Type: refType, ID: refID}, r.typ, params)
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("fired %s on %s %d through the mock's control API (event %d)", r.typ, refType, refID, eventID), refType, refID)
}
