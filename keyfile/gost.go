package keyfile

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
)

// GOSTCodec is the KeyCodec of the national GOST keys (*gost.PrivateKey): GOST 34.10-2015
// 512-bit (tc26-512-paramSetA), GOST 34.310-2004 (CryptoPro-A) and the 256-bit GOST 2015
// key (tc26-256-paramSetA).
//
// MarshalPKCS8 writes, in the national layout (docs/national-formats.md):
//
//	PrivateKeyInfo {
//	  version 0,
//	  privateKeyAlgorithm: the same AlgorithmIdentifier as the key's SubjectPublicKeyInfo
//	    (Kazakh OID + SEQUENCE { curve OID, hash OID }, see pki.MarshalPublicKey),
//	  privateKey: OCTET STRING { OCTET STRING d_LE }   (d little-endian, Curve.Size() bytes)
//	}
//
// ParsePKCS8 reads that, and also the forms other GOST software writes: the Russian key
// OIDs (RFC 9215, with a curve parameter set), the Kazakh OIDs with absent or NULL
// parameters (the OID's curve), a privateKey holding INTEGER d (big-endian, RFC 4491
// style) or the bare d_LE bytes. Other algorithms get ErrUnsupportedKey, so that
// Codecs moves on to the next codec.
type GOSTCodec struct{}

// MarshalPKCS8 implements KeyCodec.
func (GOSTCodec) MarshalPKCS8(key crypto.PrivateKey) ([]byte, error) {
	k, ok := key.(*gost.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
	}
	spki, err := pki.MarshalPublicKey(k.Public())
	if err != nil {
		return nil, fmt.Errorf("keyfile: GOST key: %w", err)
	}
	s := cryptobyte.String(spki)
	var body, algID cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&algID, cbasn1.SEQUENCE) {
		return nil, errors.New("keyfile: GOST key: malformed SubjectPublicKeyInfo")
	}
	d := k.Bytes()
	defer clear(d)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddBytes(algID)
		b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(d)
		})
	})
	return b.Bytes()
}

// ParsePKCS8 implements KeyCodec.
func (GOSTCodec) ParsePKCS8(der []byte) (crypto.Signer, error) {
	s := cryptobyte.String(der)
	var body, algID, algBody cryptobyte.String
	var version int64
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Integer(&version) ||
		!body.ReadASN1Element(&algID, cbasn1.SEQUENCE) {
		return nil, errors.New("keyfile: not a PKCS#8 PrivateKeyInfo")
	}
	algBody = algID
	if !algBody.ReadASN1(&algBody, cbasn1.SEQUENCE) || !algBody.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("keyfile: malformed PKCS#8 algorithm")
	}
	info, known := gost.LookupOID(oid)
	if !known || info.Kind != gost.KindPublicKey {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, oid)
	}
	var raw cryptobyte.String
	if version != 0 && version != 1 || !body.ReadASN1(&raw, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("keyfile: GOST key (%s): malformed PrivateKeyInfo", info.Name)
	}
	curve, err := gostPKCS8Curve(oid, info, algBody)
	if err != nil {
		return nil, err
	}
	var d []byte
	inner := raw
	var octets cryptobyte.String
	switch {
	case len(raw) == curve.Size():
		// The bare little-endian key, as gost-engine writes GOST 2001 keys. Decided
		// by length first, as gost-engine reads them: bare key bytes may begin like
		// a DER INTEGER or OCTET STRING header (0x02, 0x04) by chance.
		d = append([]byte(nil), raw...)
	case inner.PeekASN1Tag(cbasn1.OCTET_STRING) && inner.ReadASN1(&octets, cbasn1.OCTET_STRING) && inner.Empty():
		d = append([]byte(nil), octets...)
	case raw.PeekASN1Tag(cbasn1.INTEGER):
		var be []byte
		in := raw
		var n cryptobyte.String
		if !in.ReadASN1(&n, cbasn1.INTEGER) || !in.Empty() || len(n) == 0 || n[0]&0x80 != 0 {
			return nil, fmt.Errorf("keyfile: GOST key (%s): malformed INTEGER key", info.Name)
		}
		be = []byte(n)
		for len(be) > curve.Size() && be[0] == 0 {
			be = be[1:]
		}
		if len(be) > curve.Size() {
			return nil, fmt.Errorf("keyfile: GOST key (%s): key too long", info.Name)
		}
		d = make([]byte, curve.Size())
		for i, c := range be { // big-endian → little-endian
			d[len(be)-1-i] = c
		}
	default:
		d = append([]byte(nil), raw...)
	}
	defer clear(d)
	k, err := gost.ParsePrivateKey(curve, d)
	if err != nil {
		return nil, fmt.Errorf("keyfile: GOST key (%s): %w", info.Name, err)
	}
	return k, nil
}

// gostPKCS8Curve resolves the curve of a GOST PKCS#8 algorithm: the first OID of the
// parameter SEQUENCE, or for Kazakh OIDs without parameters the OID's own curve.
func gostPKCS8Curve(oid asn1.ObjectIdentifier, info gost.OIDInfo, params cryptobyte.String) (*gost.Curve, error) {
	var c *gost.Curve
	switch {
	case params.Empty() || (len(params) == 2 && params[0] == 0x05 && params[1] == 0):
		switch {
		case oid.Equal(gost.OIDKZGost2004PublicKey):
			c = gost.CurveCryptoProA()
		case oid.Equal(gost.OIDKZGost2015PublicKey512):
			c = gost.Curve512A()
		case oid.Equal(gost.OIDKZGost2015PublicKey256):
			c = gost.Curve256A()
		}
	default:
		var seq cryptobyte.String
		var curveOID asn1.ObjectIdentifier
		if params.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1ObjectIdentifier(&curveOID) {
			c, _ = gost.CurveByOID(curveOID)
		}
	}
	if c == nil || c.Size() != info.KeySize {
		return nil, fmt.Errorf("keyfile: GOST key (%s): unknown or unfitting curve parameters", info.Name)
	}
	return c, nil
}

// MarshalPublicKey implements KeyCodec: the Kazakh SubjectPublicKeyInfo of
// pki.MarshalPublicKey.
func (GOSTCodec) MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	if _, ok := pub.(*gost.PublicKey); !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
	}
	return pki.MarshalPublicKey(pub)
}
