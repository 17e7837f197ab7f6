package pki

import (
	"crypto"
	"crypto/x509/pkix"
)

// gostAlgorithmFor returns the signature algorithm of a GOST public key. ok is false
// for keys that are not GOST keys.
//
// TODO(issue 4): GOST 34.10-2015 512 → Streebog-512 with the Kazakh OID; GOST
// 34.310-2004 (CryptoPro-A) → GOST 34.311-95; signature in r_LE‖s_LE.
func gostAlgorithmFor(pub crypto.PublicKey) (alg algorithm, ok bool, err error) {
	return algorithm{}, false, nil
}

// verifyGOST verifies a signature under a GOST signature algorithm. ok is false
// when alg is not a GOST signature algorithm.
func verifyGOST(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, signed, sig []byte) (ok bool, err error) {
	return false, nil
}

// parseGOSTPublicKey parses a GOST SubjectPublicKeyInfo. ok is false when spki is
// not a GOST key.
func parseGOSTPublicKey(spki []byte) (pub crypto.PublicKey, ok bool, err error) {
	return nil, false, nil
}
