package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devhookhq/devhook/fixtures"
)

// Workers is how many client workers every load uses, each on its own
// keep-alive connection.
const workers = 16

// stepTimeout bounds every wait of the run.
const stepTimeout = 2 * time.Minute

type binFlag []string

func (b *binFlag) String() string     { return strings.Join(*b, ",") }
func (b *binFlag) Set(v string) error { *b = append(*b, v); return nil }

// bin is one devhook binary under test.
type bin struct {
	label, path string
	hasConc     bool // knows --hook-concurrency
}

type config struct {
	self       string
	bins       []bin
	rounds     int
	deliveries int
	gets       int
	burst      int
	stateDir   string
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var bins binFlag
	fs.Var(&bins, "devhook", "devhook binary, or LABEL=PATH (repeatable; the first is the one the targets are about)")
	rounds := fs.Int("rounds", 3, "rounds of each measurement (the median is printed)")
	deliveries := fs.Int("deliveries", 10000, "items created per delivery round (a round of 2,000 lasts 0.1-0.4 s, too short to measure a rate steadily on 2 cores)")
	gets := fs.Int("gets", 20000, "GETs per API round")
	burst := fs.Int("burst", 5000, "items created per up --mock burst")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(bins) == 0 {
		return errors.New("run: give -devhook PATH")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	state, err := os.MkdirTemp("", "devhookbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	cfg := config{self: self, rounds: *rounds, deliveries: *deliveries, gets: *gets, burst: *burst, stateDir: state}
	for i, b := range bins {
		label, path, ok := strings.Cut(b, "=")
		if !ok {
			label, path = fmt.Sprint("devhook", map[bool]string{true: "", false: fmt.Sprint(i + 1)}[i == 0]), b
		}
		help, _ := exec.Command(path, "mock", "--help").CombinedOutput()
		cfg.bins = append(cfg.bins, bin{label: label, path: path, hasConc: bytes.Contains(help, []byte("hook-concurrency"))})
	}

	fmt.Printf("# devhookbench: %d workers, %d rounds (medians), %d deliveries, %d GETs, %d burst; all on 127.0.0.1\n",
		workers, cfg.rounds, cfg.deliveries, cfg.gets, cfg.burst)
	// Each measurement runs its rounds for every binary in turn, the
	// order reversed every other round, so a change in the machine's
	// other load falls on all of them alike: compare within one run.
	rows := make([][]*row, len(cfg.bins))
	kinds := []struct {
		name string
		conc string // for deliveries
		make func(b bin, conc string) (*bench, error)
	}{
		{"deliveries", "", cfg.deliveryBench},
		{"deliveries", "1", cfg.deliveryBench},
		{"GET", "", func(b bin, _ string) (*bench, error) { return cfg.getBench(b) }},
		{"burst", "", func(b bin, _ string) (*bench, error) { return cfg.burstBench(b) }},
	}
	for _, k := range kinds {
		var benches []*bench
		var idx []int // bin index of each bench
		stopAll := func() {
			for _, bn := range benches {
				bn.stop()
			}
		}
		for i, b := range cfg.bins {
			if k.conc != "" && !b.hasConc {
				continue
			}
			bn, err := k.make(b, k.conc)
			if err != nil {
				stopAll()
				return fmt.Errorf("%s %s: %w", b.label, k.name, err)
			}
			benches = append(benches, bn)
			idx = append(idx, i)
		}
		for round := range cfg.rounds {
			for j := range benches {
				if round%2 == 1 {
					j = len(benches) - 1 - j
				}
				if err := benches[j].round(); err != nil {
					stopAll()
					return fmt.Errorf("%s %s: %w", cfg.bins[idx[j]].label, k.name, err)
				}
			}
		}
		stopAll()
		for j, bn := range benches {
			rows[idx[j]] = append(rows[idx[j]], bn.r)
			fmt.Fprintln(os.Stderr, bn.r.String())
		}
	}
	fmt.Println()
	fmt.Println("| measurement | devhook | plain net/http | ratio | target | devhook CPU per request |")
	fmt.Println("|---|---:|---:|---:|---|---:|")
	for _, rs := range rows {
		for _, r := range rs {
			fmt.Println(r.String())
		}
	}
	return nil
}

// bench is one measurement of one binary, set up: each call of round
// adds a round's figures to r; stop ends its processes.
type bench struct {
	r     *row
	round func() error
	stop  func()
}

// stops returns a function calling fs in reverse order.
func stops(fs ...func()) func() {
	return func() {
		for i := len(fs) - 1; i >= 0; i-- {
			fs[i]()
		}
	}
}

// row is one line of the table: medians of the rounds.
type row struct {
	name, target string
	mock, base   []float64 // per round, per second
	// cpu is the devhook process's CPU time (user and system) per request
	// of the round, in µs: less sensitive to the machine's other load than
	// the rates, so it shows what a change costs or saves.
	cpu []float64
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (r row) String() string {
	m := median(r.mock)
	cpu := "n/a"
	if len(r.cpu) > 0 {
		cpu = fmt.Sprintf("%.0f µs", median(r.cpu))
	}
	if len(r.base) == 0 {
		return fmt.Sprintf("| %s | %.0f/s | | | %s | %s |", r.name, m, r.target, cpu)
	}
	b := median(r.base)
	return fmt.Sprintf("| %s | %.0f/s | %.0f/s | %.2f | %s | %s |", r.name, m, b, m/b, r.target, cpu)
}

// cpuMeter reads a process's CPU time; ok is false where /proc is not
// there to read it from.
type cpuMeter struct {
	pid   int
	start time.Duration
	ok    bool
}

func meterCPU(p *proc) *cpuMeter {
	m := &cpuMeter{pid: p.cmd.Process.Pid}
	m.start, m.ok = cpuTime(m.pid)
	return m
}

// perRequest appends to r.cpu the CPU time used since meterCPU, per
// request of n, in µs.
func (m *cpuMeter) perRequest(r *row, n int) {
	if end, ok := cpuTime(m.pid); ok && m.ok {
		r.cpu = append(r.cpu, float64(end-m.start)/float64(time.Microsecond)/float64(n))
	}
}

// clockTick is the unit of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime returns the user and system time process pid has used.
func cpuTime(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * clockTick, true
}

// proc is a child process whose stdout is read line by line.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []string
	added chan struct{} // closed and replaced on every line
	done  chan struct{}
}

func (c *config) start(name string, args ...string) (*proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DEVHOOK_STATE_DIR="+c.stateDir, "NO_COLOR=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, stdin: stdin, added: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			if len(p.lines) < 200 { // the banner; delivery lines are only drained
				p.lines = append(p.lines, sc.Text())
			}
			close(p.added)
			p.added = make(chan struct{})
			p.mu.Unlock()
		}
	}()
	return p, nil
}

