package ra

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
)

// IssueTimeStamping signs a time-stamping authority certificate for pub under the
// issuing CA named issuer (profile.TimeStamping: CN=TIME-STAMPING AUTHORITY,
// timeStamping only, critical) and stores it with its audit record, so that the
// authority's CRLs and OCSP responder answer for it like for any certificate it
// issued (an unknown serial would be answered revoked). It is valid from now for
// validity, but never past the CA's own certificate. The key is the caller's (the
// time-stamping service keeps it in memory): it never reaches the workflow.
//
// The authority's time-stamping service (package tsp) is its only caller; no HTTP
// route leads here. The audit records name the system actor. If the certificate is
// signed but cannot be stored, it is not returned and an audit record names its
// serial (as for staff certificates).
func (s *Service) IssueTimeStamping(ctx context.Context, issuer string, pub crypto.PublicKey, validity time.Duration) (*x509.Certificate, error) {
	actor := SystemActor()
	iss, err := s.signer.Issuer(issuer)
	if err != nil {
		return nil, err
	}
	if iss.Root {
		return nil, core.Errorf(core.KindInvalid, "time-stamping certificates are issued by an issuing CA, not by root %s", issuer)
	}
	org := ""
	if len(iss.Cert.Subject.Organization) > 0 {
		org = iss.Cert.Subject.Organization[0]
	}
	tmpl, err := profile.TimeStamping(org, pub, s.now(), validity, iss.Endpoints)
	if err != nil {
		return nil, fmt.Errorf("ra: time-stamping certificate of %s: %w", issuer, err)
	}
	if tmpl.NotAfter.After(iss.Cert.NotAfter) {
		tmpl.NotAfter = iss.Cert.NotAfter
	}
	cert, err := s.signer.Issue(ctx, issuer, tmpl)
	if err != nil {
		return nil, fmt.Errorf("ra: time-stamping certificate of %s: %w", issuer, err)
	}
	rec := certificateRecord(cert, issuer, "tsa", core.CertTSA)
	if err := s.storeSigned(ctx, actor, rec, "time-stamping authority", "time-stamping certificate of "+issuer); err != nil {
		return nil, fmt.Errorf("ra: store time-stamping certificate: %w", err)
	}
	return cert, nil
}
