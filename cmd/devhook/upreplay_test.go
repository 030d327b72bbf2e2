package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestUpHeldEventReplay: events held while the app is down and still held
// at exit are listed with their delivery log IDs; `devhook replay ID` then
// sends one to the app, byte for byte, once the app is up.
func TestUpHeldEventReplay(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the app is down: connection refused
	u := startJSONUp(t, "--forward-to", "http://"+addr+"/hook")
	mock := u.ready(t)
	fireItems(t, mock, 1, 2)
	u.await(t, "2 queued", func() bool { return len(u.lines("delivery", "outcome", "queued")) == 2 })
	// The mock delivers several at once: find item 2's by its body.
	var id, body string
	for _, held := range u.linesLocked("delivery", "outcome", "queued") {
		if b, _ := held["request"].(map[string]any)["body"].(string); strings.Contains(b, "item_id=2&") {
			id, _ = held["id"].(string)
			body = b
		}
	}
	if id == "" {
		t.Fatalf("no held record of item 2 with an id: %v", u.linesLocked("delivery", "outcome", "queued"))
	}
	if c := u.interrupt(t); c != 0 {
		t.Errorf("exit code %d", c)
	}
	if u.stderrMatch(regexp.MustCompile(`^devhook: 2 events held while your app was down were not delivered:$`)) == nil ||
		u.stderrMatch(regexp.MustCompile(`item_id=2 .*`+regexp.QuoteMeta(id))) == nil ||
		u.stderrMatch(regexp.MustCompile("`.*replay ID` sends one")) == nil {
		t.Errorf("exit lines do not list the held events with their IDs and the replay hint:\n%s", strings.Join(u.errs, "\n"))
	}

	got := make(chan string, 1)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- r.Method + " " + r.URL.Path + " " + string(b):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	app.Listener = ln
	app.Start()
	t.Cleanup(app.Close)

	bin, err := exec.LookPath("devhook")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "replay", id).CombinedOutput()
	if err != nil {
		t.Fatalf("devhook replay %s: %v\n%s", id, err, out)
	}
	if !strings.Contains(string(out), "202") {
		t.Errorf("replay output lacks the app's 202:\n%s", out)
	}
	select {
	case req := <-got:
		if want := "POST /hook " + body; req != want {
			t.Errorf("the app got %q, want %q", req, want)
		}
	default:
		t.Error("the app got nothing") // replay returns after the answer
	}
}
