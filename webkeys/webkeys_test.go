package webkeys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/pki"
)

const (
	testPassword   = "пароль-secret"
	testIterations = 2048
)

var (
	testNow       = time.Date(2026, 11, 23, 14, 5, 7, 0, time.UTC)
	testApplicant = core.Applicant{IIN: "871008401427", Surname: "Тестова", Name: "Айгуль", Patronymic: "Серiкқызы"}
)

func testEnv() *Env {
	return &Env{Rand: rand.Reader, Now: testNow, Iterations: testIterations}
}

// generated caches one generated pair per algorithm: RSA generation is slow.
var generated = map[string]*Generated{}

func generate(t *testing.T, alg string) *Generated {
	t.Helper()
	if g := generated[alg]; g != nil {
		return g
	}
	g, err := testEnv().Generate(alg, testPassword, testApplicant)
	if err != nil {
		t.Fatalf("Generate(%s): %v", alg, err)
	}
	generated[alg] = g
	return g
}

func decode(t *testing.T, data []byte) *keyfile.Container {
	t.Helper()
	c, err := keyfile.Decode(data, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI: ", err)
		}
		t.Skip("openssl not installed; skipping the interoperability check")
	}
	return path
}

var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		alg        string
		prefix     string
		signPublic func(crypto.PublicKey) bool
	}{
		{AlgGOST2015, GOSTSignPrefix, func(p crypto.PublicKey) bool {
			k, ok := p.(*gost.PublicKey)
			return ok && k.Curve().SameGroup(gost.Curve512A())
		}},
		{AlgGOST2004, GOSTSignPrefix, func(p crypto.PublicKey) bool {
			k, ok := p.(*gost.PublicKey)
			return ok && k.Curve().SameGroup(gost.CurveCryptoProA())
		}},
		{AlgRSA2048, SignPrefix, func(p crypto.PublicKey) bool {
			k, ok := p.(*rsa.PublicKey)
			return ok && k.N.BitLen() == 2048
		}},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			g := generate(t, tc.alg)
			if len(g.Files) != 2 || len(g.Requests) != 2 {
				t.Fatalf("%d files and %d requests, want 2 and 2", len(g.Files), len(g.Requests))
			}
			wantNames := []string{tc.prefix + g.ID + ".p12", AuthPrefix + g.ID + ".p12"}
			for i, typ := range []core.CertType{core.CertSign, core.CertAuth} {
				f, r := g.Files[i], g.Requests[i]
				if f.Name != wantNames[i] || f.Type != typ || r.Type != typ {
					t.Errorf("file %d: %s %s (request %s), want %s %s", i, f.Name, f.Type, r.Type, wantNames[i], typ)
				}
				if prefix, id, ok := ParseFileName(f.Name); !ok || id != g.ID || (typ == core.CertAuth) != (prefix == AuthPrefix) {
					t.Errorf("ParseFileName(%s) = %q %q %v", f.Name, prefix, id, ok)
				}
				c := decode(t, f.Data)
				if c.Key == nil || len(c.Certs) != 0 {
					t.Fatalf("%s: key %v, %d certificates; want a key alone", f.Name, c.Key != nil, len(c.Certs))
				}
				if _, err := keyfile.Decode(f.Data, "wrong"); !errors.Is(err, keyfile.ErrWrongPassword) {
					t.Errorf("%s opens with a wrong password: %v", f.Name, err)
				}
				csr, pub, err := pki.ParseCertificateRequest(r.CSR)
				if err != nil {
					t.Fatalf("%s request: %v", typ, err)
				}
				want, _ := pki.MarshalPublicKey(c.Key.Public())
				got, _ := pki.MarshalPublicKey(pub)
				if !bytes.Equal(got, want) {
					t.Errorf("%s request is not for the key in %s", typ, f.Name)
				}
				var serial, cn string
				for _, n := range csr.Subject.Names {
					if n.Type.Equal(oidSerialNumber) {
						serial, _ = n.Value.(string)
					}
				}
				cn = csr.Subject.CommonName
				if serial != "IIN871008401427" || cn != "ТЕСТОВА АЙГУЛЬ" || len(csr.Subject.Country) != 1 || csr.Subject.Country[0] != "KZ" {
					t.Errorf("%s request subject %q: serial %q, CN %q", typ, csr.Subject, serial, cn)
				}
			}
			sign := decode(t, g.Files[0].Data)
			if !tc.signPublic(sign.Key.Public()) {
				t.Errorf("signing key is %T, not %s", sign.Key.Public(), tc.alg)
			}
			if id, _ := KeyID(sign.Key.Public()); id != g.ID {
				t.Errorf("id %s, want KeyID of the signing key %s", g.ID, id)
			}
			if auth, ok := decode(t, g.Files[1].Data).Key.Public().(*rsa.PublicKey); !ok || auth.N.BitLen() != 2048 {
				t.Errorf("authentication key is not RSA-2048")
			}
			o, err := Open(g.Files[0].Data, testPassword)
			if err != nil {
				t.Fatal(err)
			}
			if !o.HasKey || len(o.Certificates) != 0 || o.KeyAlgorithm == "" {
				t.Errorf("Open = %+v", o)
			}
		})
	}
}

