package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/opennca/nca/profile"
)

// IssueOCSPResponder signs a delegated OCSP responder certificate for pub under the
// issuing CA named issuer (profile.OCSPResponder: CN=OCSP RESPONDER, OCSPSigning,
// ocsp-nocheck), valid from now for validity but never past the CA's own
// certificate. The responder's key is the caller's: it never reaches package ca.
// The certificate is linted and signed like every other (see Issue).
func (a *Authority) IssueOCSPResponder(ctx context.Context, issuer string, pub crypto.PublicKey, validity time.Duration) (*x509.Certificate, error) {
	is, err := a.issuer(issuer)
	if err != nil {
		return nil, err
	}
	tmpl, err := profile.OCSPResponder(a.opts.Org, pub, a.opts.Now(), validity)
	if err != nil {
		return nil, fmt.Errorf("ca: OCSP responder of %s: %w", issuer, err)
	}
	if tmpl.NotAfter.After(is.Cert.NotAfter) {
		tmpl.NotAfter = is.Cert.NotAfter
	}
	cert, err := a.Issue(ctx, issuer, tmpl)
	if err != nil {
		return nil, fmt.Errorf("ca: OCSP responder of %s: %w", issuer, err)
	}
	return cert, nil
}
