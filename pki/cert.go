package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Certificates for and by keys crypto/x509 does not know (GOST).
//
// crypto/x509.CreateCertificate refuses GOST subject keys (it cannot marshal them) and
// GOST signers (it has no signature algorithm for them). CreateCertificate encodes
// the TBSCertificate with TBSCertificate and signs it with the real signer.
// TBSCertificate encodes the templates of the profiles directly (tbs.go: crypto/x509's
// own marshalling of the fields they use, tested byte for byte against crypto/x509 so
// that the two cannot drift apart unnoticed). Any other template is encoded by
// crypto/x509 with a placeholder Ed25519 key standing for both the subject key and
// the issuer key (the cheapest key crypto/x509 signs with and checks the signature
// of), and exactly two fields of the result are replaced: the signature
// AlgorithmIdentifier (the real signer's) and the SubjectPublicKeyInfo (the real
// subject key's, see MarshalPublicKey). Everything that depends on the keys is taken
// from the real keys: the subject key identifier (when crypto/x509 would make one) is
// computed from the real key, the authority key identifier is the parent's
// SubjectKeyId. The placeholder key signs nothing that leaves the function.
//
// Keys crypto/x509 knows on both sides (RSA, ECDSA) go straight through
// x509.CreateCertificate, so their certificates are byte for byte what crypto/x509
// makes.

// CreateCertificate returns the DER certificate of template for the subject key pub,
// issued by parent (nil: self-signed, parent = template) and signed by signer, whose
// public key must be parent's key. template.SignatureAlgorithm is ignored: the
// signature algorithm is signer's. Any key of this package (RSA, ECDSA, GOST) can be
// the subject key or the signer.
func CreateCertificate(random io.Reader, template, parent *x509.Certificate, pub crypto.PublicKey, signer *Signer) ([]byte, error) {
	if template == nil || signer == nil {
		return nil, errors.New("pki: create certificate: nil template or signer")
	}
	if stdKey(pub) && stdKey(signer.Public()) {
		t := *template
		t.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
		p := parent
		if p == nil {
			p = &t
		}
		der, err := x509.CreateCertificate(random, &t, p, pub, signer.key)
		if err != nil {
			return nil, fmt.Errorf("pki: create certificate: %w", err)
		}
		return der, nil
	}
	tbs, err := TBSCertificate(random, template, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return signSigned(tbs, signer)
}

// TBSCertificate returns the DER TBSCertificate of template for the subject key pub,
// issued by parent (nil: self-signed, parent = template), naming signer's signature
// algorithm: the bytes CreateCertificate signs. The templates of the profiles are
// encoded directly (see directTBS); any other is encoded by crypto/x509 with a
// placeholder Ed25519 key standing for the subject key and the issuer key, and
// the signature AlgorithmIdentifier and the SubjectPublicKeyInfo are then replaced by
// signer's and pub's (see the comment above CreateCertificate). For an RSA or ECDSA
// subject key and issuer key the result is byte for byte the TBSCertificate
// crypto/x509 signs when it is given the real keys (proven by the tests). Nothing is
// signed with signer.
func TBSCertificate(random io.Reader, template, parent *x509.Certificate, pub crypto.PublicKey, signer *Signer) ([]byte, error) {
	if template == nil || signer == nil {
		return nil, errors.New("pki: TBSCertificate: nil template or signer")
	}
	spki, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
	t := *template
	t.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	if len(t.SubjectKeyId) == 0 && t.IsCA {
		t.SubjectKeyId, err = SubjectKeyID(spki)
		if err != nil {
			return nil, err
		}
	}
	if tbs, ok := directTBS(&t, parent, spki, signer.AlgorithmIdentifierDER()); ok {
		return tbs, nil
	}
	return placeholderTBS(random, &t, parent, spki, signer.AlgorithmIdentifierDER())
}

// placeholderTBS is TBSCertificate's general path for the prepared copy t of the
// template: crypto/x509 encodes t with a placeholder key, whose signature algorithm
// and SubjectPublicKeyInfo are then replaced by algID and spki.
func placeholderTBS(random io.Reader, t, parent *x509.Certificate, spki, algID []byte) ([]byte, error) {
	_, placeholder, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("pki: create certificate: placeholder key: %w", err)
	}
	t.PublicKey = placeholder.Public()
	var mirror *x509.Certificate
	if parent == nil {
		mirror = t
	} else {
		m := *parent
		m.PublicKey = placeholder.Public()
		mirror = &m
	}
	der, err := x509.CreateCertificate(random, t, mirror, placeholder.Public(), placeholder)
	if err != nil {
		return nil, fmt.Errorf("pki: create certificate: encode: %w", err)
	}
	tbs, _, _, err := SplitSigned(der)
	if err != nil {
		return nil, err
	}
	return replaceTBSFields(tbs, algID, spki)
}

