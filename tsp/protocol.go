// Package tsp is the authority's RFC 3161 time-stamping service: the protocol
// (time-stamp requests, TSTInfo, tokens and responses, read and written), the
// verification of tokens, the national TSA's included, and the HTTP service that
// stamps with one time-stamping key per issuing CA (server.go).
//
// The national profile (PROFILE.md): requests are POSTed as
// application/timestamp-query; policy 1.2.398.3.3.2.6.1 is the GOST policy and
// 1.2.398.3.3.2.6.2 the SHA-256 one; tokens carry the ESS signing-certificate
// attribute. The national service writes the SHA-1 signing-certificate (RFC 2634);
// this one writes signing-certificate-v2 (RFC 5816, SHA-256), and reads both.
package tsp

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/cms"
)

// Object identifiers of RFC 3161 and of the national time-stamping policies.
var (
	// OIDTSTInfo is id-ct-TSTInfo, the eContentType of a time-stamp token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	// OIDPolicyGOST is the national policy of GOST time stamps (PROFILE.md:
	// "GOST 34.311 imprint"); the GOST time-stamping key signs under it.
	OIDPolicyGOST = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 6, 1}
	// OIDPolicySHA256 is the national policy of SHA-256 time stamps; the RSA
	// time-stamping key signs under it.
	OIDPolicySHA256 = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 6, 2}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidEKU    = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// PKIStatus values of a TimeStampResp (RFC 3161 §2.4.2).
const (
	StatusGranted                = 0
	StatusGrantedWithMods        = 1
	StatusRejection              = 2
	StatusWaiting                = 3
	StatusRevocationWarning      = 4
	StatusRevocationNotification = 5
)

// FailureInfo is a PKIFailureInfo bit of a rejected request (RFC 3161 §2.4.2).
type FailureInfo int

// The failure reasons of RFC 3161.
const (
	FailBadAlg              FailureInfo = 0  // unrecognised or unsupported hash algorithm
	FailBadRequest          FailureInfo = 2  // transaction not permitted or supported
	FailBadDataFormat       FailureInfo = 5  // the data submitted has the wrong format
	FailTimeNotAvailable    FailureInfo = 14 // the TSA's time source is not available
	FailUnacceptedPolicy    FailureInfo = 15 // the requested policy is not supported
	FailUnacceptedExtension FailureInfo = 16 // the requested extension is not supported
	FailSystemFailure       FailureInfo = 25 // the request cannot be handled: system failure
)

// Errors; test with errors.Is.
var (
	// ErrFormat: the input is not DER of the expected RFC 3161 structure.
	ErrFormat = errors.New("tsp: malformed")
	// ErrVerify: a token does not verify (the wrapped error says why).
	ErrVerify = errors.New("tsp: the time-stamp token does not verify")
)

// RequestError is why a request is refused: the failure bit of the rejection and
// a text for its statusString.
type RequestError struct {
	Fail FailureInfo
	Text string
}

func (e *RequestError) Error() string { return "tsp: request refused: " + e.Text }

func refuse(fail FailureInfo, format string, args ...any) error {
	return &RequestError{Fail: fail, Text: fmt.Sprintf(format, args...)}
}

// MessageImprint is the hash of the stamped data and its algorithm.
type MessageImprint struct {
	HashAlgorithm asn1.ObjectIdentifier
	HashedMessage []byte
}

// Request is a TimeStampReq.
type Request struct {
	Imprint MessageImprint
	// Policy is reqPolicy, nil when absent.
	Policy asn1.ObjectIdentifier
	// Nonce is nil when absent.
	Nonce *big.Int
	// CertReq asks for the TSA's certificate in the token.
	CertReq bool

	// imprintDER is the MessageImprint as sent, copied into the TSTInfo verbatim.
	imprintDER []byte
}

// MaxNonceBytes bounds a request's nonce (RFC 3161 suggests 64 bits; clients send
// up to 160).
const MaxNonceBytes = 32

