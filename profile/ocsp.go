package profile

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"
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
	cert, err := serviceBase(OCSPResponderCommonName, org, pub, now, validity, MaxOCSPResponderValidity)
	if err != nil {
		return nil, err
	}
	cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	cert.ExtraExtensions = append(cert.ExtraExtensions, pkix.Extension{Id: OIDOCSPNoCheck, Value: asn1.NullBytes})
	return cert, nil
}