// TestRSAFilesOpenWithOpenSSL checks that other software reads the RSA files.
func TestRSAFilesOpenWithOpenSSL(t *testing.T) {
	openssl := needOpenSSL(t)
	g := generate(t, AlgRSA2048)
	dir := t.TempDir()
	for _, f := range g.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.WriteFile(p, f.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(openssl, "pkcs12", "-in", p, "-passin", "pass:"+testPassword, "-nodes", "-info")
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "-----BEGIN PRIVATE KEY-----") {
			t.Errorf("openssl pkcs12 %s: %v\n%s", f.Name, err, out)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	e := testEnv()
	for _, tc := range []struct {
		alg, password string
		ap            core.Applicant
		want          error
	}{
		{"dsa1024", testPassword, testApplicant, ErrUnknownAlgorithm},
		{AlgGOST2015, "", testApplicant, ErrEmptyPassword},
		{AlgGOST2015, testPassword, core.Applicant{IIN: "871008401427", Surname: "A"}, ErrApplicant},
	} {
		if _, err := e.Generate(tc.alg, tc.password, tc.ap); !errors.Is(err, tc.want) {
			t.Errorf("Generate(%q, %q, %+v) = %v, want %v", tc.alg, tc.password, tc.ap, err, tc.want)
		}
	}
	if _, err := (&Env{}).Generate(AlgGOST2015, testPassword, testApplicant); err == nil {
		t.Error("Generate without randomness succeeded")
	}
}

// testCA issues certificates like the authority's (key usages of SIGN and AUTH).
type testCA struct {
	signer *pki.Signer
	cert   *x509.Certificate
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pki.NewSigner(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "TEST NCA", Country: []string{"KZ"}},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := pki.CreateCertificate(rand.Reader, tmpl, nil, key.Public(), s)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{signer: s, cert: cert}
}

var serialCounter int64 = 0x1000

func (ca *testCA) issue(t *testing.T, pub crypto.PublicKey, typ core.CertType, subject []byte) wire.IssuedCertificate {
	t.Helper()
	serialCounter++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serialCounter), RawSubject: subject,
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.AddDate(1, 0, 0),
	}
	switch typ {
	case core.CertSign:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	case core.CertAuth:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := pki.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.signer)
	if err != nil {
		t.Fatal(err)
	}
	return wire.IssuedCertificate{
		Serial: big.NewInt(serialCounter).Text(16), Type: typ, Status: core.CertGood,
		NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, DER: der, Chain: [][]byte{ca.cert.Raw},
	}
}

// issued returns the pair of alg with both certificates installed, and the
// certificates as the server lists them.
func issued(t *testing.T, ca *testCA, alg string) (sign, auth []byte, certs []wire.IssuedCertificate) {
	t.Helper()
	g := generate(t, alg)
	for i, f := range g.Files {
		csr, pub, err := pki.ParseCertificateRequest(g.Requests[i].CSR)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, ca.issue(t, pub, f.Type, csr.RawSubject))
	}
	e := testEnv()
	var err error
	if sign, _, err = e.Install(g.Files[0].Data, testPassword, certs); err != nil {
		t.Fatal(err)
	}
	if auth, _, err = e.Install(g.Files[1].Data, testPassword, certs); err != nil {
		t.Fatal(err)
	}
	return sign, auth, certs
}

