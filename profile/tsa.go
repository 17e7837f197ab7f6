package profile

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
)

// TimeStampingCommonName is the CN of every time-stamping authority certificate
// (PROFILE.md).
const TimeStampingCommonName = "TIME-STAMPING AUTHORITY"

// MaxTimeStampingValidity bounds the validity of a time-stamping certificate. Its
// key signs time-stamp tokens only while the certificate is valid; a verifier
// checks a token against the certificate's validity at the token's time and its
// status now, so the certificate stays checkable (CRL, OCSP) after its key is gone.
const MaxTimeStampingValidity = 366 * 24 * time.Hour

// oidExtendedKeyUsage and oidTimeStamping: the EKU extension is written by hand so
// that it is critical, as RFC 3161 §2.3 requires of a TSA certificate.
var (
	oidExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// TimeStamping returns the template of a time-stamping authority certificate
// (PROFILE.md, RFC 3161 §2.3): subject CN=TIME-STAMPING AUTHORITY, C=KZ, O=org; key
// usage digitalSignature; the extended key usage id-kp-timeStamping alone, critical;
// the issuing CA's CRL, delta CRL and AIA endpoints, so that verifiers can check its
// status like any end-entity certificate; valid from now (truncated to the second)
// for validity, at most MaxTimeStampingValidity. The issuing CA sets the serial and
// the AKI. The key must be RSA ≥ 2048 bits, ECDSA P-256/P-384 or GOST.
func TimeStamping(org string, pub crypto.PublicKey, now time.Time, validity time.Duration, ep Endpoints) (*x509.Certificate, error) {
	cert, err := serviceBase(TimeStampingCommonName, org, pub, now, validity, MaxTimeStampingValidity)
	if err != nil {
		return nil, err
	}
	if err := checkServiceKey(pub); err != nil {
		return nil, err
	}
	cert.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, err
	}
	cert.ExtraExtensions = append(cert.ExtraExtensions, pkix.Extension{Id: oidExtendedKeyUsage, Critical: true, Value: eku})
	if err := setEndpoints(cert, ep); err != nil {
		return nil, err
	}
	return cert, nil
}

// serviceBase returns the common part of the certificates of the authority's own
// services (OCSP responder, time stamping): subject CN=cn, C=KZ, O=org; key usage
// digitalSignature; valid from now (truncated to the second) for validity, which must
// be positive and at most max.
func serviceBase(cn, org string, pub crypto.PublicKey, now time.Time, validity, max time.Duration) (*x509.Certificate, error) {
	if err := checkService(org, pub, now, validity, max); err != nil {
		return nil, err
	}
	cert, err := base([]attr{
		{oidCN, cbasn1.UTF8String, cn},
		{oidCountry, cbasn1.PrintableString, CountryKZ},
		{oidOrganization, cbasn1.UTF8String, org},
	}, pub, now, 0)
	if err != nil {
		return nil, err
	}
	cert.NotAfter = cert.NotBefore.Add(validity)
	cert.KeyUsage = x509.KeyUsageDigitalSignature
	return cert, nil
}

// checkService checks what every certificate of the authority's own services needs:
// the organisation, a key, the issuance time and a validity of at most max.
func checkService(org string, pub crypto.PublicKey, now time.Time, validity, max time.Duration) error {
	if err := checkText(FieldOrganization, org); err != nil {
		return err
	}
	if org == "" {
		return invalid(FieldOrganization, "is required")
	}
	if now.IsZero() {
		return invalid("now", "issuance time is not set")
	}
	if validity <= 0 || validity > max {
		return invalid("validity", "must be positive and at most %s", max)
	}
	if pub == nil {
		return invalid("public_key", "is required")
	}
	return nil
}

// checkServiceKey checks the key of a service certificate (time stamping): RSA,
// ECDSA or GOST, each within the limits CheckKey applies to subscribers' keys.
func checkServiceKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return checkRSA(k)
	case *ecdsa.PublicKey:
		return checkECDSA(k)
	case *gost.PublicKey:
		return checkGOST(k)
	default:
		return core.Errorf(core.KindUnprocessable, "public key: %T keys are not accepted", pub)
	}
}
