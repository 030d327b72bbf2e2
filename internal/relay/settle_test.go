package relay

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/internal/deliverylog"
)

// TestSettle: the outcome of each way a request ends, and the status
// Podio got (moved from the session's recordOf, which the relay's record
// replaced).
func TestSettle(t *testing.T) {
	const unreachable = "local app not reachable at http://localhost:3000/ (connection refused)"
	tests := []struct {
		name        string
		in          deliverylog.Record // Status: the app's answer, or the relay's own
		wantOutcome deliverylog.Outcome
		wantStatus  int
	}{
		{"forwarded", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 200}, deliverylog.OutcomeForwarded, 200},
		{"slow but 2xx", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 204, Warning: "SLOW: 11.2 s (Podio gives up at 15 s)"}, deliverylog.OutcomeForwarded, 204},
		{"local app answered 500", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 500}, deliverylog.OutcomeFailed, 500},
		{"local app unreachable", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 502, Error: unreachable}, deliverylog.OutcomeFailed, 502},
		{"2xx but the body broke", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 200, Error: "copy local response body: EOF"}, deliverylog.OutcomeFailed, 200},
		{"acked, local 500: Podio got 200", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 500, Acked: true}, deliverylog.OutcomeFailed, 200},
		{"acked, local 201", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 201, Acked: true}, deliverylog.OutcomeForwarded, 200},
		{"acked, local app unreachable", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 502, Acked: true, Error: unreachable}, deliverylog.OutcomeFailed, 200},
		{"queued", deliverylog.Record{Kind: deliverylog.KindDelivery, Status: 200, Outcome: deliverylog.OutcomeQueued, Error: unreachable}, deliverylog.OutcomeQueued, 200},
		{"hook.verify validated", deliverylog.Record{Kind: deliverylog.KindVerify, Status: 200, Outcome: deliverylog.OutcomeVerified}, deliverylog.OutcomeVerified, 200},
		{"hook.verify validated, local app 500", deliverylog.Record{Kind: deliverylog.KindVerify, Status: 500, Outcome: deliverylog.OutcomeVerified}, deliverylog.OutcomeVerified, 500},
		{"hook.verify refused", deliverylog.Record{Kind: deliverylog.KindVerify, Status: 502, Error: "validate hook 101: bad code"}, deliverylog.OutcomeFailed, 502},
		{"hook.verify forwarded without Validate", deliverylog.Record{Kind: deliverylog.KindVerify, Status: 200}, deliverylog.OutcomeFailed, 200},
		{"rejected", deliverylog.Record{Kind: deliverylog.KindRejected, Status: 404}, deliverylog.OutcomeRejected, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.in
			want.Outcome, want.Status = tt.wantOutcome, tt.wantStatus
			if diff := cmp.Diff(want, settle(tt.in)); diff != "" {
				t.Errorf("settle (-want +got):\n%s", diff)
			}
		})
	}
}
