package ra

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// RenewInput is a renewal ("simplified re-issue"): new key requests and the request
// signed with the owner's current, valid signing certificate. The signed payload's
// object is that certificate's serial; its fields list the new requests' digests and
// whether to revoke the old certificates once the new ones are issued.
type RenewInput struct {
	Requests []core.KeyRequest
	Signed   SignedRequest
}

// Renew issues new certificates without a visit, on a request signed with the
// owner's valid signing certificate: same subject and template as that certificate's
// application, new keys. Employees' renewals wait for the head's confirmation first
// (which then issues at once). Treasury-Client participants, and revoked or expired
// certificates, are refused with the reason. The old certificates stay valid until
// they expire unless the signed request asks to revoke them (revoke_old=true).
func (s *Service) Renew(ctx context.Context, actor Actor, in RenewInput) (*core.Application, []IssuedCertificate, error) {
	if err := requireSubscriber(actor); err != nil {
		return nil, nil, err
	}
	req, err := ownersig.Parse(in.Signed.Payload)
	if err != nil {
		return nil, nil, core.Wrap(core.KindInvalid, err, "payload: "+err.Error())
	}
	serial, err := NormalizeSerial(req.Object)
	if err != nil {
		return nil, nil, err
	}
	if got, want := req.Fields[ownersig.FieldRequests], ownersig.RenewalRequests(in.Requests); got != want {
		return nil, nil, core.Errorf(core.KindInvalid, "the signed request lists new keys %q, but the body carries %q", got, want)
	}
	revokeOld := false
	switch req.Fields[ownersig.FieldRevokeOld] {
	case "true":
		revokeOld = true
	case "false", "":
	default:
		return nil, nil, core.Errorf(core.KindInvalid, "revoke_old must be true or false")
	}

	// What is renewed: the application of the signing certificate.
	var old *core.Application
	err = s.store.Read(ctx, func(tx store.Tx) error {
		certs, err := tx.CertificatesBySerial(ctx, serial)
		if err != nil {
			return err
		}
		// Another person's certificate gets the same answer as a missing one:
		// nothing about it (template, registry facts) is revealed before the
		// signature is checked.
		if len(certs) != 1 || certs[0].Application == "" || certs[0].IIN != actor.IIN {
			return core.Errorf(core.KindNotFound, "you have no renewable certificate with serial %s", serial)
		}
		old, err = tx.GetApplication(ctx, certs[0].Application)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	t, ok := profile.Lookup(old.Template)
	if !ok {
		return nil, nil, fmt.Errorf("ra: application %s has unknown template %q", old.Number, old.Template)
	}
	if t.ID == profile.Treasury {
		return nil, nil, core.Errorf(core.KindUnprocessable, "certificates of Treasury-Client participants are not renewed online: the participant's agreement is checked at a registration centre each time; apply again")
	}
	app := old.Applicant
	reqs, err := s.checkRequests(ctx, t, app, in.Requests)
	if err != nil {
		return nil, nil, err
	}

	now := s.now().UTC()
	a := &core.Application{
		Template: t.ID, Applicant: app, Requests: reqs, CreatedAt: now, UpdatedAt: now,
		Deadline: now.AddDate(0, 0, ExpiryDays), RevokeOld: revokeOld,
		State: core.StateIssued, HeadConfirmedBy: "", DocumentsPresented: nil,
	}
	if t.NeedsHeadConfirmation(app.Role) {
		a.State = core.StateAwaitingHead
	}
	if !Allowed(ActRenew, "", a.State) {
		return nil, nil, core.Errorf(core.KindInternal, "renewal to %s is not in the transition table", a.State)
	}
	// The state registry is asked, and the certificates to issue at once are planned,
	// before the transaction: with a transaction open a slow registry would hold the
	// database (SQLite's one writer) for as long as it takes to answer.
	var ri *renewalIssue
	if a.State == core.StateIssued {
		if ri, err = s.prepareRenewal(ctx, a); err != nil {
			return nil, nil, err
		}
	} else if _, err := s.checkRegistry(ctx, t, app); err != nil {
		return nil, nil, err
	}
	var (
		issued    []*core.Certificate
		republish []string
	)
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		issued, republish = nil, nil
		v, err := s.verifySigned(ctx, tx, actor, in.Signed, ownersig.ActionRenew, serial, core.CertSign)
		if err != nil {
			return err
		}
		if v.cert.IIN != app.IIN || v.cert.Template != old.Template || v.cert.Application != old.Number {
			return core.Errorf(core.KindForbidden, "certificate %s is not of the same subject and template", serial)
		}
		a.RenewalOf = v.cert.Issuer + "/" + v.cert.Serial
		if err := s.insertApplication(ctx, tx, a); err != nil {
			return err
		}
		by := v.actor
		if a.State == core.StateIssued {
			if issued, republish, err = s.issueRenewal(ctx, tx, by, a, ri); err != nil {
				return err
			}
		}
		detail := "renewal of " + a.RenewalOf
		if len(issued) > 0 {
			detail += "; issued " + serialList(issued)
		}
		if err := s.event(ctx, tx, by, a, "", ActRenew, detail, core.EventFacts{RenewalOf: a.RenewalOf, Serials: serialsOf(issued)}); err != nil {
			return err
		}
		return s.record(ctx, tx, v, in.Signed, app.IIN, "application "+a.Number)
	})
	if err != nil {
		s.unstored(ctx, actor, "renewal of "+serial, ri, err)
		return nil, nil, err
	}
	s.log.InfoContext(ctx, "renewal", "number", a.Number, "state", a.State, "of", a.RenewalOf, "actor", actor.String())
	s.publish(ctx, republish)
	chains, err := s.withChains(issued)
	if err != nil {
		return nil, nil, err
	}
	return a, chains, nil
}

