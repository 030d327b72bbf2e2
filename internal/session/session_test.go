package session_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/session"
	"github.com/devhookhq/devhook/mockpodio"
	"github.com/devhookhq/devhook/tunnel"
)

// calls counts the API calls a client makes, as "METHOD /path".
type calls struct {
	mu   sync.Mutex
	list []string
	next http.RoundTripper
}

func (c *calls) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.list = append(c.list, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// take returns the calls so far and forgets them.
func (c *calls) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.list
	c.list = nil
	return out
}

// count returns how many calls so far start with prefix.
func (c *calls) count(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// env is a session's world: a mock Podio, a client signed in to it whose
// calls are counted, and a local app.
type env struct {
	mock   *mockpodio.Server
	client *podio.Client
	calls  *calls
	app    *httptest.Server
	got    chan string // bodies the local app received
}

func newEnv(t *testing.T) *env {
	t.Helper()
	mock, err := mockpodio.NewUnstartedServer()
	if err != nil {
		t.Fatal(err)
	}
	if mock.Seed, err = mockpodio.ParseSeed(fixtures.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	if err := mock.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mock.Close)
	e := &env{mock: mock, calls: &calls{next: http.DefaultTransport}, got: make(chan string, 100)}
	e.client = &podio.Client{BaseURL: mock.URL, HTTPClient: &http.Client{Transport: e.calls, Timeout: 10 * time.Second}}
	if err := e.client.Authenticate(t.Context(), podio.Credentials{ClientID: "devhook", ClientSecret: podio.NewSecret("devhook-secret"),
		AppID: 42, AppToken: podio.NewSecret("tok")}); err != nil {
		t.Fatal(err)
	}
	e.calls.take()
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.got <- string(b)
	}))
	t.Cleanup(e.app.Close)
	return e
}

// running is a session running in the background, its events collected.
type running struct {
	s      *session.Session
	events chan session.Event
	cancel context.CancelFunc
	done   chan error
}

func (e *env) start(t *testing.T, cfg session.Config) *running {
	return e.startWith(t, cfg, nil)
}

// startWith is start with also calls after every event's delivery to
// the test.
func (e *env) startWith(t *testing.T, cfg session.Config, after func(session.Event)) *running {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = e.client
	}
	if cfg.Tunnel == nil {
		tun, err := tunnel.ListenLocal("")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Tunnel = tun
	}
	if cfg.Target == nil {
		cfg.Target, _ = url.Parse(e.app.URL + "/hook")
	}
	cfg.Inspect = "false"
	cfg.NoLog = true
	r := &running{events: make(chan session.Event, 100), done: make(chan error, 1)}
	cfg.Sink = func(ev session.Event) {
		r.events <- ev
		if after != nil {
			after(ev)
		}
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.s = s
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// await returns the next event of type T, skipping others.
func await[T session.Event](t *testing.T, r *running) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		select {
		case ev := <-r.events:
			if v, ok := ev.(T); ok {
				return v
			}
		case err := <-r.done:
			r.done <- err
			for { // the events it sent before it ended
				select {
				case ev := <-r.events:
					if v, ok := ev.(T); ok {
						return v
					}
					continue
				default:
				}
				break
			}
			var zero T
			t.Fatalf("session ended (%v) before a %T", err, zero)
		case <-ctx.Done():
			var zero T
			t.Fatalf("no %T", zero)
		}
	}
}