// await returns the first submatch of re in the process's output.
func (p *proc) await(re *regexp.Regexp) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	seen := 0
	for {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if m := re.FindStringSubmatch(p.lines[seen]); m != nil {
				p.mu.Unlock()
				return m[1], nil
			}
		}
		ch := p.added
		p.mu.Unlock()
		select {
		case <-ch:
		case <-p.done:
			return "", fmt.Errorf("%s exited before printing %s", p.cmd.Path, re)
		case <-ctx.Done():
			return "", fmt.Errorf("%s did not print %s", p.cmd.Path, re)
		}
	}
}

// stop interrupts the process and waits for it.
func (p *proc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	p.stdin.Close()
	t := time.AfterFunc(20*time.Second, func() { p.cmd.Process.Kill() })
	p.cmd.Wait()
	t.Stop()
}

var listening = regexp.MustCompile(`^listening (http://127\.0\.0\.1:\d+)`)

func (c *config) startHelper(args ...string) (*proc, string, error) {
	p, err := c.start(c.self, args...)
	if err != nil {
		return nil, "", err
	}
	u, err := p.await(listening)
	if err != nil {
		p.stop()
		return nil, "", err
	}
	return p, u, nil
}

// seed is what the runs need of the default seed.
type seed struct {
	clientID, clientSecret, appToken string
	appID                            int64
}