// SignCertificate signs a TBSCertificate (from TBSCertificate, whose signature
// algorithm is signer's) and returns the DER certificate: SEQUENCE { tbs, signer's
// AlgorithmIdentifier, signature }. Unlike crypto/x509.CreateCertificate it does not
// verify the fresh signature once more: a *rsa.PrivateKey checks its own PKCS#1 v1.5
// signatures (it raises the result to the public exponent and compares before
// returning, the defence against a faulty CRT computation); a caller whose signer
// gives no such guarantee (a hardware module, ECDSA) verifies the result itself
// (VerifySigned).
func SignCertificate(tbs []byte, signer *Signer) ([]byte, error) {
	if signer == nil {
		return nil, errors.New("pki: sign certificate: nil signer")
	}
	inner, err := tbsSignatureAlgorithm(tbs)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(inner, signer.AlgorithmIdentifierDER()) {
		return nil, errors.New("pki: sign certificate: the TBSCertificate names another signature algorithm than the signer's")
	}
	return signSigned(tbs, signer)
}

// stdKey reports whether crypto/x509 can sign with and for keys of pub's type.
func stdKey(pub crypto.PublicKey) bool {
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
		return true
	}
	return false
}

// SubjectKeyID returns the RFC 5280 §4.2.1.2 method-1 key identifier of a DER
// SubjectPublicKeyInfo: SHA-1 of the subjectPublicKey BIT STRING's bits (what
// crypto/x509 computes for RSA and ECDSA keys).
func SubjectKeyID(spki []byte) ([]byte, error) {
	s := cryptobyte.String(spki)
	var body cryptobyte.String
	var bits asn1.BitString
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.SkipASN1(cbasn1.SEQUENCE) || !body.ReadASN1BitString(&bits) {
		return nil, errors.New("pki: subject key identifier: malformed SubjectPublicKeyInfo")
	}
	sum := sha1.Sum(bits.Bytes)
	return sum[:], nil
}

// replaceTBSFields replaces the signature AlgorithmIdentifier and the
// SubjectPublicKeyInfo of a DER TBSCertificate.
func replaceTBSFields(tbs, algID, spki []byte) ([]byte, error) {
	s := cryptobyte.String(tbs)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, errors.New("pki: malformed TBSCertificate")
	}
	var fields [][]byte
	for !body.Empty() {
		var f cryptobyte.String
		if !body.ReadAnyASN1Element(&f, nil) {
			return nil, errors.New("pki: malformed TBSCertificate field")
		}
		fields = append(fields, f)
	}
	// [0] version, serial, signature, issuer, validity, subject, spki, …
	i := 0
	if len(fields) > 0 && len(fields[0]) > 0 && fields[0][0] == 0xa0 {
		i = 1
	}
	if len(fields) < i+6 {
		return nil, errors.New("pki: TBSCertificate is too short")
	}
	fields[i+1] = algID
	fields[i+5] = spki
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, f := range fields {
			b.AddBytes(f)
		}
	})
	return b.Bytes()
}

