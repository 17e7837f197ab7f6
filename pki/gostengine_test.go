package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/gost"
)

// gostEngine skips the test when OpenSSL's gost-engine is not installed, except in CI
// (CI=true), where .ci/run installs it and its absence is a failure.
func gostEngine(t *testing.T) {
	t.Helper()
	out, err := exec.Command("openssl", "engine", "gost").CombinedOutput()
	if err == nil && strings.Contains(string(out), "gost") {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("OpenSSL's gost-engine is required in CI (apt-get install libengine-gost-openssl): %v\n%s", err, out)
	}
	t.Skipf("OpenSSL's gost-engine is not installed (apt-get install libengine-gost-openssl): %v", err)
}

// EngineVerify checks the signature of a SIGNED{…} structure signed with a GOST
// 2015-512 key with OpenSSL's gost-engine, independently of our GOST code: the issuer
// key is given to OpenSSL under the Russian OIDs (RFC 9215), the signature value is
// byte-reversed from r_LE‖s_LE to the RFC 4491 s_BE‖r_BE, and OpenSSL hashes the
// to-be-signed bytes with its own Streebog-512. It returns OpenSSL's verdict.
func engineVerify(t *testing.T, signed []byte, issuer *gost.PublicKey) (bool, string) {
	t.Helper()
	tbs, alg, sig, err := splitSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !alg.Algorithm.Equal(gost.OIDKZGost2015Signature512) {
		t.Fatalf("algorithm %s is not GOST 2015-512", alg.Algorithm)
	}
	rev, err := gost.ConvertSignature(sig, gost.LayoutKazakh, gost.LayoutRFC4491)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := MarshalPublicKeyRussian(issuer)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	sigFile := write("sig.bin", rev)
	tbsFile := write("tbs.der", tbs)
	out, err := exec.Command("openssl", "dgst", "-engine", "gost", "-md_gost12_512",
		"-verify", pub, "-signature", sigFile, tbsFile).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verified OK"), string(out)
}

// The national test CA's 2022 CRL verifies with gost-engine after the translation
// (the method is sound), and so do certificates we sign with GOST 2015-512; a
// certificate with one changed byte in the to-be-signed part does not.
func TestGOSTEngineVerifiesOurCertificates(t *testing.T) {
	gostEngine(t)
	ca := fixtureCert(t, "ca_nca_gost2015_test.cer")
	caPub, err := PublicKeyOf(ca)
	if err != nil {
		t.Fatal(err)
	}
	if ok, out := engineVerify(t, fixture(t, "crl_nca_gost2022_test.crl"), caPub.(*gost.PublicKey)); !ok {
		t.Fatalf("gost-engine refuses the national test CRL: %s", out)
	}

	now := time.Now()
	rootKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	leafKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	s, _ := NewSigner(rootKey, rand.Reader)
	rootT := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "NCA Root (GOST) test"},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := CreateCertificate(rand.Reader, rootT, nil, rootKey.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	leafDER, err := CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(8),
		Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now, NotAfter: now.AddDate(0, 1, 0),
		KeyUsage: x509.KeyUsageDigitalSignature}, root, leafKey.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"root": rootDER, "leaf": leafDER} {
		if ok, out := engineVerify(t, der, rootKey.PublicKey()); !ok {
			t.Fatalf("gost-engine refuses our %s certificate: %s", name, out)
		}
		bad := bytes.Clone(der)
		bad[40] ^= 1 // inside the TBSCertificate (serial / algorithm)
		if ok, _ := engineVerify(t, bad, rootKey.PublicKey()); ok {
			t.Fatalf("gost-engine accepts a tampered %s certificate", name)
		}
	}
}
