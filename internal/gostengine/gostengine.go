// Package gostengine checks GOST signatures made by this project with an independent
// implementation, OpenSSL's gost-engine (Debian package libengine-gost-openssl), for
// tests. gost-engine speaks the Russian OIDs and the RFC 4491 signature layout, so the
// translation of GOST.md is applied: the issuer key is given under the Russian OIDs
// (pki.MarshalPublicKeyRussian) and the signature value r_LE‖s_LE is byte-reversed to
// s_BE‖r_BE; OpenSSL hashes the to-be-signed bytes itself.
package gostengine

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
)

// Require skips t when gost-engine is not installed, except in CI (CI=true), where
// .ci/run installs it and its absence fails the test.
func Require(t testing.TB) {
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

// VerifySigned asks gost-engine whether signed — a DER SIGNED{…} structure
// (certificate, CRL, OCSP basic response) signed with GOST 2015-512 under the Kazakh
// OID — carries a valid signature by issuer. It returns OpenSSL's verdict and output.
func VerifySigned(t testing.TB, signed []byte, issuer *gost.PublicKey) (bool, string) {
	t.Helper()
	tbs, alg, sig, err := pki.SplitSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !alg.Algorithm.Equal(gost.OIDKZGost2015Signature512) {
		t.Fatalf("gostengine: algorithm %s is not GOST 2015-512", alg.Algorithm)
	}
	return Verify(t, tbs, sig, issuer)
}

// Verify asks gost-engine whether sig (r_LE‖s_LE, GOST 2015-512 with Streebog-512)
// is issuer's signature over data.
func Verify(t testing.TB, data, sig []byte, issuer *gost.PublicKey) (bool, string) {
	t.Helper()
	rev, err := gost.ConvertSignature(sig, gost.LayoutKazakh, gost.LayoutRFC4491)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := pki.MarshalPublicKeyRussian(issuer)
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
	dataFile := write("data.der", data)
	out, err := exec.Command("openssl", "dgst", "-engine", "gost", "-md_gost12_512",
		"-verify", pub, "-signature", sigFile, dataFile).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verified OK"), string(out)
}
