package pki

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
)

// The GOST keys this package signs with, and what it emits for them (GOST.md,
// PROFILE.md; all under the Kazakh arc 1.2.398.3.10.1, signatures r_LE‖s_LE, signature
// AlgorithmIdentifiers with explicit NULL parameters):
//
//	key curve                  signature algorithm                 hash
//	tc26-512-paramSetA         1.2.398.3.10.1.1.2.3.2 (GOST 2015)  Streebog-512
//	CryptoPro-A                1.2.398.3.10.1.1.1.2 (GOST 2004)    GOST 34.311-95 (test S-box)
//	tc26-256-paramSetA         1.2.398.3.10.1.1.2.3.1 (GOST 2015)  Streebog-256
//
// Keys on other GOST curves have no Kazakh signature algorithm and are refused for
// signing (ErrUnsupportedAlgorithm); they verify under the Russian OIDs.

// gostAlgorithmFor returns the signature algorithm of a GOST public key. ok is false
// for keys that are not GOST keys.
func gostAlgorithmFor(pub crypto.PublicKey) (alg algorithm, ok bool, err error) {
	k, isGOST := pub.(*gost.PublicKey)
	if !isGOST {
		return algorithm{}, false, nil
	}
	sigOID, err := gostSignatureOID(k.Curve())
	if err != nil {
		return algorithm{}, true, err
	}
	info, _ := gost.LookupOID(sigOID)
	return algorithm{
		id:   pkix.AlgorithmIdentifier{Algorithm: sigOID, Parameters: asn1.NullRawValue},
		hash: info.Hash.New,
		opts: &gost.SignerOpts{Layout: gost.LayoutKazakh},
	}, true, nil
}

// gostSignatureOID returns the Kazakh signature algorithm of keys on curve c.
func gostSignatureOID(c *gost.Curve) (asn1.ObjectIdentifier, error) {
	switch {
	case c.SameGroup(gost.Curve512A()):
		return gost.OIDKZGost2015Signature512, nil
	case c.SameGroup(gost.CurveCryptoProA()):
		return gost.OIDKZGost2004Signature, nil
	case c.SameGroup(gost.Curve256A()):
		return gost.OIDKZGost2015Signature256, nil
	}
	return nil, fmt.Errorf("pki: GOST key on %s: no Kazakh signature algorithm: %w", c.Name(), ErrUnsupportedAlgorithm)
}

// verifyGOST verifies a signature under a GOST signature algorithm (every signature
// OID of gost.LookupOID: Kazakh, legacy vendor arc and Russian). ok is false when alg
// is not a GOST signature algorithm. The parameters must be absent or NULL; the byte
// layout of sig is the one the OID prescribes (Kazakh r_LE‖s_LE, Russian s_BE‖r_BE).
func verifyGOST(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, signed, sig []byte) (ok bool, err error) {
	info, known := gost.LookupOID(alg.Algorithm)
	if !known || info.Kind != gost.KindSignature {
		return false, nil
	}
	if len(alg.Parameters.FullBytes) != 0 && !isNULL(alg.Parameters.FullBytes) {
		return true, fmt.Errorf("pki: signature algorithm %s (%s) with parameters: %w", alg.Algorithm, info.Name, ErrUnsupportedAlgorithm)
	}
	k, isGOST := pub.(*gost.PublicKey)
	if !isGOST {
		return true, fmt.Errorf("pki: key type %T does not match signature algorithm %s (%s): %w", pub, alg.Algorithm, info.Name, ErrUnsupportedAlgorithm)
	}
	if k.Curve().Size() != info.KeySize {
		return true, fmt.Errorf("pki: %d-bit GOST key under %d-bit signature algorithm %s: %w",
			k.Curve().BitSize(), 8*info.KeySize, info.Name, ErrUnsupportedAlgorithm)
	}
	h := info.Hash.New()
	h.Write(signed)
	if err := k.Verify(h.Sum(nil), sig, info.Layout); err != nil {
		return true, fmt.Errorf("pki: %s: %w (%v)", info.Name, ErrBadSignature, err)
	}
	return true, nil
}