// signSigned signs tbs and returns SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
func signSigned(tbs []byte, signer *Signer) ([]byte, error) {
	sig, err := signer.Sign(tbs)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddBytes(signer.AlgorithmIdentifierDER())
		b.AddASN1BitString(sig)
	})
	return b.Bytes()
}

// splitSigned splits a DER SIGNED{…} structure (certificate, CRL, OCSP basic
// response): SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }.
func SplitSigned(der []byte) (tbs []byte, alg pkix.AlgorithmIdentifier, sig []byte, err error) {
	s := cryptobyte.String(der)
	var body, tbsEl, algEl cryptobyte.String
	var bits asn1.BitString
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.ReadAnyASN1Element(&tbsEl, nil) ||
		!body.ReadASN1Element(&algEl, cbasn1.SEQUENCE) ||
		!body.ReadASN1BitString(&bits) || bits.BitLength%8 != 0 {
		return nil, alg, nil, errors.New("pki: malformed signed structure")
	}
	if rest, err := asn1.Unmarshal(algEl, &alg); err != nil || len(rest) != 0 {
		return nil, alg, nil, fmt.Errorf("pki: malformed signature algorithm: %v", err)
	}
	return tbsEl, alg, bits.Bytes, nil
}

// VerifySigned checks the signature of a DER SIGNED{…} structure — a certificate, a
// CRL, an OCSP BasicOCSPResponse — with the public key pub (any key of
// ParsePublicKey). It returns the signature algorithm. Errors wrap ErrBadSignature or
// ErrUnsupportedAlgorithm, or say that der is malformed.
func VerifySigned(der []byte, pub crypto.PublicKey) (pkix.AlgorithmIdentifier, error) {
	tbs, alg, sig, err := SplitSigned(der)
	if err != nil {
		return alg, err
	}
	return alg, VerifySignature(pub, alg, tbs, sig)
}

// CheckCertificateSignature checks that cert is signed by the key of parent (for
// every algorithm of VerifySignature, unlike x509.Certificate.CheckSignatureFrom
// which knows no GOST), and that the TBSCertificate names the same signature
// algorithm as the outer one.
func CheckCertificateSignature(cert, parent *x509.Certificate) error {
	pub, err := ParsePublicKey(parent.RawSubjectPublicKeyInfo)
	if err != nil {
		return fmt.Errorf("pki: issuer key: %w", err)
	}
	alg, err := VerifySigned(cert.Raw, pub)
	if err != nil {
		return err
	}
	inner, err := tbsSignatureAlgorithm(cert.RawTBSCertificate)
	if err != nil {
		return err
	}
	outer, _ := asn1.Marshal(alg)
	if !bytes.Equal(inner, outer) {
		return fmt.Errorf("pki: the certificate's two signature algorithms differ: %w", ErrBadSignature)
	}
	return nil
}

func tbsSignatureAlgorithm(tbs []byte) ([]byte, error) {
	s := cryptobyte.String(tbs)
	var body, alg cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!body.SkipASN1(cbasn1.INTEGER) ||
		!body.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return nil, errors.New("pki: malformed TBSCertificate")
	}
	return alg, nil
}

// PublicKeyOf returns the public key of cert: cert.PublicKey when crypto/x509 parsed
// it, else the GOST key of its SubjectPublicKeyInfo.
func PublicKeyOf(cert *x509.Certificate) (crypto.PublicKey, error) {
	if cert.PublicKey != nil {
		return cert.PublicKey, nil
	}
	return ParsePublicKey(cert.RawSubjectPublicKeyInfo)
}

// ErrChain is wrapped by VerifyChain's errors.
var ErrChain = errors.New("no valid certificate chain")

// maxChain bounds the chain length VerifyChain builds.
const maxChain = 8

