package keyfile

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrUnsupportedKey is returned (wrapped) by a KeyCodec for a key or a PKCS#8
// algorithm it does not handle, so that a chain of codecs (Codecs) can try the next.
var ErrUnsupportedKey = errors.New("keyfile: unsupported private key algorithm")

// KeyCodec converts private keys to and from PKCS#8 PrivateKeyInfo (RFC 5208) and
// public keys to SubjectPublicKeyInfo. It is the one place where key algorithms enter
// this package: StdCodec handles what crypto/x509 does (RSA, ECDSA, Ed25519),
// GOSTCodec the national GOST keys; DefaultCodec chains both and is the default.
type KeyCodec interface {
	// MarshalPKCS8 returns the PKCS#8 PrivateKeyInfo DER of key, or an error wrapping
	// ErrUnsupportedKey when key is not of a kind the codec handles.
	MarshalPKCS8(key crypto.PrivateKey) ([]byte, error)
	// ParsePKCS8 parses PrivateKeyInfo DER, or returns an error wrapping
	// ErrUnsupportedKey when its algorithm (see PrivateKeyAlgorithm) is not one the
	// codec handles.
	ParsePKCS8(der []byte) (crypto.Signer, error)
	// MarshalPublicKey returns the SubjectPublicKeyInfo DER of pub, or an error wrapping
	// ErrUnsupportedKey. It is how a key is matched to its certificate.
	MarshalPublicKey(pub crypto.PublicKey) ([]byte, error)
}

// StdCodec is the KeyCodec for the algorithms of crypto/x509: RSA, ECDSA and Ed25519.
type StdCodec struct{}

// MarshalPKCS8 implements KeyCodec.
func (StdCodec) MarshalPKCS8(key crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %T: %v", ErrUnsupportedKey, key, err)
	}
	return der, nil
}

// ParsePKCS8 implements KeyCodec.
func (StdCodec) ParsePKCS8(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if oid, oerr := PrivateKeyAlgorithm(der); oerr == nil {
			return nil, fmt.Errorf("%w: %v: %v", ErrUnsupportedKey, oid, err)
		}
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T cannot sign", ErrUnsupportedKey, k)
	}
	return s, nil
}

// MarshalPublicKey implements KeyCodec.
func (StdCodec) MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %T: %v", ErrUnsupportedKey, pub, err)
	}
	return der, nil
}

// Codecs tries each codec in turn, moving to the next while the error wraps
// ErrUnsupportedKey. DefaultCodec is Codecs{GOSTCodec{}, StdCodec{}}.
type Codecs []KeyCodec

// MarshalPKCS8 implements KeyCodec.
func (cs Codecs) MarshalPKCS8(key crypto.PrivateKey) ([]byte, error) {
	err := error(fmt.Errorf("%w: %T", ErrUnsupportedKey, key))
	for _, c := range cs {
		var der []byte
		der, err = c.MarshalPKCS8(key)
		if err == nil || !errors.Is(err, ErrUnsupportedKey) {
			return der, err
		}
	}
	return nil, err
}

// ParsePKCS8 implements KeyCodec.
func (cs Codecs) ParsePKCS8(der []byte) (crypto.Signer, error) {
	err := error(ErrUnsupportedKey)
	for _, c := range cs {
		var k crypto.Signer
		k, err = c.ParsePKCS8(der)
		if err == nil || !errors.Is(err, ErrUnsupportedKey) {
			return k, err
		}
	}
	return nil, err
}

// MarshalPublicKey implements KeyCodec.
func (cs Codecs) MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	err := error(fmt.Errorf("%w: %T", ErrUnsupportedKey, pub))
	for _, c := range cs {
		var der []byte
		der, err = c.MarshalPublicKey(pub)
		if err == nil || !errors.Is(err, ErrUnsupportedKey) {
			return der, err
		}
	}
	return nil, err
}

// PrivateKeyAlgorithm returns the algorithm OID of a PKCS#8 PrivateKeyInfo without
// parsing the key, for codecs that dispatch on it.
func PrivateKeyAlgorithm(der []byte) (asn1.ObjectIdentifier, error) {
	s := cryptobyte.String(der)
	var pki, alg cryptobyte.String
	var version int64
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&pki, cbasn1.SEQUENCE) ||
		!pki.ReadASN1Integer(&version) ||
		!pki.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("not a PKCS#8 PrivateKeyInfo")
	}
	return oid, nil
}

// matches reports whether cert certifies the public key pub: their
// SubjectPublicKeyInfo encodings are equal, or (when the codec cannot encode pub) the
// key types' own Equal method says so.
func matches(codec KeyCodec, pub crypto.PublicKey, cert *x509.Certificate) bool {
	if pub == nil || cert == nil {
		return false
	}
	if spki, err := codec.MarshalPublicKey(pub); err == nil {
		return bytes.Equal(spki, cert.RawSubjectPublicKeyInfo)
	}
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); ok && cert.PublicKey != nil {
		return eq.Equal(cert.PublicKey)
	}
	return false
}

// DefaultCodec returns the KeyCodec that knows every private key algorithm of the
// authority; the CA key store and the subscriber's client use it.
func DefaultCodec() KeyCodec { return Codecs{GOSTCodec{}, StdCodec{}} }
