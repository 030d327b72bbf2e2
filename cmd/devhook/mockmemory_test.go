package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"
)

// The memory load on the mock's own API (issue 13 item 11): 60 POSTs of
// 4 MiB, the mock's largest request body, at once, on loopback.
const (
	mockMemRequests = 60
	mockMemBodySize = 4 << 20
)

// TestMockMemoryBounded sends a `devhook mock` process 60 concurrent
// POSTs that each declare 4 MiB and hold back their last byte until every
// request has either sent the rest or been answered, then lets them end
// and reads the process's peak resident memory (VmHWM). Before the mock
// bounded the request body bytes it holds at once, it read all 60 bodies
// at the same time; now past the bound (64 MiB) a request gets 503
// unread. The bound of the check is generous (the race detector's shadow
// memory included); the figure it logs is the measurement (scripts/mockmem
// prints it for a binary built without -race, before and after).
//
// DEVHOOK_MEM_BIN runs another devhook binary instead of this test's.
func TestMockMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 240 MB to the mock")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the peak resident memory")
	}
	api := make(chan string, 1)
	listening := regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`)
	cmd := startMemBinary(t, func(line string) {
		if m := listening.FindStringSubmatch(line); m != nil {
			select {
			case api <- m[1]:
			default:
			}
		}
	}, "mock", "--addr", "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var base string
	select {
	case base = <-api:
	case <-ctx.Done():
		t.Fatal("no 'Podio API on' line")
	}

	// Each request reports once when it has sent all but its last byte or
	// has its answer, whichever is first; it sends the last byte once
	// every request has.
	settled := make(chan struct{}, mockMemRequests)
	release := make(chan struct{})
	statuses := make(chan int, mockMemRequests)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: mockMemRequests, MaxIdleConnsPerHost: mockMemRequests}}
	for range mockMemRequests {
		go func() {
			var once sync.Once
			settle := func() { once.Do(func() { settled <- struct{}{} }) }
			pr, pw := io.Pipe()
			go func() {
				_, err := io.Copy(pw, io.LimitReader(repeatByte(' '), mockMemBodySize-1))
				settle()
				if err == nil {
					<-release
					pw.Write([]byte("x"))
				}
				pw.Close()
			}()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/item/app/3001/", pr)
			if err != nil {
				settle()
				statuses <- -1
				return
			}
			req.ContentLength = mockMemBodySize
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			settle()
			if err != nil {
				statuses <- -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for range mockMemRequests {
		select {
		case <-settled:
		case <-ctx.Done():
			t.Fatal("the requests never all sent their bodies or got answers")
		}
	}
	close(release)
	counts := map[int]int{}
	for range mockMemRequests {
		select {
		case s := <-statuses:
			counts[s]++
		case <-ctx.Done():
			t.Fatalf("not every request got an answer: %v", counts)
		}
	}
	peak := vmHWM(t, cmd.Process.Pid)
	t.Logf("%d concurrent %d MiB POSTs to the mock: answers %v; peak RSS (VmHWM) %d MiB",
		mockMemRequests, mockMemBodySize>>20, counts, peak>>20)
	if counts[-1] > 0 {
		t.Errorf("%d requests failed without an answer", counts[-1])
	}
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request was refused 503: answers %v", counts)
	}
	if limit := int64(400 << 20); peak > limit {
		t.Errorf("peak RSS %d MiB, want at most %d MiB", peak>>20, limit>>20)
	}
}