// VerifyChain builds a chain from leaf through intermediates to one of roots (trust
// anchors: self-signed roots or issuing CAs trusted directly) as of at, checking each
// signature with CheckCertificateSignature (every algorithm of VerifySignature, GOST
// included), each validity period against at, that every issuer is a CA
// (basicConstraints cA, and keyCertSign when keyUsage is present) whose path length
// constraint holds, and that no certificate has a critical extension crypto/x509 does
// not know. It returns the
// chain, leaf first, ending with the trust anchor. Errors wrap ErrChain.
func VerifyChain(leaf *x509.Certificate, intermediates, roots []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	if leaf == nil {
		return nil, fmt.Errorf("pki: %w: no certificate", ErrChain)
	}
	chain := []*x509.Certificate{leaf}
	var lastErr error
	cur := leaf
	for len(chain) <= maxChain {
		if len(cur.UnhandledCriticalExtensions) > 0 {
			return nil, fmt.Errorf("pki: %w: %q has an unknown critical extension %s", ErrChain, cur.Subject.String(), cur.UnhandledCriticalExtensions[0])
		}
		if len(chain) > 2 && (cur.MaxPathLen > 0 || cur.MaxPathLenZero) && len(chain)-2 > cur.MaxPathLen {
			return nil, fmt.Errorf("pki: %w: the path length constraint of %q is exceeded", ErrChain, cur.Subject.String())
		}
		if at.Before(cur.NotBefore) || at.After(cur.NotAfter) {
			return nil, fmt.Errorf("pki: %w: %q is not valid at %s (%s – %s)", ErrChain, cur.Subject.String(),
				at.UTC().Format(time.RFC3339), cur.NotBefore.UTC().Format(time.RFC3339), cur.NotAfter.UTC().Format(time.RFC3339))
		}
		for _, r := range roots {
			if bytes.Equal(r.Raw, cur.Raw) {
				return chain, nil
			}
		}
		next, anchor, err := findIssuer(cur, intermediates, roots)
		if err != nil {
			lastErr = err
			break
		}
		chain = append(chain, next)
		if anchor {
			if (next.MaxPathLen > 0 || next.MaxPathLenZero) && len(chain)-2 > next.MaxPathLen {
				return nil, fmt.Errorf("pki: %w: the path length constraint of trust anchor %q is exceeded", ErrChain, next.Subject.String())
			}
			if at.Before(next.NotBefore) || at.After(next.NotAfter) {
				return nil, fmt.Errorf("pki: %w: trust anchor %q is not valid at %s", ErrChain, next.Subject.String(), at.UTC().Format(time.RFC3339))
			}
			return chain, nil
		}
		cur = next
	}
	if lastErr == nil {
		lastErr = errors.New("chain too long")
	}
	return nil, fmt.Errorf("pki: %w for %q: %v", ErrChain, leaf.Subject.String(), lastErr)
}

// findIssuer returns a CA among roots (anchor true) or intermediates that signed cert.
func findIssuer(cert *x509.Certificate, intermediates, roots []*x509.Certificate) (*x509.Certificate, bool, error) {
	var lastErr error = fmt.Errorf("no issuer %q among the trusted and given certificates", cert.Issuer.String())
	try := func(cands []*x509.Certificate) *x509.Certificate {
		for _, c := range cands {
			if !bytes.Equal(c.RawSubject, cert.RawIssuer) || bytes.Equal(c.Raw, cert.Raw) {
				continue
			}
			if len(cert.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, c.SubjectKeyId) {
				continue
			}
			if !c.IsCA || (c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0) {
				lastErr = fmt.Errorf("issuer %q is not a CA", c.Subject.String())
				continue
			}
			if err := CheckCertificateSignature(cert, c); err != nil {
				lastErr = fmt.Errorf("issuer %q: %w", c.Subject.String(), err)
				continue
			}
			return c
		}
		return nil
	}
	if c := try(roots); c != nil {
		return c, true, nil
	}
	if c := try(intermediates); c != nil {
		return c, false, nil
	}
	return nil, false, lastErr
}
