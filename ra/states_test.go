package ra

import (
	"fmt"
	"testing"

	"github.com/opennca/nca/core"
)

// TestTransitions checks every (action, from, to) triple: the ones SPEC §3 allows
// are allowed, every other one is refused.
func TestTransitions(t *testing.T) {
	states := []core.State{"", core.StateAwaitingHead, core.StateAwaitingIdentification, core.StateAccepted, core.StateIssued, core.StateRefused, core.StateRejectedByHead, core.StateExpired}
	actions := []Action{ActSubmit, ActHeadConfirm, ActHeadReject, ActAccept, ActRefuseDocuments, ActApprove, ActRefuse, ActExpire, ActRenew}
	allowed := map[string]bool{
		"submit: (new) -> awaiting_head_confirmation":                          true,
		"submit: (new) -> awaiting_identification":                             true,
		"head_confirm: awaiting_head_confirmation -> awaiting_identification":  true,
		"head_reject: awaiting_head_confirmation -> rejected_by_head":          true,
		"accept: awaiting_identification -> accepted":                          true,
		"refuse_documents: awaiting_identification -> awaiting_identification": true,
		"approve: accepted -> issued":                                          true,
		"refuse: accepted -> refused":                                          true,
		"refuse: awaiting_identification -> refused":                           true,
		"expire: awaiting_head_confirmation -> expired":                        true,
		"expire: awaiting_identification -> expired":                           true,
		// Renewal (ra/owner_renew.go): no visit; employees' renewals go to the head,
		// whose confirmation issues.
		"renew: (new) -> issued":                             true,
		"renew: (new) -> awaiting_head_confirmation":         true,
		"head_confirm: awaiting_head_confirmation -> issued": true,
	}
	seen := 0
	for _, a := range actions {
		for _, from := range states {
			for _, to := range states {
				name := string(from)
				if from == "" {
					name = "(new)"
				}
				key := fmt.Sprintf("%s: %s -> %s", a, name, to)
				want := allowed[key]
				if want {
					seen++
				}
				if got := Allowed(a, from, to); got != want {
					t.Errorf("Allowed(%s) = %v, want %v", key, got, want)
				}
				err := checkTransition("N", a, from, to)
				if (err == nil) != want {
					t.Errorf("checkTransition(%s) = %v, want allowed=%v", key, err, want)
				}
				if err != nil {
					k := core.KindOf(err)
					if from == core.StateExpired && k != core.KindExpired {
						t.Errorf("checkTransition(%s) kind %s, want %s", key, k, core.KindExpired)
					}
					if from != core.StateExpired && k != core.KindConflict {
						t.Errorf("checkTransition(%s) kind %s, want %s", key, k, core.KindConflict)
					}
				}
			}
		}
	}
	if seen != len(allowed) {
		t.Fatalf("the test's list names %d transitions but only %d were enumerated", len(allowed), seen)
	}
	for _, s := range states[1:] {
		terminal := s == core.StateIssued || s == core.StateRefused || s == core.StateRejectedByHead || s == core.StateExpired
		if s.Terminal() != terminal {
			t.Errorf("%s.Terminal() = %v", s, s.Terminal())
		}
		for _, a := range actions {
			if terminal && CanApply(a, s) {
				t.Errorf("terminal state %s allows %s", s, a)
			}
		}
	}
}

func TestNumbers(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n, err := newNumber(cryptoRand{})
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 23 || seen[n] {
			t.Fatalf("number %q: bad length or repeated", n)
		}
		seen[n] = true
		got, err := NormalizeNumber(n)
		if err != nil || got != n {
			t.Fatalf("NormalizeNumber(%q) = %q, %v", n, got, err)
		}
	}
	got, err := NormalizeNumber(" 7k2qm9xh4bR3T8VopZiC ")
	if err != nil || got != "7K2QM-9XH4B-R3T8V-0PZ1C" {
		t.Errorf("NormalizeNumber of a typed number = %q, %v", got, err)
	}
	for _, bad := range []string{"", "12345", "7K2QM-9XH4B-R3T8V-0PZ1CX", "7K2QM-9XH4B-R3T8V-0PZ1U", "../../etc/passwd", "ЖЖЖЖЖ-9XH4B-R3T8V-0PZ1C"} {
		if _, err := NormalizeNumber(bad); core.KindOf(err) != core.KindInvalid {
			t.Errorf("NormalizeNumber(%q) error = %v, want invalid", bad, err)
		}
	}
}
