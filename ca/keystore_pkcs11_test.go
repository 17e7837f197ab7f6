//go:build cgo

package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/opennca/nca/ca/softhsmtest"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
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

// TestPKCS11ServiceKeys: service keys are made in the token in the CA key's family
// and sign; a GOST CA key gets ErrNotInHSM; keys older than keep are destroyed when
// the next one is made, younger ones and other keys of the token are not.
func TestPKCS11ServiceKeys(t *testing.T) {
	tok := softhsmtest.New(t, "nca-test")
	ks := openToken(t, tok)
	caKey, err := ks.Generate(IssuingRSA, KeySpec{Algorithm: "rsa", Bits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	start := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

	first, err := ks.ServiceKey("tsa", caKey.Public(), start, 60*day)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := first.Public().(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Fatalf("TSA key for an RSA CA: %T", first.Public())
	}
	digest := sha256.Sum256([]byte("to be signed"))
	sig, err := first.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil || rsa.VerifyPKCS1v15(first.Public().(*rsa.PublicKey), crypto.SHA256, digest[:], sig) != nil {
		t.Fatalf("the token's TSA key does not sign: %v", err)
	}
	ec, err := ks.ServiceKey("ocsp", &ecKey.PublicKey, start, 14*day)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ec.Public().(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("OCSP key for a P-256 CA: %T", ec.Public())
	}
	gostKey, err := gost.GenerateKey(gost.CurveCryptoProA(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.ServiceKey("tsa", gostKey.Public(), start, 60*day); !errors.Is(err, ErrNotInHSM) {
		t.Fatalf("a GOST CA key: %v, want ErrNotInHSM", err)
	}
	if _, err := ks.ServiceKey("TSA", caKey.Public(), start, day); err == nil {
		t.Fatal("a service name outside a-z was accepted")
	}

	// Twenty days later a rotation keeps the first key (younger than 60 days) ...
	second, err := ks.ServiceKey("tsa", caKey.Public(), start.Add(20*day), 60*day)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := ks.ServiceKeyLabels("tsa")
	if err != nil || len(labels) != 2 {
		t.Fatalf("TSA keys after a rotation: %v, %v", labels, err)
	}
	// ... and one 61 days after the first destroys it, and only it.
	if _, err := ks.ServiceKey("tsa", caKey.Public(), start.Add(61*day), 60*day); err != nil {
		t.Fatal(err)
	}
	labels, err = ks.ServiceKeyLabels("tsa")
	if err != nil || len(labels) != 2 {
		t.Fatalf("TSA keys after the first expired: %v, %v", labels, err)
	}
	if _, err := second.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		t.Fatalf("the second TSA key was destroyed: %v", err)
	}
	if _, err := first.Sign(rand.Reader, digest[:], crypto.SHA256); err == nil {
		t.Fatal("the first TSA key still signs after it was destroyed")
	}
	if ocsp, err := ks.ServiceKeyLabels("ocsp"); err != nil || len(ocsp) != 1 {
		t.Fatalf("the OCSP key went with the TSA keys: %v, %v", ocsp, err)
	}
	if _, err := ks.Load(IssuingRSA); err != nil {
		t.Fatalf("the CA key went with the service keys: %v", err)
	}
}
