package mockpodio

import (
	"errors"
	"fmt"
	"io"

	"github.com/devhookhq/devhook/internal/httpguard"
)

// StartOn starts s on addr, as devhook mock and up --mock do: on a free
// loopback port instead when addr is taken and fallback is set, saying so
// on stderr. flag names the option that sets addr, for the messages. It
// warns on stderr when the address is reachable beyond loopback. A
// [StateError] or [ErrStateInUse] is told as the state file's problem.
func (s *Server) StartOn(addr, flag string, fallback bool, stderr io.Writer) error {
	l, taken, err := httpguard.Listen(addr, fallback)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (--%s 127.0.0.1:0 picks a free port)", addr, err, flag)
	}
	if taken != nil {
		fmt.Fprintf(stderr, "devhook: warning: %s is taken (%v): the mock listens on http://%s instead; give that URL to --mock\n", addr, taken, l.Addr())
	}
	s.Listener = l
	if err := s.Start(); err != nil {
		l.Close()
		if se, ok := errors.AsType[*StateError](err); ok {
			return fmt.Errorf("state %s: %w", se.Path, se.Err)
		}
		if errors.Is(err, ErrStateInUse) {
			return fmt.Errorf("state %s: another mock has it open", s.StateFile)
		}
		return err
	}
	if httpguard.Exposed(l.Addr()) {
		fmt.Fprintf(stderr, "devhook: warning: listening on %s, reachable from other machines; use 127.0.0.1 to keep it local\n", l.Addr())
	}
	return nil
}
