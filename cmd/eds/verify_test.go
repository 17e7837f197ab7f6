package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
)

func fixturePath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "fixtures", "kz-test-pki", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture missing in CI: %v", err)
		}
		t.Skipf("fixture not available: %v", err)
	}
	return p
}

// The national test CMS: at its signing time the GOST signer is valid (chain to the
// 2022 GOST test CA, not on its CRL) and the RSA signer's certificate had expired; at
// a time inside the RSA certificate's validity the RSA signer is valid. Identities are
// printed with the IIN checksum warning.
func TestVerifyFixtureCMS(t *testing.T) {
	ta := newTestApp(t, nil)
	cmsFile := fixturePath(t, "cms_signed_gost2015_test.b64")
	args := []string{"verify", "--trust", fixturePath(t, "ca_nca_gost2015_test.cer"), "--trust", fixturePath(t, "ca_nca_rsa_test.crt"),
		"--crl", fixturePath(t, "crl_nca_gost2022_test.crl"), "--crl", fixturePath(t, "crl_nca_rsa_test.crl")}
	if code := ta.run(t, append(args, "--at", "2022-09-27T21:17:59Z", cmsFile)...); code != exitError {
		t.Fatalf("exit %d, want 1 (the RSA signer's certificate had expired)", code)
	}
	out := ta.out.String()
	for _, want := range []string{"signer 1: valid\n", "signer 2: INVALID\n", "  algorithm: kz-gost2015-512-with-streebog512 (1.2.398.3.10.1.1.2.3.2)\n",
		"  revocation: good (--crl, CRL number 4", "  iin: 123456789012\n", "  type: SIGN\n", "  role: individual (1.2.398.3.3.4.1.1)\n",
		"  signing time: 2022-09-27T21:17:59Z\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(ta.errb.String(), "IIN 123456789012 fails the check digit") {
		t.Errorf("no IIN warning")
	}
	if code := ta.run(t, append(args, "--at", "2021-06-01T00:00:00Z", "--no-revocation", cmsFile)...); code != exitError {
		t.Fatalf("exit %d", code)
	}
	if out := ta.out.String(); !strings.Contains(out, "signer 1: INVALID\n") || !strings.Contains(out, "signer 2: valid\n") {
		t.Errorf("at 2021-06-01: %s", out)
	}
	// Without trust anchors the command is misused.
	if code := ta.run(t, "verify", cmsFile); code != exitUsage {
		t.Fatalf("no trust: exit %d", code)
	}
}

// gostTestCA is a GOST 2015-512 CA publishing its CRL over HTTP.
type gostTestCA struct {
	key  *gost.PrivateKey
	cert *x509.Certificate
	srv  *httptest.Server
	mu   sync.Mutex
	crl  []byte
}

func newGOSTTestCA(t *testing.T) *gostTestCA {
	t.Helper()
	ca := &gostTestCA{}
	ca.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ca.mu.Lock()
		defer ca.mu.Unlock()
		w.Write(ca.crl)
	}))
	t.Cleanup(ca.srv.Close)
	ca.key, _ = gost.GenerateKey(gost.Curve512A(), nil)
	s, _ := pki.NewSigner(ca.key, nil)
	der, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject:   pkix.Name{CommonName: "TEST NCA (GOST)", Country: []string{"KZ"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, ca.key.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	ca.cert, _ = x509.ParseCertificate(der)
	ca.publish(t, nil, ca.key)
	return ca
}

// publish signs a CRL listing revoked with key (the CA's, or another to test a bad
// signature): crypto/x509 encodes the TBSCertList with a placeholder ECDSA key, then
// the signature algorithm is set to GOST's and the list is signed with GOST.
func (ca *gostTestCA) publish(t *testing.T, revoked []*big.Int, key *gost.PrivateKey) {
	t.Helper()
	ph, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mirror := *ca.cert
	mirror.PublicKey = ph.Public()
	list := &x509.RevocationList{Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	for _, s := range revoked {
		list.RevokedCertificateEntries = append(list.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: time.Now().Add(-time.Second), ReasonCode: 1})
	}
	der, err := x509.CreateRevocationList(rand.Reader, list, &mirror, ph)
	if err != nil {
		t.Fatal(err)
	}
	tbs, _, _, _ := pki.SplitSigned(der)
	signer, _ := pki.NewSigner(key, nil)
	in := cryptobyte.String(tbs)
	var body, version, oldAlg cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&version, cbasn1.INTEGER) || !body.ReadASN1Element(&oldAlg, cbasn1.SEQUENCE) {
		t.Fatal("TBSCertList")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(version)
		b.AddBytes(signer.AlgorithmIdentifierDER())
		b.AddBytes(body)
	})
	newTBS := b.BytesOrPanic()
	sig, err := signer.Sign(newTBS)
	if err != nil {
		t.Fatal(err)
	}
	var c cryptobyte.Builder
	c.AddASN1(cbasn1.SEQUENCE, func(c *cryptobyte.Builder) {
		c.AddBytes(newTBS)
		c.AddBytes(signer.AlgorithmIdentifierDER())
		c.AddASN1BitString(sig)
	})
	ca.mu.Lock()
	ca.crl = c.BytesOrPanic()
	ca.mu.Unlock()
}

