package ca

import (
	"crypto"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opennca/nca/keyfile"
)

// KeyStore keeps the CA private keys. Implementations must never log or return key
// material in errors. A file store is provided; HSM (PKCS#11) and encrypted stores
// plug in here.
type KeyStore interface {
	// Load returns the signer of the named key. When no such key exists the error
	// wraps fs.ErrNotExist.
	Load(name string) (crypto.Signer, error)
	// Create makes a new key named name with gen, stores it and returns its signer.
	// It fails (wrapping fs.ErrExist) when the key already exists.
	Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error)
}

// FileKeyStore keeps each key in Dir/<name>.key as an unencrypted PKCS#8 PEM file of
// mode 0600. Load refuses key files readable or writable by group or others.
type FileKeyStore struct {
	Dir string
	// Codec converts keys to and from PKCS#8; nil means keyfile.DefaultCodec(), which
	// knows every key algorithm of the authority.
	Codec keyfile.KeyCodec
}

func (s FileKeyStore) codec() keyfile.KeyCodec {
	if s.Codec == nil {
		return keyfile.DefaultCodec()
	}
	return s.Codec
}

func (s FileKeyStore) path(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("ca: key name %q: only a-z, 0-9 and '-' are allowed", name)
	}
	return filepath.Join(s.Dir, name+".key"), nil
}

// Load implements KeyStore.
func (s FileKeyStore) Load(name string) (crypto.Signer, error) {
	der, err := readKeyPEM(s.Dir, name, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	signer, err := s.codec().ParsePKCS8(der)
	if err != nil {
		// The parsers' messages never quote key bytes.
		return nil, fmt.Errorf("ca: load key %s: %w", name, err)
	}
	return signer, nil
}

// readKeyPEM reads the key file of name in dir and returns the DER of its PEM block
// of type blockType. It refuses files readable or writable by group or others. A
// missing file is an error wrapping fs.ErrNotExist.
func readKeyPEM(dir, name, blockType string) ([]byte, error) {
	p, err := FileKeyStore{Dir: dir}.path(name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("ca: load key %s: %w", name, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ca: load key %s: %s has mode %04o; it must not be accessible by group or others (chmod 600)", name, p, fi.Mode().Perm())
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("ca: load key %s: %w", name, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != blockType {
		return nil, fmt.Errorf("ca: load key %s: %s holds no %q PEM block", name, p, blockType)
	}
	return block.Bytes, nil
}

// Create implements KeyStore. The file is written under a temporary name, synced, and
// linked into place, so a crash never leaves a truncated key and an existing key is
// never replaced.
func (s FileKeyStore) Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	p, err := s.path(name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err == nil {
		return nil, fmt.Errorf("ca: create key %s: %w", name, fs.ErrExist)
	}
	signer, err := gen()
	if err != nil {
		return nil, fmt.Errorf("ca: create key %s: generate: %w", name, err)
	}
	der, err := s.codec().MarshalPKCS8(signer)
	if err != nil {
		return nil, fmt.Errorf("ca: create key %s: encode: %w", name, err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeFileExcl(p, data, 0o600); err != nil {
		return nil, fmt.Errorf("ca: create key %s: %w", name, err)
	}
	return signer, nil
}

// writeFileExcl writes data to path with mode perm, atomically and without replacing
// an existing file (the error then wraps fs.ErrExist).
func writeFileExcl(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		return err
	}
	return nil
}

// validName reports whether name is a URL- and file-safe CA or key name.
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
