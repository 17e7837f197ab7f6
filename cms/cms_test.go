package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "kz-test-pki", name))
	if err != nil {
		t.Fatal(err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}

// The national test CMS: attached "test123", two signers (GOST 2015-512 and RSA),
// both verify, their certificates chain to the fixture CAs at the signing time, and a
// changed content or attribute breaks them.
func TestFixtureCMS(t *testing.T) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(fixture(t, "cms_signed_gost2015_test.b64"))))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if string(sd.Content) != "test123" || len(sd.Signers) != 2 {
		t.Fatalf("content %q, %d signers", sd.Content, len(sd.Signers))
	}
	for i, err := range sd.Verify(nil) {
		if err != nil {
			t.Fatalf("signer %d: %v", i+1, err)
		}
	}
	gostCA, _ := x509.ParseCertificate(fixture(t, "ca_nca_gost2015_test.cer"))
	rsaCA, _ := x509.ParseCertificate(fixture(t, "ca_nca_rsa_test.crt"))
	wantAlg := []string{"1.2.398.3.10.1.1.2.3.2", "1.2.840.113549.1.1.11"}
	for i, si := range sd.Signers {
		if si.SignatureAlgorithm.Algorithm.String() != wantAlg[i] {
			t.Errorf("signer %d: algorithm %s", i+1, si.SignatureAlgorithm.Algorithm)
		}
		if !si.SigningTime.Equal(time.Date(2022, 9, 27, 21, 17, 59, 0, time.UTC)) {
			t.Errorf("signer %d: signing time %v", i+1, si.SigningTime)
		}
		// The RSA signer's certificate had expired when it signed (2022-01-18): check the
		// chain at a time inside each certificate's validity.
		if _, err := pki.VerifyChain(si.Cert, sd.Certificates, []*x509.Certificate{gostCA, rsaCA}, si.Cert.NotBefore.Add(24*time.Hour)); err != nil {
			t.Errorf("signer %d: chain: %v", i+1, err)
		}
	}
	for i, err := range sd.Verify([]byte("test124")) {
		if !errors.Is(err, ErrDigest) {
			t.Errorf("signer %d over other content: %v", i+1, err)
		}
	}
	// A changed signing time (inside the signed attributes) breaks the signatures.
	bad := bytes.Replace(der, []byte("220927211759Z"), []byte("220927211758Z"), -1)
	sd2, err := Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range sd2.Verify(nil) {
		if !errors.Is(err, pki.ErrBadSignature) {
			t.Errorf("signer %d with a changed time: %v", i+1, err)
		}
	}
}

type testPKI struct {
	caKey   *gost.PrivateKey
	ca      *x509.Certificate
	gostKey *gost.PrivateKey
	gost    *x509.Certificate
	rsaKey  *rsa.PrivateKey
	rsa     *x509.Certificate
}

func newPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{}
	now := time.Now()
	p.caKey, _ = gost.GenerateKey(gost.Curve512A(), nil)
	s, _ := pki.NewSigner(p.caKey, nil)
	der, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, p.caKey.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	leaf := func(serial int64, pub crypto.PublicKey) *x509.Certificate {
		der, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "signer"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature}, p.ca, pub, s)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	p.gostKey, _ = gost.GenerateKey(gost.Curve512A(), nil)
	p.gost = leaf(2, p.gostKey.Public())
	p.rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	p.rsa = leaf(3, &p.rsaKey.PublicKey)
	return p
}

