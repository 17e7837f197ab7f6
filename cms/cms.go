// Package cms makes and checks CMS SignedData (RFC 5652) in the CAdES-BES profile
// (ETSI EN 319 122-1): every signer signs the attributes content-type,
// signing-time, message-digest and signing-certificate-v2. Content is attached or
// detached; there may be several signers, each with an RSA, ECDSA or GOST key.
//
// GOST signers use the national layout, as the national CA's software writes it
// (checked on the test CMS in shared/fixtures/kz-test-pki): digestAlgorithm is the
// Kazakh hash OID with explicit NULL parameters (Streebog-512 1.2.398.3.10.1.3.3 for
// GOST 2015-512, GOST 34.311-95 1.2.398.3.10.1.3.1 for GOST 34.310-2004),
// signatureAlgorithm the Kazakh signature OID with NULL, the signature value r_LE‖s_LE,
// the messageDigest attribute the raw hash output in stream order. RSA signers use
// sha256 + sha256WithRSAEncryption (both with NULL).
//
// The package signs and checks signatures; whether a signer's certificate chains to a
// trusted CA, and whether it was revoked, is the caller's (pki.VerifyChain, CRLs).
// Input is DER (the national software emits DER); BER is refused.
package cms

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
)

// Object identifiers of CMS and CAdES.
var (
	OIDData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// OIDSigningCertificate is ESS signing-certificate (RFC 2634 §5.4, SHA-1 ESSCertID),
	// which the national time-stamping service writes; it is read, not written.
	OIDSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	OIDSHA256             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAEncryption      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
)

// Limits of Parse: a CMS with more signers or certificates is refused, so that a
// crafted file cannot make verification hash and check signatures without end. The
// national documents carry one to a few signers.
const (
	MaxSigners      = 32
	MaxCertificates = 64
)

// Errors; test with errors.Is.
var (
	// ErrFormat: the input is not a DER CMS SignedData this package reads.
	ErrFormat = errors.New("cms: not a CMS SignedData")
	// ErrNoContent: a detached signature was verified without its content.
	ErrNoContent = errors.New("cms: detached signature: the signed content is needed")
	// ErrDigest: the content does not match a signer's messageDigest.
	ErrDigest = errors.New("cms: the content does not match the signed digest")
	// ErrSignerCert: a signer's certificate is not in the SignedData.
	ErrSignerCert = errors.New("cms: signer certificate not found")
)

// Signer is one signer for Sign: its key, its certificate (which must certify Key)
// and the certificates to include besides it (its chain, optional).
type Signer struct {
	Key   crypto.Signer
	Cert  *x509.Certificate
	Chain []*x509.Certificate
}

// Options tune Sign.
type Options struct {
	// Detached leaves the content out of the SignedData.
	Detached bool
	// Time is the signing-time attribute; required.
	Time time.Time
	// Rand is the randomness of the signatures (GOST, ECDSA); nil = crypto/rand.
	Rand io.Reader
	// ContentType is the eContentType of the content (and of the content-type
	// attribute); nil = id-data. Any other type makes the SignedData version 3 (RFC
	// 5652 §5.1): a time-stamp token's is id-ct-TSTInfo.
	ContentType asn1.ObjectIdentifier
	// NoCertificates leaves the certificates out of the SignedData (an RFC 3161
	// token whose request did not ask for them).
	NoCertificates bool
}

