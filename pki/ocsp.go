package pki

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP object identifiers (RFC 6960, RFC 8954, RFC 9654).
var (
	OIDOCSPBasic          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	OIDOCSPNonce          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	OIDOCSPExtendedRevoke = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 9}
	OIDSHA1               = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// OCSPResponseStatus is the outer status of an OCSP response (RFC 6960 §4.2.1).
type OCSPResponseStatus int

// OCSP response statuses.
const (
	OCSPSuccessful       OCSPResponseStatus = 0
	OCSPMalformedRequest OCSPResponseStatus = 1
	OCSPInternalError    OCSPResponseStatus = 2
	OCSPTryLater         OCSPResponseStatus = 3
	OCSPSigRequired      OCSPResponseStatus = 5
	OCSPUnauthorized     OCSPResponseStatus = 6
)

// ErrOCSPMalformed is wrapped by every error of ParseOCSPRequest: the request gets a
// malformedRequest answer.
var ErrOCSPMalformed = errors.New("malformed OCSP request")

// MaxOCSPNonce is the longest nonce accepted (RFC 8954 §2.1 says 1 to 32 octets;
// some clients send up to 64, more is refused).
const MaxOCSPNonce = 64

// OCSPRequest is the one certificate an RFC 5019 request asks about.
type OCSPRequest struct {
	// CertID is the DER of the request's CertID, echoed unchanged in the response.
	CertID []byte
	// Hash is the hash of IssuerNameHash and IssuerKeyHash: crypto.SHA1 or
	// crypto.SHA256 (0 for another algorithm; the responder cannot match those).
	Hash           crypto.Hash
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	// Serial is the serial number asked about (positive; a negative or zero serial
	// is allowed in the syntax and simply never issued).
	Serial *big.Int
	// Nonce is the extnValue of the nonce extension (an OCTET STRING holding the
	// nonce, as OpenSSL and RFC 8954 send it), echoed as is; nil without a nonce.
	Nonce []byte
}

// ParseOCSPRequest parses a DER OCSPRequest (RFC 6960 §4.1) that asks about exactly
// one certificate, as RFC 5019 §2.1.1 requires. It accepts and ignores a
// requestorName, an optional signature and extensions other than the nonce.
// Errors wrap ErrOCSPMalformed; nothing in der can make it panic.
func ParseOCSPRequest(der []byte) (*OCSPRequest, error) {
	bad := func(what string) (*OCSPRequest, error) {
		return nil, fmt.Errorf("pki: OCSP request: %s: %w", what, ErrOCSPMalformed)
	}
	in := cryptobyte.String(der)
	var req, tbs cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() {
		return bad("not one DER SEQUENCE")
	}
	if !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return bad("no tbsRequest")
	}
	// optionalSignature [0] is accepted and not checked (the responder answers
	// anyone); nothing may follow it.
	if !req.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !req.Empty() {
		return bad("trailing data after tbsRequest")
	}
	var version int64
	var hasVersion bool
	var vs cryptobyte.String
	if !tbs.ReadOptionalASN1(&vs, &hasVersion, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return bad("version")
	}
	if hasVersion && (!vs.ReadASN1Integer(&version) || !vs.Empty() || version != 0) {
		return bad("version is not v1")
	}
	if !tbs.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return bad("requestorName")
	}
	var list cryptobyte.String
	if !tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return bad("requestList")
	}
	var one cryptobyte.String
	if !list.ReadASN1(&one, cbasn1.SEQUENCE) {
		return bad("empty requestList")
	}
	if !list.Empty() {
		return bad("more than one certificate in one request (RFC 5019 §2.1.1)")
	}
	r := &OCSPRequest{}
	var certID cryptobyte.String
	if !one.ReadASN1Element(&certID, cbasn1.SEQUENCE) {
		return bad("CertID")
	}
	r.CertID = []byte(certID)
	if !one.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !one.Empty() {
		return bad("singleRequestExtensions")
	}
	var id, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	serial := new(big.Int)
	if !certID.ReadASN1(&id, cbasn1.SEQUENCE) ||
		!id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!id.ReadASN1Bytes(&r.IssuerNameHash, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Bytes(&r.IssuerKeyHash, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Integer(serial) || !id.Empty() {
		return bad("CertID fields")
	}
	// Parameters: absent or NULL.
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, cbasn1.NULL) || !null.Empty() || !alg.Empty() {
			return bad("hash algorithm parameters")
		}
	}
	r.Serial = serial
	switch {
	case oid.Equal(OIDSHA1):
		r.Hash = crypto.SHA1
	case oid.Equal(OIDSHA256):
		r.Hash = crypto.SHA256
	}
	if r.Hash != 0 && (len(r.IssuerNameHash) != r.Hash.Size() || len(r.IssuerKeyHash) != r.Hash.Size()) {
		return bad("issuer hashes do not have the hash's length")
	}
	var exts cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&exts, &hasExts, cbasn1.Tag(2).Constructed().ContextSpecific()) || !tbs.Empty() {
		return bad("requestExtensions")
	}
	if hasExts {
		var seq cryptobyte.String
		if !exts.ReadASN1(&seq, cbasn1.SEQUENCE) || !exts.Empty() {
			return bad("requestExtensions")
		}
		for !seq.Empty() {
			var ext cryptobyte.String
			var extID asn1.ObjectIdentifier
			var value []byte
			if !seq.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&extID) {
				return bad("extension")
			}
			if ext.PeekASN1Tag(cbasn1.BOOLEAN) {
				var critical bool
				if !ext.ReadASN1Boolean(&critical) {
					return bad("extension criticality")
				}
			}
			if !ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
				return bad("extension value")
			}
			if extID.Equal(OIDOCSPNonce) {
				if r.Nonce != nil {
					return bad("two nonces")
				}
				if len(value) == 0 || len(value) > MaxOCSPNonce+2 {
					return bad("nonce length")
				}
				r.Nonce = value
			}
		}
	}
	return r, nil
}

