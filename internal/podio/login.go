package podio

import (
	"context"
	"net/url"

	"github.com/devhookhq/devhook/internal/usage"
)

// Login is how devhook signs in, as the user gives it: the PODIO_*
// environment variables or the flags of the same names, which the
// messages of [Login.Check] and [CheckBaseURL] name. The credentials may
// be incomplete or name two grants; Check says what is wrong.
type Login struct {
	URL string // the API base URL; "" is DefaultBaseURL
	Credentials
	// Command is how the user runs devhook ("devhook" unless set), for
	// the hint that `up --mock` needs no credentials.
	Command string
}

// Check returns l's credentials for the client: an API key and
// either app or password authentication
// (https://developers.podio.com/authentication). What is missing or half
// given is a usage error ([usage.Err]) that says which variables to set.
func (l Login) Check() (Credentials, error) {
	cr := Credentials{ClientID: l.ClientID, ClientSecret: l.ClientSecret}
	if l.ClientID == "" || l.ClientSecret.IsZero() {
		cmd := l.Command
		if cmd == "" {
			cmd = "devhook"
		}
		return cr, usage.Errorf("Podio credentials missing: set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET (or --client-id, --client-secret) (%s up --mock needs none)", cmd)
	}
	switch {
	case l.AppID != 0 || !l.AppToken.IsZero():
		if l.AppID == 0 || l.AppToken.IsZero() {
			return cr, usage.Errorf("app authentication needs both PODIO_APP_ID and PODIO_APP_TOKEN (or --app-id, --app-token)")
		}
		cr.AppID, cr.AppToken = l.AppID, l.AppToken
	case l.Username != "" || !l.Password.IsZero():
		if l.Username == "" || l.Password.IsZero() {
			return cr, usage.Errorf("password authentication needs both PODIO_USERNAME and PODIO_PASSWORD (or --username, --password)")
		}
		cr.Username, cr.Password = l.Username, l.Password
	default:
		return cr, usage.Errorf("Podio credentials missing: set PODIO_APP_ID and PODIO_APP_TOKEN, or PODIO_USERNAME and PODIO_PASSWORD")
	}
	return cr, nil
}

// SignIn returns a client of l.URL authenticated with l's credentials
// (see [Login.Check] and [SignIn]).
func (l Login) SignIn(ctx context.Context) (*Client, error) {
	cr, err := l.Check()
	if err != nil {
		return nil, err
	}
	return SignIn(ctx, l.URL, cr)
}

// CheckBaseURL refuses, as a usage error, a --podio-url that is not a
// plain http(s) base URL: one with user info, a query or a fragment is
// refused, and so is one that does not parse, without echoing it, since
// such parts are where a secret would be (a token in the query, a
// password in the user info).
func CheckBaseURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return usage.Errorf("--podio-url must be an http(s) base URL such as %s (the value given is not shown: it may hold a secret)", DefaultBaseURL)
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return usage.Errorf("--podio-url must not carry user info, a query or a fragment (the value given is not shown: it may hold a secret); give credentials with --client-id and the PODIO_* variables")
	}
	return nil
}