// eds keygen --alg gost2015 → a certificate from a GOST CA installed in the key file →
// eds sign (attached and detached) → eds verify with CRL checking: valid; after the
// CA lists the certificate on its CRL: revoked; a CRL with a bad signature: unknown.
func TestSignVerifyGOSTRoundTrip(t *testing.T) {
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	dir := t.TempDir()
	if code := ta.run(t, "keygen", "--dir", dir, "--alg", "gost2015"); code != exitOK {
		t.Fatalf("keygen: %d", code)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "GOSTKNCA_*.p12"))
	auths, _ := filepath.Glob(filepath.Join(dir, "AUTH_RSA256_*.p12"))
	if len(matches) != 1 || len(auths) != 1 {
		t.Fatalf("key files: %v %v", matches, auths)
	}
	keyPath := matches[0]
	c := decodeFile(t, keyPath)
	k, ok := c.Key.(*gost.PrivateKey)
	if !ok || !k.Curve().SameGroup(gost.Curve512A()) {
		t.Fatalf("signing key %T", c.Key)
	}
	ca := newGOSTTestCA(t)
	caSigner, _ := pki.NewSigner(ca.key, nil)
	leafDER, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(77),
		Subject:   personSubject("ТЕСТОВ", "ТЕСТ", "880101300014"),
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidRoleIndividual},
		CRLDistributionPoints: []string{ca.srv.URL + "/crl/nca-gost.crl"}}, ca.cert, k.Public(), caSigner)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	data, err := (&keyfile.Options{Iterations: testIterations}).Encode(rand.Reader, k, []*x509.Certificate{leaf, ca.cert}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(keyPath, data, 0o600)
	caPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(caPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600)
	doc := filepath.Join(dir, "doc.txt")
	os.WriteFile(doc, []byte("договор №1\n"), 0o600)

	for _, detached := range []bool{false, true} {
		sig := filepath.Join(dir, "doc.p7s")
		os.Remove(sig)
		args := []string{"sign", "--key", keyPath, "--out", sig, doc}
		if detached {
			args = append(args[:1], append([]string{"--detached"}, args[1:]...)...)
		}
		if code := ta.run(t, args...); code != exitOK {
			t.Fatalf("sign: %d", code)
		}
		vargs := []string{"verify", "--trust", caPEM, sig}
		if detached {
			vargs = append(vargs[:1], append([]string{"--content", doc}, vargs[1:]...)...)
		}
		if code := ta.run(t, vargs...); code != exitOK {
			t.Fatalf("verify (detached %v): %d", detached, code)
		}
		out := ta.out.String()
		for _, want := range []string{"signer 1: valid\n", "  revocation: good (" + ca.srv.URL, "  iin: 880101300014\n", "  type: SIGN\n",
			"  algorithm: kz-gost2015-512-with-streebog512"} {
			if !strings.Contains(out, want) {
				t.Errorf("verify output lacks %q", want)
			}
		}
		if detached {
			os.WriteFile(filepath.Join(dir, "other.txt"), []byte("другой\n"), 0o600)
			if code := ta.run(t, "verify", "--trust", caPEM, "--content", filepath.Join(dir, "other.txt"), sig); code != exitError {
				t.Fatalf("verify of other content: %d", code)
			}
		}
	}
	sig := filepath.Join(dir, "doc.p7s")
	// A CRL signed by another key is not believed.
	other, _ := gost.GenerateKey(gost.Curve512A(), nil)
	ca.publish(t, nil, other)
	if code := ta.run(t, "verify", "--trust", caPEM, "--content", doc, sig); code != exitError || !strings.Contains(ta.out.String(), "revocation: UNKNOWN") {
		t.Fatalf("CRL with a bad signature: %d", code)
	}
	// Revoked.
	ca.publish(t, []*big.Int{big.NewInt(77)}, ca.key)
	if code := ta.run(t, "verify", "--trust", caPEM, "--content", doc, sig); code != exitError || !strings.Contains(ta.out.String(), "revocation: REVOKED at") {
		t.Fatalf("revoked: %d", code)
	}
	// … but it was good before the revocation.
	if code := ta.run(t, "verify", "--trust", caPEM, "--content", doc, "--at", time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), sig); code != exitOK {
		t.Fatalf("before the revocation: %d", code)
	}
}

