package pki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"
	"unicode"
)

// The direct TBSCertificate encoder.
//
// TBSCertificate's general path lets crypto/x509 encode the template around a
// placeholder Ed25519 key, which costs an Ed25519 key pair, a signature and its
// verification (crypto/x509 checks every signature it makes): about 120 µs of the
// 170–230 µs of one encoding, on the preparation of every issued certificate.
// directTBS encodes the templates the profiles make without any of that, with the
// very marshalling crypto/x509 uses (encoding/asn1 over the same structures, the
// same order and criticality of the extensions, the same choices of the authority
// key identifier), and for any template field it does not know it declines and the
// general path runs. That it is byte for byte crypto/x509's is proven by the tests
// for every end-entity profile and CA template (ca.TestIssueMatchesCryptoX509,
// pki.TestDirectTBSMatchesCryptoX509), so a change of crypto/x509's encoding shows
// as a failing test, not as certificates that differ.

// tbsCertificate is crypto/x509's tbsCertificate with the signature algorithm and
// the SubjectPublicKeyInfo as encoded elements.
type tbsCertificate struct {
	Raw                asn1.RawContent
	Version            int `asn1:"optional,explicit,default:0,tag:0"`
	SerialNumber       *big.Int
	SignatureAlgorithm asn1.RawValue
	Issuer             asn1.RawValue
	Validity           tbsValidity
	Subject            asn1.RawValue
	PublicKey          asn1.RawValue
	UniqueID           asn1.BitString   `asn1:"optional,tag:1"`
	SubjectUniqueID    asn1.BitString   `asn1:"optional,tag:2"`
	Extensions         []pkix.Extension `asn1:"omitempty,optional,explicit,tag:3"`
}

type tbsValidity struct {
	NotBefore, NotAfter time.Time
}

type tbsBasicConstraints struct {
	IsCA       bool `asn1:"optional"`
	MaxPathLen int  `asn1:"optional,default:-1"`
}

type tbsAuthKeyID struct {
	ID []byte `asn1:"optional,tag:0"`
}

type tbsAccessDescription struct {
	Method   asn1.ObjectIdentifier
	Location asn1.RawValue
}

type tbsDistributionPoint struct {
	DistributionPoint tbsDistributionPointName `asn1:"optional,tag:0"`
	Reason            asn1.BitString           `asn1:"optional,tag:1"`
	CRLIssuer         asn1.RawValue            `asn1:"optional,tag:2"`
}

type tbsDistributionPointName struct {
	FullName     []asn1.RawValue  `asn1:"optional,tag:0"`
	RelativeName pkix.RDNSequence `asn1:"optional,tag:1"`
}

var (
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtAIA              = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidExtSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidAIAOCSP             = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
	oidAIACAIssuers        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 2}
)

// extKeyUsageOIDs are the extended key usages directTBS encodes (crypto/x509's OIDs
// for them); a template with another one goes the general path.
var extKeyUsageOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageAny:             {2, 5, 29, 37, 0},
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    {1, 3, 6, 1, 5, 5, 7, 3, 8},
	x509.ExtKeyUsageOCSPSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 9},
}

// emptySubject is the DER of an empty Name.
var emptySubject = []byte{0x30, 0}

