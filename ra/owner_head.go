package ra

import (
	"context"
	"reflect"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/store"
)

// HeadEvidence is the signed confirmation or rejection of an application kept as
// evidence.
func (s *Service) HeadEvidence(ctx context.Context, number string) ([]store.SignedRequest, error) {
	n, err := NormalizeNumber(number)
	if err != nil {
		return nil, err
	}
	var out []store.SignedRequest
	err = s.store.Read(ctx, func(tx store.Tx) error {
		for _, act := range []string{ownersig.ActionHeadConfirm, ownersig.ActionHeadReject} {
			rs, err := tx.SignedRequests(ctx, store.SignedRequestFilter{Object: n, Action: act})
			if err != nil {
				return err
			}
			out = append(out, rs...)
		}
		return nil
	})
	return out, err
}

// HeadDecideSigned confirms (confirm = true) or rejects an employee's application by a
// request the organisation's first head (or HR where the organisation allows it)
// signed with their valid SIGN certificate. The signed payload carries the digest of
// the application's content (ownersig.ApplicationDigest), which must be the stored
// application's: the head signs exactly what is confirmed. The signer's certificate
// must carry the head's role and the application's BIN; nobody confirms their own
// application. The signed request is kept as evidence. Confirming a renewal issues
// its certificates at once.
func (s *Service) HeadDecideSigned(ctx context.Context, actor Actor, number string, confirm bool, in SignedRequest) (*core.Application, error) {
	if err := requireSubscriber(actor); err != nil {
		return nil, err
	}
	n, err := NormalizeNumber(number)
	if err != nil {
		return nil, err
	}
	if err := s.expireIfDue(ctx, n); err != nil {
		return nil, err
	}
	action := ownersig.ActionHeadReject
	if confirm {
		action = ownersig.ActionHeadConfirm
	}
	// The signed request and the application are checked first in a read, and the
	// state registry is asked (is the signer still the head? does it still confirm
	// a renewal's applicant?) with no transaction open: a slow registry must not
	// hold the database. The write transaction checks them again, and that the
	// application did not change in between.
	var (
		head Actor
		read *core.Application
	)
	err = s.store.Read(ctx, func(tx store.Tx) error {
		v, err := s.verifySigned(ctx, tx, actor, in, action, n, core.CertSign)
		if err != nil {
			return err
		}
		head = v.actor
		if err := headRoles(head); err != nil {
			return err
		}
		read, err = get(ctx, tx, n)
		if err != nil {
			return err
		}
		return headMayDecide(v, read)
	})
	if err != nil {
		return nil, err
	}
	if err := s.requireHead(ctx, head); err != nil {
		return nil, err
	}
	var ri *renewalIssue
	if confirm && read.RenewalOf != "" {
		if err := checkTransition(read.Number, ActHeadConfirm, read.State, core.StateIssued); err != nil {
			return nil, err
		}
		if ri, err = s.prepareRenewal(ctx, read); err != nil {
			return nil, err
		}
	}
	var (
		out       *core.Application
		republish []string
	)
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		republish = nil
		v, err := s.verifySigned(ctx, tx, actor, in, action, n, core.CertSign)
		if err != nil {
			return err
		}
		a, err := get(ctx, tx, n)
		if err != nil {
			return err
		}
		if err := headMayDecide(v, a); err != nil {
			return err
		}
		if !reflect.DeepEqual(a, read) {
			return core.Errorf(core.KindConflict, "application %s changed while the decision was being checked; list the applications again", a.Number)
		}
		head := v.actor
		out = a
		switch {
		case !confirm:
			reason := v.req.Fields[ownersig.FieldReason]
			if reason == "" {
				return core.Errorf(core.KindInvalid, "a rejection needs a reason in the signed request")
			}
			a.RefusalDetail = reason
			if err := s.move(ctx, tx, head, a, ActHeadReject, core.StateRejectedByHead, "rejected by the head (signed): "+reason, core.EventFacts{Note: reason}); err != nil {
				return err
			}
		case a.RenewalOf != "":
			a.HeadConfirmedBy = head.IIN
			if err := checkTransition(a.Number, ActHeadConfirm, a.State, core.StateIssued); err != nil {
				return err
			}
			var issued []*core.Certificate
			if issued, republish, err = s.issueRenewal(ctx, tx, head, a, ri); err != nil {
				return err
			}
			if err := s.move(ctx, tx, head, a, ActHeadConfirm, core.StateIssued, "renewal confirmed by the head (signed); issued "+serialList(issued), core.EventFacts{Serials: serialsOf(issued)}); err != nil {
				return err
			}
		default:
			a.HeadConfirmedBy = head.IIN
			if err := s.move(ctx, tx, head, a, ActHeadConfirm, core.StateAwaitingIdentification, "confirmed by the head (signed)", core.EventFacts{}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, v, in, a.Applicant.IIN, string(a.State))
	})
	if err != nil {
		s.unstored(ctx, actor, "renewal "+n, ri, err)
		return nil, err
	}
	s.publish(ctx, republish)
	return out, nil
}

// headMayDecide checks that the signer of v may decide on application a: a is of the
// signer's organisation, not the signer's own, and its content is what was signed.
// (Whether the state registry names the signer as the head is requireHead's.)
func headMayDecide(v *verified, a *core.Application) error {
	head := v.actor
	if a.Applicant.BIN != head.BIN {
		return core.Errorf(core.KindForbidden, "application %s belongs to another organisation", a.Number)
	}
	if a.Applicant.IIN == head.IIN {
		return core.Errorf(core.KindForbidden, "nobody may confirm their own application")
	}
	if v.req.Fields[ownersig.FieldContent] != ownersig.ApplicationDigest(a) {
		return core.Errorf(core.KindConflict, "the signed content of application %s differs from the stored application: list the applications again and sign what is shown", a.Number)
	}
	return nil
}
