package render

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

// Fixtures writes Podio's webhook events as devhook fixtures list lists
// them: one row per event type (fixtures.Specs) with its ref types, its
// parameters ("-" for none) and its description.
func Fixtures(w io.Writer) error {
	var rows [][]string
	for _, s := range fixtures.Specs() {
		ev, err := fixtures.Get(s.Type)
		if err != nil {
			return err
		}
		rows = append(rows, []string{s.Type, cmp.Or(strings.Join(s.RefTypes, ","), "-"),
			cmp.Or(strings.Join(s.Params, ","), "-"), ev.Description})
	}
	return columns(w, []string{"TYPE", "REF TYPES", "PARAMS", "DESCRIPTION"}, rows)
}

// Fixture writes ev as devhook fixtures show shows it: its description,
// the ref types a hook for it goes on, its parameters as JSON and its
// form body as Podio sends it.
func Fixture(w io.Writer, ev fixtures.Event) error {
	spec, _ := fixtures.Lookup(ev.Type)
	params, err := json.MarshalIndent(ev.Params, "", "  ")
	if err != nil {
		return err
	}
	where := "ref types: none (Podio sends it to every new hook)"
	if len(spec.RefTypes) > 0 {
		where = "ref types: " + strings.Join(spec.RefTypes, ", ")
	}
	_, err = fmt.Fprintf(w, "%s: %s\n%s\n\nparams:\n%s\n\nform body (POST, Content-Type: application/x-www-form-urlencoded):\n%s\n",
		ev.Type, ev.Description, where, params, ev.Body())
	return err
}