// directTBS returns the DER TBSCertificate of template for the subject key spki
// (DER SubjectPublicKeyInfo) issued by parent (nil: self-signed), naming the
// signature algorithm algID (DER AlgorithmIdentifier): what crypto/x509 encodes for
// them. ok is false, and nothing is returned, when the template uses a field
// directTBS does not encode, or one crypto/x509 would refuse (the general path then
// encodes it, or returns crypto/x509's error).
func directTBS(template, parent *x509.Certificate, spki, algID []byte) (tbs []byte, ok bool) {
	t := template
	if parent == nil {
		parent = t
	}
	if !directFields(t) {
		return nil, false
	}
	issuer, ok := nameDER(parent)
	if !ok {
		return nil, false
	}
	subject, ok := nameDER(t)
	if !ok {
		return nil, false
	}
	// crypto/x509: the parent's SubjectKeyId is the authority key identifier of a
	// certificate whose issuer differs from its subject.
	aki := t.AuthorityKeyId
	if !bytes.Equal(issuer, subject) && len(parent.SubjectKeyId) > 0 {
		aki = parent.SubjectKeyId
	}
	if len(t.SubjectKeyId) == 0 && t.IsCA {
		return nil, false // crypto/x509 derives one (TBSCertificate sets it first)
	}
	exts, ok := directExtensions(t, bytes.Equal(subject, emptySubject), aki)
	if !ok {
		return nil, false
	}
	der, err := asn1.Marshal(tbsCertificate{
		Version:            2,
		SerialNumber:       t.SerialNumber,
		SignatureAlgorithm: asn1.RawValue{FullBytes: algID},
		Issuer:             asn1.RawValue{FullBytes: issuer},
		Validity:           tbsValidity{t.NotBefore.UTC(), t.NotAfter.UTC()},
		Subject:            asn1.RawValue{FullBytes: subject},
		PublicKey:          asn1.RawValue{FullBytes: spki},
		Extensions:         exts,
	})
	if err != nil {
		return nil, false
	}
	return der, true
}

// directFields reports whether t uses only the fields directTBS encodes, with
// values crypto/x509 accepts.
func directFields(t *x509.Certificate) bool {
	if t.SerialNumber == nil || t.SerialNumber.Sign() < 0 {
		return false
	}
	if len(t.IPAddresses) > 0 || len(t.URIs) > 0 || len(t.PolicyIdentifiers) > 0 || len(t.Policies) > 0 ||
		len(t.PermittedDNSDomains) > 0 || len(t.ExcludedDNSDomains) > 0 || len(t.PermittedIPRanges) > 0 ||
		len(t.ExcludedIPRanges) > 0 || len(t.PermittedEmailAddresses) > 0 || len(t.ExcludedEmailAddresses) > 0 ||
		len(t.PermittedURIDomains) > 0 || len(t.ExcludedURIDomains) > 0 {
		return false
	}
	if t.BasicConstraintsValid {
		if t.MaxPathLen < -1 || (!t.IsCA && t.MaxPathLen != -1 && (t.MaxPathLen != 0 || t.MaxPathLenZero)) {
			return false
		}
	}
	for _, u := range t.ExtKeyUsage {
		if _, ok := extKeyUsageOIDs[u]; !ok {
			return false
		}
	}
	for _, s := range [][]string{t.DNSNames, t.EmailAddresses} {
		for _, v := range s {
			if !ia5(v) {
				return false
			}
		}
	}
	return true
}

