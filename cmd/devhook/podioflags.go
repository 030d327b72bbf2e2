package main

import (
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// podioOptions are how devhook signs in to Podio (or the mock).
type podioOptions = podio.Login

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
	o := podioOptions{URL: c.String("podio-url"), Command: selfCommand(), Credentials: podio.Credentials{
		ClientID:     c.String("client-id"),
		ClientSecret: podio.NewSecret(c.String("client-secret")),
		AppToken:     podio.NewSecret(c.String("app-token")),
		Username:     c.String("username"),
		Password:     podio.NewSecret(c.String("password")),
	}}
	if o.URL != "" { // commands without --podio-url leave it empty
		if err := podio.CheckBaseURL(o.URL); err != nil {
			return o, err
		}
	}
	if v := c.String("app-id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return o, usagef("--app-id wants a number (a positive id), not %q", v)
		}
		o.AppID = id
	}
	return o, nil
}

// withMockDefaults returns o for the mock at url: the default seed's
// client, and its app 3001 (mockpodio.DefaultSeed), for what o does not
// set.
func withMockDefaults(o podioOptions, url string) podioOptions {
	o.URL = strings.TrimRight(url, "/")
	if o.ClientID == "" && o.ClientSecret.IsZero() {
		o.ClientID, o.ClientSecret = mockpodio.DefaultClientID, podio.NewSecret(mockpodio.DefaultClientSecret)
	}
	if o.AppID == 0 && o.AppToken.IsZero() && o.Username == "" && o.Password.IsZero() {
		o.AppID, o.AppToken = mockpodio.DefaultAppID, podio.NewSecret(mockpodio.DefaultAppToken)
	}
	return o
}
