//go:build cgo

package ca

import (
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/ThalesGroup/crypto11"
)

// PKCS11KeyStore keeps CA keys in a PKCS#11 token: keys are generated inside the
// token (RSA or ECDSA, non-extractable, sensitive), found by their label (the CA
// name), and every signature is made by the token. Create refuses to import a software
// key: an HSM key is only ever generated in the HSM. GOST keys cannot live here (no
// common HSM implements the Kazakh GOST mechanisms); route GOST CAs to a file store
// with KeyStores.
type PKCS11KeyStore struct {
	ctx       *crypto11.Context
	closeOnce sync.Once
	closeErr  error
}

var (
	_ KeyStore     = (*PKCS11KeyStore)(nil)
	_ KeyGenerator = (*PKCS11KeyStore)(nil)
)

// OpenPKCS11 loads the module and logs in to the token. Close it when done.
func OpenPKCS11(cfg PKCS11Config) (*PKCS11KeyStore, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" {
		return nil, errors.New("ca: pkcs11: the module path and the token label are required")
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		// crypto11's errors name the module and the PKCS#11 return code, never the PIN.
		return nil, fmt.Errorf("ca: pkcs11: open token %q with %s: %w", cfg.TokenLabel, cfg.Module, err)
	}
	return &PKCS11KeyStore{ctx: ctx}, nil
}

// Close logs out and unloads the module. Later calls do nothing.
func (s *PKCS11KeyStore) Close() error {
	s.closeOnce.Do(func() {
		if err := s.ctx.Close(); err != nil {
			s.closeErr = fmt.Errorf("ca: pkcs11: close: %w", err)
		}
	})
	return s.closeErr
}

// Load implements KeyStore: the key pair labelled name.
func (s *PKCS11KeyStore) Load(name string) (crypto.Signer, error) {
	if !validName(name) {
		return nil, fmt.Errorf("ca: key name %q: only a-z, 0-9 and '-' are allowed", name)
	}
	ks, err := s.ctx.FindKeyPairs(nil, []byte(name))
	if err != nil {
		return nil, fmt.Errorf("ca: pkcs11: find key %s: %w", name, err)
	}
	switch len(ks) {
	case 0:
		return nil, fmt.Errorf("ca: pkcs11: key %s: %w", name, fs.ErrNotExist)
	case 1:
		return ks[0], nil
	}
	return nil, fmt.Errorf("ca: pkcs11: %d key pairs are labelled %s; the label must name one", len(ks), name)
}

// Create implements KeyStore by refusing: keys are generated in the token (Generate).
func (s *PKCS11KeyStore) Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	return nil, fmt.Errorf("ca: pkcs11: key %s: the HSM generates its own keys and imports none; a CA whose keys the HSM cannot make (GOST) must be routed to a key file store (KeyStores; key_store.software_cas of nca init)", name)
}

// Generate implements KeyGenerator: a token key pair labelled name with a random
// CKA_ID.
func (s *PKCS11KeyStore) Generate(name string, spec KeySpec) (crypto.Signer, error) {
	if _, err := s.Load(name); err == nil {
		return nil, fmt.Errorf("ca: pkcs11: create key %s: %w", name, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("ca: pkcs11: key id: %w", err)
	}
	var k crypto.Signer
	var err error
	switch spec.Algorithm {
	case "rsa":
		k, err = s.ctx.GenerateRSAKeyPairWithLabel(id, []byte(name), spec.Bits)
	case "ecdsa":
		k, err = s.ctx.GenerateECDSAKeyPairWithLabel(id, []byte(name), spec.Curve)
	default:
		return nil, fmt.Errorf("ca: pkcs11: key %s: algorithm %q is not supported by the HSM store", name, spec.Algorithm)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: pkcs11: generate %s key %s: %w", spec, name, err)
	}
	// Another process may have generated a key of the same label between the check
	// above and now (the token has no atomic create-if-absent): then this one is
	// destroyed, so the label keeps naming one key.
	if ks, err := s.ctx.FindKeyPairs(nil, []byte(name)); err != nil || len(ks) != 1 {
		if d, ok := k.(interface{ Delete() error }); ok {
			if derr := d.Delete(); derr != nil {
				return nil, fmt.Errorf("ca: pkcs11: key %s: another key of this label appeared while generating, and the new one could not be destroyed: %w", name, derr)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("ca: pkcs11: find key %s after generating: %w", name, err)
		}
		return nil, fmt.Errorf("ca: pkcs11: create key %s: another process generated it meanwhile: %w", name, fs.ErrExist)
	}
	return k, nil
}
