package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devhookhq/devhook/mockpodio"
)

var mockURLLine = regexp.MustCompile(`Podio API on (http://127\.0\.0\.1:\d+)`)

// stateItems reads a state file (its snapshot and journal) the way a
// reader of the format would and returns its items' ids; any flaw fails
// the test.
func stateItems(t *testing.T, file string) []int64 {
	t.Helper()
	b, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Version int `json:"version"`
		Items   []struct {
			ID int64 `json:"item_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state file does not parse: %v\n%.200s", err, b)
	}
	if st.Version != 1 {
		t.Fatalf("state file version %d, want 1", st.Version)
	}
	ids := make([]int64, len(st.Items))
	for i, it := range st.Items {
		ids[i] = it.ID
	}
	return ids
}

// createItems creates items in the mock at base one after the other,
// sending each acknowledged item's id on acked, until a call fails.
func createItems(base, token string, acked chan<- int64) {
	for i := 0; ; i++ {
		body := fmt.Sprintf(`{"fields":{"title":"item %d"}}`, i)
		req, err := http.NewRequest("POST", base+"/item/app/3001/", strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "OAuth2 "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		var out struct {
			ItemID int64 `json:"item_id"`
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return
		}
		acked <- out.ItemID
	}
}

// TestMockStateSurvivesKill kills `devhook mock --state F` with SIGKILL
// while it is writing, over and over: F always parses, holds every write
// the mock acknowledged, and a restarted mock serves it.
func TestMockStateSurvivesKill(t *testing.T) {
	t.Parallel() // a subprocess test: let the others run meanwhile
	file := filepath.Join(t.TempDir(), "state.json")
	args := []string{"mock", "--addr", "127.0.0.1:0", "--quiet", "--state", file}
	p := start(t, nil, args...)
	base := p.await(t, mockURLLine)[1]
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"app"}, "app_id": {"3001"},
		"app_token": {"devhook-app-token"}, "client_id": {"devhook"}, "client_secret": {"devhook-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token: status %d", res.StatusCode)
	}

	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var acked []int64 // every item the mock acknowledged, in any run
	const kills = 20
	midSave := 0 // kills that left a temporary file: they landed mid-save
	for kill := range kills {
		// Several writers, so a save is nearly always under way.
		ch := make(chan int64)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { createItems(base, tok.AccessToken, ch) })
		}
		go func() {
			wg.Wait()
			close(ch)
		}()
		wantAcks := 1 + rng.IntN(10)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		for range wantAcks {
			select {
			case id := <-ch:
				acked = append(acked, id)
			case <-ctx.Done():
				t.Fatalf("kill %d: no acknowledged write", kill)
			}
		}
		cancel()
		// Kill while the writers are still sending, then let them see
		// the broken connections.
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
		for id := range ch {
			acked = append(acked, id) // answered before the kill landed
		}

		if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".state.json.tmp-*")); len(tmps) > 0 {
			midSave++
		}
		ids := stateItems(t, file)
		for _, id := range acked {
			if !slices.Contains(ids, id) {
				t.Fatalf("kill %d: acknowledged item %d is not in the state file (%d items)", kill, id, len(ids))
			}
		}

		// A restarted mock loads it: the old token and the last item work.
		p = start(t, nil, args...)
		base = p.await(t, mockURLLine)[1]
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/item/%d", base, acked[len(acked)-1]), nil)
		req.Header.Set("Authorization", "OAuth2 "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("kill %d: GET item %d after restart: status %d", kill, acked[len(acked)-1], res.StatusCode)
		}
	}
	t.Logf("%d kills, %d of them mid-save; %d items acknowledged", kills, midSave, len(acked))
	if code := p.interrupt(t); code != 0 {
		t.Errorf("exit code after Ctrl-C = %d, want 0", code)
	}
	if got := len(stateItems(t, file)); got < len(acked) {
		t.Errorf("state file holds %d items, want at least %d", got, len(acked))
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestMockStateBadFile: a state file devhook cannot load is an error
// naming it, exit 1, and the file is left as it is.
func TestMockStateBadFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"corrupt", `{"version":1,"items":[{"item_`, "not a state file"},
		{"unknown version", `{"version":7}`, "unknown version 7: this mock reads version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			code := run(ctx, []string{"devhook", "mock", "--addr", "127.0.0.1:0", "--quiet", "--state", file}, &stdout, &stderr)
			if code != exitError {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitError, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if want := "devhook: state " + file + ": "; !strings.HasPrefix(last, want) || !strings.Contains(last, tt.want) {
				t.Errorf("last stderr line %q, want %q… containing %q", last, want, tt.want)
			}
			if b, _ := os.ReadFile(file); !bytes.Equal(b, []byte(tt.content)) {
				t.Errorf("the state file was changed to %q", b)
			}
		})
	}
}
