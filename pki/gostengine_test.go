package pki_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
)

// The national test CA's 2022 CRL verifies with gost-engine after the translation
// (the method is sound), and so do certificates we sign with GOST 2015-512; a
// certificate with one changed byte in the to-be-signed part does not.
func TestGOSTEngineVerifiesOurCertificates(t *testing.T) {
	gostengine.Require(t)
	dir := filepath.Join("..", "..", "shared", "fixtures", "kz-test-pki")
	caDER, err := os.ReadFile(filepath.Join(dir, "ca_nca_gost2015_test.cer"))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := os.ReadFile(filepath.Join(dir, "crl_nca_gost2022_test.crl"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	caPub, err := pki.PublicKeyOf(ca)
	if err != nil {
		t.Fatal(err)
	}
	if ok, out := gostengine.VerifySigned(t, crl, caPub.(*gost.PublicKey)); !ok {
		t.Fatalf("gost-engine refuses the national test CRL: %s", out)
	}

	now := time.Now()
	rootKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	leafKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	s, _ := pki.NewSigner(rootKey, rand.Reader)
	rootT := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "NCA Root (GOST) test"},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := pki.CreateCertificate(rand.Reader, rootT, nil, rootKey.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	leafDER, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(8),
		Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now, NotAfter: now.AddDate(0, 1, 0),
		KeyUsage: x509.KeyUsageDigitalSignature}, root, leafKey.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"root": rootDER, "leaf": leafDER} {
		if ok, out := gostengine.VerifySigned(t, der, rootKey.PublicKey()); !ok {
			t.Fatalf("gost-engine refuses our %s certificate: %s", name, out)
		}
		bad := bytes.Clone(der)
		bad[40] ^= 1 // inside the TBSCertificate (serial / algorithm)
		if ok, _ := gostengine.VerifySigned(t, bad, rootKey.PublicKey()); ok {
			t.Fatalf("gost-engine accepts a tampered %s certificate", name)
		}
	}
}
