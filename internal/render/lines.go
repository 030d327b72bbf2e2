package render

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// JSONLines writes recs as devhook deliveries --json does: one line of
// [JSON] per record.
func JSONLines(w io.Writer, recs []deliverylog.Record) error {
	for _, r := range recs {
		b, err := JSON(r)
		if err != nil {
			return fmt.Errorf("encode delivery %s: %w", r.ID, err)
		}
		fmt.Fprintf(w, "%s\n", b)
	}
	return nil
}

// Skipped warns on w about log lines that did not parse, typically one
// torn by a crash: how many, and where the first is. It writes nothing
// for none.
func Skipped(w io.Writer, skipped []deliverylog.Skipped) {
	if len(skipped) == 0 {
		return
	}
	s := skipped[0]
	fmt.Fprintf(w, "devhook: warning: skipped %d unreadable line(s) of the delivery log, the first at %s line %d (%v)\n",
		len(skipped), filepath.Base(s.File), s.Line, s.Err)
}