// Sign returns a DER ContentInfo holding a SignedData over content (type id-data)
// by every signer, CAdES-BES attributes included (see the package documentation).
// Each signer's certificate and chain are included once, unless opts.NoCertificates.
// The content is of type id-data unless opts.ContentType names another.
func Sign(content []byte, signers []Signer, opts Options) ([]byte, error) {
	if len(signers) == 0 {
		return nil, errors.New("cms: sign: no signer")
	}
	if opts.Time.IsZero() {
		return nil, errors.New("cms: sign: signing time is not set")
	}
	contentType, version := OIDData, int64(1)
	if opts.ContentType != nil && !opts.ContentType.Equal(OIDData) {
		contentType, version = opts.ContentType, 3
	}
	var (
		digestAlgs [][]byte
		certs      [][]byte
		infos      [][]byte
	)
	addUnique := func(list [][]byte, b []byte) [][]byte {
		for _, x := range list {
			if bytes.Equal(x, b) {
				return list
			}
		}
		return append(list, b)
	}
	for i, s := range signers {
		if s.Key == nil || s.Cert == nil {
			return nil, fmt.Errorf("cms: sign: signer %d: key and certificate are required", i+1)
		}
		certPub, err := pki.PublicKeyOf(s.Cert)
		if err != nil {
			return nil, fmt.Errorf("cms: sign: signer %d: %w", i+1, err)
		}
		if eq, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(certPub) {
			return nil, fmt.Errorf("cms: sign: signer %d: the certificate does not certify the key", i+1)
		}
		ps, err := pki.NewSigner(s.Key, opts.Rand)
		if err != nil {
			return nil, fmt.Errorf("cms: sign: signer %d: %w", i+1, err)
		}
		digestAlg, newHash, err := digestFor(ps.AlgorithmIdentifier().Algorithm)
		if err != nil {
			return nil, fmt.Errorf("cms: sign: signer %d: %w", i+1, err)
		}
		h := newHash()
		h.Write(content)
		attrs, err := signedAttributes(contentType, h.Sum(nil), opts.Time, s.Cert)
		if err != nil {
			return nil, err
		}
		sig, err := ps.Sign(attrs)
		if err != nil {
			return nil, fmt.Errorf("cms: sign: signer %d: %w", i+1, err)
		}
		digestAlgDER, _ := asn1.Marshal(digestAlg)
		digestAlgs = addUnique(digestAlgs, digestAlgDER)
		certs = addUnique(certs, s.Cert.Raw)
		for _, c := range s.Chain {
			certs = addUnique(certs, c.Raw)
		}
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
				b.AddBytes(s.Cert.RawIssuer)
				b.AddASN1BigInt(s.Cert.SerialNumber)
			})
			b.AddBytes(digestAlgDER)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddBytes(attrs[2+lenLen(attrs):]) // the SET's contents, [0] IMPLICIT
			})
			b.AddBytes(ps.AlgorithmIdentifierDER())
			b.AddASN1OctetString(sig)
		})
		info, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("cms: sign: %w", err)
		}
		infos = append(infos, info)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(version)
				addSet(b, cbasn1.SET, digestAlgs)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(contentType)
					if !opts.Detached {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(content)
						})
					}
				})
				if !opts.NoCertificates {
					addSet(b, cbasn1.Tag(0).Constructed().ContextSpecific(), certs)
				}
				addSet(b, cbasn1.SET, infos)
			})
		})
	})
	return b.Bytes()
}

// lenLen returns the number of length octets after the tag of a DER element minus one
// (0 for short form).
func lenLen(der []byte) int {
	if der[1] < 0x80 {
		return 0
	}
	return int(der[1] & 0x7f)
}

// addSet adds a DER SET OF (or an IMPLICIT-tagged one) of the given elements, sorted.
func addSet(b *cryptobyte.Builder, tag cbasn1.Tag, elems [][]byte) {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sorted {
			b.AddBytes(e)
		}
	})
}

