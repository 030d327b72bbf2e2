package render

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// HookTable writes hooks as devhook hooks list shows them: one row per
// hook under a header, creation times in UTC, untrusted text quoted
// ([termsafe.Quote]).
func HookTable(w io.Writer, hooks []podio.Hook) error {
	rows := make([][]string, 0, len(hooks))
	for _, h := range hooks {
		created := "-"
		if !h.CreatedOn.IsZero() {
			created = h.CreatedOn.UTC().Format(time.RFC3339)
		}
		rows = append(rows, []string{strconv.FormatInt(h.HookID, 10), termsafe.Quote(h.Status), termsafe.Quote(h.Type), termsafe.Quote(h.URL), created})
	}
	return columns(w, []string{"HOOK ID", "STATUS", "TYPE", "URL", "CREATED"}, rows)
}

// hookJSON is one hook in the output of hooks list --json.
type hookJSON struct {
	HookID    int64     `json:"hook_id"`
	RefType   string    `json:"ref_type"`
	RefID     int64     `json:"ref_id"`
	Status    string    `json:"status"`
	Type      string    `json:"type"`
	URL       string    `json:"url"`
	CreatedOn time.Time `json:"created_on,omitzero"`
}

// HooksJSON writes the hooks on refType refID as devhook hooks list --json
// does: one indented JSON array, [] for none.
func HooksJSON(w io.Writer, refType string, refID int64, hooks []podio.Hook) error {
	out := make([]hookJSON, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, hookJSON{HookID: h.HookID, RefType: refType, RefID: refID,
			Status: h.Status, Type: h.Type, URL: h.URL, CreatedOn: h.CreatedOn.UTC()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