// renewalIssue is what issuing the certificates of a renewal needs from outside the
// transaction that stores them (see prepareRenewal); the transaction makes only the
// signatures.
type renewalIssue struct {
	// alertTo is the address of the issuance alerts: the applicant's e-mail in the
	// state registry, else the application's.
	alertTo string
	// plan is the certificates planned and being prepared, one per request.
	plan []plannedCert
	// signed holds the certificates once signed: a transaction that runs again
	// (a busy SQLite, a PostgreSQL serialization failure) stores the same
	// certificates instead of signing new ones.
	signed []*x509.Certificate
}

// unstored records in the audit log, in a transaction of its own that survives ctx's
// cancellation, the certificates of ri that were signed when the transaction meant
// to store them failed (cause): signed, never stored nor delivered, as a released
// issuance claim records them. Nothing is recorded when none was signed. A failure to
// record is logged.
func (s *Service) unstored(ctx context.Context, actor Actor, what string, ri *renewalIssue, cause error) {
	if ri == nil {
		return
	}
	var serials []string
	for i, c := range ri.signed {
		if c != nil {
			serials = append(serials, ri.plan[i].name())
		}
	}
	s.recordUnstored(ctx, actor, what, serials, cause)
}

// recordUnstored records serials (issuer/serial), signed for what and never stored
// because of cause, in the audit log (see unstored). Nothing is recorded for none.
func (s *Service) recordUnstored(ctx context.Context, actor Actor, what string, serials []string, cause error) {
	if len(serials) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	detail := fmt.Sprintf("%s: signed and not stored (never delivered): %s; cause: %v", what, strings.Join(serials, ", "), cause)
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		return s.audit(ctx, tx, actor, "certificate.unstored", what, detail)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "signed certificates not stored, and not recorded", "what", what, "serials", serials, "cause", cause.Error(), "error", err)
		return
	}
	s.log.WarnContext(ctx, "signed certificates not stored", "what", what, "serials", serials, "cause", cause.Error())
}

// prepareRenewal asks the state registry whether it still confirms the applicant of
// renewal application a (a refusal is the answer when not) and plans a's
// certificates, whose preparation (encoding, lint) starts at once. It opens no
// transaction: it is called before the one that issues.
func (s *Service) prepareRenewal(ctx context.Context, a *core.Application) (*renewalIssue, error) {
	t, ok := profile.Lookup(a.Template)
	if !ok {
		return nil, fmt.Errorf("ra: application %s has unknown template %q", a.Number, a.Template)
	}
	f, err := s.checkRegistry(ctx, t, a.Applicant)
	if err != nil {
		return nil, err
	}
	plan, err := s.planAll(ctx, a)
	if err != nil {
		return nil, err
	}
	return &renewalIssue{alertTo: emailOf(f.person, a.Applicant.Email), plan: plan, signed: make([]*x509.Certificate, len(plan))}, nil
}