// Sign with a GOST and an RSA signer, attached and detached: Parse and Verify accept
// it, the national layout is used for GOST, the CAdES attributes are present, and
// gost-engine accepts the GOST signature over the signed attributes.
func TestSignVerify(t *testing.T) {
	p := newPKI(t)
	content := []byte("a document\n")
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, detached := range []bool{false, true} {
		der, err := Sign(content, []Signer{{Key: p.gostKey, Cert: p.gost, Chain: []*x509.Certificate{p.ca}}, {Key: p.rsaKey, Cert: p.rsa}},
			Options{Detached: detached, Time: at})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		if sd.Detached != detached || len(sd.Signers) != 2 || len(sd.Certificates) != 3 {
			t.Fatalf("detached %v, %d signers, %d certs", sd.Detached, len(sd.Signers), len(sd.Certificates))
		}
		var errs []error
		if detached {
			if e := sd.Verify(nil); !errors.Is(e[0], ErrNoContent) {
				t.Fatalf("detached without content: %v", e[0])
			}
			errs = sd.Verify(content)
		} else {
			errs = sd.Verify(nil)
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("detached %v, signer %d: %v", detached, i+1, err)
			}
		}
		g := sd.Signers[0]
		if g.DigestAlgorithm.Algorithm.String() != "1.2.398.3.10.1.3.3" || g.SignatureAlgorithm.Algorithm.String() != "1.2.398.3.10.1.1.2.3.2" ||
			!bytes.Equal(g.SignatureAlgorithm.Parameters.FullBytes, []byte{5, 0}) || len(g.Signature()) != 128 {
			t.Fatalf("GOST signer layout: %v %v %x", g.DigestAlgorithm.Algorithm, g.SignatureAlgorithm.Algorithm, g.SignatureAlgorithm.Parameters.FullBytes)
		}
		if !g.SigningCertificateV2 || !g.SigningTime.Equal(at) || g.Cert != sd.Certificates[0] && !bytes.Equal(g.Cert.Raw, p.gost.Raw) {
			t.Fatal("CAdES attributes missing")
		}
		if errs := sd.Verify([]byte("another document\n")); !errors.Is(errs[0], ErrDigest) || !errors.Is(errs[1], ErrDigest) {
			t.Fatalf("other content: %v", errs)
		}
		if _, err := exec.LookPath("openssl"); err == nil {
			gostengine.Require(t)
			if ok, out := gostengine.Verify(t, g.SignedAttributes(), g.Signature(), p.gostKey.PublicKey()); !ok {
				t.Fatalf("gost-engine refuses the CMS signature: %s", out)
			}
		}
	}
}

// Sign with another content type (a time-stamp token's) and without certificates:
// version 3, the eContentType and the content-type attribute name the type, no
// certificates are carried, and the signature verifies once the signer's
// certificate is supplied.
func TestSignContentTypeNoCertificates(t *testing.T) {
	p := newPKI(t)
	tstInfo := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	der, err := Sign([]byte{0x30, 0}, []Signer{{Key: p.rsaKey, Cert: p.rsa, Chain: []*x509.Certificate{p.ca}}},
		Options{Time: time.Now(), ContentType: tstInfo, NoCertificates: true})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.ContentType.Equal(tstInfo) || len(sd.Certificates) != 0 || sd.Signers[0].Cert != nil {
		t.Fatalf("content type %s, %d certificates", sd.ContentType, len(sd.Certificates))
	}
	// SignedData version: ContentInfo { OID, [0] { SEQUENCE { INTEGER 3 ...
	if i := bytes.Index(der, []byte{0x02, 0x01, 0x03, 0x31}); i < 0 || i > 30 {
		t.Errorf("SignedData version is not 3: % x", der[:32])
	}
	if errs := sd.Verify(nil); !errors.Is(errs[0], ErrSignerCert) {
		t.Fatalf("verified without the certificate: %v", errs[0])
	}
	sd.Signers[0].Cert = p.rsa
	if errs := sd.Verify(nil); errs[0] != nil {
		t.Fatal(errs[0])
	}
	sd.Signers[0].Cert = p.gost
	if errs := sd.Verify(nil); errs[0] == nil {
		t.Fatal("verified with another signer's certificate")
	}
}

