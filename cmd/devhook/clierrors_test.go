package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestCommandsFailInOneLine runs every command in-process with bad flags
// or an unreachable URL: each exits non-zero with exactly one line on
// stderr, "devhook: " and what went wrong; a usage error prints nothing else. The
// commands' own tests check many more messages; this table checks the
// shape across all of them.
func TestCommandsFailInOneLine(t *testing.T) {
	clearPodioEnv(t)
	dir := stateDir(t)
	dead := deadURL(t)
	seedLog(t, dir, "cli", upRecord(dead+"/hook"))
	creds := []string{"--client-id", "c", "--client-secret", "s", "--app-id", "3001", "--app-token", "t"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in the one stderr line
	}{
		{"up: port not a number", []string{"up", "--mock", "--port", "http"}, exitUsage, `--port wants a number, not "http"`},
		{"up: bad duration", []string{"up", "--mock", "--verify-timeout", "soon"}, exitUsage, `--verify-timeout wants a duration such as 5s, 500ms or 1m30s, not "soon"`},
		{"up: app id not a number", []string{"up", "--mock", "--app", "bugs"}, exitUsage, `--app wants a number, not "bugs"`},
		{"up: unknown flag", []string{"up", "--mokc"}, exitUsage, "flag provided but not defined: -mokc"},
		{"up: forward-to not http", []string{"up", "--mock", "--forward-to", "file:///etc/passwd"}, exitUsage, "--forward-to must be an http(s) URL"},
		{"up: mock-addr not an address", []string{"up", "--mock", "--mock-addr", "nowhere"}, exitError, "nowhere"},
		{"up: podio unreachable", append([]string{"up", "--podio-url", dead, "--app", "3001"}, creds...), exitError, "connection refused"},
		{"mock: bad addr", []string{"mock", "--addr", "127.0.0.1:http-alt-x"}, exitError, "listen on 127.0.0.1:http-alt-x"},
		{"mock: bad duration", []string{"mock", "--delivery-timeout", "15"}, exitUsage, `--delivery-timeout 15: use a unit, e.g. 15s`},
		{"mock: negative duration", []string{"mock", "--queue-delay", "-1s"}, exitUsage, `--queue-delay cannot be negative, not -1s`},
		{"mock: bad clock", []string{"mock", "--clock", "fast"}, exitUsage, "--clock must be real or manual"},
		{"hooks: unreachable", append([]string{"hooks", "list", "--app", "3001", "--podio-url", dead}, creds...), exitError, "connection refused"},
		{"hooks: delete a non-number", append([]string{"hooks", "delete", "abc", "--podio-url", dead}, creds...), exitUsage, `"abc"`},
		{"hooks: no credentials", []string{"hooks", "list", "--app", "3001", "--podio-url", dead}, exitUsage, "Podio credentials missing"},
		{"trigger: unreachable --to", []string{"trigger", "item.create", "--to", dead + "/hook"}, exitError, "connection refused"},
		{"trigger: unreachable --mock", []string{"trigger", "item.create", "--mock", dead}, exitError, "connection refused"},
		{"trigger: --to not http", []string{"trigger", "item.create", "--to", "javascript:alert(1)"}, exitUsage, "javascript:alert(1)"},
		{"trigger: unknown event", []string{"trigger", "item.explode", "--to", dead}, exitUsage, "item.explode"},
		{"trigger: bad --set", []string{"trigger", "item.create", "--to", dead, "--set", "item_id"}, exitUsage, "--set"},
		{"trigger: bad --repeat", []string{"trigger", "item.create", "--to", dead, "--repeat", "many"}, exitUsage, `--repeat wants a number, not "many"`},
		{"replay: unreachable", []string{"replay", "cli-1"}, exitError, "connection refused"},
		{"replay: unreachable --to", []string{"replay", "cli-1", "--to", dead}, exitError, "connection refused"},
		{"replay: --to not http", []string{"replay", "cli-1", "--to", "file:///tmp/x"}, exitUsage, "--to must be an http(s) URL"},
		{"replay: no id", []string{"replay"}, exitUsage, "replay"},
		{"deliveries: bad --last", []string{"deliveries", "--last", "x"}, exitUsage, `--last wants a number, not "x"`},
		{"deliveries: negative --last", []string{"deliveries", "--last", "-3"}, exitUsage, "--last"},
		{"deliveries: bad --hook", []string{"deliveries", "--hook", "x"}, exitUsage, `--hook wants a number, not "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			code := run(ctx, append([]string{"devhook"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("devhook %s: exit code = %d, want %d", strings.Join(tt.args, " "), code, tt.wantCode)
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "devhook: ") || strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("devhook %s: stderr = %q, want one line \"devhook: ...\" containing %q", strings.Join(tt.args, " "), msg, tt.want)
			}
			// trigger and replay show what they send before sending it.
			if code == exitUsage && stdout.Len() != 0 {
				t.Errorf("devhook %s: stdout = %q, want nothing", strings.Join(tt.args, " "), stdout.String())
			}
		})
	}
}

// TestPodioURLWithSecretsRefused: a --podio-url carrying user info, a
// query or a fragment, or one that does not parse, is refused before any
// call, and the error does not echo it.
func TestPodioURLWithSecretsRefused(t *testing.T) {
	clearPodioEnv(t)
	stateDir(t)
	dead := deadURL(t)
	creds := []string{"--client-id", "c", "--client-secret", "s", "--app-id", "3001", "--app-token", "t"}
	const secret = "s3cr3t-t0ken"
	for _, bad := range []string{
		dead + "/?access_token=" + secret,
		"http://me:" + secret + "@127.0.0.1:1/",
		dead + "/#" + secret,
		"http://127.0.0.1:1/\x7f" + secret,
		"ftp://127.0.0.1/" + secret,
	} {
		for _, args := range [][]string{
			append([]string{"hooks", "list", "--app", "3001", "--podio-url", bad}, creds...),
			append([]string{"up", "--podio-url", bad, "--app", "3001"}, creds...),
		} {
			var stdout, stderr strings.Builder
			code := run(t.Context(), append([]string{"devhook"}, args...), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("devhook %s %q: exit code %d, want %d", args[0], bad, code, exitUsage)
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, secret) || !strings.Contains(out, "--podio-url") {
				t.Errorf("devhook %s %q: output %q echoes the secret or does not name the flag", args[0], bad, out)
			}
		}
	}
}
