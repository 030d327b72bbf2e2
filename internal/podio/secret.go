package podio

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Redacted is what [Credentials] and [Token] show in place of a secret
// when they are printed, marshalled to JSON or logged.
const Redacted = "[redacted]"

// Credentials are what [Client.Authenticate] exchanges for a token, and
// what the client uses again when a refresh token is refused. They
// describe exactly one grant:
//
//   - the app grant: AppID and AppToken (grant_type=app);
//   - the password grant: Username and Password (grant_type=password).
//
// ClientID and ClientSecret, the API key, are always required.
//
// ClientSecret, AppToken and Password never appear in the output of fmt
// (any verb, including %+v and %#v), encoding/json or log/slog: they
// print as [Redacted]. An empty secret prints as "" so a missing value
// stays visible.
type Credentials struct {
	// ClientID is the API key's client_id.
	ClientID string
	// ClientSecret is the API key's client_secret.
	ClientSecret string
	// AppID is the app to authenticate as, for the app grant.
	AppID int64
	// AppToken is the app's token, for the app grant.
	AppToken string
	// Username is the user's email address, for the password grant.
	Username string
	// Password is the user's password, for the password grant.
	Password string
}

// Grant returns the OAuth grant_type the credentials stand for: "app",
// "password", or "" when they name neither or both.
func (c Credentials) Grant() string {
	app := c.AppID != 0 || c.AppToken != ""
	pw := c.Username != "" || c.Password != ""
	switch {
	case app && !pw:
		return "app"
	case pw && !app:
		return "password"
	}
	return ""
}

// validate reports what is missing, wrapping ErrInvalidCredentials.
func (c Credentials) validate() error {
	var missing []string
	if c.ClientID == "" {
		missing = append(missing, "client id")
	}
	if c.ClientSecret == "" {
		missing = append(missing, "client secret")
	}
	switch c.Grant() {
	case "app":
		if c.AppID == 0 {
			missing = append(missing, "app id")
		}
		if c.AppToken == "" {
			missing = append(missing, "app token")
		}
	case "password":
		if c.Username == "" {
			missing = append(missing, "username")
		}
		if c.Password == "" {
			missing = append(missing, "password")
		}
	default:
		return fmt.Errorf("need either app id and app token or username and password: %w", ErrInvalidCredentials)
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s: %w", strings.Join(missing, ", "), ErrInvalidCredentials)
	}
	return nil
}

// form returns the token request fields for the credentials' grant,
// client credentials included.
func (c Credentials) form() map[string]string {
	f := map[string]string{
		"grant_type":    c.Grant(),
		"client_id":     c.ClientID,
		"client_secret": c.ClientSecret,
	}
	switch c.Grant() {
	case "app":
		f["app_id"] = strconv.FormatInt(c.AppID, 10)
		f["app_token"] = c.AppToken
	case "password":
		f["username"] = c.Username
		f["password"] = c.Password
	}
	return f
}

// redact returns Redacted for a non-empty secret and "" for an empty one.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return Redacted
}

// String returns the credentials with their secrets redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("{ClientID:%s ClientSecret:%s AppID:%d AppToken:%s Username:%s Password:%s}",
		c.ClientID, redact(c.ClientSecret), c.AppID, redact(c.AppToken), c.Username, redact(c.Password))
}

// GoString returns a Go-syntax representation of the credentials with
// their secrets redacted; %#v uses it.
func (c Credentials) GoString() string {
	return fmt.Sprintf("podio.Credentials{ClientID:%q, ClientSecret:%q, AppID:%d, AppToken:%q, Username:%q, Password:%q}",
		c.ClientID, redact(c.ClientSecret), c.AppID, redact(c.AppToken), c.Username, redact(c.Password))
}

// Format implements [fmt.Formatter] so that every verb, and every flag,
// prints the redacted form: %#v prints [Credentials.GoString], %q the
// quoted [Credentials.String], anything else [Credentials.String].
func (c Credentials) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.String(), c.GoString())
}