// OpenSSL verifies an RSA-signed CMS we make (an independent reading of the
// SignedData layout and of the CAdES attributes).
func TestOpenSSLVerifiesRSA(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not installed")
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "rsa signer"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, IsCA: true, BasicConstraintsValid: true}
	certDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rk.PublicKey, rk)
	cert, _ := x509.ParseCertificate(certDER)
	content := []byte("hello")
	der, err := Sign(content, []Signer{{Key: rk, Cert: cert}}, Options{Time: now, Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sig.der"), der, 0o600)
	os.WriteFile(filepath.Join(dir, "content"), content, 0o600)
	os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}), 0o600)
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(dir, "sig.der"),
		"-content", filepath.Join(dir, "content"), "-CAfile", filepath.Join(dir, "ca.pem"), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	out, _ = exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", filepath.Join(dir, "sig.der")).CombinedOutput()
	if !strings.Contains(string(out), "id-smime-aa-signingCertificateV2") || !strings.Contains(string(out), "signingTime") {
		t.Fatalf("openssl does not see the CAdES attributes:\n%s", out)
	}
}

// Garbage and truncations are refused with ErrFormat, never a panic.
func TestParseGarbage(t *testing.T) {
	der, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(fixture(t, "cms_signed_gost2015_test.b64"))))
	for _, b := range [][]byte{nil, {0x30}, []byte("hello"), der[:len(der)/2], der[:100]} {
		if _, err := Parse(b); !errors.Is(err, ErrFormat) {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
	}
}

// A CMS made by OpenSSL's gost-engine (Russian OIDs, the key OID as
// signatureAlgorithm per RFC 4490/9215, s_BE‖r_BE) verifies, and so does the
// self-signature of its GOST 2012 certificate.
func TestGostEngineCMS(t *testing.T) {
	gostengine.Require(t)
	dir := t.TempDir()
	key, cert, msg, sig := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem"), filepath.Join(dir, "msg"), filepath.Join(dir, "s.der")
	os.WriteFile(msg, []byte("документ"), 0o600)
	for _, args := range [][]string{
		{"genpkey", "-engine", "gost", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A", "-out", key},
		{"req", "-engine", "gost", "-x509", "-new", "-key", key, "-subj", "/CN=ru-signer", "-md_gost12_512", "-days", "30", "-out", cert},
		{"cms", "-sign", "-engine", "gost", "-binary", "-in", msg, "-signer", cert, "-inkey", key, "-outform", "DER", "-nodetach", "-md", "md_gost12_512", "-out", sig},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	der, _ := os.ReadFile(sig)
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if errs := sd.Verify(nil); errs[0] != nil {
		t.Fatalf("gost-engine CMS: %v", errs[0])
	}
	if errs := sd.Verify([]byte("другой")); !errors.Is(errs[0], ErrDigest) {
		t.Fatalf("other content: %v", errs[0])
	}
	si := sd.Signers[0]
	if err := pki.CheckCertificateSignature(si.Cert, si.Cert); err != nil {
		t.Fatalf("gost-engine certificate's self-signature (1.2.643.7.1.1.3.3, s_BE‖r_BE): %v", err)
	}
}

// TestParseLimits: a CMS with more signers than MaxSigners is refused before any
// hashing or signature check; up to the limit, the content is hashed once per
// digest algorithm and every signer verifies.
func TestParseLimits(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "signer"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	certDER, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	cert, _ := x509.ParseCertificate(certDER)
	signers := func(n int) []Signer {
		out := make([]Signer, n)
		for i := range out {
			out[i] = Signer{Key: k, Cert: cert}
		}
		return out
	}
	ok, err := Sign([]byte("content"), signers(MaxSigners), Options{Time: now})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(ok)
	if err != nil {
		t.Fatalf("%d signers: %v", MaxSigners, err)
	}
	for i, err := range sd.Verify(nil) {
		if err != nil {
			t.Fatalf("signer %d: %v", i+1, err)
		}
	}
	tooMany, err := Sign([]byte("content"), signers(MaxSigners+1), Options{Time: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(tooMany); !errors.Is(err, ErrFormat) {
		t.Fatalf("%d signers: %v, want ErrFormat", MaxSigners+1, err)
	}
}
