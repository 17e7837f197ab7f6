package main

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/pki"
)

// ceremonyConfig is the file that drives `nca init` (the key ceremony) and tells
// `nca serve --key-store` where the CA keys are. See docs/operations.md.
type ceremonyConfig struct {
	// Data is the authority's data folder: the CA certificates go to <data>/ca and the
	// ceremony records to <data>/ceremony.
	Data    string `yaml:"data"`
	Org     string `yaml:"org"`
	BaseURL string `yaml:"base_url"`
	// KeyAlgorithm of new CA keys: rsa-4096 (default), rsa-3072, ecdsa-p384, ecdsa-p256.
	KeyAlgorithm string         `yaml:"key_algorithm"`
	KeyStore     keyStoreConfig `yaml:"key_store"`
	// Operator and Participants are written into the ceremony record.
	Operator     string   `yaml:"operator"`
	Participants []string `yaml:"participants"`
}

// keyStoreConfig says where CA keys live.
type keyStoreConfig struct {
	// Type is "file" (unencrypted PKCS#8, the quick start's default),
	// "encrypted-file" (encrypted PKCS#8) or "pkcs11" (an HSM token).
	Type string `yaml:"type"`
	// PKCS#11: the module library, the token label and the user PIN's file or
	// environment variable.
	Module     string `yaml:"module"`
	TokenLabel string `yaml:"token_label"`
	PINFile    string `yaml:"pin_file"`
	PINEnv     string `yaml:"pin_env"`
	// encrypted-file, and software_cas under pkcs11: the password's file or
	// environment variable.
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// SoftwareCAs names CAs whose keys stay in key files even with "pkcs11" (GOST
	// CAs: no common HSM implements the Kazakh GOST mechanisms), encrypted with the
	// configured password, which is then required.
	SoftwareCAs []string `yaml:"software_cas"`
}

// readCeremonyConfig reads a ceremony file; unknown keys are an error.
func readCeremonyConfig(path string) (*ceremonyConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ceremony config: %w", err)
	}
	var c ceremonyConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("ceremony config %s: %w", path, err)
	}
	return &c, nil
}

// keySpec is the kind of new CA keys; the zero KeySpec leaves it to ca.Options.RSABits.
func (c *ceremonyConfig) keySpec() (ca.KeySpec, error) {
	if c.KeyAlgorithm == "" {
		return ca.KeySpec{}, nil
	}
	return ca.ParseKeySpec(c.KeyAlgorithm)
}

// openedKeys is an open key store with a description for records and a closer.
type openedKeys struct {
	store    ca.KeyStore
	describe string
	close    func() error
	// hsm is the PKCS#11 token of a pkcs11 key store: the services' keys (OCSP
	// responders, time stamping) are made in it too (serviceKeyGen). Nil otherwise.
	hsm *ca.PKCS11KeyStore
}

// serviceKeyGen is the key generator of a service (ocsp.Config.KeyGen,
// tsp.Config.KeyGen; service names it, e.g. "ocsp") whose certificates last validity:
// with an HSM, keys of RSA and ECDSA CAs are made in the token and kept there twice
// validity (ca.PKCS11KeyStore.ServiceKey), GOST keys in software; without one, nil
// (the services make software keys).
func (k *openedKeys) serviceKeyGen(service string, validity time.Duration, now func() time.Time) func(crypto.PublicKey, io.Reader) (crypto.Signer, error) {
	if k == nil || k.hsm == nil {
		return nil
	}
	hsm := k.hsm
	return func(caKey crypto.PublicKey, random io.Reader) (crypto.Signer, error) {
		key, err := hsm.ServiceKey(service, caKey, now(), 2*validity)
		if errors.Is(err, ca.ErrNotInHSM) {
			return pki.GenerateKeyLike(caKey, random)
		}
		return key, err
	}
}

