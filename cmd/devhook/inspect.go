package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/inspector"
)

// feedSize is how many records the inspector of one run keeps in memory;
// older ones stay in the delivery log.
const feedSize = 500

// inspectFlag is the --inspect flag of up and mock.
func inspectFlag() cli.Flag {
	return &cli.StringFlag{Name: "inspect", Value: inspector.DefaultAddr, EnvVars: []string{"DEVHOOK_INSPECT"},
		Usage: "serve the web inspector on this loopback `ADDR` (--inspect=false to turn it off)"}
}

// inspectDisabled reports whether --inspect turns the inspector off.
func inspectDisabled(addr string) bool {
	switch addr {
	case "", "false", "off", "no", "0":
		return true
	}
	return false
}

// feed is one run's records, shown by the inspector and logged to the
// delivery log. A nil *feed records nothing.
type feed struct {
	// onReplay, when set, is told of each replay made from the inspector,
	// so that the terminal shows it too.
	onReplay func(deliverylog.Record)

	dlog   *deliveryLogger
	mu     sync.Mutex // guards recs
	recs   []deliverylog.Record
	insp   *inspector.Server
	server *http.Server
	url    string
}

// newFeed opens the delivery log and, unless addr disables it, the
// inspector. An inspector that cannot listen is a warning, not a failure:
// webhooks matter more than the page.
func newFeed(addr string, state func() inspector.State, stderr io.Writer) *feed {
	f := &feed{dlog: openDeliveryLogger(stderr)}
	if inspectDisabled(addr) {
		return f
	}
	ln, warn, err := inspector.Listen(addr)
	if err != nil {
		fmt.Fprintf(stderr, "devhook: warning: inspector not started: %v (--inspect 127.0.0.1:0 picks a free port)\n", err)
		return f
	}
	if warn != "" {
		fmt.Fprintf(stderr, "devhook: warning: %s\n", warn)
	}
	f.insp = inspector.New(inspector.Source{State: state, Records: f.records, Replay: f.replay})
	f.server = &http.Server{Handler: f.insp, ReadHeaderTimeout: 10 * time.Second}
	f.url = "http://" + ln.Addr().String()
	go f.server.Serve(ln)
	return f
}

// add logs r and shows it.
func (f *feed) add(r deliverylog.Record) {
	if f == nil {
		return
	}
	r = f.dlog.append(r)
	f.mu.Lock()
	f.recs = append(f.recs, r)
	if len(f.recs) > feedSize {
		f.recs = append(f.recs[:0:0], f.recs[len(f.recs)-feedSize:]...)
	}
	f.mu.Unlock()
	if f.insp != nil {
		f.insp.Publish(r)
	}
}

func (f *feed) records() []deliverylog.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]deliverylog.Record(nil), f.recs...)
}

// replay re-sends a record of this run (or of the log) to where it first
// went, with the headers and body of edit when it is not nil, and logs the
// replay. The inspector publishes it; onReplay shows it.
func (f *feed) replay(ctx context.Context, id string, edit *inspector.Edit) (deliverylog.Record, error) {
	rec, ok := f.find(id)
	if !ok {
		var err error
		rec, err = deliverylog.Find(f.dlog.dir(), id)
		if errors.Is(err, deliverylog.ErrNotFound) || f.dlog.dir() == "" {
			return deliverylog.Record{}, fmt.Errorf("replay %s: %w", id, inspector.ErrUnknownRecord)
		}
		if err != nil {
			return deliverylog.Record{}, fmt.Errorf("replay %s: %w", id, err)
		}
	}
	to, err := replayTarget(rec)
	if err != nil {
		return deliverylog.Record{}, fmt.Errorf("replay %s: %w", id, err)
	}
	if edit != nil {
		if edit.Header != nil {
			rec.Request.Header = edit.Header
		}
		if edit.Body != nil {
			rec.Request.Body = []byte(*edit.Body)
		}
	}
	r := f.dlog.append(sendReplay(ctx, rec, to))
	f.mu.Lock()
	f.recs = append(f.recs, r)
	f.mu.Unlock()
	if f.onReplay != nil {
		f.onReplay(r)
	}
	return r, nil
}

func (f *feed) find(id string) (deliverylog.Record, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.recs {
		if r.ID == id {
			return r, true
		}
	}
	return deliverylog.Record{}, false
}

// inspectorURL is where the inspector serves, or "" when it is off.
func (f *feed) inspectorURL() string {
	if f == nil {
		return ""
	}
	return f.url
}

func (f *feed) close() {
	if f == nil {
		return
	}
	if f.insp != nil {
		f.insp.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		f.server.Shutdown(ctx)
		cancel()
	}
	f.dlog.close()
}

// replayPrinter shows each replay made from the inspector with printf: as
// a line, or with --json as its record.
func replayPrinter(printf func(format string, args ...any), asJSON bool) func(deliverylog.Record) {
	return func(r deliverylog.Record) {
		if !asJSON {
			printf("%s\n", replayLine(r))
			return
		}
		if b, err := json.Marshal(r); err == nil {
			printf("%s\n", b)
		}
	}
}

// replayLine is the terminal's line for a replay made from the inspector,
// in the style of the relay's lines: time, event, hook, ids, then what the
// replay got.
func replayLine(r deliverylog.Record) string {
	var b strings.Builder
	b.WriteString(r.Time.Format("15:04:05"))
	b.WriteString("  " + quoteControl(orDefault(r.Type, r.Kind)))
	if r.HookID != 0 {
		fmt.Fprintf(&b, "  hook %d", r.HookID)
	}
	if len(r.IDs) > 0 {
		b.WriteString("  " + quoteControl(strings.Join(r.IDs, " ")))
	}
	fmt.Fprintf(&b, "  replayed from the inspector (of %s) -> ", quoteControl(r.ReplayOf))
	if r.Response.Status != 0 {
		fmt.Fprintf(&b, "%d  %s", r.Response.Status, formatLatencyMS(r.LatencyMS))
	} else {
		b.WriteString("no answer")
	}
	if r.Error != "" {
		b.WriteString("  " + quoteControl(r.Error))
	}
	return b.String()
}

// quoteControl quotes s when it holds control characters, which a
// terminal would act on.
func quoteControl(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}