// OCSPCertStatus is the status of a certificate in an OCSP response.
type OCSPCertStatus int

// Certificate statuses (RFC 6960 §2.2).
const (
	OCSPGood OCSPCertStatus = iota
	OCSPRevoked
	OCSPUnknown
)

// OCSPResponse is the content of one signed BasicOCSPResponse about one certificate.
type OCSPResponse struct {
	// ResponderKeyHash is the SHA-1 of the responder's subjectPublicKey bits (the
	// byKey ResponderID of RFC 5019 §2.2.3).
	ResponderKeyHash []byte
	ProducedAt       time.Time
	// CertID is the DER CertID of the request, echoed.
	CertID []byte
	Status OCSPCertStatus
	// RevokedAt and Reason describe a revoked certificate; Reason < 0 omits the
	// revocationReason.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate and NextUpdate bound the response's validity; a zero NextUpdate is
	// omitted.
	ThisUpdate, NextUpdate time.Time
	// Nonce is echoed as the nonce extension's extnValue when set.
	Nonce []byte
	// ExtendedRevoke adds the extended-revoke extension (RFC 6960 §2.2, NULL),
	// which allows answering revoked for a certificate never issued.
	ExtendedRevoke bool
	// Certs are DER certificates sent along (the delegated responder's).
	Certs [][]byte
}

// CreateOCSPResponse signs r with s and returns the DER OCSPResponse (status
// successful, a BasicOCSPResponse).
func CreateOCSPResponse(r *OCSPResponse, s TBSSigner) ([]byte, error) {
	if len(r.CertID) == 0 || len(r.ResponderKeyHash) == 0 {
		return nil, errors.New("pki: OCSP response: CertID and responder key hash are required")
	}
	if r.Status == OCSPRevoked && r.Reason > 10 {
		return nil, fmt.Errorf("pki: OCSP response: reason %d", r.Reason)
	}
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(r.ResponderKeyHash)
		})
		b.AddASN1GeneralizedTime(r.ProducedAt.UTC().Truncate(time.Second))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(r.CertID)
				switch r.Status {
				case OCSPGood:
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
				case OCSPRevoked:
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(r.RevokedAt.UTC().Truncate(time.Second))
						if r.Reason >= 0 {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1Enum(int64(r.Reason))
							})
						}
					})
				default:
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
				}
				b.AddASN1GeneralizedTime(r.ThisUpdate.UTC().Truncate(time.Second))
				if !r.NextUpdate.IsZero() {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(r.NextUpdate.UTC().Truncate(time.Second))
					})
				}
			})
		})
		if r.Nonce != nil || r.ExtendedRevoke {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					if r.Nonce != nil {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(OIDOCSPNonce)
							b.AddASN1OctetString(r.Nonce)
						})
					}
					if r.ExtendedRevoke {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(OIDOCSPExtendedRevoke)
							b.AddASN1OctetString(asn1.NullBytes)
						})
					}
				})
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP response: %w", err)
	}
	sig, err := s.Sign(tbsDER)
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP response: %w", err)
	}
	algDER, err := asn1.Marshal(s.AlgorithmIdentifier())
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP response: signature algorithm: %w", err)
	}
	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddBytes(algDER)
		b.AddASN1BitString(sig)
		if len(r.Certs) > 0 {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range r.Certs {
						b.AddBytes(c)
					}
				})
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP response: %w", err)
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(int64(OCSPSuccessful))
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(OIDOCSPBasic)
				b.AddASN1OctetString(basicDER)
			})
		})
	})
	return out.Bytes()
}

// OCSPErrorResponse returns the DER OCSPResponse of an unsuccessful status
// (malformedRequest, internalError, tryLater, sigRequired, unauthorized): no
// responseBytes, no signature (RFC 6960 §4.2.1).
func OCSPErrorResponse(status OCSPResponseStatus) []byte {
	return []byte{0x30, 0x03, 0x0a, 0x01, byte(status)}
}

// OCSPIssuerHashes returns the issuerNameHash and issuerKeyHash of CertIDs naming
// issuer under hash h (SHA-1 or SHA-256): the hash of the issuer's subject DER and
// of its subjectPublicKey bits (RFC 6960 §4.1.1).
func OCSPIssuerHashes(issuer *x509.Certificate, h crypto.Hash) (nameHash, keyHash []byte, err error) {
	if h != crypto.SHA1 && h != crypto.SHA256 {
		return nil, nil, fmt.Errorf("pki: OCSP: hash %v: %w", h, ErrUnsupportedAlgorithm)
	}
	bits, err := PublicKeyBits(issuer.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, nil, err
	}
	sum := func(b []byte) []byte {
		if h == crypto.SHA1 {
			s := sha1.Sum(b)
			return s[:]
		}
		s := sha256.Sum256(b)
		return s[:]
	}
	return sum(issuer.RawSubject), sum(bits), nil
}

// PublicKeyBits returns the subjectPublicKey BIT STRING content of a DER
// SubjectPublicKeyInfo (what key identifiers and OCSP key hashes are taken over).
func PublicKeyBits(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var seq cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) || !seq.ReadASN1BitString(&bits) {
		return nil, errors.New("pki: malformed SubjectPublicKeyInfo")
	}
	return bits.Bytes, nil
}

// ResponderKeyHash returns the byKey ResponderID of a responder certificate: the
// SHA-1 of its subjectPublicKey bits.
func ResponderKeyHash(cert *x509.Certificate) ([]byte, error) {
	bits, err := PublicKeyBits(cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	s := sha1.Sum(bits)
	return s[:], nil
}
