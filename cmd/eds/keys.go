package main

import (
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
)

// Key file naming, as the national files are named (PROFILE.md): the signing key in
// RSA256_<id>.p12 (RSA) or GOSTKNCA_<id>.p12 (GOST), the authentication key in
// AUTH_RSA256_<id>.p12, where <id> is the first 16 hex digits of the SHA-256 of the
// signing key's SubjectPublicKeyInfo DER (pki.MarshalPublicKey).
const (
	signPrefix     = "RSA256_"
	gostSignPrefix = "GOSTKNCA_"
	authPrefix     = "AUTH_RSA256_"
	keySuffix      = ".p12"
	idLen          = 16
)

var keyFileRE = regexp.MustCompile(`^(AUTH_RSA256_|RSA256_|GOSTKNCA_)([0-9a-f]{16})\.p12$`)

// keyID returns the key pair id of a signing public key.
func keyID(pub crypto.PublicKey) (string, error) {
	der, err := pki.MarshalPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])[:idLen], nil
}

// keyPaths returns the signing and authentication key file paths of pair id in dir:
// the signing file is GOSTKNCA_<id>.p12 when that exists, else RSA256_<id>.p12.
func keyPaths(dir, id string) (sign, auth string) {
	sign = filepath.Join(dir, signPrefix+id+keySuffix)
	if g := filepath.Join(dir, gostSignPrefix+id+keySuffix); fileExists(g) {
		sign = g
	}
	return sign, filepath.Join(dir, authPrefix+id+keySuffix)
}

// newKeyPaths returns the paths keygen writes for pair id: the signing file is named
// after its algorithm.
func newKeyPaths(dir, id string, gostSign bool) (sign, auth string) {
	prefix := signPrefix
	if gostSign {
		prefix = gostSignPrefix
	}
	return filepath.Join(dir, prefix+id+keySuffix), filepath.Join(dir, authPrefix+id+keySuffix)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// keyPairs lists the ids of the complete key pairs (both files present) in dir, sorted.
func keyPairs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the key directory: %w", err)
	}
	sign, auth := map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		m := keyFileRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		if m[1] != authPrefix {
			sign[m[2]] = true
		} else {
			auth[m[2]] = true
		}
	}
	var ids []string
	for id := range sign {
		if auth[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// pickPair chooses the key pair in dir: want when given (it must exist), else the only
// one there.
func pickPair(dir, want string) (string, error) {
	ids, err := keyPairs(dir)
	if err != nil {
		return "", err
	}
	if want != "" {
		for _, id := range ids {
			if id == want {
				return id, nil
			}
		}
		if len(ids) == 0 {
			return "", fmt.Errorf("no key pair %s in %s (no key pairs at all: run 'eds keygen --dir %s')", want, dir, dir)
		}
		return "", fmt.Errorf("no key pair %s in %s; the key pairs there are: %s", want, dir, strings.Join(ids, ", "))
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no key pair (%s<id>%s or %s<id>%s, and %s<id>%s) in %s: run 'eds keygen --dir %s' first", signPrefix, keySuffix, gostSignPrefix, keySuffix, authPrefix, keySuffix, dir, dir)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%s holds %d key pairs; choose one with --id: %s", dir, len(ids), strings.Join(ids, ", "))
}

// readKeyFile decodes a key file, naming the file in errors.
func readKeyFile(path, password string) (*keyfile.Container, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := keyfile.Decode(data, password)
	if errors.Is(err, keyfile.ErrWrongPassword) {
		return nil, fmt.Errorf("%s: wrong password", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// writeNewFile writes data to a file that must not exist yet, with mode 0600.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; not overwriting it", path)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// replaceFile atomically replaces path with data (mode 0600): a temporary file in the
// same directory, synced, then renamed over path.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
