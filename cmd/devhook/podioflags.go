package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// podioOptions are how devhook signs in to Podio (or the mock). Secrets
// are podio.Secret values, which never print.
type podioOptions struct {
	url          string
	clientID     string
	clientSecret podio.Secret
	appID        int64
	appToken     podio.Secret
	username     string
	password     podio.Secret
}

// podioFlags are the credential flags shared by up and hooks. Each can come
// from its PODIO_* environment variable.
func podioFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "podio-url", Value: podio.DefaultBaseURL, EnvVars: []string{"PODIO_URL"}, Usage: "Podio API base `URL`"},
		&cli.StringFlag{Name: "client-id", EnvVars: []string{"PODIO_CLIENT_ID"}, Usage: "API key client id"},
		&cli.StringFlag{Name: "client-secret", EnvVars: []string{"PODIO_CLIENT_SECRET"}, Usage: "API key client secret (prefer the environment variable)"},
		&cli.StringFlag{Name: "app-id", EnvVars: []string{"PODIO_APP_ID"}, Usage: "app id, for app authentication"},
		&cli.StringFlag{Name: "app-token", EnvVars: []string{"PODIO_APP_TOKEN"}, Usage: "app token, for app authentication (prefer the environment variable)"},
		&cli.StringFlag{Name: "username", EnvVars: []string{"PODIO_USERNAME"}, Usage: "user name, for password authentication"},
		&cli.StringFlag{Name: "password", EnvVars: []string{"PODIO_PASSWORD"}, Usage: "password, for password authentication (prefer the environment variable)"},
	}
}

func podioOptionsFrom(c *cli.Context) (podioOptions, error) {
	o := podioOptions{
		url:          c.String("podio-url"),
		clientID:     c.String("client-id"),
		clientSecret: podio.NewSecret(c.String("client-secret")),
		appToken:     podio.NewSecret(c.String("app-token")),
		username:     c.String("username"),
		password:     podio.NewSecret(c.String("password")),
	}
	if o.url != "" { // commands without --podio-url leave it empty
		if err := checkPodioURL(o.url); err != nil {
			return o, err
		}
	}
	if v := c.String("app-id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return o, usagef("--app-id wants a number (a positive id), not %q", v)
		}
		o.appID = id
	}
	return o, nil
}

// credentials turns the options into the client's credentials, with a
// clear message for what is missing.
func (o podioOptions) credentials() (podio.Credentials, error) {
	cr := podio.Credentials{ClientID: o.clientID, ClientSecret: o.clientSecret}
	if o.clientID == "" || o.clientSecret.IsZero() {
		return cr, usagef("Podio credentials missing: set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET (or --client-id, --client-secret) (%s up --mock needs none)", selfCommand())
	}
	switch {
	case o.appID != 0 || !o.appToken.IsZero():
		if o.appID == 0 || o.appToken.IsZero() {
			return cr, usagef("app authentication needs both PODIO_APP_ID and PODIO_APP_TOKEN (or --app-id, --app-token)")
		}
		cr.AppID, cr.AppToken = o.appID, o.appToken
	case o.username != "" || !o.password.IsZero():
		if o.username == "" || o.password.IsZero() {
			return cr, usagef("password authentication needs both PODIO_USERNAME and PODIO_PASSWORD (or --username, --password)")
		}
		cr.Username, cr.Password = o.username, o.password
	default:
		return cr, usagef("Podio credentials missing: set PODIO_APP_ID and PODIO_APP_TOKEN, or PODIO_USERNAME and PODIO_PASSWORD")
	}
	return cr, nil
}

// withMockDefaults returns o for the mock at url: the default seed's
// client, and its app 3001 (mockpodio.DefaultSeed), for what o does not
// set.
func (o podioOptions) withMockDefaults(url string) podioOptions {
	o.url = strings.TrimRight(url, "/")
	if o.clientID == "" && o.clientSecret.IsZero() {
		o.clientID, o.clientSecret = mockpodio.DefaultClientID, podio.NewSecret(mockpodio.DefaultClientSecret)
	}
	if o.appID == 0 && o.appToken.IsZero() && o.username == "" && o.password.IsZero() {
		o.appID, o.appToken = mockpodio.DefaultAppID, podio.NewSecret(mockpodio.DefaultAppToken)
	}
	return o
}

// signIn returns a client authenticated with o.
func (o podioOptions) signIn(ctx context.Context) (*podio.Client, error) {
	cr, err := o.credentials()
	if err != nil {
		return nil, err
	}
	return podio.SignIn(ctx, o.url, cr)
}

// checkPodioURL refuses a --podio-url that is not a plain http(s) base
// URL: one with user info, a query or a fragment is refused, and so is one
// that does not parse, without echoing it, since such parts are where a
// secret would be (a token in the query, a password in the user info).
func checkPodioURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return usagef("--podio-url must be an http(s) base URL such as %s (the value given is not shown: it may hold a secret)", podio.DefaultBaseURL)
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return usagef("--podio-url must not carry user info, a query or a fragment (the value given is not shown: it may hold a secret); give credentials with --client-id and the PODIO_* variables")
	}
	return nil
}