func isNULL(der []byte) bool { return len(der) == 2 && der[0] == 0x05 && der[1] == 0x00 }

// parseGOSTPublicKey parses a GOST SubjectPublicKeyInfo. ok is false when spki is
// not a GOST key.
//
// Accepted: the public-key OIDs of gost.LookupOID (Kazakh and Russian) with
// parameters SEQUENCE { curve OID, [hash OID], [cipher OID] } naming a curve under
// either arc, or — Kazakh OIDs only — absent or NULL parameters, which mean the
// curve the Kazakh OID implies (GOST 2004 → CryptoPro-A, GOST 2015-512 →
// tc26-512-paramSetA, GOST 2015-256 → tc26-256-paramSetA). The key is the BIT STRING
// holding an OCTET STRING of x_LE‖y_LE of the curve's size.
func parseGOSTPublicKey(spki []byte) (pub crypto.PublicKey, ok bool, err error) {
	s := cryptobyte.String(spki)
	var body, algSeq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1(&algSeq, cbasn1.SEQUENCE) || !algSeq.ReadASN1ObjectIdentifier(&oid) {
		return nil, false, nil // not even an SPKI: let crypto/x509 say why
	}
	info, known := gost.LookupOID(oid)
	if !known || info.Kind != gost.KindPublicKey {
		return nil, false, nil
	}
	fail := func(format string, a ...any) (crypto.PublicKey, bool, error) {
		return nil, true, fmt.Errorf("pki: GOST public key (%s): %s: %w", info.Name, fmt.Sprintf(format, a...), ErrUnsupportedAlgorithm)
	}
	var curve *gost.Curve
	switch {
	case algSeq.Empty() || (algSeq.PeekASN1Tag(cbasn1.NULL) && isNULL(algSeq)):
		if !info.Kazakh {
			return fail("no curve parameters")
		}
		curve = kazakhDefaultCurve(oid)
	case algSeq.PeekASN1Tag(cbasn1.SEQUENCE):
		var params cryptobyte.String
		var curveOID asn1.ObjectIdentifier
		if !algSeq.ReadASN1(&params, cbasn1.SEQUENCE) || !params.ReadASN1ObjectIdentifier(&curveOID) || !algSeq.Empty() {
			return fail("malformed parameters")
		}
		c, found := gost.CurveByOID(curveOID)
		if !found {
			return fail("unknown curve %s", curveOID)
		}
		// A Kazakh key OID names its curve (GOST.md); explicit parameters may repeat
		// it, not choose another.
		if d := kazakhDefaultCurve(oid); info.Kazakh && d != nil && !c.SameGroup(d) {
			return fail("curve %s is not the one %s implies (%s)", curveOID, info.Name, d.Name())
		}
		curve = c
	default:
		return fail("malformed parameters")
	}
	if curve == nil || curve.Size() != info.KeySize {
		return fail("curve does not fit the key algorithm")
	}
	var bits asn1.BitString
	if !body.ReadASN1BitString(&bits) || !body.Empty() || bits.BitLength%8 != 0 {
		return fail("malformed key")
	}
	point := cryptobyte.String(bits.Bytes)
	var xy cryptobyte.String
	if !point.ReadASN1(&xy, cbasn1.OCTET_STRING) || !point.Empty() {
		return fail("the key is not an OCTET STRING")
	}
	k, err := gost.ParsePublicKey(curve, xy)
	if err != nil {
		return nil, true, fmt.Errorf("pki: GOST public key (%s): %w", info.Name, err)
	}
	return k, true, nil
}

