//go:build cgo

package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

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

// ServiceKey generates, in the token, a key for one of the authority's services
// (service names it: lower-case letters, e.g. "ocsp" or "tsa"): RSA-2048 for an RSA
// CA key, ECDSA on the CA's curve for an ECDSA CA key, the same families the services
// make in software (pki.GenerateKeyLike); any other CA key (GOST) is an error
// wrapping ErrNotInHSM, and the caller makes a software key. The key is a token
// object, sensitive and not extractable, labelled nca-svc-<service>-<now in Unix
// seconds>-<random>, so that several nodes on one token never share a label.
//
// Before generating, the keys of service made more than keep before now are
// destroyed: a service signs with a key no longer than its certificate's validity, so
// with keep at least that (twice it leaves room for clocks and restarts) no node loses
// a key it signs with, and the keys of rotations and of stopped nodes do not pile up.
// A key of a label this method did not make is never touched.
func (s *PKCS11KeyStore) ServiceKey(service string, caKey crypto.PublicKey, now time.Time, keep time.Duration) (crypto.Signer, error) {
	if service == "" || strings.Trim(service, "abcdefghijklmnopqrstuvwxyz") != "" {
		return nil, fmt.Errorf("ca: pkcs11: service key: service %q: only a-z", service)
	}
	var spec KeySpec
	switch k := caKey.(type) {
	case *rsa.PublicKey:
		spec = KeySpec{Algorithm: "rsa", Bits: 2048}
	case *ecdsa.PublicKey:
		spec = KeySpec{Algorithm: "ecdsa", Curve: k.Curve}
	default:
		return nil, fmt.Errorf("ca: pkcs11: %s key for a %T CA key: %w", service, caKey, ErrNotInHSM)
	}
	if err := s.destroyServiceKeys(service, now.Add(-keep)); err != nil {
		return nil, err
	}
	var tail [4]byte
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("ca: pkcs11: key id: %w", err)
	}
	copy(tail[:], id)
	label := fmt.Sprintf("%s%s-%d-%x", serviceLabelPrefix, service, now.Unix(), tail)
	var k crypto.Signer
	var err error
	switch spec.Algorithm {
	case "rsa":
		k, err = s.ctx.GenerateRSAKeyPairWithLabel(id, []byte(label), spec.Bits)
	default:
		k, err = s.ctx.GenerateECDSAKeyPairWithLabel(id, []byte(label), spec.Curve)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: pkcs11: generate %s key %s: %w", spec, label, err)
	}
	return k, nil
}

// serviceLabelPrefix begins the label of every key ServiceKey makes.
const serviceLabelPrefix = "nca-svc-"

// ServiceKeyLabels lists the labels of the token's keys made by ServiceKey for
// service, in no particular order.
func (s *PKCS11KeyStore) ServiceKeyLabels(service string) ([]string, error) {
	var out []string
	err := s.eachServiceKey(service, func(label string, _ time.Time, _ crypto.Signer) error {
		out = append(out, label)
		return nil
	})
	return out, err
}

// destroyServiceKeys destroys the keys ServiceKey made for service before before.
func (s *PKCS11KeyStore) destroyServiceKeys(service string, before time.Time) error {
	return s.eachServiceKey(service, func(label string, made time.Time, k crypto.Signer) error {
		if !made.Before(before) {
			return nil
		}
		d, ok := k.(interface{ Delete() error })
		if !ok {
			return fmt.Errorf("ca: pkcs11: key %s cannot be destroyed", label)
		}
		if err := d.Delete(); err != nil {
			return fmt.Errorf("ca: pkcs11: destroy the old %s key %s: %w", service, label, err)
		}
		return nil
	})
}

// eachServiceKey calls fn with every key pair of the token whose label ServiceKey
// made for service, with the time in its label.
func (s *PKCS11KeyStore) eachServiceKey(service string, fn func(label string, made time.Time, k crypto.Signer) error) error {
	ks, err := s.ctx.FindAllKeyPairs()
	if err != nil {
		return fmt.Errorf("ca: pkcs11: list keys: %w", err)
	}
	prefix := serviceLabelPrefix + service + "-"
	for _, k := range ks {
		a, err := s.ctx.GetAttribute(k, crypto11.CkaLabel)
		if err != nil || a == nil {
			continue // a key without a readable label is not one of ours
		}
		label := string(a.Value)
		rest, ok := strings.CutPrefix(label, prefix)
		if !ok {
			continue
		}
		secs, _, ok := strings.Cut(rest, "-")
		unix, err := strconv.ParseInt(secs, 10, 64)
		if !ok || err != nil {
			continue
		}
		if err := fn(label, time.Unix(unix, 0), k); err != nil {
			return err
		}
	}
	return nil
}