func TestInstall(t *testing.T) {
	ca := newTestCA(t)
	e := testEnv()
	for _, alg := range []string{AlgGOST2015, AlgRSA2048} {
		t.Run(alg, func(t *testing.T) {
			g := generate(t, alg)
			_, _, certs := issued(t, ca, alg)
			// The server lists AUTH and SIGN; each file takes its own.
			listed := []wire.IssuedCertificate{certs[1], certs[0]}
			for i, f := range g.Files {
				out, serials, err := e.Install(f.Data, testPassword, listed)
				if err != nil {
					t.Fatal(err)
				}
				if len(serials) != 1 || serials[0] != certs[i].Serial {
					t.Errorf("%s: installed %v, want %s", f.Name, serials, certs[i].Serial)
				}
				c := decode(t, out)
				if leaf := c.Leaf(); leaf == nil || !bytes.Equal(leaf.Raw, certs[i].DER) {
					t.Fatalf("%s: the installed leaf is not certificate %s", f.Name, certs[i].Serial)
				}
				if ch := c.Chain(); len(ch) != 1 || !ch[0].Equal(ca.cert) {
					t.Errorf("%s: chain %d certificates, want the CA", f.Name, len(ch))
				}
				o, err := Open(out, testPassword)
				if err != nil {
					t.Fatal(err)
				}
				if len(o.Certificates) != 2 || o.Certificates[0].Serial != certs[i].Serial || o.Certificates[0].Type != f.Type ||
					o.Certificates[0].IIN != testApplicant.IIN || !strings.Contains(o.Certificates[1].Subject, "TEST NCA") {
					t.Errorf("Open = %+v", o)
				}
				again, serials, err := e.Install(out, testPassword, listed)
				if err != nil || !bytes.Equal(again, out) || len(serials) != 1 {
					t.Errorf("installing again: %v, %v, unchanged %v", err, serials, bytes.Equal(again, out))
				}
			}
		})
	}
}

func TestInstallRefuses(t *testing.T) {
	ca := newTestCA(t)
	e := testEnv()
	g := generate(t, AlgGOST2015)
	_, _, mine := issued(t, ca, AlgGOST2015)
	other, _, theirs := issued(t, ca, AlgGOST2004)
	_ = other
	if _, _, err := e.Install(g.Files[0].Data, testPassword, theirs); !errors.Is(err, ErrNoMatch) {
		t.Errorf("foreign certificates: %v, want ErrNoMatch", err)
	}
	if _, _, err := e.Install(g.Files[0].Data, "wrong", mine); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: %v, want ErrWrongPassword", err)
	}
	revoked := mine[0]
	revoked.Status = core.CertRevoked
	if _, _, err := e.Install(g.Files[0].Data, testPassword, []wire.IssuedCertificate{revoked}); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked certificate: %v, want ErrRevoked", err)
	}
	if _, _, err := e.Install([]byte("not a key file"), testPassword, mine); !errors.Is(err, ErrNotKeyFile) {
		t.Errorf("garbage: %v, want ErrNotKeyFile", err)
	}
	broken := mine[0]
	broken.DER = []byte{0x30, 0x00}
	if _, _, err := e.Install(g.Files[0].Data, testPassword, []wire.IssuedCertificate{broken}); !errors.Is(err, ErrNoMatch) {
		t.Errorf("unparsable certificate: %v, want ErrNoMatch", err)
	}
}

