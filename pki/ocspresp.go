package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// String is "good", "revoked" or "unknown".
func (s OCSPCertStatus) String() string {
	switch s {
	case OCSPGood:
		return "good"
	case OCSPRevoked:
		return "revoked"
	}
	return "unknown"
}

// OCSPSingle is one SingleResponse of an OCSP answer.
type OCSPSingle struct {
	// HashAlgorithm is the CertID's hash algorithm, over IssuerNameHash and
	// IssuerKeyHash.
	HashAlgorithm  asn1.ObjectIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	Serial         *big.Int
	Status         OCSPCertStatus
	// RevokedAt and Reason are set for OCSPRevoked; Reason is -1 when the answer
	// gives none (an RFC 5280 CRLReason code otherwise).
	RevokedAt  time.Time
	Reason     int
	ThisUpdate time.Time
	// NextUpdate is zero when the answer gives none.
	NextUpdate time.Time
}

// OCSPAnswer is an OCSP response whose signature ParseOCSPResponse verified.
type OCSPAnswer struct {
	ProducedAt time.Time
	Responses  []OCSPSingle
	// Nonce is the extnValue of the nonce extension (as OCSPRequest.Nonce), nil
	// when the answer has none.
	Nonce []byte
	// SignatureAlgorithm is the algorithm of the answer's signature.
	SignatureAlgorithm pkix.AlgorithmIdentifier
	// Responder is the delegated responder certificate that signed the answer, nil
	// when the issuer signed it itself.
	Responder *x509.Certificate
}

// OCSPResponseError is the error of an OCSP response whose status is not successful.
type OCSPResponseError struct{ Status OCSPResponseStatus }

func (e *OCSPResponseError) Error() string {
	names := map[OCSPResponseStatus]string{OCSPMalformedRequest: "malformedRequest", OCSPInternalError: "internalError",
		OCSPTryLater: "tryLater", OCSPSigRequired: "sigRequired", OCSPUnauthorized: "unauthorized"}
	if n, ok := names[e.Status]; ok {
		return "pki: OCSP responder answered " + n
	}
	return fmt.Sprintf("pki: OCSP responder answered status %d", int(e.Status))
}

// ErrOCSPAnswer is wrapped by the errors of ParseOCSPResponse about the answer's
// syntax and signature.
var ErrOCSPAnswer = errors.New("bad OCSP answer")

