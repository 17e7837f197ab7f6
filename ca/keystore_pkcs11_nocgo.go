//go:build !cgo

package ca

import (
	"crypto"
	"errors"
	"time"
)

// errNoPKCS11 is what the PKCS#11 key store says in a build without cgo: the PKCS#11
// library is loaded through C. Build with CGO_ENABLED=1 (and a C compiler) for HSMs.
var errNoPKCS11 = errors.New("ca: pkcs11: this nca was built without cgo; build it with CGO_ENABLED=1 to use an HSM")

// PKCS11KeyStore is unavailable in a build without cgo; OpenPKCS11 always fails.
type PKCS11KeyStore struct{}

// OpenPKCS11 fails: this build has no cgo.
func OpenPKCS11(cfg PKCS11Config) (*PKCS11KeyStore, error) { return nil, errNoPKCS11 }

// Close does nothing.
func (s *PKCS11KeyStore) Close() error { return nil }

// Load fails: this build has no cgo.
func (s *PKCS11KeyStore) Load(name string) (crypto.Signer, error) { return nil, errNoPKCS11 }

// Create fails: this build has no cgo.
func (s *PKCS11KeyStore) Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	return nil, errNoPKCS11
}

// Generate fails: this build has no cgo.
func (s *PKCS11KeyStore) Generate(name string, spec KeySpec) (crypto.Signer, error) {
	return nil, errNoPKCS11
}

// ServiceKey fails: this build has no cgo.
func (s *PKCS11KeyStore) ServiceKey(service string, caKey crypto.PublicKey, now time.Time, keep time.Duration) (crypto.Signer, error) {
	return nil, errNoPKCS11
}

// ServiceKeyLabels fails: this build has no cgo.
func (s *PKCS11KeyStore) ServiceKeyLabels(service string) ([]string, error) { return nil, errNoPKCS11 }
