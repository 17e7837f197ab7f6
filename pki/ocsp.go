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

// MaxOCSPRequests is the largest number of Requests (certificates asked about) one
// OCSPRequest may hold; ParseOCSPRequest refuses a longer requestList as malformed.
// RFC 6960 §4.1.1 sets no bound, but every Request costs the responder a store
// lookup and its answer one signature over all of the SingleResponses, signed for
// that request alone (it cannot be cached): without a bound one small request
// could make the responder read and sign without end. OpenSSL's `openssl ocsp`
// and the Java clients that ask about several certificates at once send a chain's
// worth, far fewer than 16.
const MaxOCSPRequests = 16

// OCSPSingleRequest is one Request of an OCSPRequest's requestList: the CertID of
// one certificate asked about (RFC 6960 §4.1.1).
type OCSPSingleRequest struct {
	// CertID is the DER of the Request's CertID, echoed unchanged in the response.
	CertID []byte
	// Hash is the hash of IssuerNameHash and IssuerKeyHash: crypto.SHA1 or
	// crypto.SHA256 (0 for another algorithm; the responder cannot match those).
	Hash           crypto.Hash
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	// Serial is the serial number asked about (never nil; a negative or zero serial
	// is allowed in the syntax and simply never issued).
	Serial *big.Int
}

// OCSPRequest is a parsed OCSPRequest: the certificates it asks about and its
// nonce. Its CertID, Hash, IssuerNameHash, IssuerKeyHash and Serial are those of
// the first Request — the only one of an RFC 5019 request; Requests holds all of
// them.
type OCSPRequest struct {
	// CertID is the DER of the first Request's CertID, echoed unchanged in the
	// response.
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
	// Requests are all the Requests of the requestList, in the request's order:
	// 1 to MaxOCSPRequests of them; Requests[0] carries the fields above.
	Requests []OCSPSingleRequest
}

// ParseOCSPRequest parses a DER OCSPRequest (RFC 6960 §4.1) that asks about one
// certificate (as RFC 5019 §2.1.1 requires) or about up to MaxOCSPRequests of
// them (RFC 6960 §4.1.1); an empty or longer requestList is malformed. It accepts
// and ignores a requestorName, an optional signature, singleRequestExtensions and
// request extensions other than the nonce. Errors wrap ErrOCSPMalformed; nothing
// in der can make it panic.
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
	if list.Empty() {
		return bad("empty requestList")
	}
	r := &OCSPRequest{}
	for !list.Empty() {
		if len(r.Requests) == MaxOCSPRequests {
			return bad(fmt.Sprintf("more than %d certificates in one request", MaxOCSPRequests))
		}
		var one cryptobyte.String
		if !list.ReadASN1(&one, cbasn1.SEQUENCE) {
			return bad(fmt.Sprintf("Request %d", len(r.Requests)+1))
		}
		single, what := parseOCSPSingleRequest(one)
		if what != "" {
			return bad(fmt.Sprintf("Request %d: %s", len(r.Requests)+1, what))
		}
		r.Requests = append(r.Requests, single)
	}
	first := r.Requests[0]
	r.CertID, r.Hash, r.IssuerNameHash, r.IssuerKeyHash, r.Serial =
		first.CertID, first.Hash, first.IssuerNameHash, first.IssuerKeyHash, first.Serial
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

// parseOCSPSingleRequest parses the contents of one Request (a CertID and optional
// singleRequestExtensions, which are ignored). It returns what is wrong with it,
// "" when nothing is.
func parseOCSPSingleRequest(one cryptobyte.String) (OCSPSingleRequest, string) {
	var r OCSPSingleRequest
	var certID cryptobyte.String
	if !one.ReadASN1Element(&certID, cbasn1.SEQUENCE) {
		return r, "CertID"
	}
	r.CertID = []byte(certID)
	if !one.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !one.Empty() {
		return r, "singleRequestExtensions"
	}
	var id, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	serial := new(big.Int)
	if !certID.ReadASN1(&id, cbasn1.SEQUENCE) ||
		!id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!id.ReadASN1Bytes(&r.IssuerNameHash, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Bytes(&r.IssuerKeyHash, cbasn1.OCTET_STRING) ||
		!id.ReadASN1Integer(serial) || !id.Empty() {
		return r, "CertID fields"
	}
	// Parameters: absent or NULL.
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, cbasn1.NULL) || !null.Empty() || !alg.Empty() {
			return r, "hash algorithm parameters"
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
		return r, "issuer hashes do not have the hash's length"
	}
	return r, ""
}

// OCSPCertStatus is the status of a certificate in an OCSP response.
type OCSPCertStatus int

// Certificate statuses (RFC 6960 §2.2).
const (
	OCSPGood OCSPCertStatus = iota
	OCSPRevoked
	OCSPUnknown
)

// OCSPSingleResponse is one SingleResponse to sign (RFC 6960 §4.2.1): the status of
// the certificate one Request asked about. (OCSPSingle is what ParseOCSPResponse
// reads back.)
type OCSPSingleResponse struct {
	// CertID is the DER CertID of the Request, echoed.
	CertID []byte
	Status OCSPCertStatus
	// RevokedAt and Reason describe a revoked certificate; Reason < 0 omits the
	// revocationReason, and a Reason above 10 (RFC 5280 CRLReason) is refused.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate and NextUpdate bound the response's validity; a zero NextUpdate is
	// omitted.
	ThisUpdate, NextUpdate time.Time
}