// imprintHash returns the hash of an imprint algorithm the service accepts: SHA-1
// (the national client's), SHA-224/256/384/512, GOST 34.311-95 and Streebog
// (Kazakh and Russian OIDs).
func imprintHash(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return sha1.New, true
	case oid.Equal(oidSHA224):
		return sha256.New224, true
	}
	return cms.HashByOID(oid)
}

// ParseRequest reads a DER TimeStampReq. A request that is not DER of that shape is
// refused with FailBadDataFormat; an imprint algorithm the service does not know,
// or a hash of the wrong length, with FailBadAlg; a request with extensions (none is
// supported) with FailUnacceptedExtension. The error is then a *RequestError.
func ParseRequest(der []byte) (*Request, error) {
	s := cryptobyte.String(der)
	var req, imprint cryptobyte.String
	var version int64
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !s.Empty() || !req.ReadASN1Integer(&version) ||
		!req.ReadASN1Element(&imprint, cbasn1.SEQUENCE) {
		return nil, refuse(FailBadDataFormat, "not a DER TimeStampReq")
	}
	if version != 1 {
		return nil, refuse(FailBadDataFormat, "TimeStampReq version %d; version 1 is supported", version)
	}
	r := &Request{imprintDER: slices.Clone(imprint)}
	mi, err := parseImprint(imprint)
	if err != nil {
		return nil, refuse(FailBadDataFormat, "messageImprint: %v", err)
	}
	r.Imprint = mi
	newHash, ok := imprintHash(mi.HashAlgorithm)
	if !ok {
		return nil, refuse(FailBadAlg, "hash algorithm %s is not supported", mi.HashAlgorithm)
	}
	if n := newHash().Size(); len(mi.HashedMessage) != n {
		return nil, refuse(FailBadDataFormat, "hashedMessage of %d bytes; %s hashes are %d bytes", len(mi.HashedMessage), mi.HashAlgorithm, n)
	}
	if req.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		r.Policy = asn1.ObjectIdentifier{}
		if !req.ReadASN1ObjectIdentifier(&r.Policy) {
			return nil, refuse(FailBadDataFormat, "malformed reqPolicy")
		}
	}
	if req.PeekASN1Tag(cbasn1.INTEGER) {
		r.Nonce = new(big.Int)
		if !req.ReadASN1Integer(r.Nonce) {
			return nil, refuse(FailBadDataFormat, "malformed nonce")
		}
		if r.Nonce.BitLen() > MaxNonceBytes*8 {
			return nil, refuse(FailBadDataFormat, "nonce longer than %d bytes", MaxNonceBytes)
		}
	}
	if req.PeekASN1Tag(cbasn1.BOOLEAN) {
		if !req.ReadASN1Boolean(&r.CertReq) {
			return nil, refuse(FailBadDataFormat, "malformed certReq")
		}
	}
	if req.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, refuse(FailUnacceptedExtension, "request extensions are not supported")
	}
	if !req.Empty() {
		return nil, refuse(FailBadDataFormat, "trailing data in TimeStampReq")
	}
	return r, nil
}

// readImplicitInt reads an optional small INTEGER with the IMPLICIT tag tag (0 when
// absent).
func readImplicitInt(s *cryptobyte.String, tag cbasn1.Tag, out *int64) bool {
	*out = 0
	if !s.PeekASN1Tag(tag) {
		return true
	}
	var contents cryptobyte.String
	if !s.ReadASN1(&contents, tag) {
		return false
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(contents) })
	der, err := b.Bytes()
	if err != nil {
		return false
	}
	in := cryptobyte.String(der)
	return in.ReadASN1Integer(out)
}

func parseImprint(der cryptobyte.String) (MessageImprint, error) {
	var mi MessageImprint
	var seq, alg, sum cryptobyte.String
	if !der.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&mi.HashAlgorithm) || !seq.ReadASN1(&sum, cbasn1.OCTET_STRING) || !seq.Empty() {
		return mi, errors.New("malformed MessageImprint")
	}
	// Parameters: absent or NULL.
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, cbasn1.NULL) || len(null) != 0 || !alg.Empty() {
			return mi, errors.New("hash algorithm parameters other than NULL")
		}
	}
	mi.HashedMessage = slices.Clone(sum)
	return mi, nil
}

