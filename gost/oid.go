package gost

import (
	"encoding/asn1"
	"fmt"
)

// Object identifiers of the GOST algorithms, Kazakh (arc 1.2.398.3.10.1, PROFILE.md /
// GOST.md) and Russian (RFC 4357, RFC 4491, RFC 7836, RFC 9215).
//
// These variables are meant to be read only (they are slices because
// encoding/asn1.ObjectIdentifier is one). The package itself never reads them after
// initialisation: CurveByOID and LookupOID work on private copies, so a caller that
// modifies one of these variables cannot change what the lookups answer.
var (
	// OIDKZGost2004PublicKey is the Kazakh GOST 34.310-2004 public key algorithm
	// (1.2.398.3.10.1.1.1.1); parameters SEQUENCE { OIDKZGost2004ParamSet,
	// OIDKZGost34311ParamSet }, key = OCTET STRING of the 64-byte point x_LE ‖ y_LE.
	OIDKZGost2004PublicKey = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1}
	// OIDKZGost2004ParamSet is the curve of Kazakh GOST 34.310-2004 keys
	// (1.2.398.3.10.1.1.1.1.1) = CryptoPro-A.
	OIDKZGost2004ParamSet = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1, 1}
	// OIDKZGost2004Signature is the Kazakh signature GOST 34.310-2004 with GOST 34.311-95
	// (1.2.398.3.10.1.1.1.2); signature value r_LE ‖ s_LE (LayoutKazakh), NULL parameters.
	OIDKZGost2004Signature = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 2}
	// OIDKZGost34311 is the Kazakh hash GOST 34.311-95 (1.2.398.3.10.1.3.1).
	OIDKZGost34311 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1}
	// OIDKZGost34311ParamSet is the GOST 34.311-95 parameter set (1.2.398.3.10.1.3.1.1.0)
	// = the "test" S-box (SBoxTest).
	OIDKZGost34311ParamSet = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1, 1, 0}
	// OIDKZGost2015PublicKey256 is the Kazakh GOST 2015 256-bit public key algorithm
	// (1.2.398.3.10.1.1.2.1; unconfirmed in public material).
	OIDKZGost2015PublicKey256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 1}
	// OIDKZGost2015ParamSet256 is the Kazakh GOST 2015 256-bit parameter set
	// (1.2.398.3.10.1.1.2.1.1), mapped to tc26-256-A (unconfirmed).
	OIDKZGost2015ParamSet256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 1, 1}
	// OIDKZGost2015PublicKey512 is the Kazakh GOST 2015 512-bit public key algorithm
	// (1.2.398.3.10.1.1.2.2); parameters SEQUENCE { OIDKZGost2015ParamSet512,
	// OIDKZStreebog512 }, key = OCTET STRING of the 128-byte point x_LE ‖ y_LE.
	OIDKZGost2015PublicKey512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2}
	// OIDKZGost2015ParamSet512 is the curve of Kazakh GOST 2015 512-bit keys
	// (1.2.398.3.10.1.1.2.2.1) = tc26-512-A.
	OIDKZGost2015ParamSet512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2, 1}
	// OIDKZGost2015Signature256 is the Kazakh signature GOST 2015 256-bit with
	// Streebog-256 (1.2.398.3.10.1.1.2.3.1); LayoutKazakh.
	OIDKZGost2015Signature256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 1}
	// OIDKZGost2015Signature512 is the Kazakh signature GOST 2015 512-bit with
	// Streebog-512 (1.2.398.3.10.1.1.2.3.2); LayoutKazakh, NULL parameters.
	OIDKZGost2015Signature512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2}
	// OIDKZStreebog256 is the Kazakh hash GOST 34.11-2015 256-bit (1.2.398.3.10.1.3.2).
	OIDKZStreebog256 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 2}
	// OIDKZStreebog512 is the Kazakh hash GOST 34.11-2015 512-bit (1.2.398.3.10.1.3.3).
	OIDKZStreebog512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 3}
	// OIDLegacyGost2004Signature is a legacy vendor arc for the GOST 34.310-2004 signature
	// with GOST 34.311-95 (1.3.6.1.4.1.6801.1.2.2), seen in old tokens; accept it when
	// parsing, never emit it. Treated like OIDKZGost2004Signature (LayoutKazakh).
	OIDLegacyGost2004Signature = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 6801, 1, 2, 2}

	// OIDGostR341001PublicKey is id-GostR3410-2001 (1.2.643.2.2.19).
	OIDGostR341001PublicKey = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}
	// OIDGostR341194 is id-GostR3411-94 (1.2.643.2.2.9); its S-box comes from the key
	// parameters, normally the CryptoPro one.
	OIDGostR341194 = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 9}
	// OIDGostR341194WithGostR341001 is id-GostR3411-94-with-GostR3410-2001
	// (1.2.643.2.2.3); signature value s_BE ‖ r_BE (LayoutRFC4491).
	OIDGostR341194WithGostR341001 = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 3}
	// OIDGostR341194TestParamSet is id-GostR3411-94-TestParamSet (1.2.643.2.2.30.0).
	OIDGostR341194TestParamSet = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 30, 0}
	// OIDGostR341194CryptoProParamSet is id-GostR3411-94-CryptoProParamSet
	// (1.2.643.2.2.30.1).
	OIDGostR341194CryptoProParamSet = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 30, 1}
	// OIDGost2012PublicKey256 is id-tc26-gost3410-12-256 (1.2.643.7.1.1.1.1).
	OIDGost2012PublicKey256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	// OIDGost2012PublicKey512 is id-tc26-gost3410-12-512 (1.2.643.7.1.1.1.2).
	OIDGost2012PublicKey512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	// OIDStreebog256 is id-tc26-gost3411-12-256 (1.2.643.7.1.1.2.2).
	OIDStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	// OIDStreebog512 is id-tc26-gost3411-12-512 (1.2.643.7.1.1.2.3).
	OIDStreebog512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	// OIDGost2012Signature256 is id-tc26-signwithdigest-gost3410-12-256
	// (1.2.643.7.1.1.3.2); LayoutRFC4491.
	OIDGost2012Signature256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	// OIDGost2012Signature512 is id-tc26-signwithdigest-gost3410-12-512
	// (1.2.643.7.1.1.3.3); LayoutRFC4491.
	OIDGost2012Signature512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	// OIDHMACStreebog256 is id-tc26-hmac-gost-3411-12-256 (1.2.643.7.1.1.4.1).
	OIDHMACStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 4, 1}
	// OIDHMACStreebog512 is id-tc26-hmac-gost-3411-12-512 (1.2.643.7.1.1.4.2).
	OIDHMACStreebog512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 4, 2}

	// OIDCurveTest256 is id-GostR3410-2001-TestParamSet (1.2.643.2.2.35.0).
	OIDCurveTest256 = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 0}
	// OIDCurveCryptoProA is id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1).
	OIDCurveCryptoProA = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}
	// OIDCurveCryptoProB is id-GostR3410-2001-CryptoPro-B-ParamSet (1.2.643.2.2.35.2).
	OIDCurveCryptoProB = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 2}
	// OIDCurveCryptoProC is id-GostR3410-2001-CryptoPro-C-ParamSet (1.2.643.2.2.35.3).
	OIDCurveCryptoProC = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 3}
	// OIDCurveCryptoProXchA is id-GostR3410-2001-CryptoPro-XchA-ParamSet (1.2.643.2.2.36.0).
	OIDCurveCryptoProXchA = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}
	// OIDCurveCryptoProXchB is id-GostR3410-2001-CryptoPro-XchB-ParamSet (1.2.643.2.2.36.1).
	OIDCurveCryptoProXchB = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}
	// OIDCurve256A is id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1).
	OIDCurve256A = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}
	// OIDCurve256B is id-tc26-gost-3410-2012-256-paramSetB (1.2.643.7.1.2.1.1.2).
	OIDCurve256B = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 2}
	// OIDCurve256C is id-tc26-gost-3410-2012-256-paramSetC (1.2.643.7.1.2.1.1.3).
	OIDCurve256C = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 3}
	// OIDCurve256D is id-tc26-gost-3410-2012-256-paramSetD (1.2.643.7.1.2.1.1.4).
	OIDCurve256D = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}
	// OIDCurve512Test is id-tc26-gost-3410-2012-512-paramSetTest (1.2.643.7.1.2.1.2.0).
	OIDCurve512Test = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 0}
	// OIDCurve512A is id-tc26-gost-3410-12-512-paramSetA (1.2.643.7.1.2.1.2.1).
	OIDCurve512A = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 1}
	// OIDCurve512B is id-tc26-gost-3410-12-512-paramSetB (1.2.643.7.1.2.1.2.2).
	OIDCurve512B = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 2}
	// OIDCurve512C is id-tc26-gost-3410-2012-512-paramSetC (1.2.643.7.1.2.1.2.3).
	OIDCurve512C = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 3}
)