// signedAttributes returns the DER SET OF Attribute the signature covers.
func signedAttributes(contentType asn1.ObjectIdentifier, digest []byte, at time.Time, cert *x509.Certificate) ([]byte, error) {
	attr := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		return b.BytesOrPanic()
	}
	at = at.UTC().Truncate(time.Second)
	timeDER, err := asn1.Marshal(at) // UTCTime until 2049, GeneralizedTime after (RFC 5652 §11.3)
	if err != nil {
		return nil, fmt.Errorf("cms: signing time: %w", err)
	}
	certHash := sha256.Sum256(cert.Raw)
	attrs := [][]byte{
		attr(OIDContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(contentType) }),
		attr(OIDSigningTime, func(b *cryptobyte.Builder) { b.AddBytes(timeDER) }),
		attr(OIDMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		// SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { hashAlgorithm DEFAULT
		// sha256 (omitted), certHash, issuerSerial { GeneralNames { directoryName }, serial } } }
		attr(OIDSigningCertificateV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(certHash[:])
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
									b.AddBytes(cert.RawIssuer)
								})
							})
							b.AddASN1BigInt(cert.SerialNumber)
						})
					})
				})
			})
		}),
	}
	var b cryptobyte.Builder
	addSet(&b, cbasn1.SET, attrs)
	return b.Bytes()
}

// digestFor returns the digest algorithm that goes with a signature algorithm.
func digestFor(sigAlg asn1.ObjectIdentifier) (pkix.AlgorithmIdentifier, func() hash.Hash, error) {
	switch {
	case sigAlg.Equal(pki.OIDSHA256WithRSA):
		return pkix.AlgorithmIdentifier{Algorithm: OIDSHA256, Parameters: asn1.NullRawValue}, sha256.New, nil
	case sigAlg.Equal(pki.OIDECDSAWithSHA256):
		return pkix.AlgorithmIdentifier{Algorithm: OIDSHA256}, sha256.New, nil
	case sigAlg.Equal(pki.OIDECDSAWithSHA384):
		return pkix.AlgorithmIdentifier{Algorithm: OIDSHA384}, sha512.New384, nil
	case sigAlg.Equal(pki.OIDECDSAWithSHA512):
		return pkix.AlgorithmIdentifier{Algorithm: OIDSHA512}, sha512.New, nil
	}
	info, ok := gost.LookupOID(sigAlg)
	if ok && info.Kind == gost.KindSignature {
		var oid asn1.ObjectIdentifier
		switch info.Hash {
		case gost.HashStreebog512:
			oid = gost.OIDKZStreebog512
		case gost.HashStreebog256:
			oid = gost.OIDKZStreebog256
		case gost.HashGOST34311:
			oid = gost.OIDKZGost34311
		}
		if oid != nil {
			return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, info.Hash.New, nil
		}
	}
	return pkix.AlgorithmIdentifier{}, nil, fmt.Errorf("cms: no digest algorithm for signature algorithm %s: %w", sigAlg, pki.ErrUnsupportedAlgorithm)
}

// HashByOID returns the hash of a digest algorithm OID the package signs and
// verifies with: SHA-256/384/512 and the GOST hashes of gost.LookupOID (Kazakh and
// Russian).
func HashByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case oid.Equal(OIDSHA256):
		return sha256.New, true
	case oid.Equal(OIDSHA384):
		return sha512.New384, true
	case oid.Equal(OIDSHA512):
		return sha512.New, true
	}
	if info, ok := gost.LookupOID(oid); ok && (info.Kind == gost.KindHash || info.Kind == gost.KindHashParamSet) {
		return info.Hash.New, true
	}
	return nil, false
}

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	// ContentType is the eContentType (id-data for what Sign makes).
	ContentType asn1.ObjectIdentifier
	// Content is the attached content; nil for a detached signature.
	Content []byte
	// Detached is true when the SignedData carries no content.
	Detached bool
	// Certificates are the certificates carried, in order.
	Certificates []*x509.Certificate
	// Signers are the SignerInfos, in order.
	Signers []*SignerInfo
}