// ParseOCSPResponse parses a DER OCSPResponse (RFC 6960 §4.2.1) holding a
// BasicOCSPResponse and verifies its signature, for every algorithm of
// VerifySignature (RSA, ECDSA and the GOST ones): the signer is issuer itself, or a
// certificate of the answer's certs that issuer signed, that carries
// id-kp-OCSPSigning and that was valid when the answer was produced (a delegated
// responder, RFC 6960 §4.2.2.2). A non-successful status is an *OCSPResponseError;
// other errors wrap ErrOCSPAnswer. Nothing in der can make it panic.
func ParseOCSPResponse(der []byte, issuer *x509.Certificate) (*OCSPAnswer, error) {
	bad := func(format string, args ...any) (*OCSPAnswer, error) {
		return nil, fmt.Errorf("pki: %w: %s", ErrOCSPAnswer, fmt.Sprintf(format, args...))
	}
	in := cryptobyte.String(der)
	var resp cryptobyte.String
	var status int
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !in.Empty() || !resp.ReadASN1Enum(&status) {
		return bad("not an OCSPResponse")
	}
	if status != int(OCSPSuccessful) {
		return nil, &OCSPResponseError{Status: OCSPResponseStatus(status)}
	}
	var rb, inner cryptobyte.String
	var typ asn1.ObjectIdentifier
	var basicDER cryptobyte.String
	if !resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !rb.ReadASN1(&inner, cbasn1.SEQUENCE) ||
		!inner.ReadASN1ObjectIdentifier(&typ) || !inner.ReadASN1(&basicDER, cbasn1.OCTET_STRING) {
		return bad("a successful response without responseBytes")
	}
	if !typ.Equal(OIDOCSPBasic) {
		return bad("response type %s, not id-pkix-ocsp-basic", typ)
	}
	var basic, tbs, algDER cryptobyte.String
	var sig asn1.BitString
	if !basicDER.ReadASN1(&basic, cbasn1.SEQUENCE) || !basic.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!basic.ReadASN1Element(&algDER, cbasn1.SEQUENCE) || !basic.ReadASN1BitString(&sig) {
		return bad("not a BasicOCSPResponse")
	}
	var certs []*x509.Certificate
	if basic.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var wrap, seq cryptobyte.String
		if !basic.ReadASN1(&wrap, cbasn1.Tag(0).Constructed().ContextSpecific()) || !wrap.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return bad("malformed certs")
		}
		for !seq.Empty() {
			var c cryptobyte.String
			if !seq.ReadASN1Element(&c, cbasn1.SEQUENCE) {
				return bad("malformed certs")
			}
			cert, err := x509.ParseCertificate(c)
			if err != nil {
				return bad("certificate in the answer: %v", err)
			}
			certs = append(certs, cert)
		}
	}
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(algDER, &alg); err != nil || len(rest) > 0 {
		return bad("malformed signatureAlgorithm")
	}
	a, err := parseResponseData(tbs)
	if err != nil {
		return bad("%v", err)
	}
	a.SignatureAlgorithm = alg
	if issuer == nil {
		return bad("no issuer to verify the answer with")
	}
	issuerKey, err := PublicKeyOf(issuer)
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP: issuer key: %w", err)
	}
	if VerifySignature(issuerKey, alg, tbs, sig.RightAlign()) == nil {
		return a, nil
	}
	for _, c := range certs {
		key, err := PublicKeyOf(c)
		if err != nil || VerifySignature(key, alg, tbs, sig.RightAlign()) != nil {
			continue
		}
		switch {
		case !bytes.Equal(c.RawIssuer, issuer.RawSubject) || CheckCertificateSignature(c, issuer) != nil:
			return bad("the responder certificate %q is not issued by %q", c.Subject, issuer.Subject)
		case !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning):
			return bad("the responder certificate %q is not for OCSP signing", c.Subject)
		case a.ProducedAt.Before(c.NotBefore) || a.ProducedAt.After(c.NotAfter):
			return bad("the responder certificate %q was not valid when the answer was produced (%s)", c.Subject, a.ProducedAt.UTC().Format(time.RFC3339))
		}
		a.Responder = c
		return a, nil
	}
	return bad("the signature verifies neither with the issuer %q nor with a certificate of the answer", issuer.Subject)
}

// For returns the response about cert, issued by issuer: the serial must match and,
// where the CertID's hash is SHA-1 or SHA-256, the issuer's name and key hashes too.
func (a *OCSPAnswer) For(cert, issuer *x509.Certificate) (*OCSPSingle, error) {
	for i := range a.Responses {
		s := &a.Responses[i]
		if s.Serial.Cmp(cert.SerialNumber) != 0 {
			continue
		}
		var h crypto.Hash
		switch {
		case s.HashAlgorithm.Equal(OIDSHA1):
			h = crypto.SHA1
		case s.HashAlgorithm.Equal(OIDSHA256):
			h = crypto.SHA256
		}
		if h != 0 {
			name, key, err := OCSPIssuerHashes(issuer, h)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(name, s.IssuerNameHash) || !bytes.Equal(key, s.IssuerKeyHash) {
				continue
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("pki: %w: no response about serial %s", ErrOCSPAnswer, cert.SerialNumber.Text(16))
}

// parseResponseData parses a ResponseData.
func parseResponseData(tbs cryptobyte.String) (*OCSPAnswer, error) {
	var rd cryptobyte.String
	if !tbs.ReadASN1(&rd, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed tbsResponseData")
	}
	if rd.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var v cryptobyte.String
		var version int64
		if !rd.ReadASN1(&v, cbasn1.Tag(0).Constructed().ContextSpecific()) || !v.ReadASN1Integer(&version) || version != 0 {
			return nil, errors.New("unsupported ResponseData version")
		}
	}
	// responderID: byName [1] or byKey [2]; which one does not matter here.
	var responderID cryptobyte.String
	var tag cbasn1.Tag
	if !rd.ReadAnyASN1(&responderID, &tag) ||
		(tag != cbasn1.Tag(1).Constructed().ContextSpecific() && tag != cbasn1.Tag(2).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed responderID")
	}
	a := &OCSPAnswer{}
	var responses cryptobyte.String
	if !rd.ReadASN1GeneralizedTime(&a.ProducedAt) || !rd.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed producedAt or responses")
	}
	for !responses.Empty() {
		var sr cryptobyte.String
		if !responses.ReadASN1(&sr, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed SingleResponse")
		}
		s, err := parseSingle(sr)
		if err != nil {
			return nil, err
		}
		a.Responses = append(a.Responses, s)
	}
	if len(a.Responses) == 0 {
		return nil, errors.New("no SingleResponse")
	}
	if rd.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var wrap cryptobyte.String
		if !rd.ReadASN1(&wrap, cbasn1.Tag(1).Constructed().ContextSpecific()) {
			return nil, errors.New("malformed responseExtensions")
		}
		nonce, err := findExtension(wrap, OIDOCSPNonce)
		if err != nil {
			return nil, err
		}
		a.Nonce = nonce
	}
	if !rd.Empty() {
		return nil, errors.New("trailing data in ResponseData")
	}
	return a, nil
}

