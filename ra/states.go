package ra

import (
	"github.com/opennca/nca/core"
)

// Action is something that moves an application from one state to another.
type Action string

// Workflow actions.
const (
	ActSubmit          Action = "submit"
	ActHeadConfirm     Action = "head_confirm"
	ActHeadReject      Action = "head_reject"
	ActAccept          Action = "accept"
	ActRefuseDocuments Action = "refuse_documents"
	ActApprove         Action = "approve"
	ActRefuse          Action = "refuse"
	ActExpire          Action = "expire"
	// ActRenew creates a renewal application from a request signed with a valid
	// signing certificate (ra/owner.go).
	ActRenew Action = "renew"
)

// transition is one row of the workflow's table of allowed transitions.
type transition struct {
	action Action
	from   core.State
	to     core.State
}

// transitions is the one table of allowed transitions (read-only). Submitting has
// two rows: employees of organisations wait for their head first.
var transitions = [...]transition{
	{ActSubmit, "", core.StateAwaitingHead},
	{ActSubmit, "", core.StateAwaitingIdentification},
	{ActHeadConfirm, core.StateAwaitingHead, core.StateAwaitingIdentification},
	{ActHeadReject, core.StateAwaitingHead, core.StateRejectedByHead},
	{ActAccept, core.StateAwaitingIdentification, core.StateAccepted},
	// An incomplete document set is refused at the desk with a receipt listing the
	// missing documents; the application keeps waiting (within its 30 days).
	{ActRefuseDocuments, core.StateAwaitingIdentification, core.StateAwaitingIdentification},
	{ActApprove, core.StateAccepted, core.StateIssued},
	{ActRefuse, core.StateAccepted, core.StateRefused},
	{ActRefuse, core.StateAwaitingIdentification, core.StateRefused},
	{ActExpire, core.StateAwaitingHead, core.StateExpired},
	{ActExpire, core.StateAwaitingIdentification, core.StateExpired},
	// Renewal: issued without a visit, or first confirmed by the head for employees;
	// the head's confirmation of a renewal issues at once.
	{ActRenew, "", core.StateIssued},
	{ActRenew, "", core.StateAwaitingHead},
	{ActHeadConfirm, core.StateAwaitingHead, core.StateIssued},
}

// Allowed reports whether action a may move an application from state from to to.
func Allowed(a Action, from, to core.State) bool {
	for _, t := range transitions {
		if t.action == a && t.from == from && t.to == to {
			return true
		}
	}
	return false
}

// CanApply reports whether action a is allowed from state from at all.
func CanApply(a Action, from core.State) bool {
	for _, t := range transitions {
		if t.action == a && t.from == from {
			return true
		}
	}
	return false
}

// checkTransition returns a KindConflict error (or KindExpired for an expired
// application) when a may not move an application from `from` to `to`.
func checkTransition(number string, a Action, from, to core.State) error {
	if Allowed(a, from, to) {
		return nil
	}
	if from == core.StateExpired {
		return core.Errorf(core.KindExpired, "application %s expired: it was not identified at a registration centre within %d calendar days; apply again", number, ExpiryDays)
	}
	return core.Errorf(core.KindConflict, "application %s is %s: %s is not possible in this state", number, from, a)
}