// SignerInfo is one parsed signer.
type SignerInfo struct {
	// Issuer (DER Name) and Serial identify the signer's certificate
	// (IssuerAndSerialNumber); SubjectKeyID is set instead for the [0] form.
	Issuer       []byte
	Serial       *big.Int
	SubjectKeyID []byte
	// Cert is the signer's certificate found among SignedData.Certificates, or nil.
	Cert *x509.Certificate
	// DigestAlgorithm and SignatureAlgorithm are as written.
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignatureAlgorithm pkix.AlgorithmIdentifier
	// SigningTime is the signing-time attribute (zero when absent).
	SigningTime time.Time
	// SigningCertificateV2 is true when the signing-certificate-v2 attribute is
	// present, SigningCertificate when the older signing-certificate (SHA-1) is;
	// Verify checks that each names Cert.
	SigningCertificateV2 bool
	SigningCertificate   bool
	// TimeStampTokens are the DER time-stamp tokens of the signer's unsigned
	// signatureTimeStampToken attributes (CAdES-T), as written; Verify does not
	// check them (see tsp.VerifySignatureTimeStamp).
	TimeStampTokens [][]byte

	signedAttrs   []byte // DER SET OF Attribute (re-tagged from [0]), nil when absent
	messageDigest []byte
	contentType   asn1.ObjectIdentifier
	essCertHashes []essCert
	signature     []byte
}

type essCert struct {
	hash func() hash.Hash
	sum  []byte
}

// Parse reads a DER ContentInfo holding a SignedData.
func Parse(der []byte) (*SignedData, error) {
	s := cryptobyte.String(der)
	var ci, sdEx, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ct) ||
		!ci.ReadASN1(&sdEx, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!sdEx.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: malformed ContentInfo (DER is required)", ErrFormat)
	}
	if !ct.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %s", ErrFormat, ct)
	}
	var version int64
	var digestAlgs, encap cryptobyte.String
	out := &SignedData{}
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&out.ContentType) {
		return nil, fmt.Errorf("%w: malformed SignedData", ErrFormat)
	}
	if encap.Empty() {
		out.Detached = true
	} else {
		var ex, octets cryptobyte.String
		if !encap.ReadASN1(&ex, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ex.ReadASN1(&octets, cbasn1.OCTET_STRING) || !ex.Empty() {
			return nil, fmt.Errorf("%w: malformed encapsulated content", ErrFormat)
		}
		out.Content = append([]byte{}, octets...)
	}
	var certs cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: malformed certificates", ErrFormat)
	}
	for !certs.Empty() {
		var c cryptobyte.String
		if !certs.ReadAnyASN1Element(&c, nil) {
			return nil, fmt.Errorf("%w: malformed certificate", ErrFormat)
		}
		if len(c) == 0 || c[0] != 0x30 {
			continue // other certificate formats are skipped
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate: %v", ErrFormat, err)
		}
		if len(out.Certificates) == MaxCertificates {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrFormat, MaxCertificates)
		}
		out.Certificates = append(out.Certificates, cert)
	}
	if !sd.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: malformed crls", ErrFormat)
	}
	var infos cryptobyte.String
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return nil, fmt.Errorf("%w: malformed signerInfos", ErrFormat)
	}
	for !infos.Empty() {
		var info cryptobyte.String
		if !infos.ReadASN1(&info, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: malformed SignerInfo", ErrFormat)
		}
		si, err := parseSignerInfo(info)
		if err != nil {
			return nil, err
		}
		if len(out.Signers) == MaxSigners {
			return nil, fmt.Errorf("%w: more than %d signers", ErrFormat, MaxSigners)
		}
		si.Cert = out.findCert(si)
		out.Signers = append(out.Signers, si)
	}
	if len(out.Signers) == 0 {
		return nil, fmt.Errorf("%w: no signer", ErrFormat)
	}
	return out, nil
}

func (sd *SignedData) findCert(si *SignerInfo) *x509.Certificate {
	for _, c := range sd.Certificates {
		if si.Serial != nil && bytes.Equal(c.RawIssuer, si.Issuer) && c.SerialNumber.Cmp(si.Serial) == 0 {
			return c
		}
		if si.SubjectKeyID != nil && bytes.Equal(c.SubjectKeyId, si.SubjectKeyID) {
			return c
		}
	}
	return nil
}

