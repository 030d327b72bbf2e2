package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/asyncwriter"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/feed"
	"github.com/devhookhq/devhook/internal/render"
	"github.com/devhookhq/devhook/mockpodio"
)

type mockOptions struct {
	addr            string
	seedFile        string
	allowAnyPort    bool
	clock           string
	deliveryTimeout time.Duration
	rateLimit       string
	queueDelay      time.Duration
	queueJitter     time.Duration
	faultSeed       uint64
	quiet           bool
	inspect         string
	stateFile       string
	allowHosts      []string
	hookConcurrency int
	maxFileBytes    int64
}

// hookConcurrencyFlag is the --hook-concurrency flag of mock and up --mock.
func hookConcurrencyFlag(usage string) cli.Flag {
	return &cli.IntFlag{Name: "hook-concurrency", Value: mockpodio.DefaultHookConcurrency, Usage: usage}
}

// checkHookConcurrency refuses a --hook-concurrency below 1.
func checkHookConcurrency(n int) error {
	if n < 1 {
		return usagef("--hook-concurrency must be 1 or more (1 delivers each hook's events in order), not %d", n)
	}
	return nil
}

func mockCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "mock",
		Usage: "run the mock Podio API and webhook delivery engine",
		Description: `Serves a faithful mock of the Podio API: OAuth, hooks with the hook.verify
handshake, items, comments, tasks and apps whose writes fire webhooks, with
Podio's 15-second timeout and suspension rules. It starts with a default seed
(a space, a "Bugs" app, credentials) and stays permissive: unknown apps and
credentials are accepted. --seed FILE makes it strict, like real Podio.
--state FILE keeps hooks, items, comments, tasks, tokens and the rules'
counters across restarts (deliveries queued or in flight are not kept).

The mock's own control API lives under /_mock/ (hooks, deliveries, clock,
events, faults, reset): see the README.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", EnvVars: []string{"DEVHOOK_MOCK_ADDR"}, Usage: "address to listen on (port 0 picks a free one)"},
			&cli.StringFlag{Name: "seed", Usage: "JSON seed `FILE` (spaces, apps, fields, credentials); makes the mock strict"},
			&cli.BoolFlag{Name: "allow-any-port", Usage: "accept hook URLs on ports other than 80 and 443 (Podio refuses them)"},
			&cli.StringFlag{Name: "clock", Value: "real", Usage: "`real` or manual (moved with POST /_mock/clock/advance)"},
			&cli.DurationFlag{Name: "delivery-timeout", Value: mockpodio.DefaultDeliveryTimeout, Usage: "how long a receiver has to answer 2xx"},
			&cli.StringFlag{Name: "rate-limit", Usage: "API calls allowed per token, e.g. 1000/h (Podio's); over it every call gets 420"},
			&cli.DurationFlag{Name: "queue-delay", Usage: "delay every delivery by this much (Podio's queue at peak times)"},
			&cli.DurationFlag{Name: "queue-jitter", Usage: "add a random delay up to this much to every delivery"},
			&cli.Uint64Flag{Name: "fault-seed", Usage: "seed of the random choices (jitter, faults), for reproducible runs"},
			&cli.StringFlag{Name: "state", Usage: "keep the mock's state (hooks, items, tokens, rule counters) in `FILE` across restarts"},
			&cli.Int64Flag{Name: "max-file-bytes", Value: mockpodio.DefaultMaxFileBytes, Usage: "the upload cap of POST /file/ in bytes (`N`); larger files get 413"},
			hookConcurrencyFlag("deliveries to one hook in flight at once, like Podio's queue workers (`N`; 1 keeps each hook's events in order)"),
			inspectFlag(),
			allowHostFlag(),
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no line per API call and delivery"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("mock takes no arguments, got %q", c.Args().First())
			}
			if err := checkHookConcurrency(c.Int("hook-concurrency")); err != nil {
				return err
			}
			if n := c.Int64("max-file-bytes"); n < 1 {
				return usagef("--max-file-bytes must be 1 or more, not %d", n)
			}
			return runMock(c.Context, mockOptions{
				addr: c.String("addr"), seedFile: c.String("seed"), allowAnyPort: c.Bool("allow-any-port"),
				clock: c.String("clock"), deliveryTimeout: c.Duration("delivery-timeout"), rateLimit: c.String("rate-limit"),
				queueDelay: c.Duration("queue-delay"), queueJitter: c.Duration("queue-jitter"), faultSeed: c.Uint64("fault-seed"),
				quiet: c.Bool("quiet"), inspect: c.String("inspect"), stateFile: c.String("state"),
				allowHosts:      c.StringSlice("allow-host"),
				hookConcurrency: c.Int("hook-concurrency"), maxFileBytes: c.Int64("max-file-bytes"),
			}, e.stdout, e.stderr)
		},
	}
}

// newMockServer builds the mock from the options, not yet listening.
func newMockServer(opts mockOptions, log io.Writer) (*mockpodio.Server, error) {
	s := &mockpodio.Server{
		AllowAnyPort:    opts.allowAnyPort,
		DeliveryTimeout: opts.deliveryTimeout,
		QueueDelay:      opts.queueDelay,
		QueueJitter:     opts.queueJitter,
		FaultSeed:       opts.faultSeed,
		StateFile:       opts.stateFile,
		AllowedHosts:    opts.allowHosts,
		HookConcurrency: opts.hookConcurrency,
		MaxFileBytes:    opts.maxFileBytes,
	}
	var err error
	if s.RateLimit, err = mockpodio.ParseRateLimit(opts.rateLimit); err != nil {
		return nil, err
	}
	switch opts.clock {
	case "", "real":
	case "manual":
		s.Clock = mockpodio.NewManualClock(time.Now().UTC().Truncate(time.Second))
	default:
		return nil, usagef("--clock must be real or manual, not %q", opts.clock)
	}
	seed := fixtures.DefaultSeed()
	if opts.seedFile != "" {
		if seed, err = os.ReadFile(opts.seedFile); err != nil {
			return nil, fmt.Errorf("read seed: %w", err)
		}
		s.Strict = true
	}
	if s.Seed, err = mockpodio.ParseSeed(seed); err != nil {
		return nil, fmt.Errorf("seed %s: %w", orDefault(opts.seedFile, "(default)"), err)
	}
	if !opts.quiet {
		s.Logf = render.Logf(log)
	}
	return s, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func runMock(ctx context.Context, opts mockOptions, stdout, stderr io.Writer) error {
	// One line per API call and delivery: written from a goroutine of its
	// own, in batches, so a terminal that scrolls slowly holds up neither;
	// closed last, so every line is printed.
	out := asyncwriter.New(stdout, 0)
	defer out.Close()
	stdout = out
	s, err := newMockServer(opts, stdout)
	if err != nil {
		return err
	}
	f := openMockFeed(s, opts, stderr)
	defer f.Close() // after s.Close, which waits for the deliveries
	if err := s.StartOn(opts.addr, "addr", false, stderr); err != nil {
		return err
	}
	s.WriteBanner(stdout, opts.seedFile)
	if u := f.InspectorURL(); u != "" {
		fmt.Fprintf(stdout, "Inspector   %s\n", u)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "devhook mock: shutting down")
	s.Close()
	return nil
}

// openMockFeed opens the delivery log and the inspector of mock s and
// feeds them every delivery s records.
func openMockFeed(s *mockpodio.Server, opts mockOptions, stderr io.Writer) *feed.Feed {
	onReplay := func(r deliverylog.Record) {
		if s.Logf != nil { // not --quiet: the log shows replays made from the inspector
			s.Logf("%s", render.Summary(r))
		}
	}
	f := feed.Open(feed.Options{InspectAddr: opts.inspect, State: s.InspectorState, Warn: stderr, OnReplay: onReplay,
		AllowedHosts: opts.allowHosts})
	s.OnDeliveries = func(ds []mockpodio.Delivery) {
		rs := make([]deliverylog.Record, len(ds))
		for i, d := range ds {
			rs[i] = d.Record()
		}
		f.AddAll(rs) // one write to the delivery log for the lot
	}
	return f
}
