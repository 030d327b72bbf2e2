//go:build !unix

package deliverylog

// lockDir is a no-op where flock(2) is not available: rotation is then
// safe within one process only.
func lockDir(dir string) (unlock func(), err error) {
	return func() {}, nil
}