func readAlgID(s *cryptobyte.String, out *pkix.AlgorithmIdentifier) bool {
	var el cryptobyte.String
	if !s.ReadASN1Element(&el, cbasn1.SEQUENCE) {
		return false
	}
	rest, err := asn1.Unmarshal(el, out)
	return err == nil && len(rest) == 0
}

func parseSignerInfo(info cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	var version int64
	if !info.ReadASN1Integer(&version) {
		return nil, fmt.Errorf("%w: SignerInfo version", ErrFormat)
	}
	switch {
	case info.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.Serial = new(big.Int)
		if !info.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) || !ias.ReadASN1Integer(si.Serial) {
			return nil, fmt.Errorf("%w: SignerInfo sid", ErrFormat)
		}
		si.Issuer = append([]byte{}, name...)
	default:
		var ski cryptobyte.String
		if !info.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return nil, fmt.Errorf("%w: SignerInfo sid", ErrFormat)
		}
		si.SubjectKeyID = append([]byte{}, ski...)
	}
	if !readAlgID(&info, &si.DigestAlgorithm) {
		return nil, fmt.Errorf("%w: SignerInfo digestAlgorithm", ErrFormat)
	}
	var attrs cryptobyte.String
	var hasAttrs bool
	if !info.ReadOptionalASN1(&attrs, &hasAttrs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: SignerInfo signedAttrs", ErrFormat)
	}
	if hasAttrs {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(attrs) })
		si.signedAttrs = b.BytesOrPanic()
		if err := si.parseAttributes(attrs); err != nil {
			return nil, err
		}
	}
	var sig cryptobyte.String
	if !readAlgID(&info, &si.SignatureAlgorithm) || !info.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: SignerInfo signature", ErrFormat)
	}
	si.signature = append([]byte{}, sig...)
	var unsigned cryptobyte.String
	var hasUnsigned bool
	if !info.ReadOptionalASN1(&unsigned, &hasUnsigned, cbasn1.Tag(1).Constructed().ContextSpecific()) || !info.Empty() {
		return nil, fmt.Errorf("%w: SignerInfo unsignedAttrs", ErrFormat)
	}
	if err := si.parseUnsignedAttributes(unsigned); err != nil {
		return nil, err
	}
	return si, nil
}

// eachAttribute calls fn with the type and the values (the contents of the SET) of
// every Attribute of attrs (the contents of a SET OF Attribute), in order; kind names
// them in the error of a malformed one.
func eachAttribute(attrs cryptobyte.String, kind string, fn func(oid asn1.ObjectIdentifier, values cryptobyte.String) error) error {
	for !attrs.Empty() {
		var a, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) || !a.ReadASN1(&values, cbasn1.SET) {
			return fmt.Errorf("%w: malformed %s", ErrFormat, kind)
		}
		if err := fn(oid, values); err != nil {
			return err
		}
	}
	return nil
}