// issueRenewal issues the certificates of renewal application a, prepared by
// prepareRenewal as ri, inside tx and, when the owner asked for it, revokes the
// renewed application's good certificates as superseded. It returns the issuers whose
// CRLs are to be published.
func (s *Service) issueRenewal(ctx context.Context, tx store.Tx, actor Actor, a *core.Application, ri *renewalIssue) ([]*core.Certificate, []string, error) {
	if ri == nil || len(ri.plan) != len(a.Requests) {
		return nil, nil, fmt.Errorf("ra: renewal %s: its certificates were not prepared", a.Number)
	}
	// A renewal may wait for the head's confirmation; the certificate it renews must
	// still be good and valid when the new certificates are issued (the state
	// registry was asked by prepareRenewal).
	issuer, serial, _ := strings.Cut(a.RenewalOf, "/")
	prev, err := tx.GetCertificate(ctx, issuer, serial)
	if err != nil {
		return nil, nil, fmt.Errorf("ra: renewal %s: the renewed certificate %s: %w", a.Number, a.RenewalOf, err)
	}
	now := s.now().UTC()
	switch {
	case prev.Status != core.CertGood:
		return nil, nil, core.Errorf(core.KindForbidden, "the certificate %s renewed by application %s has been revoked meanwhile; apply again", a.RenewalOf, a.Number)
	case now.Before(prev.NotBefore) || now.After(prev.NotAfter):
		return nil, nil, core.Errorf(core.KindForbidden, "the certificate %s renewed by application %s is no longer valid; apply again", a.RenewalOf, a.Number)
	}
	if err := keysUnused(ctx, tx, a, ri.plan); err != nil {
		return nil, nil, err
	}
	var issued []*core.Certificate
	for i, p := range ri.plan {
		if ri.signed[i] == nil {
			cert, err := s.signer.Sign(ctx, p.prep)
			if err != nil {
				return nil, nil, fmt.Errorf("ra: issue %s certificate of %s: %w", p.req.Type, a.Number, err)
			}
			ri.signed[i] = cert
		}
		rec := p.record(a, ri.signed[i])
		if err := s.storeIssued(ctx, tx, actor, a, rec, ri.alertTo); err != nil {
			return nil, nil, err
		}
		issued = append(issued, rec)
	}
	if !a.RevokeOld {
		return issued, nil, nil
	}
	olds, err := tx.CertificatesByApplication(ctx, prev.Application)
	if err != nil {
		return nil, nil, err
	}
	var issuers []string
	now = now.Truncate(time.Second)
	for _, c := range olds {
		if c.Status != core.CertGood {
			continue
		}
		if err := tx.RevokeCertificate(ctx, c.Issuer, c.Serial, core.ReasonSuperseded, now, nil); err != nil {
			return nil, nil, err
		}
		if err := s.notifyRevoked(ctx, tx, c, "superseded", ""); err != nil {
			return nil, nil, err
		}
		if err := s.audit(ctx, tx, actor, "certificate.revoke", "cert:"+c.Issuer+"/"+c.Serial, "superseded: renewed by application "+a.Number); err != nil {
			return nil, nil, err
		}
		if !contains(issuers, c.Issuer) {
			issuers = append(issuers, c.Issuer)
		}
	}
	return issued, issuers, nil
}

// publish publishes the CRLs of issuers after a revocation; a failure is logged (the
// scheduled publication catches up).
func (s *Service) publish(ctx context.Context, issuers []string) {
	for _, iss := range issuers {
		if _, err := s.crls.Publish(ctx, iss); err != nil {
			s.log.ErrorContext(ctx, "CRL publication after revocation failed", "issuer", iss, "err", err)
		}
	}
}

func serialList(cs []*core.Certificate) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Serial
	}
	return strings.Join(out, ", ")
}