func defaultSeed() (seed, error) {
	var s struct {
		Clients []struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"clients"`
		Apps []struct {
			AppID    int64  `json:"app_id"`
			AppToken string `json:"app_token"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(fixtures.DefaultSeed(), &s); err != nil || len(s.Clients) == 0 || len(s.Apps) == 0 {
		return seed{}, fmt.Errorf("default seed: %v", err)
	}
	return seed{s.Clients[0].ClientID, s.Clients[0].ClientSecret, s.Apps[0].AppToken, s.Apps[0].AppID}, nil
}

var client = &http.Client{Timeout: 30 * time.Second}

func newClient(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = n
	tr.MaxConnsPerHost = n
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// token gets an app token from the mock at api.
func token(api string, sd seed) (string, error) {
	form := url.Values{"grant_type": {"app"}, "app_id": {strconv.FormatInt(sd.appID, 10)}, "app_token": {sd.appToken},
		"client_id": {sd.clientID}, "client_secret": {sd.clientSecret}}
	res, err := client.PostForm(api+"/oauth/token", form)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&t); err != nil || t.AccessToken == "" {
		return "", fmt.Errorf("token: status %d: %v", res.StatusCode, err)
	}
	return t.AccessToken, nil
}

func apiCall(method, u, tok string, body any) ([]byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "OAuth2 "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return b, fmt.Errorf("%s %s: %d %s", method, u, res.StatusCode, b)
	}
	return b, err
}

// hammer sends n requests made by mk from w workers and returns how long
// they took. Any failure or non-2xx answer fails the run.
func hammer(c *http.Client, w, n int, mk func(i int) (*http.Request, error)) (time.Duration, error) {
	var next atomic.Int64
	var first atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || first.Load() != nil {
					return
				}
				req, err := mk(i)
				if err == nil {
					var res *http.Response
					if res, err = c.Do(req); err == nil {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode/100 != 2 {
							err = fmt.Errorf("%s %s: status %d", req.Method, req.URL, res.StatusCode)
						}
					}
				}
				if err != nil {
					first.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e := first.Load(); e != nil {
		return 0, *e
	}
	return time.Since(start), nil
}

// awaitCount waits until the receiver at recv has counted n events.
func awaitCount(recv string, n int) error {
	c := &http.Client{Timeout: stepTimeout}
	res, err := c.Get(fmt.Sprintf("%s/wait?n=%d", recv, n))
	if err != nil {
		return fmt.Errorf("receiver never counted %d events: %w", n, err)
	}
	res.Body.Close()
	return nil
}

func resetCount(recv string) error {
	res, err := client.Post(recv+"/reset", "", nil)
	if err != nil {
		return err
	}
	res.Body.Close()
	return nil
}

var mockURL = regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`)

// startMock starts `devhook mock` on a free port, with its log and
// delivery log on as a user runs it, and returns it with a token.
func (c *config) startMock(b bin, conc string) (*proc, string, string, error) {
	args := []string{"mock", "--addr", "127.0.0.1:0", "--allow-any-port", "--inspect", "127.0.0.1:0"}
	if conc != "" {
		args = append(args, "--hook-concurrency", conc)
	}
	p, err := c.start(b.path, args...)
	if err != nil {
		return nil, "", "", err
	}
	api, err := p.await(mockURL)
	if err != nil {
		p.stop()
		return nil, "", "", err
	}
	sd, err := defaultSeed()
	if err != nil {
		p.stop()
		return nil, "", "", err
	}
	tok, err := token(api, sd)
	if err != nil {
		p.stop()
		return nil, "", "", err
	}
	return p, api, tok, nil
}

// createItems creates n items in app through the API from the workers.
func createItems(cl *http.Client, api, tok string, app int64, n int) (time.Duration, error) {
	u := fmt.Sprintf("%s/item/app/%d/", api, app)
	return hammer(cl, workers, n, func(i int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"fields":{"title":"bench `+strconv.Itoa(i)+`"}}`))
		if err == nil {
			req.Header.Set("Authorization", "OAuth2 "+tok)
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	})
}

