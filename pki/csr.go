package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CreateCertificateRequest returns a DER PKCS#10 certificate request of template,
// signed by signer (proof of possession of its key). Keys crypto/x509 knows go
// straight through x509.CreateCertificateRequest; for GOST keys the request is
// encoded by crypto/x509 with a placeholder key, then its SubjectPublicKeyInfo is
// replaced by the real key's (MarshalPublicKey) and the CertificationRequestInfo is
// signed with signer's algorithm (see CreateCertificate for why).
func CreateCertificateRequest(random io.Reader, template *x509.CertificateRequest, signer *Signer) ([]byte, error) {
	if template == nil || signer == nil {
		return nil, errors.New("pki: create request: nil template or signer")
	}
	t := *template
	t.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	if stdKey(signer.Public()) {
		der, err := x509.CreateCertificateRequest(random, &t, signer.key)
		if err != nil {
			return nil, fmt.Errorf("pki: create request: %w", err)
		}
		return der, nil
	}
	spki, err := MarshalPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	placeholder, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("pki: create request: placeholder key: %w", err)
	}
	der, err := x509.CreateCertificateRequest(random, &t, placeholder)
	if err != nil {
		return nil, fmt.Errorf("pki: create request: encode: %w", err)
	}
	cri, _, _, err := SplitSigned(der)
	if err != nil {
		return nil, err
	}
	// CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes }
	s := cryptobyte.String(cri)
	var body, version, subject cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&version, cbasn1.INTEGER) ||
		!body.ReadASN1Element(&subject, cbasn1.SEQUENCE) || !body.SkipASN1(cbasn1.SEQUENCE) {
		return nil, errors.New("pki: create request: malformed CertificationRequestInfo")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(version)
		b.AddBytes(subject)
		b.AddBytes(spki)
		b.AddBytes(body) // the attributes
	})
	cri, err = b.Bytes()
	if err != nil {
		return nil, err
	}
	return signSigned(cri, signer)
}

// DecodeCertificateRequest is ParseCertificateRequest for a request as files hold
// it: PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER.
func DecodeCertificateRequest(data []byte) (*x509.CertificateRequest, crypto.PublicKey, error) {
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST" {
			return nil, nil, fmt.Errorf("pki: certificate request: a PEM %q, not a CERTIFICATE REQUEST", b.Type)
		}
		der = b.Bytes
	}
	return ParseCertificateRequest(der)
}

// ParseCertificateRequest parses a DER PKCS#10 request and checks its signature with
// the key it carries (any key of ParsePublicKey, GOST included), returning the
// request and that key. x509.CertificateRequest.PublicKey is nil for GOST keys; use
// the returned key. Errors wrap ErrBadSignature for a wrong signature.
func ParseCertificateRequest(der []byte) (*x509.CertificateRequest, crypto.PublicKey, error) {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	pub, err := ParsePublicKey(csr.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	if _, err := VerifySigned(csr.Raw, pub); err != nil {
		return nil, nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	return csr, pub, nil
}
