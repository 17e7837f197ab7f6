package api

import (
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ra"
)

// historyEvent is a stored event with its facts: those ra stored with it, or, for an
// event stored before events had facts (store migration 0007), those read out of its
// detail (legacyFacts). Detail is always kept.
func historyEvent(e core.Event) wire.HistoryEvent {
	h := wire.HistoryEvent{Event: e}
	f := e.Facts
	if f == nil {
		f = legacyFacts(e)
	}
	h.EventFacts = *f
	return h
}

// legacyFacts reads the facts of an event stored before events had facts out of its
// detail, which ra then wrote in fixed shapes ("receipt R-1; documents: a, b",
// "issued s1, s2", "renewal of s; issued s1, s2", "rejected by the head (signed):
// reason", "reason: detail"). A detail of another shape gives no facts.
func legacyFacts(e core.Event) *core.EventFacts {
	h := new(core.EventFacts)
	d := e.Detail
	list := func(s string) []string {
		var out []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	// issued reads the serials after "issued " in d.
	issued := func() []string {
		if i := strings.LastIndex(d, "issued "); i >= 0 {
			return list(d[i+len("issued "):])
		}
		return nil
	}
	switch ra.Action(e.Action) {
	case ra.ActAccept, ra.ActRefuseDocuments:
		first, rest, _ := strings.Cut(d, "; ")
		if n, ok := strings.CutPrefix(first, "refusal receipt "); ok {
			h.Receipt = n
		} else if n, ok := strings.CutPrefix(first, "receipt "); ok {
			h.Receipt = n
		}
		if _, docs, ok := strings.Cut(rest, ": "); ok {
			h.Documents = list(docs)
		}
	case ra.ActApprove, ra.ActHeadConfirm:
		h.Serials = issued()
	case ra.ActRenew:
		first, _, _ := strings.Cut(d, "; ")
		h.RenewalOf, _ = strings.CutPrefix(first, "renewal of ")
		h.Serials = issued()
	case ra.ActHeadReject:
		if _, reason, ok := strings.Cut(d, "): "); ok {
			h.Note = reason
		}
	case ra.ActRefuse:
		reason, _, _ := strings.Cut(d, ": ")
		switch r := core.RefusalReason(reason); r {
		case core.RefusalUnder16, core.RefusalFalseInfo, core.RefusalCourtDecision, core.RefusalRegistryMismatch:
			h.Reason = r
		}
	}
	return h
}

// history returns the events with their facts.
func history(events []core.Event) []wire.HistoryEvent {
	out := make([]wire.HistoryEvent, 0, len(events))
	for _, e := range events {
		out = append(out, historyEvent(e))
	}
	return out
}
