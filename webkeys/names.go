// Package webkeys is the subscriber's side of the key life cycle, with plain Go types
// and no file system or network: making key pairs and their PKCS#10 requests,
// opening key files, installing issued certificates into them, signing sign-in
// challenges and owner requests, and checking IINs offline. The command-line client
// (cmd/eds) and the browser portal (the WebAssembly module of web/wasm) share it, so
// a key file and a request are made one way whichever of them makes them.
//
// Randomness and time come from the caller (Env). Errors are sentences a user can
// act on; the sentinel errors below can be told apart with errors.Is.
package webkeys

import (
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/opennca/nca/pki"
)

// Key file naming, as the national files are named (PROFILE.md): the signing key in
// RSA256_<id>.p12 (RSA) or GOSTKNCA_<id>.p12 (GOST), the authentication key in
// AUTH_RSA256_<id>.p12, where <id> is the first 16 hex digits of the SHA-256 of the
// signing key's SubjectPublicKeyInfo DER (pki.MarshalPublicKey).
const (
	SignPrefix     = "RSA256_"
	GOSTSignPrefix = "GOSTKNCA_"
	AuthPrefix     = "AUTH_RSA256_"
	FileSuffix     = ".p12"
	IDLen          = 16
)

var fileNameRE = regexp.MustCompile(`^(AUTH_RSA256_|RSA256_|GOSTKNCA_)([0-9a-f]{16})\.p12$`)

// ParseFileName splits a national key file name into its prefix (SignPrefix,
// GOSTSignPrefix or AuthPrefix) and the pair id; ok is false for any other name.
func ParseFileName(name string) (prefix, id string, ok bool) {
	m := fileNameRE.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// KeyID returns the key pair id of a signing public key.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := pki.MarshalPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])[:IDLen], nil
}

// FileNames returns the names of the signing and authentication files of pair id:
// the signing file is named after its algorithm (GOST or RSA).
func FileNames(id string, gostSign bool) (sign, auth string) {
	prefix := SignPrefix
	if gostSign {
		prefix = GOSTSignPrefix
	}
	return prefix + id + FileSuffix, AuthPrefix + id + FileSuffix
}