// kazakhDefaultCurve is the curve a Kazakh public-key OID implies.
func kazakhDefaultCurve(oid asn1.ObjectIdentifier) *gost.Curve {
	switch {
	case oid.Equal(gost.OIDKZGost2004PublicKey):
		return gost.CurveCryptoProA()
	case oid.Equal(gost.OIDKZGost2015PublicKey512):
		return gost.Curve512A()
	case oid.Equal(gost.OIDKZGost2015PublicKey256):
		return gost.Curve256A()
	}
	return nil
}

// MarshalPublicKey returns the DER SubjectPublicKeyInfo of pub: RSA and ECDSA through
// crypto/x509; GOST keys in the Kazakh layout:
//
//	tc26-512-paramSetA: 1.2.398.3.10.1.1.2.2, params SEQUENCE { 1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.3.3 }
//	CryptoPro-A:        1.2.398.3.10.1.1.1.1, params SEQUENCE { 1.2.398.3.10.1.1.1.1.1, 1.2.398.3.10.1.3.1.1.0 }
//	tc26-256-paramSetA: 1.2.398.3.10.1.1.2.1, params SEQUENCE { 1.2.398.3.10.1.1.2.1.1, 1.2.398.3.10.1.3.2 }
//
// and the key as BIT STRING { OCTET STRING x_LE‖y_LE }, as the national CA writes
// them. GOST keys on other curves get the Russian OIDs (RFC 9215/RFC 4491).
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	k, ok := pub.(*gost.PublicKey)
	if !ok {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("pki: public key: %w: %v", ErrUnsupportedAlgorithm, err)
		}
		return der, nil
	}
	c := k.Curve()
	var algOID, curveOID, hashOID asn1.ObjectIdentifier
	switch {
	case c.SameGroup(gost.Curve512A()):
		algOID, curveOID, hashOID = gost.OIDKZGost2015PublicKey512, gost.OIDKZGost2015ParamSet512, gost.OIDKZStreebog512
	case c.SameGroup(gost.CurveCryptoProA()):
		algOID, curveOID, hashOID = gost.OIDKZGost2004PublicKey, gost.OIDKZGost2004ParamSet, gost.OIDKZGost34311ParamSet
	case c.SameGroup(gost.Curve256A()):
		algOID, curveOID, hashOID = gost.OIDKZGost2015PublicKey256, gost.OIDKZGost2015ParamSet256, gost.OIDKZStreebog256
	default:
		return MarshalPublicKeyRussian(k)
	}
	return marshalGOSTSPKI(algOID, curveOID, hashOID, k.Bytes())
}

// MarshalPublicKeyRussian returns the SubjectPublicKeyInfo of a GOST key under the
// Russian OIDs (RFC 9215 for 2012 keys, RFC 4491 for 256-bit CryptoPro curves), the
// form other GOST implementations (OpenSSL's gost-engine) read.
func MarshalPublicKeyRussian(k *gost.PublicKey) ([]byte, error) {
	c := k.Curve()
	var algOID, hashOID asn1.ObjectIdentifier
	switch {
	case c.Size() == 64:
		algOID, hashOID = gost.OIDGost2012PublicKey512, nil
	case hasPrefix(c.OID(), asn1.ObjectIdentifier{1, 2, 643, 2, 2}): // CryptoPro and test curves of RFC 4357
		algOID, hashOID = gost.OIDGostR341001PublicKey, gost.OIDGostR341194CryptoProParamSet
	default:
		algOID, hashOID = gost.OIDGost2012PublicKey256, gost.OIDStreebog256
	}
	return marshalGOSTSPKI(algOID, c.OID(), hashOID, k.Bytes())
}

func marshalGOSTSPKI(algOID, curveOID, hashOID asn1.ObjectIdentifier, xy []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(algOID)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(curveOID)
				if hashOID != nil {
					b.AddASN1ObjectIdentifier(hashOID)
				}
			})
		})
		b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddASN1OctetString(xy)
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pki: marshal GOST public key: %w", err)
	}
	return der, nil
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) >= len(prefix) && oid[:len(prefix)].Equal(prefix)
}