// ia5 reports whether crypto/x509 encodes s as an IA5String (ASCII).
func ia5(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// nameDER is crypto/x509's encoding of c's subject: RawSubject, else Subject.
func nameDER(c *x509.Certificate) ([]byte, bool) {
	if len(c.RawSubject) > 0 {
		return c.RawSubject, true
	}
	der, err := asn1.Marshal(c.Subject.ToRDNSequence())
	return der, err == nil
}

// directExtensions returns the extensions crypto/x509's buildCertExtensions makes of
// t (the fields directFields allows), in its order, then t.ExtraExtensions.
func directExtensions(t *x509.Certificate, subjectIsEmpty bool, aki []byte) ([]pkix.Extension, bool) {
	exts := make([]pkix.Extension, 0, 8+len(t.ExtraExtensions))
	builtIn := func(id asn1.ObjectIdentifier) bool {
		for _, e := range t.ExtraExtensions {
			if e.Id.Equal(id) {
				return false
			}
		}
		return true
	}
	add := func(id asn1.ObjectIdentifier, critical bool, v any) bool {
		der, err := asn1.Marshal(v)
		if err != nil {
			return false
		}
		exts = append(exts, pkix.Extension{Id: id, Critical: critical, Value: der})
		return true
	}
	if t.KeyUsage != 0 && builtIn(oidExtKeyUsage) {
		var a [2]byte
		a[0] = reverseBits(byte(t.KeyUsage))
		a[1] = reverseBits(byte(t.KeyUsage >> 8))
		bits := a[:1]
		if a[1] != 0 {
			bits = a[:2]
		}
		if !add(oidExtKeyUsage, true, asn1.BitString{Bytes: bits, BitLength: bitLength(bits)}) {
			return nil, false
		}
	}
	if (len(t.ExtKeyUsage) > 0 || len(t.UnknownExtKeyUsage) > 0) && builtIn(oidExtExtKeyUsage) {
		oids := make([]asn1.ObjectIdentifier, 0, len(t.ExtKeyUsage)+len(t.UnknownExtKeyUsage))
		for _, u := range t.ExtKeyUsage {
			oids = append(oids, extKeyUsageOIDs[u])
		}
		oids = append(oids, t.UnknownExtKeyUsage...)
		if !add(oidExtExtKeyUsage, false, oids) {
			return nil, false
		}
	}
	if t.BasicConstraintsValid && builtIn(oidExtBasicConstraints) {
		maxPathLen := t.MaxPathLen
		if maxPathLen == 0 && !t.MaxPathLenZero {
			maxPathLen = -1
		}
		if !add(oidExtBasicConstraints, true, tbsBasicConstraints{t.IsCA, maxPathLen}) {
			return nil, false
		}
	}
	if len(t.SubjectKeyId) > 0 && builtIn(oidExtSubjectKeyID) {
		if !add(oidExtSubjectKeyID, false, t.SubjectKeyId) {
			return nil, false
		}
	}
	if len(aki) > 0 && builtIn(OIDExtAuthorityKeyID) {
		if !add(OIDExtAuthorityKeyID, false, tbsAuthKeyID{aki}) {
			return nil, false
		}
	}
	if (len(t.OCSPServer) > 0 || len(t.IssuingCertificateURL) > 0) && builtIn(oidExtAIA) {
		var aia []tbsAccessDescription
		for _, u := range t.OCSPServer {
			aia = append(aia, tbsAccessDescription{oidAIAOCSP, asn1.RawValue{Tag: 6, Class: 2, Bytes: []byte(u)}})
		}
		for _, u := range t.IssuingCertificateURL {
			aia = append(aia, tbsAccessDescription{oidAIACAIssuers, asn1.RawValue{Tag: 6, Class: 2, Bytes: []byte(u)}})
		}
		if !add(oidExtAIA, false, aia) {
			return nil, false
		}
	}
	if (len(t.DNSNames) > 0 || len(t.EmailAddresses) > 0) && builtIn(oidExtSAN) {
		var names []asn1.RawValue
		for _, n := range t.DNSNames {
			names = append(names, asn1.RawValue{Tag: 2, Class: 2, Bytes: []byte(n)})
		}
		for _, n := range t.EmailAddresses {
			names = append(names, asn1.RawValue{Tag: 1, Class: 2, Bytes: []byte(n)})
		}
		if !add(oidExtSAN, subjectIsEmpty, names) {
			return nil, false
		}
	}
	if len(t.CRLDistributionPoints) > 0 && builtIn(oidExtCRLDP) {
		var dps []tbsDistributionPoint
		for _, u := range t.CRLDistributionPoints {
			dps = append(dps, tbsDistributionPoint{DistributionPoint: tbsDistributionPointName{
				FullName: []asn1.RawValue{{Tag: 6, Class: 2, Bytes: []byte(u)}}}})
		}
		if !add(oidExtCRLDP, false, dps) {
			return nil, false
		}
	}
	return append(exts, t.ExtraExtensions...), true
}

// reverseBits reverses the bits of b (a KeyUsage byte in BIT STRING order).
func reverseBits(b byte) byte {
	var r byte
	for i := range 8 {
		r |= (b >> i & 1) << (7 - i)
	}
	return r
}

// bitLength is the length in bits of a BIT STRING of bs without its trailing zero
// bits (crypto/x509's asn1BitLength).
func bitLength(bs []byte) int {
	n := len(bs) * 8
	for i := range bs {
		b := bs[len(bs)-i-1]
		for bit := range 8 {
			if (b>>bit)&1 == 1 {
				return n
			}
			n--
		}
	}
	return 0
}
