package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// hooksT0 is when the mock's clock stands in the hooks tests, so hooks
// have a known CREATED time.
var hooksT0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// hooksMock is an in-process mock Podio (permissive, default seed) that
// also remembers every access and refresh token it handed out.
type hooksMock struct {
	URL    string
	s      *mockpodio.Server
	mu     sync.Mutex // guards tokens
	tokens []string
}

func newHooksMock(t *testing.T) *hooksMock {
	t.Helper()
	s := &mockpodio.Server{
		Seed: mockpodio.DefaultSeed(), AllowAnyPort: true, Clock: mockpodio.NewManualClock(hooksT0),
		Logf: func(format string, args ...any) { t.Logf("mock: "+format, args...) },
	}
	m := &hooksMock{s: s}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "OAuth2 "); ok {
			m.addTokens(tok)
		}
		if !strings.HasPrefix(r.URL.Path, "/oauth/token") {
			s.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		var tok struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &tok) == nil {
			m.addTokens(tok.AccessToken, tok.RefreshToken)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(func() {
		srv.Close()
		s.Close() // waits for the deliveries
	})
	m.URL = srv.URL
	return m
}

func (m *hooksMock) addTokens(toks ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, tok := range toks {
		if tok != "" && !slices.Contains(m.tokens, tok) {
			m.tokens = append(m.tokens, tok)
		}
	}
}

// issued returns the tokens seen so far.
func (m *hooksMock) issued() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.tokens)
}

// creds are the flags that sign in to m with the default seed's app.
func (m *hooksMock) creds() []string {
	return []string{"--podio-url", m.URL, "--client-id", "devhook", "--client-secret", "devhook-secret",
		"--app-id", "3001", "--app-token", "devhook-app-token"}
}

// hooksReceiver is the kit's receiver at path /hook, leaving hook.verify
// to the command under test: code hands over each code.
type hooksReceiver struct {
	URL  string
	rcv  *mockpodio.Receiver
	seen int // events code has looked at
}

func newHooksReceiver(t *testing.T, m *hooksMock) *hooksReceiver {
	t.Helper()
	rcv := mockpodio.NewReceiver(t, m.s)
	rcv.IgnoreVerify()
	return &hooksReceiver{URL: rcv.URL + "/hook", rcv: rcv}
}

// code waits for the next hook.verify to hookID and returns its code.
func (r *hooksReceiver) code(t *testing.T, hookID string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	n := 0
	ev, err := r.rcv.AwaitEvent(ctx, func(ev mockpodio.Event) bool {
		n++
		return n > r.seen && ev.Type == fixtures.VerifyEvent && ev.Params["hook_id"] == hookID
	})
	if err != nil {
		t.Fatalf("no hook.verify for hook %s: %v", hookID, err)
	}
	r.seen = n
	return ev.Params["code"]
}

// runHooksCLI runs devhook in-process (see runCLI).
func runHooksCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr, _ = runCLI(t, args...)
	return code, stdout, stderr
}

// clearPodioEnv makes sure no PODIO_* variable of the environment the
// tests run in leaks into the flags.
func clearPodioEnv(t *testing.T) {
	for _, k := range []string{"PODIO_URL", "PODIO_CLIENT_ID", "PODIO_CLIENT_SECRET", "PODIO_APP_ID",
		"PODIO_APP_TOKEN", "PODIO_USERNAME", "PODIO_PASSWORD"} {
		t.Setenv(k, "")
	}
}

// lines splits output into lines with their runs of blanks collapsed, so
// table columns compare without their padding.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