// NewRequest returns a request for the digest of data hashed with the imprint
// algorithm hashAlg (see imprintHash for those known), asking for policy (nil: the
// TSA's default), with nonce (nil: none), and for the TSA's certificate if certReq.
func NewRequest(hashAlg asn1.ObjectIdentifier, digest []byte, policy asn1.ObjectIdentifier, nonce *big.Int, certReq bool) (*Request, error) {
	newHash, ok := imprintHash(hashAlg)
	if !ok {
		return nil, fmt.Errorf("tsp: hash algorithm %s is not supported", hashAlg)
	}
	if len(digest) != newHash().Size() {
		return nil, fmt.Errorf("tsp: a %s digest is %d bytes, not %d", hashAlg, newHash().Size(), len(digest))
	}
	if nonce != nil && nonce.Sign() < 0 {
		return nil, errors.New("tsp: the nonce must not be negative")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(hashAlg)
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(digest)
	})
	imprint, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("tsp: request: %w", err)
	}
	return &Request{Imprint: MessageImprint{HashAlgorithm: hashAlg, HashedMessage: slices.Clone(digest)},
		Policy: policy, Nonce: nonce, CertReq: certReq, imprintDER: imprint}, nil
}

// HashData returns the digest of data under the imprint algorithm hashAlg.
func HashData(hashAlg asn1.ObjectIdentifier, data []byte) ([]byte, error) {
	newHash, ok := imprintHash(hashAlg)
	if !ok {
		return nil, fmt.Errorf("tsp: hash algorithm %s is not supported", hashAlg)
	}
	h := newHash()
	h.Write(data)
	return h.Sum(nil), nil
}

// Marshal returns the DER TimeStampReq.
func (r *Request) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(r.imprintDER)
		if r.Policy != nil {
			b.AddASN1ObjectIdentifier(r.Policy)
		}
		if r.Nonce != nil {
			b.AddASN1BigInt(r.Nonce)
		}
		if r.CertReq {
			b.AddASN1Boolean(true)
		}
	})
	return b.Bytes()
}

// TSTInfo is the content of a time-stamp token (RFC 3161 §2.4.2).
type TSTInfo struct {
	Policy       asn1.ObjectIdentifier
	Imprint      MessageImprint
	SerialNumber *big.Int
	GenTime      time.Time
	// Accuracy is zero when the token states none.
	Accuracy time.Duration
	Ordering bool
	// Nonce is nil when absent.
	Nonce *big.Int
	// TSA is the DER Name of the tsa field's directoryName, nil when absent.
	TSA []byte
}

// marshalTSTInfo encodes the TSTInfo of a token for req: version 1, policy, req's
// imprint as sent, serial, genTime in whole seconds (UTC, GeneralizedTime), the
// accuracy when positive (seconds and milliseconds), req's nonce, and tsa as a
// directoryName when set.
func marshalTSTInfo(req *Request, policy asn1.ObjectIdentifier, serial *big.Int, genTime time.Time, accuracy time.Duration, tsa []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(policy)
		b.AddBytes(req.imprintDER)
		b.AddASN1BigInt(serial)
		b.AddASN1GeneralizedTime(genTime.UTC().Truncate(time.Second))
		if accuracy > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if s := int64(accuracy / time.Second); s > 0 {
					b.AddASN1Int64(s)
				}
				if ms := int64(accuracy % time.Second / time.Millisecond); ms > 0 {
					b.AddASN1Int64WithTag(ms, cbasn1.Tag(0).ContextSpecific())
				}
			})
		}
		if req.Nonce != nil {
			b.AddASN1BigInt(req.Nonce)
		}
		if tsa != nil {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(tsa)
				})
			})
		}
	})
	return b.Bytes()
}

