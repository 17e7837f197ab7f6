package profile

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDOCSPNoCheck is id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): relying parties do
// not check the revocation status of the responder certificate that carries it.
var OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// OCSPResponderCommonName is the CN of every delegated OCSP responder (PROFILE.md).
const OCSPResponderCommonName = "OCSP RESPONDER"

// MaxOCSPResponderValidity bounds the validity of a responder certificate: it
// carries ocsp-nocheck, so nothing but its expiry ends trust in a lost key.
const MaxOCSPResponderValidity = 90 * 24 * time.Hour

// OCSPResponder returns the template of a delegated OCSP responder certificate
// (PROFILE.md): subject CN=OCSP RESPONDER, C=KZ, O=org; key usage digitalSignature;
// EKU id-kp-OCSPSigning only; the non-critical id-pkix-ocsp-nocheck extension (NULL);
// valid from now (truncated to the second) for validity, at most
// MaxOCSPResponderValidity. The issuing CA sets the serial and the AKI.
func OCSPResponder(org string, pub crypto.PublicKey, now time.Time, validity time.Duration) (*x509.Certificate, error) {
	if err := checkText(FieldOrganization, org); err != nil {
		return nil, err
	}
	if org == "" {
		return nil, invalid(FieldOrganization, "is required")
	}
	if now.IsZero() {
		return nil, invalid("now", "issuance time is not set")
	}
	if validity <= 0 || validity > MaxOCSPResponderValidity {
		return nil, invalid("validity", "must be positive and at most %s", MaxOCSPResponderValidity)
	}
	if pub == nil {
		return nil, invalid("public_key", "is required")
	}
	cert, err := base([]attr{
		{oidCN, cbasn1.UTF8String, OCSPResponderCommonName},
		{oidCountry, cbasn1.PrintableString, CountryKZ},
		{oidOrganization, cbasn1.UTF8String, org},
	}, pub, now, 0)
	if err != nil {
		return nil, err
	}
	cert.NotAfter = cert.NotBefore.Add(validity)
	cert.KeyUsage = x509.KeyUsageDigitalSignature
	cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	cert.ExtraExtensions = append(cert.ExtraExtensions, pkix.Extension{Id: OIDOCSPNoCheck, Value: asn1.NullBytes})
	return cert, nil
}