// wait returns Run's error.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// TestRunForwardsAndCleansUp: a session registers its hooks in the mock
// through a loopback tunnel, the mock's item.create reaches the local app
// byte for byte, and the end of the context deletes the hooks.
func TestRunForwardsAndCleansUp(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, session.Config{Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}, {RefType: "app", RefID: 42, Event: "item.delete"}}})
	ready := await[session.Ready](t, r)
	if len(ready.Hooks) != 2 || !strings.HasPrefix(ready.HookURL, "http://127.0.0.1:") || ready.Target != e.app.URL+"/hook" {
		t.Fatalf("ready = %+v", ready)
	}
	for _, h := range ready.Hooks {
		if mh, ok := e.mock.Hook(h.ID); !ok || mh.Status != "active" || mh.URL != ready.HookURL || h.Status != "active" || h.Reused {
			t.Errorf("hook %+v; in the mock %+v", h, mh)
		}
	}
	if diff := cmp.Diff(ready.Hooks, r.s.Hooks()); diff != "" {
		t.Errorf("Hooks() differs from Ready (-ready +Hooks):\n%s", diff)
	}

	item, err := e.client.CreateItem(t.Context(), 42, map[string]any{"title": "x"}, podio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var d session.Delivery
	for d.Record.Type != "item.create" {
		d = await[session.Delivery](t, r)
	}
	body := <-e.got
	for body == "" || strings.HasPrefix(body, "type=hook.verify") {
		body = <-e.got
	}
	if !strings.HasPrefix(body, "type=item.create&hook_id="+itoa(ready.Hooks[0].ID)+"&item_id="+itoa(item.ItemID)+"&") {
		t.Errorf("the app got %q", body)
	}
	if d.Record.Outcome != "forwarded" || d.Record.Status != 200 || string(d.Record.Request.Body) != body {
		t.Errorf("record = %+v", d.Record)
	}

	r.cancel()
	await[session.Stopping](t, r)
	del := await[session.HooksDeleted](t, r)
	if err := r.wait(t); err != nil {
		t.Errorf("Run = %v", err)
	}
	if diff := cmp.Diff([]int64{ready.Hooks[0].ID, ready.Hooks[1].ID}, del.IDs); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if hooks := e.mock.Hooks(); len(hooks) != 0 {
		t.Errorf("hooks left: %+v", hooks)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// closeOnce closes ch unless it is closed.
func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// TestRelayAnswersBeforeBookkeeping: with the terminal stuck on the first
// delivery's line, Podio's next deliveries are still answered and reach
// the app, one after the other on the same keep-alive connection; the
// lines follow, in order, once the terminal moves again.
func TestRelayAnswersBeforeBookkeeping(t *testing.T) {
	e := newEnv(t)
	e.mock.HookConcurrency = 1 // each delivery waits for the one before
	release := make(chan struct{})
	var once sync.Once
	r := e.startWith(t, session.Config{Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}}}, func(ev session.Event) {
		if d, ok := ev.(session.Delivery); ok && d.Record.Type == "item.create" {
			once.Do(func() { <-release }) // a terminal that does not read
		}
	})
	t.Cleanup(func() { once.Do(func() {}); closeOnce(release) }) // before the session's cleanup, if the test fails
	hook := await[session.Ready](t, r).Hooks[0].ID
	const events = 5
	var ids []int64
	for range events {
		id, err := e.mock.FireEvent("app", 42, "item.create", nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for _, id := range ids {
		d, err := e.mock.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.EventID == id && d.HookID == hook })
		if err != nil {
			t.Fatalf("with the terminal stuck: %v", err)
		}
		if d.Outcome != mockpodio.OutcomeDelivered {
			t.Errorf("event %d: %s %s", id, d.Outcome, d.Error)
		}
	}
	closeOnce(release)
	var got []string
	for range events {
		d := await[session.Delivery](t, r)
		for d.Record.Type != "item.create" {
			d = await[session.Delivery](t, r)
		}
		got = append(got, d.Record.IDs[0])
	}
	var want []string
	for _, d := range e.mock.Deliveries() {
		if d.Type == "item.create" {
			want = append(want, "item_id="+d.Params["item_id"])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivery lines (-mock's order +lines):\n%s", diff)
	}
}

// TestRunKeep leaves the hooks the run created.
func TestRunKeep(t *testing.T) {
	e := newEnv(t)
	r := e.start(t, session.Config{Keep: true, Hooks: []session.HookSpec{{RefType: "app", RefID: 42, Event: "item.create"}}})
	ready := await[session.Ready](t, r)
	r.cancel()
	kept := await[session.HooksKept](t, r)
	if err := r.wait(t); err != nil {
		t.Errorf("Run = %v", err)
	}
	if diff := cmp.Diff([]int64{ready.Hooks[0].ID}, kept.IDs); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if _, ok := e.mock.Hook(ready.Hooks[0].ID); !ok {
		t.Error("Keep deleted the hook")
	}
}