// openKeyStore opens the key store of k for the CA folder dir. Secrets are read from
// the configured files or variables and never printed.
func openKeyStore(k keyStoreConfig, dir string, getenv func(string) string) (*openedKeys, error) {
	files := func() (ca.KeyStore, string, error) {
		if k.PasswordFile == "" && k.PasswordEnv == "" {
			return ca.FileKeyStore{Dir: dir}, "key files in " + dir, nil
		}
		pw, err := ca.ReadSecret(k.PasswordFile, k.PasswordEnv, getenv)
		if err != nil {
			return nil, "", fmt.Errorf("key store password: %w", err)
		}
		return ca.EncryptedFileKeyStore{Dir: dir, Password: pw}, "encrypted key files in " + dir, nil
	}
	switch k.Type {
	case "", "file":
		if len(k.SoftwareCAs) > 0 {
			return nil, fmt.Errorf("key_store: software_cas is only for type pkcs11")
		}
		if k.PasswordFile != "" || k.PasswordEnv != "" {
			// Asking for a password and getting plaintext keys would be worse than
			// an error.
			return nil, fmt.Errorf("key_store: type file keeps keys unencrypted and takes no password; use type encrypted-file")
		}
		return &openedKeys{store: ca.FileKeyStore{Dir: dir}, describe: "key files in " + dir, close: func() error { return nil }}, nil
	case "encrypted-file":
		if k.PasswordFile == "" && k.PasswordEnv == "" {
			return nil, fmt.Errorf("key_store: encrypted-file needs password_file or password_env")
		}
		s, d, err := files()
		if err != nil {
			return nil, err
		}
		return &openedKeys{store: s, describe: d, close: func() error { return nil }}, nil
	case "pkcs11":
		pin, err := ca.ReadSecret(k.PINFile, k.PINEnv, getenv)
		if err != nil {
			return nil, fmt.Errorf("HSM PIN: %w", err)
		}
		hsm, err := ca.OpenPKCS11(ca.PKCS11Config{Module: k.Module, TokenLabel: k.TokenLabel, PIN: string(pin)})
		if err != nil {
			return nil, err
		}
		o := &openedKeys{store: hsm, close: hsm.Close, hsm: hsm,
			describe: fmt.Sprintf("PKCS#11 token %q via %s", k.TokenLabel, filepath.Base(k.Module))}
		if len(k.SoftwareCAs) > 0 {
			if err := checkSoftwareCAs(k); err != nil {
				hsm.Close()
				return nil, err
			}
			soft, d, err := files()
			if err != nil {
				hsm.Close()
				return nil, err
			}
			route := ca.KeyStores{Default: hsm, ByCA: map[string]ca.KeyStore{}}
			for _, n := range k.SoftwareCAs {
				route.ByCA[n] = soft
			}
			o.store = route
			o.describe += fmt.Sprintf("; %v in %s", k.SoftwareCAs, d)
		}
		return o, nil
	}
	return nil, fmt.Errorf("key_store: type %q: want file, encrypted-file or pkcs11", k.Type)
}

// checkSoftwareCAs refuses software_cas naming unknown CAs or without a password:
// next to an HSM, the CA keys kept in files are encrypted.
func checkSoftwareCAs(k keyStoreConfig) error {
	for _, n := range k.SoftwareCAs {
		switch n {
		case ca.RootRSA, ca.IssuingRSA, ca.RootGOST, ca.IssuingGOST:
		default:
			return fmt.Errorf("key_store: software_cas: %q is not a CA of the authority (%s, %s, %s, %s)", n, ca.RootRSA, ca.IssuingRSA, ca.RootGOST, ca.IssuingGOST)
		}
	}
	if k.PasswordFile == "" && k.PasswordEnv == "" {
		return fmt.Errorf("key_store: software_cas needs password_file or password_env: the CA keys kept in files beside an HSM are encrypted")
	}
	return nil
}

// openAuthority opens the CAs of c's data folder with the key store of --key-store
// (key files in <data>/ca by default). Close the returned keys after the authority.
func openAuthority(c *serveConfig, log *slog.Logger) (*ca.Authority, []string, *openedKeys, error) {
	dir := filepath.Join(c.data, "ca")
	var ks keyStoreConfig
	var spec ca.KeySpec
	if c.keyStore != "" {
		cfg, err := readCeremonyConfig(c.keyStore)
		if err != nil {
			return nil, nil, nil, err
		}
		if spec, err = cfg.keySpec(); err != nil {
			return nil, nil, nil, err
		}
		ks = cfg.KeyStore
	}
	getenv := c.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	keys, err := openKeyStore(ks, dir, getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	// With a key store chosen by --key-store, the CA keys come from its ceremony:
	// serve never generates one outside it (and outside its record).
	a, created, err := ca.Open(ca.Options{Dir: dir, Keys: keys.store, KeySpec: spec, Org: c.org, BaseURL: c.baseURL, Logger: log,
		RSABits: c.caBits, NoNewKeys: c.keyStore != ""})
	if err != nil {
		keys.close()
		return nil, nil, nil, err
	}
	return a, created, keys, nil
}
