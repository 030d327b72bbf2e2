package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestUpInspectorAndReplay is the workbench end to end: `devhook trigger
// --mock` creates an item in the mock of `devhook up --mock`, the local app
// gets item.create, the inspector lists it, its Replay re-sends the same
// body to the app, and `devhook deliveries` shows both.
func TestUpInspectorAndReplay(t *testing.T) {
	state := t.TempDir()
	app := newLocalApp(t, 200)
	p := start(t, []string{"DEVHOOK_STATE_DIR=" + state}, "up", "--mock", "--event", "item.create", "--forward-to", app.srv.URL+"/in")
	mockURL := p.await(t, regexp.MustCompile(`embedded mock at (http://127\.0\.0\.1:\d+)`))[1]
	insp := p.await(t, regexp.MustCompile(`^Inspector   (http://127\.0\.0\.1:\d+)$`))[1]
	p.await(t, regexp.MustCompile(`^Waiting for events`))

	// devhook trigger performs the action in up's embedded mock.
	var tout, terr strings.Builder
	if code := run(t.Context(), []string{"devhook", "trigger", "item.create", "--mock", mockURL}, &tout, &terr); code != 0 {
		t.Fatalf("trigger: exit %d\n%s%s", code, tout.String(), terr.String())
	}
	if !strings.Contains(tout.String(), "item.create fired, 1 hook targeted") {
		t.Errorf("trigger said:\n%s", tout.String())
	}
	first := app.next(t)
	p.await(t, regexp.MustCompile(`item\.create  hook \d+`))

	var recs []deliverylog.Record
	getJSON(t, insp+"/api/deliveries", &recs)
	var delivery deliverylog.Record
	for _, r := range recs {
		if r.Type == "item.create" {
			delivery = r
		}
	}
	if delivery.ID == "" || string(delivery.Request.Body) != first.Body || delivery.Status != 200 {
		t.Fatalf("inspector records: %+v", recs)
	}

	res, err := http.Post(insp+"/api/replay/"+delivery.ID, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("replay: %d %s", res.StatusCode, b)
	}
	if again := app.next(t); again != first {
		t.Errorf("replayed request %+v, want %+v", again, first)
	}
	// The replay made from the page shows in up's terminal too.
	p.await(t, regexp.MustCompile(`item\.create  hook \d+  .*replayed from the inspector \(of `+regexp.QuoteMeta(delivery.ID)+`\) -> 200  `))

	// Edited before the replay: the app gets the edited body.
	edit := `{"body": "type=item.create&item_id=42"}`
	res, err = http.Post(insp+"/api/replay/"+delivery.ID, "application/json", strings.NewReader(edit))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("edited replay: %d %s", res.StatusCode, b)
	}
	if got := app.next(t); got.Body != "type=item.create&item_id=42" {
		t.Errorf("edited replay sent body %q, want type=item.create&item_id=42", got.Body)
	}
	p.interrupt(t)

	var stdout, stderr strings.Builder
	t.Setenv("DEVHOOK_STATE_DIR", state)
	code := run(t.Context(), []string{"devhook", "deliveries", "--type", "item.create"}, &stdout, &stderr)
	if code != 0 || !regexp.MustCompile(`(?m)\sup\s.*item\.create`).MatchString(stdout.String()) || !regexp.MustCompile(`(?m)\sreplay\s.*item\.create`).MatchString(stdout.String()) {
		t.Errorf("deliveries (exit %d):\n%s%s", code, stdout.String(), stderr.String())
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
