package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

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
	dlog   *deliveryLogger
	mu     sync.Mutex // guards recs
	recs   recordRing
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
	f.recs.add(r)
	f.mu.Unlock()
	if f.insp != nil {
		f.insp.Publish(r)
	}
}

func (f *feed) records() []deliverylog.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs.all()
}

// replay re-sends a record of this run (or of the log) to where it first
// went, and logs the replay. The inspector publishes it.
func (f *feed) replay(ctx context.Context, id string) (deliverylog.Record, error) {
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
	r := f.dlog.append(sendReplay(ctx, rec, to))
	f.mu.Lock()
	f.recs.add(r)
	f.mu.Unlock()
	return r, nil
}

func (f *feed) find(id string) (deliverylog.Record, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs.find(id)
}

// recordRing keeps the newest feedSize records: adding one costs the same
// however many came before.
type recordRing struct {
	buf  []deliverylog.Record // grows to feedSize, then is overwritten in place
	next int                  // where the next record goes once buf is full
}

func (g *recordRing) add(r deliverylog.Record) {
	if len(g.buf) < feedSize {
		g.buf = append(g.buf, r)
		return
	}
	g.buf[g.next] = r
	g.next = (g.next + 1) % feedSize
}

// all returns the records, oldest first.
func (g *recordRing) all() []deliverylog.Record {
	out := make([]deliverylog.Record, 0, len(g.buf))
	out = append(out, g.buf[g.next:]...)
	return append(out, g.buf[:g.next]...)
}

// find returns the newest record with id.
func (g *recordRing) find(id string) (deliverylog.Record, bool) {
	for i := len(g.buf) - 1; i >= 0; i-- {
		if r := g.buf[(g.next+i)%len(g.buf)]; r.ID == id {
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