// eds info reads the national test certificates: the GOST 2015 leaf and the RSA AUTH
// certificate, with their identities, roles, key and signature algorithms.
func TestInfoFixtureGOST2015AndAuth(t *testing.T) {
	ta := newTestApp(t, nil)
	for file, wants := range map[string][]string{
		"cms-leaf_gost2015_test.der": {"type: SIGN\n", "iin: 123456789012\n", "role: individual (1.2.398.3.3.4.1.1)\n",
			"key: GOST 34.10-2015 512-bit (tc26-512-paramSetA; kz-gost2015-512 1.2.398.3.10.1.1.2.2)\n",
			"signature: kz-gost2015-512-with-streebog512 (1.2.398.3.10.1.1.2.3.2)\n"},
		"certs_individual_valid_sign_2004_rsa_auth.cer": {"type: AUTH\n", "iin: 123456789011\n", "key: RSA 2048\n",
			"signature: SHA256-RSA (1.2.840.113549.1.1.11)\n"},
		"ca_nca_gost_test.crt": {"key: GOST 34.310-2004 (CryptoPro-A; kz-gost34310-2004 1.2.398.3.10.1.1.1.1)\n",
			"signature: kz-gost34310-2004-with-gost34311-95 (1.2.398.3.10.1.1.1.2)\n"},
	} {
		if code := ta.run(t, "info", fixturePath(t, file)); code != exitOK {
			t.Fatalf("%s: exit %d", file, code)
		}
		for _, want := range wants {
			if !strings.Contains(ta.out.String(), want) {
				t.Errorf("%s: info lacks %q", file, want)
			}
		}
	}
}

// keygen --template legal_entity makes a GOST 2015-512 signing key unless --alg says
// otherwise; an individual's default stays RSA.
func TestKeygenTemplateDefaults(t *testing.T) {
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	for _, c := range []struct {
		args []string
		glob string
	}{
		{[]string{"--template", "legal_entity"}, "GOSTKNCA_*.p12"},
		{[]string{"--template", "legal_entity", "--alg", "rsa2048"}, "RSA256_*.p12"},
		{[]string{"--template", "individual"}, "RSA256_*.p12"},
		{[]string{"--alg", "gost2004"}, "GOSTKNCA_*.p12"},
	} {
		dir := t.TempDir()
		if code := ta.run(t, append([]string{"keygen", "--dir", dir}, c.args...)...); code != exitOK {
			t.Fatalf("%v: exit %d", c.args, code)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, c.glob)); len(m) != 1 {
			t.Fatalf("%v: no %s", c.args, c.glob)
		}
	}
	if code := ta.run(t, "keygen", "--dir", t.TempDir(), "--template", "ssl_legal"); code != exitUsage {
		t.Fatalf("SSL template: exit %d", code)
	}
}

func TestSigningUsage(t *testing.T) {
	for _, c := range []struct {
		name string
		cert x509.Certificate
		ok   bool
	}{
		{"SIGN", x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}, true},
		{"AUTH", x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, true},
		{"no extensions", x509.Certificate{}, true},
		{"CA", x509.Certificate{IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, false},
		{"encipherment only", x509.Certificate{KeyUsage: x509.KeyUsageKeyEncipherment}, false},
		{"OCSP responder", x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}, false},
		{"time stamping", x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}, false},
		{"TLS server", x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, false},
	} {
		if err := signingUsage(&c.cert); (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
