package api

import (
	"reflect"
	"testing"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
)

// TestHistoryEventFacts: an event with stored facts shows those, not what its detail
// says; the refusal of a rule of the decision day has its reason though its detail
// does not name it.
func TestHistoryEventFacts(t *testing.T) {
	for _, c := range []struct {
		action, detail string
		facts          core.EventFacts
		want           wire.HistoryEvent
	}{
		{"refuse", "the applicant is 15 years old on the day of the decision", core.EventFacts{Reason: core.RefusalUnder16},
			wire.HistoryEvent{EventFacts: core.EventFacts{Reason: core.RefusalUnder16}}},
		{"refuse", "false_information: passport differs", core.EventFacts{Reason: core.RefusalFalseInfo, Note: "passport differs"},
			wire.HistoryEvent{EventFacts: core.EventFacts{Reason: core.RefusalFalseInfo, Note: "passport differs"}}},
		{"accept", "receipt R-1; documents: a, b", core.EventFacts{Receipt: "R-1", Documents: []string{"identity_document"}},
			wire.HistoryEvent{EventFacts: core.EventFacts{Receipt: "R-1", Documents: []string{"identity_document"}}}},
		{"renew", "renewal of nca-rsa/0a; issued 0b", core.EventFacts{RenewalOf: "nca-rsa/0a", Serials: []string{"0b", "0c"}},
			wire.HistoryEvent{EventFacts: core.EventFacts{RenewalOf: "nca-rsa/0a", Serials: []string{"0b", "0c"}}}},
		{"approve", "issued 7fe1", core.EventFacts{}, wire.HistoryEvent{}},
	} {
		f := c.facts
		e := core.Event{Action: c.action, Detail: c.detail, To: core.StateIssued, Facts: &f}
		got := historyEvent(e)
		c.want.Event = e
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q with facts %+v: %+v, want %+v", c.action, c.detail, c.facts, got, c.want)
		}
	}
}

// TestHistoryEvent checks the facts read from each shape of event detail ra wrote
// before events had facts of their own (legacyFacts).
func TestHistoryEvent(t *testing.T) {
	for _, c := range []struct {
		action, detail string
		want           wire.HistoryEvent
	}{
		{"submit", "template individual", wire.HistoryEvent{}},
		{"accept", "receipt R-20260105-0001; documents: identity_document, power_of_attorney",
			wire.HistoryEvent{EventFacts: core.EventFacts{Receipt: "R-20260105-0001", Documents: []string{"identity_document", "power_of_attorney"}}}},
		{"refuse_documents", "refusal receipt R-7; missing: identity_document",
			wire.HistoryEvent{EventFacts: core.EventFacts{Receipt: "R-7", Documents: []string{"identity_document"}}}},
		{"approve", "issued 7fe1, 7fe2", wire.HistoryEvent{EventFacts: core.EventFacts{Serials: []string{"7fe1", "7fe2"}}}},
		{"head_confirm", "confirmed by the head (signed)", wire.HistoryEvent{}},
		{"head_confirm", "renewal confirmed by the head (signed); issued 01, 02", wire.HistoryEvent{EventFacts: core.EventFacts{Serials: []string{"01", "02"}}}},
		{"renew", "renewal of 0a; issued 0b", wire.HistoryEvent{EventFacts: core.EventFacts{RenewalOf: "0a", Serials: []string{"0b"}}}},
		{"renew", "renewal of 0a", wire.HistoryEvent{EventFacts: core.EventFacts{RenewalOf: "0a"}}},
		{"head_reject", "rejected by the head (signed): not our employee", wire.HistoryEvent{EventFacts: core.EventFacts{Note: "not our employee"}}},
		{"refuse", "false_information: passport differs", wire.HistoryEvent{EventFacts: core.EventFacts{Reason: core.RefusalFalseInfo}}},
		{"refuse", "the applicant is 15 years old on the day of the decision", wire.HistoryEvent{}},
		{"expire", "not identified within 30 calendar days", wire.HistoryEvent{}},
	} {
		e := core.Event{Action: c.action, Detail: c.detail, To: core.StateIssued}
		got := historyEvent(e)
		c.want.Event = e
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q: %+v, want %+v", c.action, c.detail, got, c.want)
		}
	}
}
