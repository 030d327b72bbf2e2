package podio

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Redacted is what a non-empty [Secret] shows when it is printed,
// marshalled to JSON or logged.
const Redacted = "[redacted]"

// Secret is a string that never shows itself: fmt (any verb or flag),
// encoding/json and log/slog all show [Redacted] for a non-empty Secret and
// "" for an empty one. [Secret.Reveal] returns the value.
//
// The value sits behind a pointer rather than in a string field, so that
// even fmt's reflection, which cannot call methods on values in unexported
// struct fields, shows an address and not the secret.
//
// The zero Secret is empty. Secrets compare by value with [Secret.Equal];
// == compares identity.
type Secret struct {
	p *string
}

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret value. Call it only to put the value on the
// wire.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// Equal reports whether s and t hold the same value. go-cmp uses it.
func (s Secret) Equal(t Secret) bool { return s.Reveal() == t.Reveal() }

// String returns [Redacted], or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return Redacted
}

// GoString returns the quoted [Secret.String]; %#v uses it.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format implements [fmt.Formatter] so that every verb prints
// [Secret.String] (quoted for %q and %#v).
func (s Secret) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, s.String(), s.GoString())
}

// MarshalJSON encodes the secret as the JSON string [Redacted], or "" when
// it is empty.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// LogValue implements [slog.LogValuer]: the string [Redacted], or "" when
// the secret is empty.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Credentials are what [Client.Authenticate] exchanges for a token, and
// what the client uses again when a refresh token is refused. They
// describe exactly one grant:
//
//   - the app grant: AppID and AppToken (grant_type=app);
//   - the password grant: Username and Password (grant_type=password).
//
// ClientID and ClientSecret, the API key, are always required.
//
// ClientSecret, AppToken and Password are [Secret] values, so they never
// appear in the output of fmt (any verb, including %+v and %#v),
// encoding/json or log/slog, even when the Credentials sit in an
// unexported field of something printed.
type Credentials struct {
	// ClientID is the API key's client_id.
	ClientID string
	// ClientSecret is the API key's client_secret.
	ClientSecret Secret
	// AppID is the app to authenticate as, for the app grant.
	AppID int64
	// AppToken is the app's token, for the app grant.
	AppToken Secret
	// Username is the user's email address, for the password grant.
	Username string
	// Password is the user's password, for the password grant.
	Password Secret
}

// Grant returns the OAuth grant_type the credentials stand for: "app",
// "password", or "" when they name neither or both.
func (c Credentials) Grant() string {
	app := c.AppID != 0 || !c.AppToken.IsZero()
	pw := c.Username != "" || !c.Password.IsZero()
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
	if c.ClientSecret.IsZero() {
		missing = append(missing, "client secret")
	}
	switch c.Grant() {
	case "app":
		if c.AppID == 0 {
			missing = append(missing, "app id")
		}
		if c.AppToken.IsZero() {
			missing = append(missing, "app token")
		}
	case "password":
		if c.Username == "" {
			missing = append(missing, "username")
		}
		if c.Password.IsZero() {
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
		"client_secret": c.ClientSecret.Reveal(),
	}
	switch c.Grant() {
	case "app":
		f["app_id"] = strconv.FormatInt(c.AppID, 10)
		f["app_token"] = c.AppToken.Reveal()
	case "password":
		f["username"] = c.Username
		f["password"] = c.Password.Reveal()
	}
	return f
}

// String returns the credentials with their secrets redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("{ClientID:%s ClientSecret:%s AppID:%d AppToken:%s Username:%s Password:%s}",
		c.ClientID, c.ClientSecret, c.AppID, c.AppToken, c.Username, c.Password)
}

// GoString returns a Go-syntax representation of the credentials with
// their secrets redacted; %#v uses it.
func (c Credentials) GoString() string {
	return fmt.Sprintf("podio.Credentials{ClientID:%q, ClientSecret:%#v, AppID:%d, AppToken:%#v, Username:%q, Password:%#v}",
		c.ClientID, c.ClientSecret, c.AppID, c.AppToken, c.Username, c.Password)
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
		ClientSecret Secret `json:"client_secret"`
		AppID        int64  `json:"app_id,omitempty"`
		AppToken     Secret `json:"app_token,omitzero"`
		Username     string `json:"username,omitempty"`
		Password     Secret `json:"password,omitzero"`
	}{c.ClientID, c.ClientSecret, c.AppID, c.AppToken, c.Username, c.Password})
}

// LogValue implements [slog.LogValuer]: a group with the secrets
// redacted.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", c.ClientSecret.String()),
		slog.String("grant", c.Grant()),
	}
	if c.AppID != 0 || !c.AppToken.IsZero() {
		attrs = append(attrs, slog.Int64("app_id", c.AppID), slog.String("app_token", c.AppToken.String()))
	}
	if c.Username != "" || !c.Password.IsZero() {
		attrs = append(attrs, slog.String("username", c.Username), slog.String("password", c.Password.String()))
	}
	return slog.GroupValue(attrs...)
}

// Token is an OAuth token as Podio issued it. AccessToken and
// RefreshToken are [Secret] values: they never appear in the output of
// fmt, encoding/json or log/slog.
type Token struct {
	// AccessToken is sent as "Authorization: OAuth2 <AccessToken>".
	AccessToken Secret
	// RefreshToken renews AccessToken once it expires.
	RefreshToken Secret
	// Expiry is when AccessToken expires, computed from expires_in when
	// the token arrived; zero when Podio sent no expires_in. The client
	// does not act on it: it renews the token when Podio answers 401
	// expired_token.
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
		t.AccessToken, t.RefreshToken, t.Expiry.UTC().Format(time.RFC3339), t.Ref.Type, t.Ref.ID)
}

// GoString returns a Go-syntax representation of the token with
// AccessToken and RefreshToken redacted; %#v uses it.
func (t Token) GoString() string {
	return fmt.Sprintf("podio.Token{AccessToken:%#v, RefreshToken:%#v, Expiry:%q, Ref:podio.Ref{Type:%q, ID:%d}}",
		t.AccessToken, t.RefreshToken, t.Expiry.UTC().Format(time.RFC3339), t.Ref.Type, t.Ref.ID)
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
		AccessToken  Secret    `json:"access_token"`
		RefreshToken Secret    `json:"refresh_token"`
		Expiry       time.Time `json:"expiry"`
		Ref          Ref       `json:"ref"`
	}{t.AccessToken, t.RefreshToken, t.Expiry, t.Ref})
}

// LogValue implements [slog.LogValuer]: a group with the secrets
// redacted.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", t.AccessToken.String()),
		slog.String("refresh_token", t.RefreshToken.String()),
		slog.Time("expiry", t.Expiry),
		slog.String("ref_type", t.Ref.Type),
		slog.Int64("ref_id", t.Ref.ID),
	)
}

// formatRedacted writes s (or gs for %#v, or s quoted for %q) for any
// verb, honouring width and the '-' flag, so no verb or flag can reach the
// raw fields.
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