// OIDKind says what an OID known to LookupOID names.
type OIDKind int

// The kinds of OIDs.
const (
	KindCurve        OIDKind = iota + 1 // an elliptic-curve parameter set (OIDInfo.Curve)
	KindHash                            // a hash function (OIDInfo.Hash)
	KindHashParamSet                    // a GOST R 34.11-94 parameter set (OIDInfo.Hash)
	KindPublicKey                       // a public-key algorithm (OIDInfo.KeySize)
	KindSignature                       // a signature algorithm (Hash, KeySize, Layout)
	KindHMAC                            // an HMAC algorithm (OIDInfo.Hash)
)

// String returns a short name of the kind.
func (k OIDKind) String() string {
	switch k {
	case KindCurve:
		return "curve"
	case KindHash:
		return "hash"
	case KindHashParamSet:
		return "hash-paramset"
	case KindPublicKey:
		return "public-key"
	case KindSignature:
		return "signature"
	case KindHMAC:
		return "hmac"
	}
	return fmt.Sprintf("OIDKind(%d)", int(k))
}

// OIDInfo describes an OID known to this package.
type OIDInfo struct {
	OID    asn1.ObjectIdentifier
	Name   string // a descriptive name, e.g. "kz-gost2015-512-with-streebog512"
	Kind   OIDKind
	Kazakh bool // the OID is in the Kazakh arc (or the legacy vendor arc used there)
	// Curve is the parameter set, for KindCurve.
	Curve *Curve
	// Hash is the hash function for KindHash, KindHashParamSet, KindSignature and
	// KindHMAC.
	Hash Hash
	// KeySize is the private-key / signature-half size in bytes (32 or 64) for
	// KindPublicKey and KindSignature, and the curve size for KindCurve.
	KeySize int
	// Layout is the byte layout of signature values under this signature OID:
	// LayoutKazakh for the Kazakh (and legacy) OIDs, LayoutRFC4491 for the Russian ones.
	Layout SignatureLayout
}