// verifyOwnerRequest checks a signed request as the server does (ra.verifySigned):
// the payload parses canonically, the signer line names the certificate and the
// signature verifies under the stated algorithm with the certificate's key.
func verifyOwnerRequest(t *testing.T, req *wire.SignedRequest, cert []byte) ownersig.Request {
	t.Helper()
	r, err := ownersig.Parse(req.Payload)
	if err != nil {
		t.Fatalf("payload: %v\n%s", err, req.Payload)
	}
	if !bytes.Equal(req.Certificate, cert) || r.Signer != ownersig.CertificateDigest(cert) {
		t.Error("the request does not name the signing certificate")
	}
	if !r.Time.Equal(testNow) {
		t.Errorf("signing time %s, want %s", r.Time, testNow)
	}
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(req.Algorithm, &alg); err != nil || len(rest) > 0 {
		t.Fatalf("algorithm: %v", err)
	}
	x, err := x509.ParseCertificate(req.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := pki.ParsePublicKey(x.RawSubjectPublicKeyInfo)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.VerifySignature(pub, alg, req.Payload, req.Signature); err != nil {
		t.Errorf("signature: %v", err)
	}
	// The JSON the portal sends is the server's wire shape.
	b, _ := json.Marshal(req)
	var back wire.SignedRequest
	if err := json.Unmarshal(b, &back); err != nil || !bytes.Equal(back.Payload, req.Payload) {
		t.Errorf("JSON round trip: %v", err)
	}
	return r
}

func TestOwnerRequests(t *testing.T) {
	ca := newTestCA(t)
	e := testEnv()
	for _, alg := range []string{AlgGOST2015, AlgGOST2004, AlgRSA2048} {
		t.Run(alg, func(t *testing.T) {
			sign, auth, certs := issued(t, ca, alg)

			req, err := e.SignRevoke(sign, testPassword, "0x00"+strings.ToUpper(certs[1].Serial), "key_compromise")
			if err != nil {
				t.Fatal(err)
			}
			r := verifyOwnerRequest(t, req, certs[0].DER)
			if r.Action != ownersig.ActionRevoke || r.Object != certs[1].Serial || r.Fields[ownersig.FieldReason] != "key_compromise" {
				t.Errorf("revoke request %+v", r)
			}

			// The application as the head list serves it, through JSON.
			app := core.Application{Number: "2026-000042", Template: "legal_entity", State: core.StateAwaitingHead, Applicant: testApplicant,
				Requests: []core.KeyRequest{{Type: core.CertSign, CSR: []byte{1, 2}}}, CreatedAt: testNow}
			b, _ := json.Marshal(app)
			var listed core.Application
			if err := json.Unmarshal(b, &listed); err != nil {
				t.Fatal(err)
			}
			req, err = e.SignHeadDecision(sign, testPassword, &listed, true, "")
			if err != nil {
				t.Fatal(err)
			}
			r = verifyOwnerRequest(t, req, certs[0].DER)
			if r.Action != ownersig.ActionHeadConfirm || r.Object != app.Number || r.Fields[ownersig.FieldContent] != ownersig.ApplicationDigest(&app) {
				t.Errorf("head confirmation %+v", r)
			}
			req, err = e.SignHeadDecision(sign, testPassword, &listed, false, "not our employee")
			if err != nil {
				t.Fatal(err)
			}
			if r = verifyOwnerRequest(t, req, certs[0].DER); r.Action != ownersig.ActionHeadReject || r.Fields[ownersig.FieldReason] != "not our employee" {
				t.Errorf("head rejection %+v", r)
			}
			if _, err := e.SignHeadDecision(sign, testPassword, &listed, false, " "); err == nil {
				t.Error("a rejection without a reason was signed")
			}

			certDER, sig, err := e.SignChallengeFile(auth, testPassword, []byte("challenge bytes"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(certDER, certs[1].DER) {
				t.Error("the challenge answer does not carry the AUTH certificate")
			}
			authKey := decode(t, auth).Key
			sum := sha256Sum([]byte("challenge bytes"))
			if err := rsa.VerifyPKCS1v15(authKey.Public().(*rsa.PublicKey), crypto.SHA256, sum, sig); err != nil {
				t.Errorf("challenge signature: %v", err)
			}
		})
	}
}

func TestSigningNeedsCertificate(t *testing.T) {
	e := testEnv()
	g := generate(t, AlgGOST2015)
	if _, err := e.SignRevoke(g.Files[0].Data, testPassword, "1f", "owner_request"); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("SignRevoke without a certificate: %v", err)
	}
	if _, _, err := e.SignChallengeFile(g.Files[1].Data, "wrong", []byte("x")); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("SignChallengeFile with a wrong password: %v", err)
	}
	sign, auth, _ := issued(t, newTestCA(t), AlgGOST2015)
	if _, _, err := e.SignChallengeFile(sign, testPassword, []byte("x")); !errors.Is(err, ErrNeedAuthFile) {
		t.Errorf("signing in with the SIGN file: %v", err)
	}
	if _, err := e.SignRevoke(auth, testPassword, "1f", "owner_request"); !errors.Is(err, ErrNeedSignFile) {
		t.Errorf("revoking with the AUTH file: %v", err)
	}
}

func TestSignChallengeGOST(t *testing.T) {
	key, err := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignChallenge(rand.Reader, key, []byte("challenge"))
	if err != nil {
		t.Fatal(err)
	}
	alg, err := pki.SignatureAlgorithm(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.VerifySignature(key.Public(), alg, []byte("challenge"), sig); err != nil {
		t.Error(err)
	}
}

func TestRenew(t *testing.T) {
	ca := newTestCA(t)
	e := testEnv()
	sign, _, certs := issued(t, ca, AlgGOST2015)
	rn, err := e.Renew(sign, testPassword, certs[0].Serial, AlgRSA2048, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rn.Files) != 2 || rn.Files[0].Name != SignPrefix+rn.ID+".p12" || rn.Files[1].Name != AuthPrefix+rn.ID+".p12" {
		t.Fatalf("files %+v", rn.Files)
	}
	old, _ := x509.ParseCertificate(certs[0].DER)
	var ks []core.KeyRequest
	for i, kr := range rn.Body.Requests {
		csr, pub, err := pki.ParseCertificateRequest(kr.CSR)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(csr.RawSubject, old.RawSubject) {
			t.Errorf("%s request subject differs from the renewed certificate's", kr.Type)
		}
		c := decode(t, rn.Files[i].Data)
		if !c.Key.Public().(*rsa.PublicKey).Equal(pub) || kr.Type != rn.Files[i].Type {
			t.Errorf("request %d is not for file %s", i, rn.Files[i].Name)
		}
		ks = append(ks, core.KeyRequest{Type: kr.Type, CSR: kr.CSR})
	}
	r := verifyOwnerRequest(t, &rn.Body.Signed, certs[0].DER)
	if r.Action != ownersig.ActionRenew || r.Object != certs[0].Serial ||
		r.Fields[ownersig.FieldRequests] != ownersig.RenewalRequests(ks) || r.Fields[ownersig.FieldRevokeOld] != "true" {
		t.Errorf("renewal %+v", r)
	}
	if _, err := e.Renew(sign, testPassword, "abcdef", AlgRSA2048, false); !errors.Is(err, ErrWrongCertificate) {
		t.Errorf("renewing another serial: %v", err)
	}
	if _, err := e.Renew(sign, testPassword, "", "rsa1024", false); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("unknown algorithm: %v", err)
	}
}

func TestCheckIIN(t *testing.T) {
	for _, tc := range []struct {
		iin   string
		want  IINCheck
		start string
	}{
		{"871008401427", IINCheck{Valid: true, BirthDate: "1987-10-08", Age: 39, Sex: "female"}, ""},
		{"760212350620", IINCheck{Valid: true, BirthDate: "1976-02-12", Age: 50, Sex: "male"}, ""},
		{"871008401428", IINCheck{}, "The IIN's check digit"},
		{"87100840142", IINCheck{}, "An IIN is exactly 12 digits"},
		{"8710084014a7", IINCheck{}, "An IIN is exactly 12 digits"},
	} {
		got := CheckIIN(tc.iin, testNow)
		msg := got.Message
		got.Message = ""
		if got != tc.want || !strings.HasPrefix(msg, tc.start) || (tc.start == "") != (msg == "") {
			t.Errorf("CheckIIN(%s) = %+v %q, want %+v %q…", tc.iin, got, msg, tc.want, tc.start)
		}
	}
}

func TestCleanSerial(t *testing.T) {
	for in, want := range map[string]string{"0x00AB:CD": "abcd", " 1f ": "1f", "00": ""} {
		if got := CleanSerial(in); got != want {
			t.Errorf("CleanSerial(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkKeyGeneration measures making the signing key alone (signkey/…), the
// whole pair with its RSA-2048 authentication key (pair/…) and everything the
// portal's generate does: the pair, two files at the default iteration count and
// two requests (generate/…).
func BenchmarkKeyGeneration(b *testing.B) {
	for _, alg := range []string{AlgRSA2048, AlgGOST2015, AlgGOST2004} {
		b.Run("signkey/"+alg, func(b *testing.B) {
			for b.Loop() {
				var err error
				if curve, ok := gostCurve(alg); ok {
					_, err = gost.GenerateKey(curve, rand.Reader)
				} else {
					_, err = rsa.GenerateKey(rand.Reader, 2048)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("pair/"+alg, func(b *testing.B) {
			for b.Loop() {
				if _, err := GenerateKeyPair(rand.Reader, alg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("generate/"+alg, func(b *testing.B) {
			e := &Env{Rand: rand.Reader, Now: testNow}
			for b.Loop() {
				if _, err := e.Generate(alg, testPassword, testApplicant); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// TestErrorCodes checks that every user error has its own code, also when wrapped,
// and that other errors have none.
func TestErrorCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range codes {
		if c.code == "" || seen[c.code] {
			t.Errorf("%v: code %q empty or repeated", c.err, c.code)
		}
		seen[c.code] = true
		if got := Code(fmt.Errorf("opening: %w", c.err)); got != c.code {
			t.Errorf("Code(wrapped %v) = %q, want %q", c.err, got, c.code)
		}
	}
	if got := Code(errors.New("something else")); got != "" {
		t.Errorf("Code(other) = %q, want empty", got)
	}
	if len(ErrorCodes()) != len(codes) {
		t.Errorf("ErrorCodes lists %d codes, want %d", len(ErrorCodes()), len(codes))
	}
	e := testEnv()
	if _, _, err := e.Install([]byte("not a key file"), testPassword, nil); Code(err) != "not_key_file" {
		t.Errorf("garbage: code %q of %v, want not_key_file", Code(err), err)
	}
}
