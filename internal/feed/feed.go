// Package feed is one run's deliveries as devhook shows them: each record
// is appended to the delivery log (package deliverylog), kept in a bounded
// in-memory list, and published to the web inspector (package inspector),
// whose Replay button re-sends a record with [Resend].
//
// `devhook up` (through package session) and `devhook mock` each open one
// Feed for their run.
package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/httpguard"
	"github.com/devhookhq/devhook/internal/inspector"
)

// Size is how many records a Feed keeps in memory for the inspector;
// older ones stay in the delivery log.
const Size = 500

// RejectedSize is how many rejected records ([deliverylog.KindRejected]) a
// Feed keeps, apart from the Size others: rejected requests never push a
// delivery out of memory.
const RejectedSize = 50

// MaxLoggedRejected is how many rejected records a Feed writes to the
// delivery log per run; later ones are kept in memory only, so that
// rejected requests cannot rotate deliveries out of the log.
const MaxLoggedRejected = 1000

// Options configure [Open].
type Options struct {
	// InspectAddr is the loopback address the inspector listens on.
	// [InspectDisabled] values ("", "false", "off", "no", "0") turn it off.
	InspectAddr string
	// State is what the inspector shows of the run besides its records.
	State func() inspector.State
	// NoLog turns the delivery log off.
	NoLog bool
	// Warn receives one-line warnings (a log or an inspector that cannot
	// be opened). Nil means io.Discard.
	Warn io.Writer
	// OnReplay, when set, is told of each replay made from the inspector
	// (after it is logged), so that the run's terminal shows it too.
	OnReplay func(deliverylog.Record)
	// AllowedHosts are host names, besides localhost and IP addresses,
	// the inspector may be addressed to (--allow-host).
	AllowedHosts []string
	// listenLimits are the inspector listener's timeouts and header cap;
	// zero means httpguard's (tests set shorter ones).
	listenLimits httpguard.Limits
}

// InspectDisabled reports whether an --inspect value turns the inspector
// off.
func InspectDisabled(addr string) bool {
	switch addr {
	case "", "false", "off", "no", "0":
		return true
	}
	return false
}

// Feed is one run's records. A nil *Feed records nothing. It is safe for
// concurrent use.
type Feed struct {
	onReplay func(deliverylog.Record)
	dlog     *logger
	mu       sync.Mutex // guards recs, rejected and loggedRejected
	recs     ring
	rejected ring
	// loggedRejected counts the rejected records written to the log.
	loggedRejected int
	insp           *inspector.Server
	server         *http.Server
	url            string
}

// Open opens the delivery log and, unless opts disables it, the
// inspector. Neither failing is an error: logging and the page are aids,
// so each gets one warning and is otherwise left out.
func Open(opts Options) *Feed {
	warn := opts.Warn
	if warn == nil {
		warn = io.Discard
	}
	f := &Feed{onReplay: opts.OnReplay, rejected: ring{size: RejectedSize}}
	if !opts.NoLog {
		f.dlog = openLogger(warn)
	}
	if InspectDisabled(opts.InspectAddr) {
		return f
	}
	ln, w, err := inspector.Listen(opts.InspectAddr)
	if err != nil {
		fmt.Fprintf(warn, "devhook: warning: inspector not started: %v (--inspect 127.0.0.1:0 picks a free port)\n", err)
		return f
	}
	if w != "" {
		fmt.Fprintf(warn, "devhook: warning: %s\n", w)
	}
	state := opts.State
	if state == nil {
		state = func() inspector.State { return inspector.State{} }
	}
	f.insp = inspector.New(inspector.Source{State: state, Records: f.Records, Replay: f.Replay, AllowedHosts: opts.AllowedHosts})
	f.server = httpguard.Server(f.insp, opts.listenLimits)
	f.url = "http://" + ln.Addr().String()
	go f.server.Serve(ln)
	return f
}

// Add bounds r ([deliverylog.Cap]), logs it, keeps it and publishes it to
// the inspector. It returns r as logged (with its ID), or as bounded when
// it could not be logged. Rejected records are kept apart from the others
// and only the first [MaxLoggedRejected] of a run are logged.
func (f *Feed) Add(r deliverylog.Record) deliverylog.Record {
	rs := [1]deliverylog.Record{r}
	f.AddAll(rs[:])
	return rs[0]
}

// AddAll adds the records of rs in order, as [Feed.Add] adds each, and
// sets each element to its record as logged (or as bounded). The records
// to log are written together ([deliverylog.Log.AppendAll]): one write
// for a batch of deliveries instead of one each.
func (f *Feed) AddAll(rs []deliverylog.Record) {
	for i := range rs {
		rs[i] = deliverylog.Cap(rs[i])
	}
	if f == nil {
		return
	}
	toLog := make([]int, 0, len(rs)) // indexes in rs of the records to log
	for i, r := range rs {
		if r.Kind != deliverylog.KindRejected || f.logRejected() {
			toLog = append(toLog, i)
		}
	}
	f.dlog.appendAll(rs, toLog)
	f.mu.Lock()
	for _, r := range rs {
		f.keepLocked(r)
	}
	f.mu.Unlock()
	if f.insp != nil {
		for _, r := range rs {
			f.insp.Publish(r)
		}
	}
}