// deliveryBench: items created through the API by the workers, each
// delivered to one hook whose receiver counts in another process, beside
// the workers POSTing the same forms straight to that receiver.
func (c *config) deliveryBench(b bin, conc string) (*bench, error) {
	name := fmt.Sprintf("%s: deliveries to one hook, %d items created by %d workers", b.label, c.deliveries, workers)
	target := ""
	switch {
	case !b.hasConc:
		name += " (one in flight per hook)"
	case conc == "":
		name += " (default --hook-concurrency)"
		target = "≥ 0.30"
	default:
		name += " (--hook-concurrency " + conc + ")"
		target = "≥ 0.15"
	}
	r := &row{name: name, target: target}
	mock, api, tok, err := c.startMock(b, conc)
	if err != nil {
		return nil, err
	}
	recvProc, recv, err := c.startHelper("receive", "-mock", api, "-token", tok)
	if err != nil {
		mock.stop()
		return nil, err
	}
	stop := stops(mock.stop, recvProc.stop)
	sd, _ := defaultSeed()
	out, err := apiCall("POST", fmt.Sprintf("%s/hook/app/%d/", api, sd.appID), tok, map[string]string{"url": recv + "/hook", "type": "item.create"})
	if err != nil {
		stop()
		return nil, err
	}
	var hook struct {
		HookID int64 `json:"hook_id"`
	}
	json.Unmarshal(out, &hook)
	if err := awaitActive(api, tok, sd.appID); err != nil {
		stop()
		return nil, err
	}
	cl := newClient(workers)
	round := 0
	return &bench{r: r, stop: stop, round: func() error {
		defer func() { round++ }()
		if err := resetCount(recv); err != nil {
			return err
		}
		start := time.Now()
		cpu := meterCPU(mock)
		if _, err := createItems(cl, api, tok, sd.appID, c.deliveries); err != nil {
			return err
		}
		if err := awaitCount(recv, c.deliveries); err != nil {
			return err
		}
		r.mock = append(r.mock, float64(c.deliveries)/time.Since(start).Seconds())
		cpu.perRequest(r, c.deliveries)

		// The same forms, straight to the receiver.
		if err := resetCount(recv); err != nil {
			return err
		}
		start = time.Now()
		_, err := hammer(cl, workers, c.deliveries, func(i int) (*http.Request, error) {
			body := fmt.Sprintf("type=item.create&hook_id=%d&item_id=%d&item_revision_id=%d", hook.HookID, 1000000+round*c.deliveries+i, 5000000+i)
			req, err := http.NewRequest(http.MethodPost, recv+"/hook", strings.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		})
		if err != nil {
			return err
		}
		if err := awaitCount(recv, c.deliveries); err != nil {
			return err
		}
		r.base = append(r.base, float64(c.deliveries)/time.Since(start).Seconds())
		return nil
	}}, nil
}

// awaitActive waits until every hook on app is active.
func awaitActive(api, tok string, app int64) error {
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		out, err := apiCall("GET", fmt.Sprintf("%s/hook/app/%d/", api, app), tok, nil)
		if err != nil {
			return err
		}
		var hooks []struct {
			Status string `json:"status"`
		}
		json.Unmarshal(out, &hooks)
		active := len(hooks) > 0
		for _, h := range hooks {
			active = active && h.Status == "active"
		}
		if active {
			return nil
		}
		time.Sleep(10 * time.Millisecond) // polling a process, not a test
	}
	return errors.New("hooks never became active")
}

