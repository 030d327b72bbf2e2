package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/formpost"
	"github.com/devhookhq/devhook/internal/trigger"
	"github.com/devhookhq/devhook/mockpodio"
)

// The behaviour of trigger is tested in internal/trigger; these tests
// check what the command adds: flags into a trigger.Config, the seed's
// credentials and control client for --mock, and exit codes.

// closedURL is where nothing listens: port 1 of the loopback address.
const closedURL = "http://127.0.0.1:1"

func TestTriggerUsageErrors(t *testing.T) {
	clearPodioEnv(t)
	down := closedURL // usage errors are found before any request
	tests := []struct {
		name    string
		args    []string
		wantErr error // matched with errors.Is; nil: any usage error
	}{
		{"no event", []string{"--to", down}, nil},
		{"two events", []string{"item.create", "item.update", "--to", down}, nil},
		{"unknown event", []string{"item.created", "--to", down}, fixtures.ErrUnknownEvent},
		{"unknown param", []string{"item.create", "--to", down, "--set", "itemid=4"}, fixtures.ErrUnknownParam},
		{"set twice", []string{"item.create", "--to", down, "--set", "item_id=1", "--set", "item_id=2"}, fixtures.ErrBadSet},
		{"neither --to nor --mock", []string{"item.create"}, trigger.ErrUsage},
		{"--repeat 0", []string{"item.create", "--to", down, "--repeat", "0"}, trigger.ErrUsage},
		{"--app with --to", []string{"item.create", "--to", down, "--app", "3001"}, trigger.ErrUsage},
		{"id the mock assigns", []string{"item.create", "--mock", down, "--set", "item_id=5"}, trigger.ErrUsage},
		{"--app not a number", []string{"item.create", "--mock", down, "--app", "bugs"}, nil},
		{"--space not a number", []string{"member.add", "--mock", down, "--space", "-1"}, nil},
		{"half the app credentials", []string{"item.create", "--mock", down, "--app-id", "3001"}, nil},
		{"bad --app-id", []string{"item.create", "--mock", down, "--app-id", "x", "--app-token", "t"}, nil},
		{"unknown flag", []string{"item.create", "--to", down, "--bogus"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, _, err := runCLI(t, append([]string{"trigger"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit code = %d (%v), want %d", code, err, exitUsage)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestTriggerCLI runs trigger against an in-process mock and its
// receiver: the flags reach the Config, --mock signs in with the seed's
// credentials by default and counts hooks through the control client, and
// a failure exits 1.
func TestTriggerCLI(t *testing.T) {
	clearPodioEnv(t)
	s := mockpodio.NewTestServer(t, mockpodio.WithStrict()) // refuses credentials other than the seed's
	rcv := mockpodio.NewReceiver(t, s)
	if _, err := s.CreateHook(t.Context(), mockpodio.SpaceRef(mockpodio.DefaultSpaceID), "member.add", rcv); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		status   int // the receiver's answer
		wantCode int
		wantOut  string // a regexp
		wantErr  error
	}{
		{
			name: "--to", args: []string{"item.create", "--to", rcv.URL + "/hook?x=1", "--set", "item_id=42", "--timeout", "5s"}, status: 200,
			wantCode: exitOK, wantOut: `(?m)\APOST http://127\.0\.0\.1:\d+/hook  item\.create\ntype=item\.create&hook_id=\d+&item_id=42&item_revision_id=\d+&external_id=bug-17&x=1\n-> 200 OK  `,
		},
		{
			name: "--to a failing handler", args: []string{"item.create", "--to", rcv.URL, "-n", "3", "-c", "2"}, status: 500,
			wantCode: exitError, wantOut: `(?m)^500 +3$`,
		},
		{
			name: "--to an unreachable handler", args: []string{"item.create", "--to", closedURL},
			wantCode: exitError, wantErr: formpost.ErrUnreachable,
		},
		{
			name: "--mock with the seed's credentials", args: []string{"member.add", "--mock", s.URL + "/"}, status: 200,
			wantCode: exitOK, wantOut: `(?m)\Aadded user 1002 to space 2001: member.add fired, 1 hook targeted \(1 active\)$`,
		},
		{
			name: "--mock --control on --space", args: []string{"member.add", "--mock", s.URL, "--control", "--space", "2001", "--set", "user_id=7"}, status: 200,
			wantCode: exitOK, wantOut: `(?m)\Afired member\.add on space 2001 through the mock's control API \(event \d+\), 1 hook targeted \(1 active\)$`,
		},
		{
			name: "--mock with other credentials", args: []string{"item.create", "--mock", s.URL, "--client-id", "devhook", "--client-secret", "wrong"},
			wantCode: exitError, wantOut: `\A\z`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv.Respond(mockpodio.Response{Status: tt.status})
			code, out, _, err := runCLI(t, append([]string{"trigger"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantOut != "" && !regexp.MustCompile(tt.wantOut).MatchString(out) {
				t.Errorf("output does not match %s:\n%s", tt.wantOut, out)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "wrong") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}
