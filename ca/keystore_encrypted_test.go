package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncryptedFileKeyStore(t *testing.T) {
	dir := t.TempDir()
	pw := []byte("correct horse battery staple")
	ks := EncryptedFileKeyStore{Dir: dir, Password: pw, Iterations: 1000}
	if _, err := ks.Load("k"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing key: %v", err)
	}
	gen := func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
	s1, err := ks.Create("k", gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Create("k", gen); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing key: %v", err)
	}
	s2, err := ks.Load("k")
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Public().(*ecdsa.PublicKey).Equal(s2.Public()) {
		t.Error("loaded key differs")
	}
	data, err := os.ReadFile(filepath.Join(dir, "k.key"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
		t.Fatalf("the key file is not an encrypted PKCS#8 PEM:\n%.60s", data)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(s1)
	if bytes.Contains(data, der) || bytes.Contains(data, []byte("BEGIN PRIVATE KEY")) {
		t.Fatal("the key is stored in the clear")
	}

	wrong := EncryptedFileKeyStore{Dir: dir, Password: []byte("tr0ub4dor&3")}
	_, err = wrong.Load("k")
	if err == nil {
		t.Fatal("a wrong password opened the key")
	}
	if strings.Contains(err.Error(), "tr0ub4dor") || strings.Contains(err.Error(), string(pw)) {
		t.Fatalf("the error quotes a password: %v", err)
	}
	// An unencrypted key file is refused by the encrypted store.
	if _, err := (FileKeyStore{Dir: dir}).Create("plain", gen); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load("plain"); err == nil {
		t.Fatal("the encrypted store loaded an unencrypted key file")
	}
	if _, err := (EncryptedFileKeyStore{Dir: dir}).Create("nopw", gen); err == nil {
		t.Fatal("a key was created under an empty password")
	}
}

// TestEncryptedKeyOpenSSL checks the file format both ways with OpenSSL: it reads the
// keys the store writes, and the store reads what `openssl pkcs8 -topk8 -v2 aes-256-cbc`
// writes.
func TestEncryptedKeyOpenSSL(t *testing.T) {
	bin := openssl(t)
	dir := t.TempDir()
	pw := "a long passphrase"
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, err := ReadSecret(pwFile, "", os.Getenv)
	if err != nil || string(secret) != pw {
		t.Fatalf("ReadSecret: %q, %v", secret, err)
	}
	ks := EncryptedFileKeyStore{Dir: dir, Password: secret, Iterations: 2048}
	k, err := ks.Create("ours", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) })
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "pkey", "-in", filepath.Join(dir, "ours.key"), "-passin", "file:"+pwFile, "-pubout").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cannot read our key: %v\n%s", err, out)
	}
	spki, _ := x509.MarshalPKIXPublicKey(k.Public())
	if b, _ := pem.Decode(out); b == nil || !bytes.Equal(b.Bytes, spki) {
		t.Fatalf("openssl reads another public key:\n%s", out)
	}

	plain := filepath.Join(dir, "plain.pem")
	if out, err := exec.Command(bin, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", plain).CombinedOutput(); err != nil {
		t.Fatalf("openssl genpkey: %v\n%s", err, out)
	}
	theirs := filepath.Join(dir, "theirs.key")
	if out, err := exec.Command(bin, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-in", plain, "-out", theirs, "-passout", "file:"+pwFile).CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs8: %v\n%s", err, out)
	}
	if err := os.Chmod(theirs, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ks.Load("theirs")
	if err != nil {
		t.Fatalf("loading OpenSSL's encrypted key: %v", err)
	}
	if pub, ok := s.Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P384() {
		t.Fatalf("loaded %T", s.Public())
	}

	t.Setenv("NCA_TEST_SECRET", "from-env")
	if b, err := ReadSecret("", "NCA_TEST_SECRET", os.Getenv); err != nil || string(b) != "from-env" {
		t.Fatalf("ReadSecret from the environment: %q, %v", b, err)
	}
	if _, err := ReadSecret("", "NCA_TEST_SECRET_UNSET", os.Getenv); err == nil {
		t.Fatal("an unset variable gave a secret")
	}
}