// OCSPResponse is the content of one signed BasicOCSPResponse: about one
// certificate (CertID, Status, RevokedAt, Reason, ThisUpdate and NextUpdate), or
// about several (Singles).
type OCSPResponse struct {
	// ResponderKeyHash is the SHA-1 of the responder's subjectPublicKey bits (the
	// byKey ResponderID of RFC 5019 §2.2.3).
	ResponderKeyHash []byte
	ProducedAt       time.Time
	// CertID is the DER CertID of the request, echoed. It must be empty when
	// Singles is set.
	CertID []byte
	Status OCSPCertStatus
	// RevokedAt and Reason describe a revoked certificate; Reason < 0 omits the
	// revocationReason.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate and NextUpdate bound the response's validity; a zero NextUpdate is
	// omitted.
	ThisUpdate, NextUpdate time.Time
	// Singles, when not empty, are the SingleResponses of the answer, in this order
	// (one per Request of an RFC 6960 §4.1.1 request about several certificates);
	// the single-certificate fields above (CertID to NextUpdate) are then not used.
	// A Singles of one element encodes exactly as the same fields set above.
	Singles []OCSPSingleResponse
	// Nonce is echoed as the nonce extension's extnValue when set.
	Nonce []byte
	// ExtendedRevoke adds the extended-revoke extension (RFC 6960 §2.2, NULL),
	// which allows answering revoked for a certificate never issued.
	ExtendedRevoke bool
	// Certs are DER certificates sent along (the delegated responder's).
	Certs [][]byte
}

// CreateOCSPResponse signs r with s and returns the DER OCSPResponse (status
// successful, a BasicOCSPResponse with one SingleResponse, or one per element of
// r.Singles in their order).
func CreateOCSPResponse(r *OCSPResponse, s TBSSigner) ([]byte, error) {
	if len(r.ResponderKeyHash) == 0 {
		return nil, errors.New("pki: OCSP response: the responder key hash is required")
	}
	singles := r.Singles
	if len(singles) == 0 {
		singles = []OCSPSingleResponse{{CertID: r.CertID, Status: r.Status, RevokedAt: r.RevokedAt, Reason: r.Reason,
			ThisUpdate: r.ThisUpdate, NextUpdate: r.NextUpdate}}
	} else if len(r.CertID) != 0 {
		return nil, errors.New("pki: OCSP response: both CertID and Singles are set")
	}
	for i, one := range singles {
		if len(one.CertID) == 0 {
			return nil, fmt.Errorf("pki: OCSP response %d of %d: CertID is required", i+1, len(singles))
		}
		if one.Status == OCSPRevoked && one.Reason > 10 {
			return nil, fmt.Errorf("pki: OCSP response %d of %d: reason %d", i+1, len(singles), one.Reason)
		}
	}
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(r.ResponderKeyHash)
		})
		b.AddASN1GeneralizedTime(r.ProducedAt.UTC().Truncate(time.Second))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i := range singles {
				addSingleResponse(b, &singles[i])
			}
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

// addSingleResponse adds the SingleResponse one to b.
func addSingleResponse(b *cryptobyte.Builder, one *OCSPSingleResponse) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(one.CertID)
		switch one.Status {
		case OCSPGood:
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
		case OCSPRevoked:
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1GeneralizedTime(one.RevokedAt.UTC().Truncate(time.Second))
				if one.Reason >= 0 {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1Enum(int64(one.Reason))
					})
				}
			})
		default:
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
		}
		b.AddASN1GeneralizedTime(one.ThisUpdate.UTC().Truncate(time.Second))
		if !one.NextUpdate.IsZero() {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1GeneralizedTime(one.NextUpdate.UTC().Truncate(time.Second))
			})
		}
	})
}

// OCSPErrorResponse returns the DER OCSPResponse of an unsuccessful status
// (malformedRequest, internalError, tryLater, sigRequired, unauthorized): no
// responseBytes, no signature (RFC 6960 §4.2.1).
func OCSPErrorResponse(status OCSPResponseStatus) []byte {
	return []byte{0x30, 0x03, 0x0a, 0x01, byte(status)}
}

// CreateOCSPRequest encodes an unsigned OCSPRequest (RFC 6960 §4.1.1) asking about
// each CertID of certIDs (the DER of a CertID, as OCSPRequest.CertID holds it; one to
// MaxOCSPRequests of them), in order, with the nonce extension when nonce is not nil:
// its extnValue is the DER OCTET STRING of nonce (as OpenSSL sends it, RFC 8954; at
// most MaxOCSPNonce bytes). ParseOCSPRequest reads back what it makes, with up to
// MaxOCSPRequests certificates (a bound of this responder, not of the protocol, so
// more are encoded for other responders).
func CreateOCSPRequest(nonce []byte, certIDs ...[]byte) ([]byte, error) {
	if len(certIDs) == 0 {
		return nil, errors.New("pki: OCSP request: no certificate to ask about")
	}
	if len(nonce) > MaxOCSPNonce {
		return nil, fmt.Errorf("pki: OCSP request: a nonce of %d bytes, at most %d", len(nonce), MaxOCSPNonce)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // OCSPRequest
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // tbsRequest
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // requestList
				for _, id := range certIDs {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(id) }) // Request
				}
			})
			if nonce != nil {
				b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // requestExtensions
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(OIDOCSPNonce)
							b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1OctetString(nonce) })
						})
					})
				})
			}
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: OCSP request: %w", err)
	}
	return der, nil
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
