package relay

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// NewSecret returns a random, URL-safe secret of 22 characters (128 bits
// from crypto/rand, unpadded base64url) for [Config.Secret].
func NewSecret() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("relay: new secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