func (si *SignerInfo) parseAttributes(attrs cryptobyte.String) error {
	return eachAttribute(attrs, "attribute", func(oid asn1.ObjectIdentifier, values cryptobyte.String) error {
		switch {
		case oid.Equal(OIDContentType):
			if !values.ReadASN1ObjectIdentifier(&si.contentType) {
				return fmt.Errorf("%w: content-type attribute", ErrFormat)
			}
		case oid.Equal(OIDMessageDigest):
			var d cryptobyte.String
			if !values.ReadASN1(&d, cbasn1.OCTET_STRING) {
				return fmt.Errorf("%w: message-digest attribute", ErrFormat)
			}
			si.messageDigest = append([]byte{}, d...)
		case oid.Equal(OIDSigningTime):
			var t time.Time
			ok := false
			switch {
			case values.PeekASN1Tag(cbasn1.UTCTime):
				ok = values.ReadASN1UTCTime(&t)
			case values.PeekASN1Tag(cbasn1.GeneralizedTime):
				ok = values.ReadASN1GeneralizedTime(&t)
			}
			if !ok {
				return fmt.Errorf("%w: signing-time attribute", ErrFormat)
			}
			si.SigningTime = t
		case oid.Equal(OIDSigningCertificateV2), oid.Equal(OIDSigningCertificate):
			v2 := oid.Equal(OIDSigningCertificateV2)
			name := map[bool]string{true: "signing-certificate-v2", false: "signing-certificate"}[v2]
			var sc, certIDs, id, sum cryptobyte.String
			// SigningCertificate(V2) { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }:
			// the first ESSCertID is the signer's (RFC 2634 §5.4, RFC 5035 §3); the
			// others, which may name its chain, are not checked.
			if !values.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&certIDs, cbasn1.SEQUENCE) || !certIDs.ReadASN1(&id, cbasn1.SEQUENCE) {
				return fmt.Errorf("%w: %s attribute", ErrFormat, name)
			}
			h := sha1.New // ESSCertID: SHA-1
			if v2 {
				si.SigningCertificateV2 = true
				h = sha256.New // ESSCertIDv2: hashAlgorithm DEFAULT sha256
				if id.PeekASN1Tag(cbasn1.SEQUENCE) {
					var alg pkix.AlgorithmIdentifier
					if !readAlgID(&id, &alg) {
						return fmt.Errorf("%w: ESSCertIDv2 hash algorithm", ErrFormat)
					}
					var ok bool
					if h, ok = HashByOID(alg.Algorithm); !ok {
						h = nil // unknown hash: cannot be checked
					}
				}
			} else {
				si.SigningCertificate = true
			}
			if !id.ReadASN1(&sum, cbasn1.OCTET_STRING) {
				return fmt.Errorf("%w: %s certificate hash", ErrFormat, name)
			}
			si.essCertHashes = append(si.essCertHashes, essCert{h, append([]byte{}, sum...)})
		}
		return nil
	})
}

// Verify checks every signer's signature over content (the attached content when
// content is nil) and returns one error per signer, nil where the signer verifies: the
// signer's certificate is present, the messageDigest attribute equals the digest of
// the content, the content-type attribute equals eContentType, signing-certificate-v2
// (when present) names the certificate, and the signature over the signed attributes
// (or, without them, over the content) verifies with the certificate's key under
// pki.VerifySignature (RSA, ECDSA, every GOST OID; a GOST public-key OID as
// signatureAlgorithm, as RFC 4490/9215 signers write it, means that key's signature
// algorithm). It says nothing about trust.
func (sd *SignedData) Verify(content []byte) []error {
	errs := make([]error, len(sd.Signers))
	if content == nil {
		content = sd.Content
	}
	if content == nil && sd.Detached {
		for i := range errs {
			errs[i] = ErrNoContent
		}
		return errs
	}
	// The content is hashed once per digest algorithm, however many signers name it.
	digests := map[string][]byte{}
	digest := func(oid asn1.ObjectIdentifier, newHash func() hash.Hash) []byte {
		d, ok := digests[oid.String()]
		if !ok {
			h := newHash()
			h.Write(content)
			d = h.Sum(nil)
			digests[oid.String()] = d
		}
		return d
	}
	for i, si := range sd.Signers {
		errs[i] = si.verify(sd.ContentType, content, digest)
	}
	return errs
}