// parseTSTInfo reads a DER TSTInfo.
func parseTSTInfo(der []byte) (*TSTInfo, error) {
	s := cryptobyte.String(der)
	var seq, imprint, genTime cryptobyte.String
	var version int64
	info := &TSTInfo{SerialNumber: new(big.Int)}
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(&version) || version != 1 ||
		!seq.ReadASN1ObjectIdentifier(&info.Policy) || !seq.ReadASN1Element(&imprint, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Integer(info.SerialNumber) || !seq.ReadASN1(&genTime, cbasn1.GeneralizedTime) {
		return nil, fmt.Errorf("%w: TSTInfo", ErrFormat)
	}
	at, err := parseGenTime(string(genTime))
	if err != nil {
		return nil, fmt.Errorf("%w: TSTInfo genTime: %v", ErrFormat, err)
	}
	info.GenTime = at
	mi, err := parseImprint(imprint)
	if err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrFormat, err)
	}
	info.Imprint = mi
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		var acc cryptobyte.String
		var secs, ms, us int64
		if !seq.ReadASN1(&acc, cbasn1.SEQUENCE) ||
			(acc.PeekASN1Tag(cbasn1.INTEGER) && !acc.ReadASN1Integer(&secs)) ||
			!readImplicitInt(&acc, cbasn1.Tag(0).ContextSpecific(), &ms) ||
			!readImplicitInt(&acc, cbasn1.Tag(1).ContextSpecific(), &us) || !acc.Empty() ||
			secs < 0 || ms < 0 || ms > 999 || us < 0 || us > 999 {
			return nil, fmt.Errorf("%w: TSTInfo accuracy", ErrFormat)
		}
		info.Accuracy = time.Duration(secs)*time.Second + time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond
	}
	if seq.PeekASN1Tag(cbasn1.BOOLEAN) && !seq.ReadASN1Boolean(&info.Ordering) {
		return nil, fmt.Errorf("%w: TSTInfo ordering", ErrFormat)
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		info.Nonce = new(big.Int)
		if !seq.ReadASN1Integer(info.Nonce) {
			return nil, fmt.Errorf("%w: TSTInfo nonce", ErrFormat)
		}
	}
	if seq.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var gn, name cryptobyte.String
		if !seq.ReadASN1(&gn, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return nil, fmt.Errorf("%w: TSTInfo tsa", ErrFormat)
		}
		if gn.PeekASN1Tag(cbasn1.Tag(4).Constructed().ContextSpecific()) {
			if !gn.ReadASN1(&name, cbasn1.Tag(4).Constructed().ContextSpecific()) {
				return nil, fmt.Errorf("%w: TSTInfo tsa", ErrFormat)
			}
			info.TSA = slices.Clone([]byte(name))
		}
	}
	// extensions [1] are skipped: none is critical to reading the time.
	if !seq.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) || !seq.Empty() {
		return nil, fmt.Errorf("%w: TSTInfo trailing data", ErrFormat)
	}
	return info, nil
}

// parseGenTime reads a TSTInfo genTime (RFC 3161 §2.4.2): YYYYMMDDhhmmss, then
// optionally a dot and the fraction of a second without trailing zeros, then Z.
// Many TSAs state fractions of a second; the DER rules forbid any other form.
func parseGenTime(v string) (time.Time, error) {
	const whole = len("20060102150405")
	if len(v) < whole+1 || v[len(v)-1] != 'Z' {
		return time.Time{}, fmt.Errorf("%q is not YYYYMMDDhhmmss[.f]Z", v)
	}
	if frac := v[whole : len(v)-1]; frac != "" {
		if len(frac) < 2 || frac[0] != '.' || frac[len(frac)-1] == '0' || strings.Trim(frac[1:], "0123456789") != "" {
			return time.Time{}, fmt.Errorf("%q: the fraction of a second must be digits without trailing zeros", v)
		}
	}
	if strings.Trim(v[:whole], "0123456789") != "" {
		return time.Time{}, fmt.Errorf("%q is not YYYYMMDDhhmmss[.f]Z", v)
	}
	t, err := time.Parse("20060102150405Z0700", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %v", v, err)
	}
	return t.UTC(), nil
}

// Token is a parsed time-stamp token: a CMS SignedData whose content is a TSTInfo.
type Token struct {
	Info       *TSTInfo
	SignedData *cms.SignedData
	// Raw is the token's DER ContentInfo.
	Raw []byte
}

