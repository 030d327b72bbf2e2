package relay

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/render"
)

// hasSecretPath reports whether an escaped path is /<testSecret> or lies
// below /<testSecret>/: the only paths the relay may serve.
func hasSecretPath(escPath string) bool {
	rest, ok := strings.CutPrefix(escPath, "/"+testSecret)
	return ok && (rest == "" || rest[0] == '/')
}

// FuzzHandler sends one request of any method, path, content type and body
// to the relay, which forwards to a local app on loopback: never a panic,
// never a 5xx (the app is up and Validate succeeds), a request without the
// secret path or not a POST always 404 without reaching the app or showing
// the secret, and every event renders as one line and valid JSON.
func FuzzHandler(f *testing.F) {
	for _, sd := range []struct{ method, path, ctype, body string }{
		{"POST", "/" + testSecret, formType, itemCreate},
		{"POST", "/" + testSecret + "/podio/hook?x=1", formType, itemCreate},
		{"POST", "/" + testSecret + "/%2e%2e/%2F", formType, itemCreate},
		{"POST", "/" + testSecret, formType, "type=hook.verify&hook_id=12&code=abc"},
		{"POST", "/" + testSecret, formType, "type=hook.verify&hook_id=-1&code="},
		{"POST", "/" + testSecret, "application/json", `{"type":"item.create"}`},
		{"POST", "/" + testSecret, formType, "type=item.create&x=%zz"},
		{"POST", "/" + testSecret, formType, "type=item.create;x=1"},
		{"POST", "/" + testSecret + "x", formType, itemCreate},
		{"POST", "/%73" + testSecret[1:], formType, itemCreate},
		{"POST", "/x/" + testSecret, formType, itemCreate},
		{"POST", "/hook?s=" + testSecret, formType, itemCreate},
		{"GET", "/" + testSecret, "", ""},
		{"DELETE", "/" + testSecret + "/x", "", ""},
		{"POST", "/", formType, "type=\n\x00&item_id=\r\n"},
	} {
		f.Add(sd.method, sd.path, sd.ctype, []byte(sd.body))
	}
	var hits atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	f.Cleanup(app.Close)
	target, err := url.Parse(app.URL + "/hook")
	if err != nil {
		f.Fatal(err)
	}
	var last deliverylog.Record
	var events atomic.Int64
	h, err := New(Config{
		Secret:   testSecret,
		Target:   target,
		Validate: func(context.Context, int64, string) error { return nil },
		Now:      func() time.Time { return testTime },
		OnEvent: func(e deliverylog.Record) {
			last = e
			events.Add(1)
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { h.Close() })

	f.Fuzz(func(t *testing.T, method, path, ctype string, body []byte) {
		req, err := http.NewRequest(method, "http://relay.test"+path, strings.NewReader(string(body)))
		if err != nil {
			t.Skip()
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.RemoteAddr = "192.0.2.1:1234"
		before, beforeEvents := hits.Load(), events.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if n := events.Load() - beforeEvents; n != 1 {
			t.Fatalf("%s %s: %d events, want 1", method, path, n)
		}
		ev := last
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d, want < 500: %q (event error %q)", method, path, rec.Code, rec.Body, ev.Error)
		}
		if ev.Status != rec.Code {
			t.Errorf("%s %s: event status %d, answer %d", method, path, ev.Status, rec.Code)
		}
		if line := render.Line(ev); strings.ContainsAny(line, "\r\n") {
			t.Errorf("render.Line(%+v) = %q, want one line", ev, line)
		}
		if b, err := json.Marshal(ev); err != nil || !json.Valid(b) {
			t.Errorf("json.Marshal: %q, %v, want valid JSON", b, err)
		}
		if method != http.MethodPost || !hasSecretPath(req.URL.EscapedPath()) {
			if rec.Code != http.StatusNotFound {
				t.Fatalf("%s %s: status %d, want 404", method, path, rec.Code)
			}
			if n := hits.Load() - before; n != 0 {
				t.Fatalf("%s %s: local app got %d requests, want 0", method, path, n)
			}
			if ev.Kind != deliverylog.KindRejected {
				t.Errorf("%s %s: event kind %s, want rejected", method, path, ev.Kind)
			}
			if strings.Contains(ev.Request.Path, testSecret) || strings.Contains(ev.Request.Query, testSecret) {
				t.Errorf("%s %s: event shows the secret: path %q query %q", method, path, ev.Request.Path, ev.Request.Query)
			}
			if strings.Contains(rec.Body.String(), testSecret) {
				t.Errorf("%s %s: answer shows the secret: %q", method, path, rec.Body)
			}
			return
		}
		switch rec.Code {
		case http.StatusOK:
			want := int64(1)
			if ev.Kind == deliverylog.KindVerify {
				want = 0 // validated by the relay, not forwarded
			}
			if n := hits.Load() - before; n != want {
				t.Errorf("%s %s %q: local app got %d requests, want %d", method, path, body, n, want)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if n := hits.Load() - before; n != 0 {
				t.Errorf("%s %s %q: %d and local app got %d requests, want 0", method, path, body, rec.Code, n)
			}
		default:
			t.Errorf("%s %s %q: status %d, want 200, 400 or 413", method, path, body, rec.Code)
		}
	})
}

// FuzzFormEvent parses any body as the relay parses a delivery's form and
// renders the event: never a panic, always one line, always valid JSON.
func FuzzFormEvent(f *testing.F) {
	for _, b := range []string{
		itemCreate,
		"type=hook.verify&hook_id=12&code=abc",
		"type=item.create&item_id=%0A%0D&external_id=%E2%80%A8",
		"type=a&type=b&hook_id=99999999999999999999",
		"file_ids=1,2,3&type=file.change",
		"type=%zz",
		"=&&==&type",
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		ev := deliverylog.Record{Time: testTime, Kind: deliverylog.KindDelivery, Type: form.Get("type"), IDs: fixtures.IDParams(form), Status: 200,
			Request: deliverylog.Request{Method: "POST", Path: "/", Body: []byte(body)}}
		if line := render.Line(ev); strings.ContainsAny(line, "\r\n") {
			t.Errorf("render.Line = %q, want one line", line)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var back deliverylog.Record
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("json.Marshal = %q: %v", b, err)
		}
		if string(back.Request.Body) != body {
			t.Errorf("body round trip = %q, want %q", back.Request.Body, body)
		}
	})
}