// getBench: GET /hook/app/{id}/ with three hooks, beside a plain
// net/http process answering the same bytes.
func (c *config) getBench(b bin) (*bench, error) {
	r := &row{name: fmt.Sprintf("%s: GET /hook/app/{id}/ (3 hooks), %d workers", b.label, workers), target: "≥ 0.6"}
	mock, api, tok, err := c.startMock(b, "")
	if err != nil {
		return nil, err
	}
	sd, _ := defaultSeed()
	list := fmt.Sprintf("%s/hook/app/%d/", api, sd.appID)
	for i := range 3 {
		// Unverified hooks on a closed port: listed all the same.
		if _, err := apiCall("POST", list, tok, map[string]string{"url": fmt.Sprintf("http://127.0.0.1:9/h%d", i), "type": "item.create"}); err != nil {
			mock.stop()
			return nil, err
		}
	}
	body, err := apiCall("GET", list, tok, nil)
	if err != nil {
		mock.stop()
		return nil, err
	}
	f, err := os.CreateTemp(c.stateDir, "body-*.json")
	if err != nil {
		mock.stop()
		return nil, err
	}
	f.Write(body)
	f.Close()
	plain, plainURL, err := c.startHelper("serve", "-body", f.Name())
	if err != nil {
		mock.stop()
		return nil, err
	}
	cl := newClient(workers)
	get := func(u string) func(int) (*http.Request, error) {
		return func(int) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err == nil {
				req.Header.Set("Authorization", "OAuth2 "+tok)
			}
			return req, err
		}
	}
	return &bench{r: r, stop: stops(mock.stop, plain.stop), round: func() error {
		cpu := meterCPU(mock)
		d, err := hammer(cl, workers, c.gets, get(list))
		if err != nil {
			return err
		}
		r.mock = append(r.mock, float64(c.gets)/d.Seconds())
		cpu.perRequest(r, c.gets)
		d, err = hammer(cl, workers, c.gets, get(plainURL+"/hook/app/3001/"))
		if err != nil {
			return err
		}
		r.base = append(r.base, float64(c.gets)/d.Seconds())
		return nil
	}}, nil
}

var upMockURL = regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`)
var upReady = regexp.MustCompile(`^(Forwarding) `)

// burstBench: items created through the API of `devhook up --mock`,
// each relayed to a local app in another process, which counts them.
func (c *config) burstBench(b bin) (*bench, error) {
	r := &row{name: fmt.Sprintf("%s: burst of %d through up --mock to a local app", b.label, c.burst), target: "≥ 3,000/s"}
	app, appURL, err := c.startHelper("receive")
	if err != nil {
		return nil, err
	}
	up, err := c.start(b.path, "up", "--mock", "--mock-addr", "127.0.0.1:0", "--forward-to", appURL+"/podio", "--inspect", "127.0.0.1:0")
	if err != nil {
		app.stop()
		return nil, err
	}
	stop := stops(app.stop, up.stop)
	api, err := up.await(upMockURL)
	if err != nil {
		stop()
		return nil, err
	}
	if _, err := up.await(upReady); err != nil {
		stop()
		return nil, err
	}
	sd, _ := defaultSeed()
	tok, err := token(api, sd)
	if err != nil {
		stop()
		return nil, err
	}
	cl := newClient(workers)
	return &bench{r: r, stop: stop, round: func() error {
		if err := resetCount(appURL); err != nil {
			return err
		}
		start := time.Now()
		cpu := meterCPU(up)
		if _, err := createItems(cl, api, tok, sd.appID, c.burst); err != nil {
			return err
		}
		if err := awaitCount(appURL, c.burst); err != nil {
			return err
		}
		r.mock = append(r.mock, float64(c.burst)/time.Since(start).Seconds())
		cpu.perRequest(r, c.burst)
		return nil
	}}, nil
}
