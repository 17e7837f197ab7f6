package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/webkeys"
)

// Key files are named as the national files are (webkeys.FileNames): the signing key
// in RSA256_<id>.p12 (RSA) or GOSTKNCA_<id>.p12 (GOST), the authentication key in
// AUTH_RSA256_<id>.p12.

// keyPaths returns the signing and authentication key file paths of pair id in dir:
// the signing file is GOSTKNCA_<id>.p12 when that exists, else RSA256_<id>.p12.
func keyPaths(dir, id string) (sign, auth string) {
	s, a := webkeys.FileNames(id, fileExists(filepath.Join(dir, webkeys.GOSTSignPrefix+id+webkeys.FileSuffix)))
	return filepath.Join(dir, s), filepath.Join(dir, a)
}

// newKeyPaths returns the paths keygen writes for pair id: the signing file is named
// after its algorithm.
func newKeyPaths(dir, id string, gostSign bool) (sign, auth string) {
	s, a := webkeys.FileNames(id, gostSign)
	return filepath.Join(dir, s), filepath.Join(dir, a)
}

// isKeyFileName reports whether name is a national key file name.
func isKeyFileName(name string) bool {
	_, _, ok := webkeys.ParseFileName(name)
	return ok
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
		prefix, id, ok := webkeys.ParseFileName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		if prefix != webkeys.AuthPrefix {
			sign[id] = true
		} else {
			auth[id] = true
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
		return "", fmt.Errorf("no key pair (%s<id>%s or %s<id>%s, and %s<id>%s) in %s: run 'eds keygen --dir %s' first", webkeys.SignPrefix, webkeys.FileSuffix, webkeys.GOSTSignPrefix, webkeys.FileSuffix, webkeys.AuthPrefix, webkeys.FileSuffix, dir, dir)
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

// keys is the environment of the shared key operations: the app's randomness, clock
// and iteration count.
func (a *app) keys() *webkeys.Env {
	return &webkeys.Env{Rand: a.rand, Now: a.now(), Iterations: a.iterations}
}
