package podio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// secrets are the secret values of appCreds, pwCreds and the test tokens.
var secrets = []string{"csecret-xyz", "apptok-xyz", "hunter2-xyz", "tok1", "ref1"}

// checkRedacted fails if out shows a secret or, when wantMarker is set,
// lacks the redaction marker.
func checkRedacted(t *testing.T, what, out string, wantMarker bool) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s shows secret %q: %s", what, s, out)
		}
	}
	if wantMarker && !strings.Contains(out, Redacted) {
		t.Errorf("%s lacks %q: %s", what, Redacted, out)
	}
}

func TestRedactedFormatting(t *testing.T) {
	c, _ := authed(t)
	tok, _ := c.Token()
	type config struct {
		Name  string
		Creds Credentials
		Token *Token
	}
	// hidden holds everything in unexported fields, where fmt cannot call
	// methods and falls back to reflection.
	type hidden struct {
		creds  Credentials
		pcreds *Credentials
		tok    Token
		secret Secret
		client *Client
		inner  struct{ cfg config }
	}
	h := hidden{creds: pwCreds, pcreds: &appCreds, tok: tok, secret: NewSecret("tok1"), client: c}
	h.inner.cfg = config{Creds: appCreds, Token: &tok}
	values := []struct {
		name       string
		v          any
		wantMarker bool
	}{
		{"app credentials", appCreds, true},
		{"password credentials", pwCreds, true},
		{"*Credentials", &appCreds, true},
		{"token", tok, true},
		{"struct holding credentials", config{Name: "x", Creds: appCreds, Token: &tok}, true},
		{"slice of credentials", []Credentials{appCreds, pwCreds}, true},
		{"secret", NewSecret("csecret-xyz"), true},
		{"authenticated client", c, false},
		{"unexported fields", h, false},
		{"pointer to unexported fields", &h, false},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%20v", "%-20v"}
	for _, tt := range values {
		for _, verb := range verbs {
			t.Run(tt.name+" "+verb, func(t *testing.T) {
				out := fmt.Sprintf(verb, tt.v)
				checkRedacted(t, fmt.Sprintf("Sprintf(%q)", verb), out, tt.wantMarker && verb != "%x" && verb != "%d")
			})
		}
	}
	// Println and Sprint go through the same path as %v, but check them
	// anyway: they are what careless logging uses.
	checkRedacted(t, "Sprint", fmt.Sprint(appCreds, tok, c), true)
	checkRedacted(t, "Sprintln", fmt.Sprintln(pwCreds), true)
}

func TestSecret(t *testing.T) {
	tests := []struct {
		name       string
		s          Secret
		wantReveal string
		wantString string
		wantZero   bool
	}{
		{"zero", Secret{}, "", "", true},
		{"empty", NewSecret(""), "", "", true},
		{"set", NewSecret("tok1"), "tok1", Redacted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Reveal(); got != tt.wantReveal {
				t.Errorf("Reveal() = %q, want %q", got, tt.wantReveal)
			}
			if got := tt.s.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if got := tt.s.IsZero(); got != tt.wantZero {
				t.Errorf("IsZero() = %v, want %v", got, tt.wantZero)
			}
			if !tt.s.Equal(NewSecret(tt.wantReveal)) {
				t.Errorf("Equal(NewSecret(%q)) = false, want true", tt.wantReveal)
			}
			if tt.s.Equal(NewSecret("other")) {
				t.Error(`Equal(NewSecret("other")) = true, want false`)
			}
		})
	}
}

func TestRedactedGoString(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{
			name: "app credentials",
			v:    appCreds,
			want: `podio.Credentials{ClientID:"cid", ClientSecret:"[redacted]", AppID:42, AppToken:"[redacted]", Username:"", Password:""}`,
		},
		{
			name: "empty secrets stay visible as empty",
			v:    Credentials{ClientID: "cid"},
			want: `podio.Credentials{ClientID:"cid", ClientSecret:"", AppID:0, AppToken:"", Username:"", Password:""}`,
		},
		{
			name: "token",
			v:    Token{AccessToken: NewSecret("tok1"), RefreshToken: NewSecret("ref1"), Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ref: Ref{"app", 42}},
			want: `podio.Token{AccessToken:"[redacted]", RefreshToken:"[redacted]", Expiry:"2026-01-02T03:04:05Z", Ref:podio.Ref{Type:"app", ID:42}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprintf("%#v", tt.v); got != tt.want {
				t.Errorf("Sprintf(%%#v) = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRedactedJSON(t *testing.T) {
	tok := Token{AccessToken: NewSecret("tok1"), RefreshToken: NewSecret("ref1"), Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ref: Ref{"app", 42}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"app credentials", appCreds, `{"client_id":"cid","client_secret":"[redacted]","app_id":42,"app_token":"[redacted]"}`},
		{"password credentials", &pwCreds, `{"client_id":"cid","client_secret":"[redacted]","username":"ann@example.com","password":"[redacted]"}`},
		{"token", tok, `{"access_token":"[redacted]","refresh_token":"[redacted]","expiry":"2026-01-02T03:04:05Z","ref":{"type":"app","id":42}}`},
		{
			"struct holding both",
			struct {
				C Credentials `json:"creds"`
				T *Token      `json:"token"`
			}{appCreds, &tok},
			`{"creds":{"client_id":"cid","client_secret":"[redacted]","app_id":42,"app_token":"[redacted]"},` +
				`"token":{"access_token":"[redacted]","refresh_token":"[redacted]","expiry":"2026-01-02T03:04:05Z","ref":{"type":"app","id":42}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			if diff := cmp.Diff(mustJSON(t, tt.want), mustJSON(t, string(b))); diff != "" {
				t.Errorf("json.Marshal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedactedSlog(t *testing.T) {
	tok := Token{AccessToken: NewSecret("tok1"), RefreshToken: NewSecret("ref1"), Ref: Ref{"app", 42}}
	var jsonOut, textOut bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&jsonOut, nil), slog.NewTextHandler(&textOut, nil)} {
		l := slog.New(h)
		l.Info("auth", "creds", appCreds, "password_creds", pwCreds, "token", tok)
		l.Info("auth", slog.Any("ptr", &appCreds))
	}
	checkRedacted(t, "slog text", textOut.String(), true)
	checkRedacted(t, "slog JSON", jsonOut.String(), true)

	var rec map[string]any
	if err := json.Unmarshal(bytes.SplitN(jsonOut.Bytes(), []byte("\n"), 2)[0], &rec); err != nil {
		t.Fatalf("slog JSON: %v", err)
	}
	want := map[string]any{"client_id": "cid", "client_secret": Redacted, "grant": "app", "app_id": float64(42), "app_token": Redacted}
	if diff := cmp.Diff(want, rec["creds"]); diff != "" {
		t.Errorf("slog JSON creds (-want +got):\n%s", diff)
	}
}
