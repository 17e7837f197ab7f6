package ra

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// IssueStaff enrols a member of the authority's staff (operator, manager or
// administrator): it issues an authentication certificate with the staff role OID
// for pub and stores it, with an audit record. Only the system (at first start) or an
// administrator may enrol staff.
func (s *Service) IssueStaff(ctx context.Context, actor Actor, role string, person core.Applicant, pub crypto.PublicKey) (*x509.Certificate, error) {
	if actor.Kind != "system" && !actor.HasRole("administrator") {
		return nil, core.Errorf(core.KindForbidden, "only an administrator may enrol staff")
	}
	switch role {
	case "operator", "manager", "administrator":
	default:
		return nil, core.Errorf(core.KindInvalid, "staff role %q: use operator, manager or administrator", role)
	}
	if _, err := kzid.ParseIIN(person.IIN); err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "staff IIN")
	}
	// The key may come from outside (nca staff add --csr): the key policy and "one
	// key, one certificate" are checked before anything is signed.
	if err := profile.CheckKey(core.CertOperator, pub); err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, core.Wrap(core.KindUnprocessable, err, "staff public key")
	}
	hash := KeyHash(spki)
	err = s.store.ReadOne(ctx, func(tx store.Tx) error {
		used, err := tx.CertifiedKeyHashes(ctx, []string{hash})
		if err == nil && len(used) > 0 {
			err = core.Errorf(core.KindConflict, "this public key is already certified; the staff member must generate a new key pair")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	iss, err := s.signer.Issuer(s.issuer)
	if err != nil {
		return nil, err
	}
	if person.Organization == "" && len(iss.Cert.Subject.Organization) > 0 {
		// Staff certificates name the authority's own organisation.
		person.Organization = iss.Cert.Subject.Organization[0]
	}
	tmpl, err := profile.Staff(role, person, pub, s.now(), iss.Endpoints)
	if err != nil {
		return nil, fmt.Errorf("ra: staff certificate: %w", err)
	}
	cert, err := s.signer.Issue(ctx, s.issuer, tmpl)
	if err != nil {
		return nil, fmt.Errorf("ra: staff certificate: %w", err)
	}
	rec := certificateRecord(cert, s.issuer, "staff:"+role, core.CertAuth)
	rec.IIN = person.IIN
	if err := s.storeSigned(ctx, actor, rec, "staff "+role, "staff "+role+" "+person.IIN); err != nil {
		return nil, fmt.Errorf("ra: store staff certificate: %w", err)
	}
	return cert, nil
}

// certificateRecord is the stored record of cert, a good certificate of issuer made
// outside an application (staff, time stamping).
func certificateRecord(cert *x509.Certificate, issuer, template string, typ core.CertType) *core.Certificate {
	return &core.Certificate{
		Serial:    cert.SerialNumber.Text(16),
		Issuer:    issuer,
		Template:  template,
		Type:      typ,
		Subject:   profile.DN(cert.RawSubject),
		NotBefore: cert.NotBefore,
		NotAfter:  cert.NotAfter,
		KeyHash:   KeyHash(cert.RawSubjectPublicKeyInfo),
		DER:       cert.Raw,
		Status:    core.CertGood,
	}
}

// storeSigned stores rec, a certificate signed just before, with its
// certificate.issue audit record ("<kind>; <subject>"). If that fails, an audit
// record names the certificate as signed and never stored (what says for what).
func (s *Service) storeSigned(ctx context.Context, actor Actor, rec *core.Certificate, kind, what string) error {
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.InsertCertificate(ctx, rec); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "certificate.issue", "cert:"+rec.Issuer+"/"+rec.Serial, kind+"; "+rec.Subject)
	})
	if err != nil {
		s.recordUnstored(ctx, actor, what, []string{rec.Issuer + "/" + rec.Serial}, err)
	}
	return err
}