// parseSingle parses the contents of a SingleResponse.
func parseSingle(sr cryptobyte.String) (OCSPSingle, error) {
	s := OCSPSingle{Reason: -1, Serial: new(big.Int)}
	var id, hashAlg cryptobyte.String
	var name, key []byte
	if !sr.ReadASN1(&id, cbasn1.SEQUENCE) || !id.ReadASN1(&hashAlg, cbasn1.SEQUENCE) ||
		!hashAlg.ReadASN1ObjectIdentifier(&s.HashAlgorithm) ||
		!id.ReadASN1Bytes(&name, cbasn1.OCTET_STRING) || !id.ReadASN1Bytes(&key, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Integer(s.Serial) {
		return s, errors.New("malformed CertID")
	}
	s.IssuerNameHash, s.IssuerKeyHash = name, key
	var st cryptobyte.String
	var tag cbasn1.Tag
	if !sr.ReadAnyASN1(&st, &tag) {
		return s, errors.New("malformed certStatus")
	}
	switch tag {
	case cbasn1.Tag(0).ContextSpecific():
		s.Status = OCSPGood
	case cbasn1.Tag(1).Constructed().ContextSpecific():
		s.Status = OCSPRevoked
		if !st.ReadASN1GeneralizedTime(&s.RevokedAt) {
			return s, errors.New("malformed revocationTime")
		}
		if st.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
			var r cryptobyte.String
			var reason int
			if !st.ReadASN1(&r, cbasn1.Tag(0).Constructed().ContextSpecific()) || !r.ReadASN1Enum(&reason) || reason < 0 || reason > 10 {
				return s, errors.New("malformed revocationReason")
			}
			s.Reason = reason
		}
	case cbasn1.Tag(2).ContextSpecific():
		s.Status = OCSPUnknown
	default:
		return s, errors.New("unknown certStatus")
	}
	if !sr.ReadASN1GeneralizedTime(&s.ThisUpdate) {
		return s, errors.New("malformed thisUpdate")
	}
	if sr.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var nu cryptobyte.String
		if !sr.ReadASN1(&nu, cbasn1.Tag(0).Constructed().ContextSpecific()) || !nu.ReadASN1GeneralizedTime(&s.NextUpdate) {
			return s, errors.New("malformed nextUpdate")
		}
	}
	// singleExtensions [1], if any, are not needed.
	return s, nil
}

// findExtension returns the extnValue of the extension oid in a DER Extensions
// SEQUENCE held by in, nil when absent.
func findExtension(in cryptobyte.String, oid asn1.ObjectIdentifier) ([]byte, error) {
	var exts cryptobyte.String
	if !in.ReadASN1(&exts, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed extensions")
	}
	for !exts.Empty() {
		var ext cryptobyte.String
		var id asn1.ObjectIdentifier
		var value []byte
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&id) {
			return nil, errors.New("malformed extension")
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) {
			var critical bool
			if !ext.ReadASN1Boolean(&critical) {
				return nil, errors.New("malformed extension")
			}
		}
		if !ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) {
			return nil, errors.New("malformed extension")
		}
		if id.Equal(oid) {
			return value, nil
		}
	}
	return nil, nil
}