// logRejected reports whether one more rejected record may be logged.
func (f *Feed) logRejected() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loggedRejected >= MaxLoggedRejected {
		return false
	}
	f.loggedRejected++
	return true
}

func (f *Feed) keep(r deliverylog.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keepLocked(r)
}

func (f *Feed) keepLocked(r deliverylog.Record) {
	if r.Kind == deliverylog.KindRejected {
		f.rejected.add(r)
		return
	}
	f.recs.add(r)
}

// Records returns the records kept, oldest first (by time; rejected ones
// among the others).
func (f *Feed) Records() []deliverylog.Record {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	recs := f.recs.all()
	if len(f.rejected.buf) == 0 {
		return recs
	}
	recs = append(recs, f.rejected.all()...)
	slices.SortStableFunc(recs, func(a, b deliverylog.Record) int { return a.Time.Compare(b.Time) })
	return recs
}

// Replay re-sends a record of this run (or of the log) to where it first
// went, with the headers and body of edit when it is not nil, and logs the
// replay. The inspector publishes it; [Options.OnReplay] is told of it.
func (f *Feed) Replay(ctx context.Context, id string, edit *inspector.Edit) (deliverylog.Record, error) {
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
	to, err := Target(rec)
	if err != nil {
		return deliverylog.Record{}, fmt.Errorf("replay %s: %w", id, err)
	}
	if err := Whole(rec); err != nil && (edit == nil || edit.Body == nil) {
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
	r := f.dlog.append(deliverylog.Cap(Resend(ctx, rec, to)))
	f.keep(r)
	if f.onReplay != nil {
		f.onReplay(r)
	}
	return r, nil
}

func (f *Feed) find(id string) (deliverylog.Record, bool) {
	if f == nil {
		return deliverylog.Record{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recs.find(id)
}

// LogDir is the delivery log's directory, or "" when the log is off.
func (f *Feed) LogDir() string {
	if f == nil {
		return ""
	}
	return f.dlog.dir()
}

// InspectorURL is where the inspector serves, or "" when it is off.
func (f *Feed) InspectorURL() string {
	if f == nil {
		return ""
	}
	return f.url
}

// Close stops the inspector and closes the log.
func (f *Feed) Close() {
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

// logger is the delivery log as a run uses it: a log that cannot be opened
// or written gets one warning and is otherwise ignored. A nil *logger logs
// nothing.
type logger struct {
	log  *deliverylog.Log
	warn io.Writer
	once sync.Once // guards the write failure warning
}

// openLogger opens the log in deliverylog.Dir(). If it cannot, it warns on
// warn and returns nil.
func openLogger(warn io.Writer) *logger {
	dir, err := deliverylog.Dir()
	if err == nil {
		var l *deliverylog.Log
		if l, err = deliverylog.Open(dir, deliverylog.Options{}); err == nil {
			return &logger{log: l, warn: warn}
		}
	}
	fmt.Fprintf(warn, "devhook: warning: deliveries will not be logged: %v\n", err)
	return nil
}

// append logs r and returns it as logged (with its ID), or unchanged when
// it could not be logged.
func (l *logger) append(r deliverylog.Record) deliverylog.Record {
	if l == nil {
		return r
	}
	logged, err := l.log.Append(r)
	if err != nil {
		l.once.Do(func() { fmt.Fprintf(l.warn, "devhook: warning: deliveries are no longer logged: %v\n", err) })
		return r
	}
	return logged
}

// appendAll logs the records of rs at the indexes toLog, in one go, and
// sets each to its record as logged; a record that could not be logged
// stays as it was.
func (l *logger) appendAll(rs []deliverylog.Record, toLog []int) {
	if l == nil || len(toLog) == 0 {
		return
	}
	logged := make([]deliverylog.Record, len(toLog))
	for i, j := range toLog {
		logged[i] = rs[j]
	}
	n, err := l.log.AppendAll(logged)
	for i, j := range toLog[:n] {
		rs[j] = logged[i]
	}
	if err != nil {
		l.once.Do(func() { fmt.Fprintf(l.warn, "devhook: warning: deliveries are no longer logged: %v\n", err) })
	}
}

// dir returns the log's directory, "" for nil.
func (l *logger) dir() string {
	if l == nil {
		return ""
	}
	return l.log.Dir()
}

func (l *logger) close() {
	if l != nil {
		l.log.Close()
	}
}
