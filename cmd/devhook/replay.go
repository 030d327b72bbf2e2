package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

const (
	// replayTimeout bounds a replay, as Podio's timeout bounds a delivery.
	replayTimeout = 15 * time.Second
	// replayShown is how much of the response body replay prints.
	replayShown = 4 << 10
)

type replayOptions struct {
	id string // the record to re-send
	to string // where to; empty means the record's target
}

func replayCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "replay",
		Usage:     "send a logged delivery again, byte for byte",
		ArgsUsage: "ID",
		Description: `Re-sends delivery ID (see devhook deliveries) with its method, headers and
form body: by default to where it went (the local app for devhook up, the
hook URL for devhook mock), or to --to URL. Prints the answer's status,
latency and body, and logs the replay as a new delivery. An answer other
than 2xx, or none, makes it exit 1.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "send to this `URL` instead, e.g. http://localhost:3000/podio/hook"},
		},
		Action: func(c *cli.Context) error {
			args, help, err := interspersedArgs(c)
			if help || err != nil {
				return err
			}
			if len(args) != 1 {
				return usagef("replay takes one delivery ID (see devhook deliveries), got %d arguments", len(args))
			}
			return runReplay(c.Context, replayOptions{id: args[0], to: c.String("to")}, e.stdout, e.stderr)
		},
	}
}

func runReplay(ctx context.Context, opts replayOptions, stdout, stderr io.Writer) error {
	var to *url.URL
	if opts.to != "" {
		var err error
		if to, err = parseReplayURL(opts.to); err != nil {
			return usagef("--to must be an http(s) URL such as http://localhost:3000/hook, not %q", opts.to)
		}
	}
	dir, err := deliverylog.Dir()
	if err != nil {
		return err
	}
	rec, err := deliverylog.Find(dir, opts.id)
	if errors.Is(err, deliverylog.ErrNotFound) {
		return fmt.Errorf("no delivery %s in %s (see devhook deliveries)", opts.id, dir)
	}
	if err != nil {
		return fmt.Errorf("read delivery log: %w", err)
	}
	if to == nil {
		if to, err = replayTarget(rec); err != nil {
			return err
		}
	}

	out := sendReplay(ctx, rec, to)
	logged, err := logReplay(dir, out)
	if err != nil {
		fmt.Fprintf(stderr, "devhook: warning: the replay was not logged: %v\n", err)
	}
	fmt.Fprintf(stdout, "%s %s  (replay of %s", out.Request.Method, out.Target, rec.ID)
	if logged.ID != "" {
		fmt.Fprintf(stdout, ", logged as %s", logged.ID)
	}
	fmt.Fprintln(stdout, ")")
	if out.Response.Status == 0 {
		return fmt.Errorf("replay %s to %s: %s", rec.ID, out.Target, out.Error)
	}
	fmt.Fprintf(stdout, "-> %d  %s\n", out.Status, formatLatencyMS(out.LatencyMS))
	printReplayBody(stdout, out.Response.Body)
	if out.Outcome != logOutcomeReplayed {
		return fmt.Errorf("replay %s to %s: %s", rec.ID, out.Target, out.Error)
	}
	return nil
}

// replayTarget returns where rec is re-sent without --to: where it went.
func replayTarget(rec deliverylog.Record) (*url.URL, error) {
	if rec.Target == "" {
		return nil, usagef("delivery %s was not sent anywhere (%s); give --to URL", rec.ID, orDefault(rec.Outcome, rec.Kind))
	}
	to, err := parseReplayURL(rec.Target)
	if err != nil {
		return nil, fmt.Errorf("delivery %s has target %q, not an http(s) URL; give --to URL", rec.ID, rec.Target)
	}
	return to, nil
}

// sendReplay re-sends rec's request to `to`: same method, body and
// headers, except those replayHeaders drops. It returns the replay's
// record, not yet logged, whose Outcome and Error say how it went: the
// response (status, headers, first MaxBody bytes of the body) when one
// came, a "failed" outcome when it was not 2xx or none came.
func sendReplay(ctx context.Context, rec deliverylog.Record, to *url.URL) deliverylog.Record {
	method := orDefault(rec.Request.Method, http.MethodPost)
	header := replayHeaders(rec.Request.Header)
	out := deliverylog.Record{
		Time: time.Now(), Source: "replay", Kind: rec.Kind, Type: rec.Type, HookID: rec.HookID, IDs: rec.IDs,
		Target: to.Redacted(), ReplayOf: rec.ID,
		Request: deliverylog.Request{
			Method: method, Path: orDefault(to.EscapedPath(), "/"), Query: to.RawQuery,
			Header: header, Body: rec.Request.Body,
		},
	}
	req, err := http.NewRequestWithContext(ctx, method, to.String(), bytes.NewReader(rec.Request.Body))
	if err != nil {
		out.Outcome, out.Error = logOutcomeFailed, err.Error()
		return out
	}
	req.Header = header.Clone()
	if _, ok := req.Header["User-Agent"]; !ok {
		// An empty value stops net/http from adding its own User-Agent.
		req.Header["User-Agent"] = []string{""}
	}
	client := &http.Client{
		Timeout:       replayTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, deliverylog.MaxBody+1))
		resp.Body.Close()
		out.Status = resp.StatusCode
		out.Response = deliverylog.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: body}
		if len(body) > deliverylog.MaxBody {
			out.Response.Body, out.Response.BodyTruncated = body[:deliverylog.MaxBody], true
		}
	}
	out.LatencyMS = float64(time.Since(start)) / float64(time.Millisecond)
	switch {
	case err != nil && out.Status != 0:
		out.Outcome, out.Error = logOutcomeFailed, "read the answer: "+shortReplayError(err)
	case err != nil:
		out.Outcome, out.Error = logOutcomeFailed, shortReplayError(err)
	case !status2xx(out.Status):
		out.Outcome, out.Error = logOutcomeFailed, fmt.Sprintf("answered %d, not 2xx", out.Status)
	default:
		out.Outcome = logOutcomeReplayed
	}
	return out
}

// logReplay logs r in dir and returns it as logged.
func logReplay(dir string, r deliverylog.Record) (deliverylog.Record, error) {
	l, err := deliverylog.Open(dir, deliverylog.Options{})
	if err != nil {
		return deliverylog.Record{}, err
	}
	r, err = l.Append(r)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return r, err
}

// printReplayBody prints the first replayShown bytes of body, ending with a
// newline.
func printReplayBody(w io.Writer, body []byte) {
	if len(body) == 0 {
		return
	}
	shown := body[:min(len(body), replayShown)]
	w.Write(shown)
	if !bytes.HasSuffix(shown, []byte("\n")) {
		fmt.Fprintln(w)
	}
	if len(body) > replayShown {
		fmt.Fprintf(w, "[body truncated: first %d bytes shown]\n", replayShown)
	}
}

// parseReplayURL checks that raw is an absolute http or https URL.
func parseReplayURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL: %q", raw)
	}
	return u, nil
}

// replayDropped are the headers a replay does not copy: hop-by-hop ones
// (RFC 9110 7.6.1), those net/http computes, and Accept-Encoding, which
// net/http sets itself so that it can decompress the answer.
var replayDropped = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Host", "Content-Length", "Expect", "Accept-Encoding",
}

// replayHeaders returns the headers to re-send from the logged ones.
func replayHeaders(logged http.Header) http.Header {
	h := logged.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range replayDropped {
		h.Del(name)
	}
	return h
}

// shortReplayError drops the method and URL net/http puts in front of a
// transport error: the caller names the URL once.
func shortReplayError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s", replayTimeout)
		}
		err = ue.Err
	}
	return err.Error()
}