type oidEntry struct {
	oid asn1.ObjectIdentifier // private copy
	OIDInfo
}

var oidTable = buildOIDTable()

func buildOIDTable() []oidEntry {
	var t []oidEntry
	add := func(oid asn1.ObjectIdentifier, info OIDInfo) {
		info.OID = nil
		t = append(t, oidEntry{oid: cloneOID(oid), OIDInfo: info})
	}
	// Kazakh.
	add(OIDKZGost2004PublicKey, OIDInfo{Name: "kz-gost34310-2004", Kind: KindPublicKey, Kazakh: true, KeySize: 32})
	add(OIDKZGost2004Signature, OIDInfo{Name: "kz-gost34310-2004-with-gost34311-95", Kind: KindSignature, Kazakh: true,
		Hash: HashGOST34311, KeySize: 32, Layout: LayoutKazakh})
	add(OIDLegacyGost2004Signature, OIDInfo{Name: "legacy-gost34310-2004-with-gost34311-95", Kind: KindSignature, Kazakh: true,
		Hash: HashGOST34311, KeySize: 32, Layout: LayoutKazakh})
	add(OIDKZGost34311, OIDInfo{Name: "kz-gost34311-95", Kind: KindHash, Kazakh: true, Hash: HashGOST34311})
	add(OIDKZGost34311ParamSet, OIDInfo{Name: "kz-gost34311-95-paramset", Kind: KindHashParamSet, Kazakh: true, Hash: HashGOST34311})
	add(OIDKZGost2015PublicKey256, OIDInfo{Name: "kz-gost2015-256", Kind: KindPublicKey, Kazakh: true, KeySize: 32})
	add(OIDKZGost2015PublicKey512, OIDInfo{Name: "kz-gost2015-512", Kind: KindPublicKey, Kazakh: true, KeySize: 64})
	add(OIDKZGost2015Signature256, OIDInfo{Name: "kz-gost2015-256-with-streebog256", Kind: KindSignature, Kazakh: true,
		Hash: HashStreebog256, KeySize: 32, Layout: LayoutKazakh})
	add(OIDKZGost2015Signature512, OIDInfo{Name: "kz-gost2015-512-with-streebog512", Kind: KindSignature, Kazakh: true,
		Hash: HashStreebog512, KeySize: 64, Layout: LayoutKazakh})
	add(OIDKZStreebog256, OIDInfo{Name: "kz-streebog256", Kind: KindHash, Kazakh: true, Hash: HashStreebog256})
	add(OIDKZStreebog512, OIDInfo{Name: "kz-streebog512", Kind: KindHash, Kazakh: true, Hash: HashStreebog512})
	// Russian.
	add(OIDGostR341001PublicKey, OIDInfo{Name: "id-GostR3410-2001", Kind: KindPublicKey, KeySize: 32})
	add(OIDGostR341194, OIDInfo{Name: "id-GostR3411-94", Kind: KindHash, Hash: HashGOSTR341194CryptoPro})
	add(OIDGostR341194WithGostR341001, OIDInfo{Name: "id-GostR3411-94-with-GostR3410-2001", Kind: KindSignature,
		Hash: HashGOSTR341194CryptoPro, KeySize: 32, Layout: LayoutRFC4491})
	add(OIDGostR341194TestParamSet, OIDInfo{Name: "id-GostR3411-94-TestParamSet", Kind: KindHashParamSet, Hash: HashGOST34311})
	add(OIDGostR341194CryptoProParamSet, OIDInfo{Name: "id-GostR3411-94-CryptoProParamSet", Kind: KindHashParamSet,
		Hash: HashGOSTR341194CryptoPro})
	add(OIDGost2012PublicKey256, OIDInfo{Name: "id-tc26-gost3410-12-256", Kind: KindPublicKey, KeySize: 32})
	add(OIDGost2012PublicKey512, OIDInfo{Name: "id-tc26-gost3410-12-512", Kind: KindPublicKey, KeySize: 64})
	add(OIDStreebog256, OIDInfo{Name: "id-tc26-gost3411-12-256", Kind: KindHash, Hash: HashStreebog256})
	add(OIDStreebog512, OIDInfo{Name: "id-tc26-gost3411-12-512", Kind: KindHash, Hash: HashStreebog512})
	add(OIDGost2012Signature256, OIDInfo{Name: "id-tc26-signwithdigest-gost3410-12-256", Kind: KindSignature,
		Hash: HashStreebog256, KeySize: 32, Layout: LayoutRFC4491})
	add(OIDGost2012Signature512, OIDInfo{Name: "id-tc26-signwithdigest-gost3410-12-512", Kind: KindSignature,
		Hash: HashStreebog512, KeySize: 64, Layout: LayoutRFC4491})
	add(OIDHMACStreebog256, OIDInfo{Name: "id-tc26-hmac-gost-3411-12-256", Kind: KindHMAC, Hash: HashStreebog256})
	add(OIDHMACStreebog512, OIDInfo{Name: "id-tc26-hmac-gost-3411-12-512", Kind: KindHMAC, Hash: HashStreebog512})
	// Curves, under both arcs.
	for _, c := range allCurvesOrder {
		add(c.oid, OIDInfo{Name: c.name, Kind: KindCurve, Curve: c, KeySize: c.Size()})
		if c.kzOID != nil {
			add(c.kzOID, OIDInfo{Name: "kz:" + c.name, Kind: KindCurve, Kazakh: true, Curve: c, KeySize: c.Size()})
		}
	}
	return t
}

// LookupOID returns what the OID names, for the Kazakh and Russian GOST OIDs listed in
// this file (algorithms, hashes, hash parameter sets and curves, including the legacy
// vendor arc 1.3.6.1.4.1.6801.1.2.2). The returned OIDInfo.OID is a fresh copy.
func LookupOID(oid asn1.ObjectIdentifier) (OIDInfo, bool) {
	for _, e := range oidTable {
		if e.oid.Equal(oid) {
			info := e.OIDInfo
			info.OID = cloneOID(e.oid)
			return info, true
		}
	}
	return OIDInfo{}, false
}

// KnownOIDs returns every OID that LookupOID answers, in a fixed order (fresh copies).
func KnownOIDs() []OIDInfo {
	out := make([]OIDInfo, len(oidTable))
	for i, e := range oidTable {
		out[i] = e.OIDInfo
		out[i].OID = cloneOID(e.oid)
	}
	return out
}