// ParseToken reads a DER time-stamp token (a ContentInfo holding a SignedData with
// an attached TSTInfo). It checks the shape, not the signature: see Verify.
func ParseToken(der []byte) (*Token, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w: token: %w", ErrFormat, err)
	}
	if !sd.ContentType.Equal(OIDTSTInfo) || sd.Detached {
		return nil, fmt.Errorf("%w: token content is %s, not an attached TSTInfo", ErrFormat, sd.ContentType)
	}
	info, err := parseTSTInfo(sd.Content)
	if err != nil {
		return nil, err
	}
	return &Token{Info: info, SignedData: sd, Raw: slices.Clone(der)}, nil
}

// VerifyOptions say what Token.Verify checks beyond the signature.
type VerifyOptions struct {
	// Certificate is the TSA's certificate when the token carries none (its request
	// had no certReq); a certificate in the token is used otherwise.
	Certificate *x509.Certificate
	// Data, when not nil, is the stamped data: its hash under the token's imprint
	// algorithm must equal the imprint. Digest, when not nil, is compared directly.
	Data   []byte
	Digest []byte
	// Nonce, when not nil, must equal the token's nonce.
	Nonce *big.Int
}

// Verify checks the token and returns the TSA's certificate: exactly one signer,
// whose signature over the signed attributes verifies (content-type id-ct-TSTInfo,
// message-digest of the TSTInfo, the ESS signing-certificate attribute, v1 or v2,
// naming the certificate, which one of them must be present, RFC 3161 §2.4.1); the
// certificate's extended key usage is id-kp-timeStamping alone and critical (RFC
// 3161 §2.3) and it was valid at genTime; and the imprint and nonce match opts.
// Whether the certificate chains to a trusted CA and whether it is revoked are the
// caller's (pki.VerifyChain, CRL, OCSP).
func (t *Token) Verify(opts VerifyOptions) (*x509.Certificate, error) {
	sd := t.SignedData
	if len(sd.Signers) != 1 {
		return nil, fmt.Errorf("%w: %d signers; a token has one", ErrVerify, len(sd.Signers))
	}
	si := sd.Signers[0]
	if si.Cert == nil && opts.Certificate != nil {
		// A token made without certReq: the caller's certificate must be the one
		// the signer identifier names. The token is not modified: the check runs
		// on copies.
		c := opts.Certificate
		if (si.Serial != nil && (!bytes.Equal(c.RawIssuer, si.Issuer) || c.SerialNumber.Cmp(si.Serial) != 0)) ||
			(si.SubjectKeyID != nil && !bytes.Equal(c.SubjectKeyId, si.SubjectKeyID)) {
			return nil, fmt.Errorf("%w: the given certificate is not the signer's", ErrVerify)
		}
		withCert, sdCopy := *si, *sd
		withCert.Cert = c
		sdCopy.Signers = []*cms.SignerInfo{&withCert}
		si, sd = &withCert, &sdCopy
	}
	if si.Cert == nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, cms.ErrSignerCert)
	}
	if !si.SigningCertificate && !si.SigningCertificateV2 {
		return nil, fmt.Errorf("%w: no ESS signing-certificate attribute", ErrVerify)
	}
	if err := sd.Verify(nil)[0]; err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	cert := si.Cert
	if err := checkTSACert(cert); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if at := t.Info.GenTime; at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
		return nil, fmt.Errorf("%w: genTime %s is outside the TSA certificate's validity (%s to %s)", ErrVerify,
			at.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	digest := opts.Digest
	if opts.Data != nil {
		d, err := HashData(t.Info.Imprint.HashAlgorithm, opts.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrVerify, err)
		}
		digest = d
	}
	if digest != nil && !bytes.Equal(digest, t.Info.Imprint.HashedMessage) {
		return nil, fmt.Errorf("%w: the token stamps other data (imprint mismatch)", ErrVerify)
	}
	if opts.Nonce != nil && (t.Info.Nonce == nil || t.Info.Nonce.Cmp(opts.Nonce) != 0) {
		return nil, fmt.Errorf("%w: the nonce does not match the request's", ErrVerify)
	}
	return cert, nil
}

