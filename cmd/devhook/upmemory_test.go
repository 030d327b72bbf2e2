package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The memory load of issue 13 item 11: 60 form POSTs of 8 MB at once to
// the relay of `devhook up --mock`, on loopback.
const (
	memLoadRequests = 60
	memLoadBodySize = 8 << 20
)

// TestUpMemoryBounded sends the relay of a `devhook up --mock` process 60
// concurrent 8 MB form POSTs while the local app holds every delivery it
// gets until all 60 have an answer, then reads the process's peak
// resident memory (VmHWM). Before the relay bounded the bodies it holds
// at once, all 60 were read whole and held (seen: 1.5 GB); now past the
// bound they get 503, and the peak stays far below. The bound of the
// check is generous (the race detector's shadow memory included); the
// figure it logs is the measurement (scripts/relaymem prints it for a
// binary built without -race, before and after).
//
// DEVHOOK_MEM_BIN runs another devhook binary instead of this test's.
func TestUpMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 480 MB through the relay")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the peak resident memory")
	}
	// The local app holds each delivery until every request has its
	// answer, so that the relay has as many in flight as it lets in.
	release := make(chan struct{})
	var mu sync.Mutex
	atApp := 0
	arrived := make(chan struct{}, memLoadRequests)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if strings.Contains(r.Header.Get("Content-Type"), "form") && r.ContentLength > 1<<20 {
			mu.Lock()
			atApp++
			mu.Unlock()
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(app.Close)

	public, inspector := make(chan string, 1), make(chan string, 1)
	delivered := make(chan struct{}, memLoadRequests) // a line per delivery forwarded
	deliveryLine := regexp.MustCompile(`\sitem\.create  hook 101  item_id=\d+  -> 200\b`)
	forwarding := regexp.MustCompile(`^Forwarding\s+(http://127\.0\.0\.1:\d+/\S+)\s+->`)
	inspecting := regexp.MustCompile(`^Inspector\s+(http://127\.0\.0\.1:\d+)`)
	cmd := startMemBinary(t, func(line string) {
		if deliveryLine.MatchString(line) {
			delivered <- struct{}{}
		}
		for re, ch := range map[*regexp.Regexp]chan string{forwarding: public, inspecting: inspector} {
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case ch <- m[1]:
				default:
				}
			}
		}
	}, "up", "--mock", "--event", "item.create", "--forward-to", app.URL+"/hook")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var url, inspectURL string
	for url == "" || inspectURL == "" {
		select {
		case url = <-public:
		case inspectURL = <-inspector:
		case <-ctx.Done():
			t.Fatalf("no Forwarding or Inspector line (%q, %q)", url, inspectURL)
		}
	}

	statuses := make(chan int, memLoadRequests)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: memLoadRequests, MaxIdleConnsPerHost: memLoadRequests}}
	for i := range memLoadRequests {
		go func() {
			prefix := fmt.Sprintf("type=item.create&item_id=%d&hook_id=101&pad=", i+1)
			body := io.MultiReader(strings.NewReader(prefix), io.LimitReader(repeatByte('a'), int64(memLoadBodySize-len(prefix))))
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
			if err != nil {
				statuses <- -1
				return
			}
			req.ContentLength = memLoadBodySize
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := client.Do(req)
			if err != nil {
				statuses <- -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	// Every request is either at the app (held) or answered by the relay.
	counts := map[int]int{}
	answered, held := 0, 0
	for answered+held < memLoadRequests {
		select {
		case s := <-statuses:
			counts[s]++
			answered++
		case <-arrived:
			held++
		case <-ctx.Done():
			t.Fatalf("%d answered, %d at the app: %v", answered, held, counts)
		}
	}
	peak := vmHWM(t, cmd.Process.Pid)
	close(release)
	for answered < memLoadRequests {
		select {
		case s := <-statuses:
			counts[s]++
			answered++
		case <-ctx.Done():
			t.Fatalf("%d of %d answered: %v", answered, memLoadRequests, counts)
		}
	}
	t.Logf("%d concurrent %d MiB POSTs: %d held by the app at once, answers %v; peak RSS (VmHWM) %d MiB",
		memLoadRequests, memLoadBodySize>>20, held, counts, peak>>20)
	if counts[-1] > 0 {
		t.Errorf("%d requests failed without an answer", counts[-1])
	}
	if limit := int64(600 << 20); peak > limit {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", peak>>20, limit>>20)
	}

	// The inspector's list keeps at most deliverylog.MaxBody (64 KiB) of
	// each body: well under 256 KiB a record, base64 included.
	// A delivery's line is printed once it is recorded.
	for range counts[http.StatusOK] {
		select {
		case <-delivered:
		case <-ctx.Done():
			t.Fatalf("fewer than %d delivery lines", counts[http.StatusOK])
		}
	}
	res, err := http.Get(inspectURL + "/api/deliveries")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/deliveries: %d, %v", res.StatusCode, err)
	}
	if n := strings.Count(string(b), `"body_sha256"`); n < counts[http.StatusOK] {
		t.Errorf("the inspector lists %d cut bodies, want the %d deliveries'", n, counts[http.StatusOK])
	}
	page := len(b)
	t.Logf("inspector /api/deliveries: %d KiB", page>>10)
	if limit := memLoadRequests * 256 << 10; page > limit {
		t.Errorf("inspector /api/deliveries is %d KiB, want at most %d KiB", page>>10, limit>>10)
	}
}

// vmHWM returns the peak resident memory of process pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/pid/status")
	return 0
}

// repeatByte is an endless reader of one byte.
type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
