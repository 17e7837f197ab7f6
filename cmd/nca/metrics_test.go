package main

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/opennca/nca/ra"
)

// TestApprovalSteps: each observed approval adds one sample per step, with its
// duration, and its certificates to the issued counter.
func TestApprovalSteps(t *testing.T) {
	reg := prometheus.NewRegistry()
	observe, err := approvalSteps(reg)
	if err != nil {
		t.Fatal(err)
	}
	observe(ra.ApprovalTiming{Claim: time.Millisecond, Sign: 13 * time.Millisecond, Store: 2 * time.Millisecond, Certificates: 2})
	observe(ra.ApprovalTiming{Claim: 3 * time.Millisecond, Sign: 14 * time.Millisecond, Store: 2 * time.Millisecond, Certificates: 1})
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	counts := map[string]uint64{}
	var issued float64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "nca_approval_step_seconds":
				step := m.GetLabel()[0].GetValue()
				sums[step], counts[step] = m.GetHistogram().GetSampleSum(), m.GetHistogram().GetSampleCount()
			case "nca_issued_certificates_total":
				issued = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{"claim": 0.004, "sign": 0.027, "store": 0.004}
	for step, sum := range want {
		if counts[step] != 2 || sums[step] < sum-1e-9 || sums[step] > sum+1e-9 {
			t.Errorf("step %s: %d samples summing to %v s, want 2 summing to %v s", step, counts[step], sums[step], sum)
		}
	}
	if issued != 3 {
		t.Errorf("issued certificates %v, want 3", issued)
	}
	if _, err := approvalSteps(reg); err == nil {
		t.Error("registering the approval metrics twice succeeded")
	}
}