// MarshalJSON encodes the credentials with snake_case keys and their
// secrets redacted. Credentials cannot be read back from it.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AppID        int64  `json:"app_id,omitempty"`
		AppToken     string `json:"app_token,omitempty"`
		Username     string `json:"username,omitempty"`
		Password     string `json:"password,omitempty"`
	}{c.ClientID, redact(c.ClientSecret), c.AppID, redact(c.AppToken), c.Username, redact(c.Password)})
}

// LogValue implements [slog.LogValuer]: a group with the secrets
// redacted.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", redact(c.ClientSecret)),
		slog.String("grant", c.Grant()),
	}
	if c.AppID != 0 || c.AppToken != "" {
		attrs = append(attrs, slog.Int64("app_id", c.AppID), slog.String("app_token", redact(c.AppToken)))
	}
	if c.Username != "" || c.Password != "" {
		attrs = append(attrs, slog.String("username", c.Username), slog.String("password", redact(c.Password)))
	}
	return slog.GroupValue(attrs...)
}

// Token is an OAuth token as Podio issued it. AccessToken and
// RefreshToken never appear in the output of fmt, encoding/json or
// log/slog: they print as [Redacted].
type Token struct {
	// AccessToken is sent as "Authorization: OAuth2 <AccessToken>".
	AccessToken string
	// RefreshToken renews AccessToken once it expires.
	RefreshToken string
	// Expiry is when AccessToken expires, computed from expires_in when
	// the token arrived. The client does not act on it: it renews the
	// token when Podio answers 401 expired_token.
	Expiry time.Time
	// Ref is who the token acts as: {Type: "app", ID: app_id} or
	// {Type: "user", ID: user_id}.
	Ref Ref
}

// Ref is a Podio reference: a type such as "app" or "user" and an id.
type Ref struct {
	// Type is the kind of object, such as "app", "user" or "item".
	Type string `json:"type"`
	// ID is the object's id.
	ID int64 `json:"id"`
}

// String returns the token with AccessToken and RefreshToken redacted.
func (t Token) String() string {
	return fmt.Sprintf("{AccessToken:%s RefreshToken:%s Expiry:%s Ref:%s/%d}",
		redact(t.AccessToken), redact(t.RefreshToken), t.Expiry.UTC().Format(time.RFC3339), t.Ref.Type, t.Ref.ID)
}

// GoString returns a Go-syntax representation of the token with
// AccessToken and RefreshToken redacted; %#v uses it.
func (t Token) GoString() string {
	return fmt.Sprintf("podio.Token{AccessToken:%q, RefreshToken:%q, Expiry:%q, Ref:podio.Ref{Type:%q, ID:%d}}",
		redact(t.AccessToken), redact(t.RefreshToken), t.Expiry.UTC().Format(time.RFC3339), t.Ref.Type, t.Ref.ID)
}

// Format implements [fmt.Formatter] so that every verb prints the
// redacted form, like [Credentials.Format].
func (t Token) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, t.String(), t.GoString())
}

// MarshalJSON encodes the token with its secrets redacted. A token cannot
// be read back from it.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessToken  string    `json:"access_token"`
		RefreshToken string    `json:"refresh_token"`
		Expiry       time.Time `json:"expiry"`
		Ref          Ref       `json:"ref"`
	}{redact(t.AccessToken), redact(t.RefreshToken), t.Expiry, t.Ref})
}

// LogValue implements [slog.LogValuer]: a group with the secrets
// redacted.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", redact(t.AccessToken)),
		slog.String("refresh_token", redact(t.RefreshToken)),
		slog.Time("expiry", t.Expiry),
		slog.String("ref_type", t.Ref.Type),
		slog.Int64("ref_id", t.Ref.ID),
	)
}

// formatRedacted writes s (or gs for %#v) for any verb, so no verb or
// flag can reach the raw fields.
func formatRedacted(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		s = gs
	case verb == 'q':
		s = strconv.Quote(s)
	}
	if w, ok := f.Width(); ok && len(s) < w {
		pad := strings.Repeat(" ", w-len(s))
		if f.Flag('-') {
			s += pad
		} else {
			s = pad + s
		}
	}
	fmt.Fprint(f, s)
}
