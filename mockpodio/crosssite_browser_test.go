package mockpodio_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devhookhq/devhook/internal/browsertest"
	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// tapListener keeps the first bytes of every connection it accepts, so a
// test can see which requests reached the server and with which headers.
type tapListener struct {
	net.Listener
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tapConn{Conn: c, l: l}, nil
}

func (l *tapListener) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type tapConn struct {
	net.Conn
	l *tapListener
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	if c.l.buf.Len() < 1<<20 {
		c.l.buf.Write(p[:n])
	}
	c.l.mu.Unlock()
	return n, err
}

// crossSitePage is a page on another origin that does what any web page
// can do without asking: no-cors text/plain POSTs, to the control API
// (wipe the mock, install a fault, fire an event) and to a Podio route.
// window.attack resolves, once every request has been answered, to one
// line per request.
const crossSitePage = `<!doctype html>
<title>not the mock</title>
<script>
window.attack = (async () => {
	const mock = %q;
	const posts = [
		["/_mock/reset", "{}"],
		["/_mock/faults", '{"api":[{"status":500}]}'],
		["/_mock/events", '{"ref_type":"app","ref_id":3001,"type":"item.create"}'],
		["/_mock/events", '{"ref_type":"app","ref_id":3001,"type":"item.update"}'],
		["/item/app/3001/", '{"fields":{"title":"from a page"}}'],
	];
	const out = [];
	for (const [path, body] of posts) {
		try {
			const r = await fetch(mock + path, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body });
			out.push(path + " " + r.type);
		} catch (e) {
			out.push(path + " failed: " + e);
		}
	}
	return out.join("\n");
})();
</script>`

// TestCrossSitePageInBrowser opens, in headless Chromium, a page served on
// another loopback port that sends the mock no-cors text/plain POSTs to
// /_mock/reset, /_mock/faults, /_mock/events and POST /item/app/3001/
// (issue 13 item 6): each reaches the mock marked by the browser as from
// another origin, and nothing changes: no fault, no event, no wipe, no
// item, the state file as it was.
func TestCrossSitePageInBrowser(t *testing.T) {
	exe := browsertest.Chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tap := &tapListener{Listener: ln}
	file := filepath.Join(t.TempDir(), "state.json")
	s := &mockpodio.Server{Listener: tap, Seed: mockpodio.DefaultSeed(), StateFile: file}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	createItem(t, s, tok, seedAppID, map[string]any{"fields": map[string]any{"title": "keep me"}})
	before, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	statsBefore := s.Stats()
	tapBefore := len(tap.String())

	// The page, on another port of the same machine: another origin.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, crossSitePage, s.URL)
	}))
	t.Cleanup(page.Close)

	bctx, stopBrowser := browsertest.Start(ctx, t, exe, nil)
	defer stopBrowser()
	sctx, cancelStep := context.WithTimeout(bctx, 30*time.Second)
	defer cancelStep()
	if err := chromedp.Do(sctx, chromedp.Navigate(page.URL)); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	got, err := chromedp.Run(sctx, chromedp.Evaluate[string]("window.attack", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("await the page's requests: %v", err)
	}
	// An opaque answer is all a no-cors request gets, whatever the status.
	want := "/_mock/reset opaque\n/_mock/faults opaque\n/_mock/events opaque\n/_mock/events opaque\n/item/app/3001/ opaque"
	if got != want {
		t.Errorf("the page's requests:\n%s\nwant:\n%s", got, want)
	}

	// Each request reached the mock, as the browser sends it.
	seen := tap.String()[tapBefore:]
	for _, path := range []string{"/_mock/faults", "/_mock/events", "/_mock/reset", "/item/app/3001/"} {
		if !strings.Contains(seen, "POST "+path+" HTTP/1.1") {
			t.Errorf("POST %s never reached the mock", path)
		}
	}
	for _, h := range []string{"Origin: " + page.URL, "Sec-Fetch-Site: same-site", "Content-Type: text/plain"} {
		if !strings.Contains(seen, h) {
			t.Errorf("the browser's requests lack %q:\n%s", h, seen)
		}
	}

	// And changed nothing.
	if f := s.CurrentFaults(); len(f.API) != 0 {
		t.Errorf("faults installed: %+v", f)
	}
	if diff := cmp.Diff(statsBefore, s.Stats()); diff != "" {
		t.Errorf("stats changed (an event fired, or a reset) (-before +after):\n%s", diff)
	}
	after, err := mockpodio.ReadStateFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stateJSON(t, before), stateJSON(t, after)); diff != "" {
		t.Errorf("state file changed (-before +after):\n%s", diff)
	}
	res := do(t, s, tok, "GET", "/item/app/3001/", nil)
	if res.Status != http.StatusOK || strings.Contains(res.Raw, "from a page") || !strings.Contains(res.Raw, "keep me") {
		t.Errorf("items after the page: %d %s", res.Status, res.Raw)
	}
}
