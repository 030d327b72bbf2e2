package trigger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/termsafe"
)

const (
	// UserAgent is the User-Agent of the events trigger POSTs. Podio's own
	// is not documented; the mock's is alike.
	UserAgent = "Podio-Webhooks (devhook trigger)"
	// ShownBody is how much of a receiver's answer trigger prints.
	ShownBody = 4 << 10
)

// post sends ev to cfg.To, cfg.Repeat times, and prints the answer or a
// summary.
func post(ctx context.Context, cfg Config, ev fixtures.Event) error {
	u, err := parseHTTPURL("to", cfg.To)
	switch {
	case err != nil:
		return err
	case cfg.App != 0 || cfg.Space != 0 || cfg.ForceControl:
		return usagef("--app, --space and --control go with --mock, not --to")
	case cfg.Repeat < 1:
		return usagef("--repeat must be at least 1, not %d", cfg.Repeat)
	case cfg.Concurrency < 1:
		return usagef("--concurrency must be at least 1, not %d", cfg.Concurrency)
	case cfg.Timeout <= 0:
		return usagef("--timeout must be positive, not %s", cfg.Timeout)
	}
	target, extra := fixtures.SplitHookURL(u.String())
	body := ev.Body(extra...)
	conc := min(cfg.Concurrency, cfg.Repeat)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	defer tr.CloseIdleConnections()
	// Podio's policy (package formpost): no redirect followed, the timeout
	// covers the whole answer.
	sender := &formpost.Sender{
		Client: &http.Client{Transport: tr}, Timeout: cfg.Timeout,
		UserAgent: UserAgent, MaxBody: ShownBody,
	}
	out := cfg.Out
	if cfg.Repeat == 1 {
		fmt.Fprintf(out, "POST %s  %s\n%s\n", termsafe.String(target), termsafe.String(ev.Type), termsafe.Lines(body))
		r := sender.Post(ctx, target, []byte(body))
		if r.Err != nil && r.Status == 0 {
			return fmt.Errorf("POST %s: %w", target, explainSendError(r.Err, cfg.Timeout))
		}
		fmt.Fprintf(out, "-> %s  %s\n", termsafe.String(r.StatusText), deliverylog.FormatLatency(r.Latency))
		if len(r.Body) > 0 {
			fmt.Fprintln(out, termsafe.Lines(strings.TrimSuffix(string(r.Body), "\n")))
		}
		if r.Truncated {
			fmt.Fprintf(out, "... (only the first %d bytes shown)\n", ShownBody)
		}
		if err := r.Failure(); err != nil {
			return fmt.Errorf("%s %w: Podio counts that as a failed delivery", target, explainSendError(err, cfg.Timeout))
		}
		return nil
	}
	fmt.Fprintf(out, "POST %s  %s  %d times, %d at a time\n%s\n", termsafe.String(target), termsafe.String(ev.Type), cfg.Repeat, conc, termsafe.Lines(body))
	start := time.Now()
	results := postBurst(ctx, sender, target, []byte(body), cfg.Repeat, conc)
	elapsed := time.Since(start)
	sum := summarizeBurst(results)
	sum.print(out, len(results), elapsed)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted after %d of %d requests: %w", len(results), cfg.Repeat, err)
	}
	if sum.failed > 0 {
		return fmt.Errorf("%d of %d requests failed: Podio counts each non-2xx or missing answer as a failed delivery", sum.failed, len(results))
	}
	return nil
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
	firstFailure  string // what the first failed request got, raw
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

// print writes the summary of n requests sent in elapsed: a STATUS COUNT
// table, the latencies and the first failure, escaped for the terminal.
func (sum burstSummary) print(w io.Writer, n int, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCOUNT")
	for _, c := range sum.counts {
		fmt.Fprintf(tw, "%s\t%d\n", termsafe.String(c.status), c.count)
	}
	tw.Flush()
	fmt.Fprintf(w, "latency  p50 %s  p95 %s  max %s  (%d requests in %s)\n",
		compactLatency(sum.p50), compactLatency(sum.p95), compactLatency(sum.max), n, compactLatency(elapsed))
	if sum.firstFailure != "" {
		fmt.Fprintf(w, "first failure: %s\n", termsafe.String(sum.firstFailure))
	}
}

// compactLatency is deliverylog.FormatLatency without its space ("14ms"),
// one token per value in the burst's summary line.
func compactLatency(d time.Duration) string {
	return strings.ReplaceAll(deliverylog.FormatLatency(d), " ", "")
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
