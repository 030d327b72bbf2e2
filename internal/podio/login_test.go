package podio_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/usage"
)

// loginTests are logins as the flags give them and the credentials they
// make, or the usage error instead.
var loginTests = []struct {
	name    string
	login   podio.Login
	want    podio.Credentials
	wantErr string
}{
	{"app", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppID: 7, AppToken: podio.NewSecret("t")}},
		podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppID: 7, AppToken: podio.NewSecret("t")}, ""},
	{"password", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), Username: "u", Password: podio.NewSecret("p")}},
		podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), Username: "u", Password: podio.NewSecret("p")}, ""},
	{"app wins over password", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppID: 7, AppToken: podio.NewSecret("t"), Username: "u"}},
		podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppID: 7, AppToken: podio.NewSecret("t")}, ""},
	{"no client", podio.Login{Credentials: podio.Credentials{AppID: 7, AppToken: podio.NewSecret("t")}, Command: "go run ./cmd/devhook"}, podio.Credentials{},
		"Podio credentials missing: set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET (or --client-id, --client-secret) (go run ./cmd/devhook up --mock needs none)"},
	{"no client secret, no command", podio.Login{Credentials: podio.Credentials{ClientID: "c"}}, podio.Credentials{},
		"Podio credentials missing: set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET (or --client-id, --client-secret) (devhook up --mock needs none)"},
	{"app id without token", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppID: 7}}, podio.Credentials{},
		"app authentication needs both PODIO_APP_ID and PODIO_APP_TOKEN (or --app-id, --app-token)"},
	{"app token without id", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), AppToken: podio.NewSecret("t")}}, podio.Credentials{},
		"app authentication needs both PODIO_APP_ID and PODIO_APP_TOKEN (or --app-id, --app-token)"},
	{"password without user", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s"), Password: podio.NewSecret("p")}}, podio.Credentials{},
		"password authentication needs both PODIO_USERNAME and PODIO_PASSWORD (or --username, --password)"},
	{"neither app nor user", podio.Login{Credentials: podio.Credentials{ClientID: "c", ClientSecret: podio.NewSecret("s")}}, podio.Credentials{},
		"Podio credentials missing: set PODIO_APP_ID and PODIO_APP_TOKEN, or PODIO_USERNAME and PODIO_PASSWORD"},
}

func TestLoginCheck(t *testing.T) {
	for _, tt := range loginTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.login.Check()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, usage.Err) {
					t.Fatalf("Check() error = %v, want a usage error %q", err, tt.wantErr)
				}
				// SignIn refuses the same way, before any request.
				if _, err := tt.login.SignIn(t.Context()); err == nil || err.Error() != tt.wantErr {
					t.Errorf("SignIn error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// baseURLTests are --podio-url values and whether CheckBaseURL takes them:
// a refusal never shows the value.
var baseURLTests = map[string]bool{
	"https://api.podio.com":          true,
	"http://127.0.0.1:8080":          true,
	"http://127.0.0.1:8080/api/":     true,
	"api.podio.com":                  false,
	"ftp://api.podio.com":            false,
	"https://":                       false,
	"https://user:hunter2@podio.com": false,
	"https://podio.com/?token=abc":   false,
	"https://podio.com/?":            false,
	"https://podio.com/#s3cret":      false,
	"http://[::1":                    false,
}

func TestCheckBaseURL(t *testing.T) {
	for raw, ok := range baseURLTests {
		err := podio.CheckBaseURL(raw)
		if ok != (err == nil) {
			t.Errorf("CheckBaseURL(%q) = %v, want ok %v", raw, err, ok)
			continue
		}
		if err != nil && !errors.Is(err, usage.Err) {
			t.Errorf("CheckBaseURL(%q) = %v, not a usage error", raw, err)
		}
		for _, secret := range []string{"hunter2", "abc", "s3cret"} {
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("CheckBaseURL(%q) = %v, which shows %q", raw, err, secret)
			}
		}
	}
}
