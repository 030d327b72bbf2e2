package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRunEscapesErrorOutput runs devhook as main does and checks that a
// failing command's one error line on stderr carries ESC, C1 codes, U+202E
// and U+2028 escaped, never raw: the error strings come from a flag name
// typed on the command line and from a Podio error answer.
func TestRunEscapesErrorOutput(t *testing.T) {
	clearPodioEnv(t)
	// A Podio whose every answer is an error with a hostile description.
	podio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"error":"forbidden","error_description":"no \u001b[2J\u001b]52;c;SGVsbG8=\u0007 \u009b2J \u202eevil \u2028next","error_detail":null,"error_parameters":{},"error_propagate":false,"request":{"url":"x","query_string":"","method":"POST"}}`))
	}))
	t.Cleanup(podio.Close)
	creds := []string{"--podio-url", podio.URL, "--client-id", "devhook", "--client-secret", "devhook-secret",
		"--app-id", "3001", "--app-token", "devhook-app-token"}

	tests := []struct {
		name string
		args []string
		code int
		want []string // escaped texts the error line must hold
	}{
		{
			name: "unknown flag",
			args: []string{"hooks", "list", "--x\x1b[2J\u009b\u202e\u2028"},
			code: exitUsage,
			want: []string{`x\x1b[2J\u009b\u202e\u2028`},
		},
		{
			name: "podio error description",
			args: append([]string{"hooks", "list", "--app", "3001"}, creds...),
			code: exitError,
			want: []string{`no \x1b[2J\x1b]52;c;SGVsbG8=\x07 \u009b2J \u202eevil \u2028next`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var stdout, stderr strings.Builder
			code := run(ctx, append([]string{"devhook"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			assertNoRawControls(t, "stderr", stderr.String())
			assertNoRawControls(t, "stdout", stdout.String())
			errLine := ""
			for l := range strings.Lines(stderr.String()) {
				if strings.HasPrefix(l, "devhook: ") {
					errLine = l
				}
			}
			if errLine == "" {
				t.Fatalf("no error line on stderr: %q", stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errLine, w) {
					t.Errorf("error line %q lacks %q", errLine, w)
				}
			}
		})
	}
}
