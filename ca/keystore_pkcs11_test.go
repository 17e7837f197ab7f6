//go:build cgo

package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/opennca/nca/ca/softhsmtest"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
)

func openToken(t *testing.T, tok softhsmtest.Token) *PKCS11KeyStore {
	t.Helper()
	ks, err := OpenPKCS11(PKCS11Config{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Close() }) // a second Close is harmless
	return ks
}

// TestPKCS11Authority creates the CAs with keys generated in a SoftHSM2 token, issues
// a certificate and a CRL signed by the token, then closes everything, opens the token
// again (a restart) and signs again with the same keys.
func TestPKCS11Authority(t *testing.T) {
	for _, tc := range []struct {
		spec string
		pub  func(any) bool
	}{
		{"rsa-2048", func(k any) bool { _, ok := k.(*rsa.PublicKey); return ok }},
		{"ecdsa-p384", func(k any) bool { _, ok := k.(*ecdsa.PublicKey); return ok }},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			tok := softhsmtest.New(t, "nca-test")
			spec, err := ParseKeySpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "ca")
			opts := testOptions(dir)
			opts.KeySpec = spec

			// RSA/ECDSA CAs in the token, GOST CAs (no HSM speaks GOST) in key files.
			route := func(ks *PKCS11KeyStore) KeyStore {
				files := FileKeyStore{Dir: dir}
				return KeyStores{Default: ks, ByCA: map[string]KeyStore{RootGOST: files, IssuingGOST: files}}
			}
			ks := openToken(t, tok)
			opts.Keys = route(ks)
			a, created, err := Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(created) != 4 {
				t.Fatalf("created %v", created)
			}
			// Key files only for the GOST CAs: the others are in the token.
			m, _ := filepath.Glob(filepath.Join(dir, "*.key"))
			if len(m) != 2 || filepath.Base(m[0]) != IssuingGOST+".key" || filepath.Base(m[1]) != RootGOST+".key" {
				t.Fatalf("key files: %v, want only the GOST CAs'", m)
			}
			// Without the routing, the token refuses a software GOST key.
			if _, err := ks.Create(RootGOST, func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }); err == nil {
				t.Fatal("PKCS11KeyStore.Create accepted a software key")
			}
			first := issueAndCRL(t, a)
			if !tc.pub(first.PublicKeyOf(t)) {
				t.Fatalf("issuing CA key is %T", first.PublicKeyOf(t))
			}
			if err := ks.Close(); err != nil {
				t.Fatal(err)
			}

			// Restart: a new session on the token finds the keys by label.
			ks = openToken(t, tok)
			opts.Keys = route(ks)
			a, created, err = Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(created) != 0 {
				t.Fatalf("restart created %v", created)
			}
			second := issueAndCRL(t, a)
			if !second.issuer.Equal(first.issuer) {
				t.Fatal("the issuing CA changed across the restart")
			}
			if _, err := ks.Generate(IssuingRSA, spec); !errors.Is(err, fs.ErrExist) {
				t.Fatalf("generating an existing key: %v", err)
			}
		})
	}
}

type signed struct {
	issuer *x509.Certificate
	cert   *x509.Certificate
	crl    *x509.RevocationList
}

func (s signed) PublicKeyOf(t *testing.T) any { return s.issuer.PublicKey }

// issueAndCRL issues one AUTH certificate and one CRL from the issuing CA and checks
// both signatures against the CA certificate.
func issueAndCRL(t *testing.T, a *Authority) signed {
	t.Helper()
	rk, _ := subjectKeys(t)
	sub, err := a.Issuer(IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertAuth,
		Applicant: profile.Sample(profile.Individual), PublicKey: &rk.PublicKey, Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := a.Issue(context.Background(), IssuingRSA, tmpl)
	if err != nil {
		t.Fatalf("Issue with the HSM key: %v", err)
	}
	if err := cert.CheckSignatureFrom(sub.Cert); err != nil {
		t.Fatalf("certificate signature: %v", err)
	}
	der, err := signCRL(a, IssuingRSA, 7, testNow, testNow.Add(time.Hour),
		[]core.RevokedEntry{{Serial: cert.SerialNumber.Text(16), RevokedAt: testNow, Reason: core.ReasonKeyCompromise}})
	if err != nil {
		t.Fatalf("CRL with the HSM key: %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(sub.Cert); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	return signed{issuer: sub.Cert, cert: cert, crl: crl}
}
