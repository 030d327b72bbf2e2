package render

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/devhookhq/devhook/internal/deliverylog"
	"github.com/devhookhq/devhook/internal/termsafe"
)

// Table writes recs as devhook deliveries lists them: one row per record
// under a header, times in the local zone, "-" for what a record lacks,
// untrusted text quoted ([termsafe.Quote]).
func Table(w io.Writer, recs []deliverylog.Record) error {
	rows := make([][]string, 0, len(recs))
	for _, r := range recs {
		hook, status, latency := "-", "-", "-"
		if r.HookID != 0 {
			hook = strconv.FormatInt(r.HookID, 10)
		}
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		if r.Status != 0 || r.LatencyMS != 0 {
			latency = deliverylog.FormatLatencyMS(r.LatencyMS)
		}
		rows = append(rows, []string{cell(r.ID), r.Time.Local().Format("2006-01-02 15:04:05"), cell(r.Source),
			cell(cmp.Or(r.Type, string(r.Kind))), hook, cell(strings.Join(r.IDs, ",")), status, latency, cell(string(r.Outcome))})
	}
	return columns(w, []string{"ID", "TIME", "SOURCE", "TYPE", "HOOK", "IDS", "STATUS", "LATENCY", "OUTCOME"}, rows)
}

// columns writes header and rows as columns two spaces apart.
func columns(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// cell makes s fit one table cell: "-" when empty, quoted when it holds
// control characters or tabs.
func cell(s string) string {
	return cmp.Or(termsafe.Quote(s), "-")
}
