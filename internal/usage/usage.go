// Package usage marks the errors in how a command was called: an unknown
// argument, a bad id, options that do not go together. The packages that
// do a command's work (trigger, hookadmin) return them before doing
// anything, and cmd/devhook reports every error that matches [Err] as a
// usage error (one line, exit 2).
package usage

import (
	"errors"
	"fmt"
)

// Err is matched (errors.Is) by every error of this package.
var Err = errors.New("usage")

// usageError is an error that matches [Err] and reads as err.
type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{e.err, Err} }

// Errorf formats a usage error as fmt.Errorf does (%w wraps).
func Errorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Wrap marks err as a usage error that reads as err and matches it. A
// nil err stays nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}
