package session

import "github.com/devhookhq/devhook/internal/httpguard"

// SetListenLimits sets the relay listener's timeouts and header cap.
func SetListenLimits(c *Config, l httpguard.Limits) { c.listenLimits = l }