func (si *SignerInfo) verify(contentType asn1.ObjectIdentifier, content []byte, digest func(asn1.ObjectIdentifier, func() hash.Hash) []byte) error {
	if si.Cert == nil {
		return ErrSignerCert
	}
	pub, err := pki.PublicKeyOf(si.Cert)
	if err != nil {
		return fmt.Errorf("cms: signer key: %w", err)
	}
	newHash, ok := HashByOID(si.DigestAlgorithm.Algorithm)
	if !ok {
		return fmt.Errorf("cms: digest algorithm %s: %w", si.DigestAlgorithm.Algorithm, pki.ErrUnsupportedAlgorithm)
	}
	sigAlg := si.SignatureAlgorithm
	if sigAlg.Algorithm.Equal(oidRSAEncryption) { // RFC 5754: rsaEncryption + the digest algorithm
		switch {
		case si.DigestAlgorithm.Algorithm.Equal(OIDSHA256):
			sigAlg.Algorithm = pki.OIDSHA256WithRSA
		case si.DigestAlgorithm.Algorithm.Equal(OIDSHA384):
			sigAlg.Algorithm = pki.OIDSHA384WithRSA
		case si.DigestAlgorithm.Algorithm.Equal(OIDSHA512):
			sigAlg.Algorithm = pki.OIDSHA512WithRSA
		}
	}
	if info, ok := gost.LookupOID(sigAlg.Algorithm); ok && info.Kind == gost.KindPublicKey {
		// RFC 4490 / RFC 9215 style: the key algorithm names the signature.
		sig, known := gostSignatureForKey(sigAlg.Algorithm)
		if !known {
			return fmt.Errorf("cms: signature algorithm %s: %w", sigAlg.Algorithm, pki.ErrUnsupportedAlgorithm)
		}
		sigAlg = pkix.AlgorithmIdentifier{Algorithm: sig}
	}
	signed := content
	if si.signedAttrs != nil {
		if si.messageDigest == nil || !bytes.Equal(digest(si.DigestAlgorithm.Algorithm, newHash), si.messageDigest) {
			return ErrDigest
		}
		if si.contentType == nil || !si.contentType.Equal(contentType) {
			return fmt.Errorf("cms: the content-type attribute does not match the content")
		}
		for _, e := range si.essCertHashes { // the signer's ESSCertID of each attribute
			if e.hash == nil {
				continue
			}
			h := e.hash()
			h.Write(si.Cert.Raw)
			if !bytes.Equal(h.Sum(nil), e.sum) {
				return fmt.Errorf("cms: the signing-certificate attribute names another certificate")
			}
		}
		signed = si.signedAttrs
	}
	if err := pki.VerifySignature(pub, sigAlg, signed, si.signature); err != nil {
		return fmt.Errorf("cms: signature: %w", err)
	}
	return nil
}

// gostSignatureForKey maps a GOST public-key OID, which RFC 4490 and RFC 9215 CMS
// signers write as the signatureAlgorithm, to the signature algorithm it stands for.
func gostSignatureForKey(key asn1.ObjectIdentifier) (asn1.ObjectIdentifier, bool) {
	for _, m := range [][2]asn1.ObjectIdentifier{
		{gost.OIDGostR341001PublicKey, gost.OIDGostR341194WithGostR341001},
		{gost.OIDGost2012PublicKey256, gost.OIDGost2012Signature256},
		{gost.OIDGost2012PublicKey512, gost.OIDGost2012Signature512},
		{gost.OIDKZGost2004PublicKey, gost.OIDKZGost2004Signature},
		{gost.OIDKZGost2015PublicKey256, gost.OIDKZGost2015Signature256},
		{gost.OIDKZGost2015PublicKey512, gost.OIDKZGost2015Signature512},
	} {
		if key.Equal(m[0]) {
			return m[1], true
		}
	}
	return nil, false
}

// SignedAttributes returns the DER SET OF Attribute the signature covers (nil when the
// signer has no signed attributes), for independent checks.
func (si *SignerInfo) SignedAttributes() []byte { return slices.Clone(si.signedAttrs) }

// Signature returns the signature value as written (for GOST: r_LE‖s_LE).
func (si *SignerInfo) Signature() []byte { return slices.Clone(si.signature) }
