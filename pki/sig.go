package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/opennca/nca/gost"
)

// Signature algorithm OIDs handled here besides GOST.
var (
	OIDSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// ErrUnsupportedAlgorithm is wrapped by every error about a key type or signature
// algorithm this package does not handle.
var ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")

// ErrBadSignature is wrapped by VerifySignature when a signature does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// Signer signs to-be-signed DER structures with one key. The AlgorithmIdentifier is
// fixed by the key: RSA → sha256WithRSAEncryption (NULL parameters), ECDSA →
// ecdsa-with-SHA256/384/512 by curve size, GOST → the national OIDs (see gost.go).
// A Signer is safe for concurrent use if its key is.
type Signer struct {
	key  crypto.Signer
	rand io.Reader
	alg  algorithm
}

// algorithm is one signature algorithm: its identifier and how to hash and sign.
type algorithm struct {
	id pkix.AlgorithmIdentifier
	// hash returns the digest of the signed bytes.
	hash func() hash.Hash
	// opts are passed to crypto.Signer.Sign.
	opts crypto.SignerOpts
}

// NewSigner returns the Signer of key. random is used by the signatures that need
// randomness (ECDSA, GOST); nil means the key's own default. Errors wrap
// ErrUnsupportedAlgorithm for key types without a signature algorithm here.
func NewSigner(key crypto.Signer, random io.Reader) (*Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("pki: nil signing key: %w", ErrUnsupportedAlgorithm)
	}
	alg, err := algorithmFor(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, rand: random, alg: alg}, nil
}

// Public returns the signing key's public key.
func (s *Signer) Public() crypto.PublicKey { return s.key.Public() }

// AlgorithmIdentifier returns the signature algorithm to write into the
// to-be-signed structure and next to the signature value.
func (s *Signer) AlgorithmIdentifier() pkix.AlgorithmIdentifier { return s.alg.id }

// AlgorithmIdentifierDER returns AlgorithmIdentifier in DER.
func (s *Signer) AlgorithmIdentifierDER() []byte {
	der, err := asn1.Marshal(s.alg.id)
	if err != nil {
		panic("pki: marshal AlgorithmIdentifier: " + err.Error()) // fixed values; cannot happen
	}
	return der
}

// Sign hashes tbs with the algorithm's hash and returns the signature value, in the
// byte layout the algorithm's OID prescribes (for GOST: r_LE‖s_LE).
func (s *Signer) Sign(tbs []byte) ([]byte, error) {
	h := s.alg.hash()
	h.Write(tbs)
	sig, err := s.key.Sign(s.rand, h.Sum(nil), s.alg.opts)
	if err != nil {
		return nil, fmt.Errorf("pki: sign (%s): %w", s.alg.id.Algorithm, err)
	}
	return sig, nil
}

// algorithmFor picks the signature algorithm of a public key.
func algorithmFor(pub crypto.PublicKey) (algorithm, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return algorithm{
			id:   pkix.AlgorithmIdentifier{Algorithm: OIDSHA256WithRSA, Parameters: asn1.NullRawValue},
			hash: sha256.New, opts: crypto.SHA256,
		}, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return algorithm{id: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256}, hash: sha256.New, opts: crypto.SHA256}, nil
		case elliptic.P384():
			return algorithm{id: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA384}, hash: sha512.New384, opts: crypto.SHA384}, nil
		case elliptic.P521():
			return algorithm{id: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA512}, hash: sha512.New, opts: crypto.SHA512}, nil
		}
		return algorithm{}, fmt.Errorf("pki: ECDSA curve %s: %w", k.Curve.Params().Name, ErrUnsupportedAlgorithm)
	}
	if alg, ok, err := gostAlgorithmFor(pub); ok || err != nil {
		return alg, err
	}
	return algorithm{}, fmt.Errorf("pki: key type %T: %w", pub, ErrUnsupportedAlgorithm)
}

// VerifySignature checks that sig is a signature by pub over signed under the
// signature algorithm alg (RSA PKCS#1 v1.5 with SHA-256/384/512, ECDSA with
// SHA-256/384/512, and the GOST algorithms of gost.LookupOID). Errors wrap
// ErrBadSignature when the signature is wrong and ErrUnsupportedAlgorithm when the
// algorithm or the key type is not handled or they do not match.
func VerifySignature(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, signed, sig []byte) error {
	var (
		h  crypto.Hash
		ec bool
	)
	switch {
	case alg.Algorithm.Equal(OIDSHA256WithRSA):
		h = crypto.SHA256
	case alg.Algorithm.Equal(OIDSHA384WithRSA):
		h = crypto.SHA384
	case alg.Algorithm.Equal(OIDSHA512WithRSA):
		h = crypto.SHA512
	case alg.Algorithm.Equal(OIDECDSAWithSHA256):
		h, ec = crypto.SHA256, true
	case alg.Algorithm.Equal(OIDECDSAWithSHA384):
		h, ec = crypto.SHA384, true
	case alg.Algorithm.Equal(OIDECDSAWithSHA512):
		h, ec = crypto.SHA512, true
	default:
		if ok, err := verifyGOST(pub, alg, signed, sig); ok {
			return err
		}
		return fmt.Errorf("pki: signature algorithm %s: %w", alg.Algorithm, ErrUnsupportedAlgorithm)
	}
	d := h.New()
	d.Write(signed)
	digest := d.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if ec {
			break
		}
		if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
			return fmt.Errorf("pki: RSA: %w", ErrBadSignature)
		}
		return nil
	case *ecdsa.PublicKey:
		if !ec {
			break
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("pki: ECDSA: %w", ErrBadSignature)
		}
		return nil
	}
	return fmt.Errorf("pki: key type %T does not match signature algorithm %s: %w", pub, alg.Algorithm, ErrUnsupportedAlgorithm)
}

// ParsePublicKey parses a DER SubjectPublicKeyInfo: RSA and ECDSA (through
// crypto/x509) and the GOST keys of gost.LookupOID. Errors wrap
// ErrUnsupportedAlgorithm for other algorithms.
func ParsePublicKey(spki []byte) (crypto.PublicKey, error) {
	if pub, ok, err := parseGOSTPublicKey(spki); ok || err != nil {
		return pub, err
	}
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return nil, fmt.Errorf("pki: public key: %w: %v", ErrUnsupportedAlgorithm, err)
	}
	return pub, nil
}

// SignatureAlgorithm returns the signature algorithm a Signer of a key with public key
// pub uses (see NewSigner), for verifiers that know the key but receive a bare
// signature value. Errors wrap ErrUnsupportedAlgorithm.
func SignatureAlgorithm(pub crypto.PublicKey) (pkix.AlgorithmIdentifier, error) {
	alg, err := algorithmFor(pub)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	return alg.id, nil
}

// GenerateKeyLike makes a new key in the family of a CA's public key caKey, for a
// service the CA certifies (an OCSP responder, a time-stamping authority): RSA-2048
// for an RSA CA, the CA's curve for an ECDSA or a GOST CA.
func GenerateKeyLike(caKey crypto.PublicKey, random io.Reader) (crypto.Signer, error) {
	switch k := caKey.(type) {
	case *rsa.PublicKey:
		return rsa.GenerateKey(random, 2048)
	case *ecdsa.PublicKey:
		return ecdsa.GenerateKey(k.Curve, random)
	case *gost.PublicKey:
		return gost.GenerateKey(k.Curve(), random)
	}
	return nil, fmt.Errorf("pki: no key generator for CA keys of type %T: %w", caKey, ErrUnsupportedAlgorithm)
}