// TestHooksLifecycle drives hooks from creation to deletion, one command
// line after the other against one mock.
func TestHooksLifecycle(t *testing.T) {
	clearPodioEnv(t)
	m := newHooksMock(t)
	recv := newHooksReceiver(t, m)
	created := hooksT0.Format(time.RFC3339)
	var code string // hook 101's verify code, once received
	expand := func(s string) string {
		if strings.Contains(s, "{code}") && code == "" {
			code = recv.code(t, "101")
		}
		return strings.NewReplacer("{url}", recv.URL, "{podio}", m.URL, "{code}", code, "{created}", created).Replace(s)
	}
	steps := []struct {
		name     string
		args     string
		wantCode int
		want     []string // stdout lines, blanks collapsed
		wantJSON string   // stdout as JSON, instead of want
		wantErr  string   // the one stderr line
	}{
		{name: "list with no hooks", args: "list --app 3001", want: []string{"no hooks on app 3001"}},
		{
			name: "create",
			args: "create --app 3001 --event item.create --url {url}",
			want: []string{"created hook 101: item.create on app 3001, inactive until verified"},
		},
		{
			name: "list shows it inactive",
			args: "list --app 3001",
			want: []string{"HOOK ID STATUS TYPE URL CREATED", "101 inactive item.create {url} {created}"},
		},
		{
			name: "verify with a wrong code", args: "verify 101 --code not-the-code", wantCode: exitError,
			wantErr: "devhook: validate hook 101: podio: 400 invalid_value: Invalid verification code for hook 101",
		},
		{name: "verify with the code", args: "verify 101 --code {code}", want: []string{"verified hook 101: it is active"}},
		{
			name: "list shows it active",
			args: "list --app 3001",
			want: []string{"HOOK ID STATUS TYPE URL CREATED", "101 active item.create {url} {created}"},
		},
		{
			name:     "list as JSON",
			args:     "list --json --app 3001",
			wantJSON: `[{"hook_id":101,"ref_type":"app","ref_id":3001,"status":"active","type":"item.create","url":"{url}","created_on":"{created}"}]`,
		},
		{
			name: "request verification",
			args: "verify 101",
			want: []string{"requested verification of hook 101: a new hook.verify is on its way to the hook's URL"},
		},
		{
			name: "create two on a space",
			args: "create --space 2001 --event task.create --event task.update --url {url}",
			want: []string{
				"created hook 102: task.create on space 2001, inactive until verified",
				"created hook 103: task.update on space 2001, inactive until verified",
			},
		},
		{
			name: "create on an app field, flags after the URL",
			args: "create --url {url} --event item.update --field 4001",
			want: []string{"created hook 104: item.update on app field 4001, inactive until verified"},
		},
		{
			name: "list a space",
			args: "list --space 2001",
			want: []string{
				"HOOK ID STATUS TYPE URL CREATED",
				"102 inactive task.create {url} {created}",
				"103 inactive task.update {url} {created}",
			},
		},
		{
			name:     "list an app field as JSON",
			args:     "list --field 4001 --json",
			wantJSON: `[{"hook_id":104,"ref_type":"app_field","ref_id":4001,"status":"inactive","type":"item.update","url":"{url}","created_on":"{created}"}]`,
		},
		{name: "delete", args: "delete 101", want: []string{"deleted hook 101"}},
		{name: "list after the delete", args: "list --app 3001", want: []string{"no hooks on app 3001"}},
		{name: "list as JSON after the delete", args: "list --app 3001 --json", wantJSON: `[]`},
		{
			name: "delete again", args: "delete 101", wantCode: exitError,
			wantErr: "devhook: delete hook 101: podio: 404 not_found: Object not found (hook 101)",
		},
		{name: "delete several", args: "delete 102 103 104", want: []string{"deleted hook 102", "deleted hook 103", "deleted hook 104"}},
		{name: "list the space after the delete", args: "list --space 2001", want: []string{"no hooks on space 2001"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			args := append([]string{"hooks"}, strings.Fields(expand(st.args))...)
			args = append(args, m.creds()...)
			gotCode, stdout, stderr := runHooksCLI(t, args...)
			if gotCode != st.wantCode {
				t.Errorf("exit code = %d, want %d", gotCode, st.wantCode)
			}
			if st.wantJSON != "" {
				var want, got any
				if err := json.Unmarshal([]byte(expand(st.wantJSON)), &want); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("JSON (-want +got):\n%s", diff)
				}
			} else {
				var want []string
				for _, l := range st.want {
					want = append(want, expand(l))
				}
				if diff := cmp.Diff(want, lines(stdout)); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
			}
			var wantErr []string
			if st.wantErr != "" {
				wantErr = []string{st.wantErr}
			}
			if diff := cmp.Diff(wantErr, lines(stderr)); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHooksUsageErrors(t *testing.T) {
	clearPodioEnv(t)
	m := newHooksMock(t)
	appEvents := "item.create, item.update, item.delete, comment.create, comment.delete, file.change, " +
		"app.update, app.delete, form.create, form.update, form.delete, tag.add, tag.delete"
	noCreds := []string{"--podio-url", m.URL}
	tests := []struct {
		name  string
		args  []string
		creds []string // nil means m.creds()
		want  string   // the stderr line
	}{
		{name: "no command", args: []string{"hooks"},
			want: "hooks needs a command: list, create, delete or verify"},
		{name: "unknown command", args: []string{"hooks", "frob"},
			want: `unknown hooks command "frob": use list, create, delete or verify`},
		{name: "list without a reference", args: []string{"hooks", "list"},
			want: "hooks list needs one of --app, --space or --field"},
		{name: "list with two references", args: []string{"hooks", "list", "--app", "3001", "--space", "2001"},
			want: "hooks list takes only one of --app, --space and --field"},
		{name: "create with three references", args: []string{"hooks", "create", "--app", "1", "--space", "2", "--field", "3", "--event", "item.create", "--url", "https://example.com/"},
			want: "hooks create takes only one of --app, --space and --field"},
		{name: "bad app id", args: []string{"hooks", "list", "--app", "bugs"},
			want: `--app wants a number (a positive id), not "bugs"`},
		{name: "zero space id", args: []string{"hooks", "list", "--space", "0"},
			want: `--space wants a number (a positive id), not "0"`},
		{name: "list with an argument", args: []string{"hooks", "list", "--app", "3001", "extra"},
			want: `hooks list takes no arguments, got "extra"`},
		{name: "unknown flag", args: []string{"hooks", "list", "--nope"},
			want: "flag provided but not defined: -nope"},
		{name: "unknown flag after an argument", args: []string{"hooks", "verify", "101", "--nope"},
			want: "flag provided but not defined: -nope"},
		{name: "flag without its value", args: []string{"hooks", "verify", "101", "--code"},
			want: "flag needs an argument: -code"},
		{name: "create without an event", args: []string{"hooks", "create", "--app", "3001", "--url", "https://example.com/hook"},
			want: "hooks create needs --event; allowed on app 3001: " + appEvents},
		{name: "unknown event", args: []string{"hooks", "create", "--app", "3001", "--event", "item.explode", "--url", "https://example.com/hook"},
			want: `unknown event type "item.explode"; allowed on app 3001: ` + appEvents},
		{name: "event not allowed on an app", args: []string{"hooks", "create", "--app", "3001", "--event", "item.create", "--event", "task.create", "--url", "https://example.com/hook"},
			want: "event type task.create is not allowed on app 3001, only on: space; allowed on app 3001: " + appEvents},
		{name: "event not allowed on a space", args: []string{"hooks", "create", "--space", "2001", "--event", "item.create", "--url", "https://example.com/hook"},
			want: "event type item.create is not allowed on space 2001, only on: app, app field; allowed on space 2001: " +
				"app.create, task.create, task.update, task.delete, member.add, member.remove, contact.create, contact.update, contact.delete, status.create, status.update, status.delete"},
		{name: "event not allowed on a field", args: []string{"hooks", "create", "--field", "4001", "--event", "comment.create", "--url", "https://example.com/hook"},
			want: "event type comment.create is not allowed on app field 4001, only on: app; allowed on app field 4001: item.create, item.update, item.delete"},
		{name: "hook.verify", args: []string{"hooks", "create", "--app", "3001", "--event", "hook.verify", "--url", "https://example.com/hook"},
			want: "event type hook.verify cannot be hooked: Podio sends it to every new hook"},
		{name: "create without a URL", args: []string{"hooks", "create", "--app", "3001", "--event", "item.create"},
			want: "hooks create needs --url, where Podio will POST the events"},
		{name: "delete without an id", args: []string{"hooks", "delete"},
			want: "hooks delete needs at least one hook id"},
		{name: "delete a bad id", args: []string{"hooks", "delete", "101", "abc"},
			want: `a hook id is a positive number, not "abc"`},
		{name: "verify without an id", args: []string{"hooks", "verify", "--code", "x"},
			want: "hooks verify takes one hook id, got 0"},
		{name: "verify two ids", args: []string{"hooks", "verify", "101", "102"},
			want: "hooks verify takes one hook id, got 2"},
		{name: "missing credentials", args: []string{"hooks", "list", "--app", "3001"}, creds: noCreds,
			want: "Podio credentials missing: set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET (or --client-id, --client-secret) (devhook up --mock needs none)"},
		{name: "missing app or user", args: []string{"hooks", "delete", "101"},
			creds: append(slices.Clone(noCreds), "--client-id", "devhook", "--client-secret", "devhook-secret"),
			want:  "Podio credentials missing: set PODIO_APP_ID and PODIO_APP_TOKEN, or PODIO_USERNAME and PODIO_PASSWORD"},
		{name: "app id without a token", args: []string{"hooks", "verify", "101"},
			creds: append(slices.Clone(noCreds), "--client-id", "devhook", "--client-secret", "devhook-secret", "--app-id", "3001"),
			want:  "app authentication needs both PODIO_APP_ID and PODIO_APP_TOKEN (or --app-id, --app-token)"},
		{name: "bad --app-id", args: []string{"hooks", "list", "--app", "3001"},
			creds: append(slices.Clone(noCreds), "--app-id", "x"),
			want:  `--app-id wants a number (a positive id), not "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := tt.creds
			if creds == nil {
				creds = m.creds()
			}
			// Credentials go right after the subcommand, so that the
			// case's own flags and arguments come last.
			args := slices.Clone(tt.args)
			if len(args) > 1 {
				args = slices.Concat(args[:2], creds, args[2:])
			}
			code, stdout, stderr := runHooksCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
			if diff := cmp.Diff([]string{"devhook: " + tt.want}, lines(stderr)); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestHooksPodioErrors(t *testing.T) {
	clearPodioEnv(t)
	m := newHooksMock(t)
	withCreds := func(args ...string) []string { return append(append([]string{"hooks"}, args...), m.creds()...) }
	tests := []struct {
		name       string
		args       []string
		want       string // the stderr line
		wantPrefix bool   // want is only the start of the line
	}{
		{
			name: "wrong app token",
			args: []string{"hooks", "list", "--app", "3001", "--podio-url", m.URL, "--client-id", "devhook", "--client-secret", "devhook-secret",
				"--app-id", "3001", "--app-token", "wrong-token"},
			want: "sign in to " + m.URL + ": authenticate: podio: 400 invalid_grant: Invalid app_id or app_token",
		},
		{
			name: "list on an unknown field",
			args: withCreds("list", "--field", "9999"),
			want: "list hooks: podio: 404 not_found: Object not found (field 9999)",
		},
		{
			name: "create with a URL Podio refuses",
			args: withCreds("create", "--app", "3001", "--event", "item.create", "--url", "ftp://example.com/hook"),
			want: `create hook: podio: 400 invalid_value: Invalid url "ftp://example.com/hook": the scheme must be http or https`,
		},
		{
			name: "delete an unknown hook",
			args: withCreds("delete", "999"),
			want: "delete hook 999: podio: 404 not_found: Object not found (hook 999)",
		},
		{
			name: "request verification of an unknown hook",
			args: withCreds("verify", "999"),
			want: "request verification of hook 999: podio: 404 not_found: Object not found (hook 999)",
		},
		{
			name: "validate an unknown hook",
			args: withCreds("verify", "--code", "abc", "999"),
			want: "validate hook 999: podio: 404 not_found: Object not found (hook 999)",
		},
		{
			name:       "Podio unreachable",
			args:       append(withCreds("list", "--app", "3001"), "--podio-url", "http://127.0.0.1:1"),
			want:       "sign in to http://127.0.0.1:1: authenticate: ",
			wantPrefix: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runHooksCLI(t, tt.args...)
			if code != exitError {
				t.Errorf("exit code = %d, want %d", code, exitError)
			}
			got := lines(stderr)
			want := []string{"devhook: " + tt.want}
			if tt.wantPrefix && len(got) == 1 && strings.HasPrefix(got[0], want[0]) {
				got = want
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

// TestHooksNoSecrets runs command lines that succeed, fail and print help,
// with the credentials in flags and in the environment, and checks that
// no secret shows in any output.
func TestHooksNoSecrets(t *testing.T) {
	clearPodioEnv(t)
	m := newHooksMock(t)
	recv := newHooksReceiver(t, m)
	var out strings.Builder
	runAll := func(prefix []string, cmds [][]string, creds []string) {
		for _, c := range cmds {
			_, stdout, stderr := runHooksCLI(t, append(append(slices.Clone(prefix), c...), creds...)...)
			out.WriteString(stdout)
			out.WriteString(stderr)
		}
	}
	cmds := [][]string{
		{"create", "--app", "3001", "--event", "item.create", "--event", "item.update", "--url", recv.URL},
		{"list", "--app", "3001"},
		{"list", "--app", "3001", "--json"},
		{"verify", "101"},
		{"verify", "101", "--code", "wrong"},
		{"delete", "101", "102", "102"},
		{"list", "--app", "3001", "--help"},
		{"create", "--help"},
		{"delete", "101", "--help"},
		{"verify", "--help"},
		{"list", "--field", "9999"},
		{"create", "--app", "3001", "--event", "nope", "--url", recv.URL},
	}
	runAll([]string{"hooks"}, cmds, m.creds())
	runAll(nil, [][]string{{"hooks"}, {"hooks", "--help"}, {"--help"}}, nil)

	// The same with the credentials in the environment, and wrong ones.
	for k, v := range map[string]string{"PODIO_URL": m.URL, "PODIO_CLIENT_ID": "devhook", "PODIO_CLIENT_SECRET": "devhook-secret",
		"PODIO_APP_ID": "3001", "PODIO_APP_TOKEN": "devhook-app-token"} {
		t.Setenv(k, v)
	}
	runAll([]string{"hooks"}, cmds, nil)
	runAll([]string{"hooks"}, [][]string{{"list", "--app", "3001"}}, []string{"--app-token", "devhook-app-token-wrong"})
	runAll([]string{"hooks"}, [][]string{{"list", "--app", "3001"}}, []string{"--client-id", "", "--client-secret", "devhook-secret"})

	secrets := append([]string{"devhook-secret", "devhook-app-token"}, m.issued()...)
	if len(secrets) < 3 {
		t.Fatalf("the mock saw no token: %q", secrets)
	}
	all := out.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("output shows secret %q", s)
		}
	}
	if !strings.Contains(all, "created hook") || !strings.Contains(all, "USAGE") {
		t.Errorf("the commands did not run as expected; output:\n%s", all)
	}
}

func TestHooksInterspersedFlags(t *testing.T) {
	clearPodioEnv(t)
	m := newHooksMock(t)
	recv := newHooksReceiver(t, m)
	if code, _, _ := runHooksCLI(t, append([]string{"hooks", "create", "--app", "3001", "--event", "item.create", "--url", recv.URL}, m.creds()...)...); code != 0 {
		t.Fatalf("create: exit code %d", code)
	}
	code := recv.code(t, "101")
	tests := []struct {
		name     string
		args     []string
		want     []string
		wantHelp bool // stdout is the command's help, want is not checked
	}{
		{"flags before the id", append(append([]string{"hooks", "verify"}, m.creds()...), "--code", code, "101"),
			[]string{"verified hook 101: it is active"}, false},
		{"flags after the id", append([]string{"hooks", "verify", "101", "--code=" + code}, m.creds()...),
			[]string{"verified hook 101: it is active"}, false},
		{"--help after the id deletes nothing", append([]string{"hooks", "delete", "101", "--help"}, m.creds()...), nil, true},
		{"ids after --", append(append([]string{"hooks", "delete"}, m.creds()...), "--", "101"),
			[]string{"deleted hook 101"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotCode, stdout, stderr := runHooksCLI(t, tt.args...)
			if gotCode != 0 {
				t.Errorf("exit code = %d, want 0; stderr %q", gotCode, stderr)
			}
			if tt.wantHelp {
				if !strings.Contains(stdout, "USAGE:") {
					t.Errorf("stdout = %q, want the help", stdout)
				}
				return
			}
			if diff := cmp.Diff(tt.want, lines(stdout)); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}