// checkTSACert checks RFC 3161 §2.3: the extended key usage extension is critical and
// names id-kp-timeStamping only.
func checkTSACert(c *x509.Certificate) error {
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidEKU) {
			continue
		}
		if !e.Critical {
			return errors.New("the TSA certificate's extended key usage is not critical")
		}
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) != 0 {
			return errors.New("the TSA certificate's extended key usage is not timeStamping alone")
		}
		return nil
	}
	return errors.New("the TSA certificate has no extended key usage")
}

// Response is a TimeStampResp.
type Response struct {
	Status int
	// StatusText is the statusString, joined.
	StatusText string
	// Fail is the failure bit of a rejection, -1 when none is set.
	Fail FailureInfo
	// Token is the DER time-stamp token of a granted response, nil otherwise.
	Token []byte
}

// ParseResponse reads a DER TimeStampResp.
func ParseResponse(der []byte) (*Response, error) {
	s := cryptobyte.String(der)
	var resp, status cryptobyte.String
	r := &Response{Fail: -1}
	var st int64
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !s.Empty() || !resp.ReadASN1(&status, cbasn1.SEQUENCE) || !status.ReadASN1Integer(&st) {
		return nil, fmt.Errorf("%w: TimeStampResp", ErrFormat)
	}
	r.Status = int(st)
	if status.PeekASN1Tag(cbasn1.SEQUENCE) {
		var texts cryptobyte.String
		if !status.ReadASN1(&texts, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: statusString", ErrFormat)
		}
		var parts []string
		for !texts.Empty() {
			var t cryptobyte.String
			if !texts.ReadASN1(&t, cbasn1.UTF8String) {
				return nil, fmt.Errorf("%w: statusString", ErrFormat)
			}
			parts = append(parts, string(t))
		}
		r.StatusText = strings.Join(parts, "; ")
	}
	if status.PeekASN1Tag(cbasn1.BIT_STRING) {
		var bits asn1.BitString
		if !status.ReadASN1BitString(&bits) {
			return nil, fmt.Errorf("%w: failInfo", ErrFormat)
		}
		for i := range bits.BitLength {
			if bits.At(i) == 1 {
				r.Fail = FailureInfo(i)
				break
			}
		}
	}
	if !status.Empty() {
		return nil, fmt.Errorf("%w: PKIStatusInfo", ErrFormat)
	}
	if !resp.Empty() {
		var tok cryptobyte.String
		if !resp.ReadASN1Element(&tok, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, fmt.Errorf("%w: timeStampToken", ErrFormat)
		}
		r.Token = slices.Clone([]byte(tok))
	}
	if (r.Status == StatusGranted || r.Status == StatusGrantedWithMods) != (r.Token != nil) {
		return nil, fmt.Errorf("%w: status %d with%s a token", ErrFormat, r.Status, map[bool]string{true: "", false: "out"}[r.Token != nil])
	}
	return r, nil
}

// grantedResponse returns the DER TimeStampResp granting token.
func grantedResponse(token []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(StatusGranted) })
		b.AddBytes(token)
	})
	return b.Bytes()
}

// RejectionResponse returns the DER TimeStampResp refusing a request with the
// failure bit fail and text as its statusString.
func RejectionResponse(fail FailureInfo, text string) []byte {
	bits := make([]byte, int(fail)/8+1)
	bits[int(fail)/8] = 0x80 >> (uint(fail) % 8)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(StatusRejection)
			if text != "" {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(text)) })
				})
			}
			b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) { b.AddBytes(bitString(bits, int(fail)+1)) })
		})
	})
	return b.BytesOrPanic()
}

// bitString returns the contents of a DER BIT STRING of bitLen bits from bytes
// (unused bits zero).
func bitString(bits []byte, bitLen int) []byte {
	unused := byte(len(bits)*8 - bitLen)
	return append([]byte{unused}, bits...)
}
