package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 5, 4, 10, 30, 15, 0, time.UTC)

func testOptions(dir string) Options {
	return Options{
		Dir:     dir,
		Org:     "OpenNCA Test",
		BaseURL: "http://pki.example.kz/",
		Now:     func() time.Time { return testNow },
		RSABits: 2048,
	}
}

func openTest(t testing.TB, dir string) *Authority {
	t.Helper()
	a, _, err := Open(testOptions(dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a
}

// shared is one Authority for the tests that only issue (key generation is slow).
var shared struct {
	once sync.Once
	a    *Authority
	err  error
	dir  string
}

func sharedAuthority(t *testing.T) *Authority {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "ca-test-")
		if shared.err == nil {
			shared.a, _, shared.err = Open(testOptions(filepath.Join(shared.dir, "ca")))
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.a
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// subject keys are generated once.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func subjectKeys(t testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}

func TestOpenCreatesThenLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	var logs bytes.Buffer
	opts := testOptions(dir)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a1, created, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(created) != fmt.Sprint([]string{RootRSA, IssuingRSA, RootGOST, IssuingGOST}) {
		t.Errorf("created = %v", created)
	}
	a2, created, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 0 {
		t.Errorf("second Open created %v", created)
	}
	for _, name := range []string{RootRSA, IssuingRSA, RootGOST, IssuingGOST} {
		i1, _ := a1.Issuer(name)
		i2, err := a2.Issuer(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(i1.Cert.Raw, i2.Cert.Raw) {
			t.Errorf("%s: certificate changed between opens", name)
		}
		fi, err := os.Stat(filepath.Join(dir, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s.key mode %04o, want 0600", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", fi.Mode().Perm())
	}

	// The CA certificates follow the profile.
	root, _ := a1.Issuer(RootRSA)
	sub, _ := a1.Issuer(IssuingRSA)
	if !root.Root || sub.Root {
		t.Error("Root flags wrong")
	}
	if len(sub.Chain) != 2 || sub.Chain[0] != sub.Cert || sub.Chain[1] != root.Cert {
		t.Error("issuing chain is not [issuing, root]")
	}
	if sub.Cert.Subject.CommonName != IssuingRSACommonName || root.Cert.Subject.CommonName != RootRSACommonName ||
		sub.Cert.Subject.Organization[0] != "OpenNCA Test" {
		t.Errorf("subjects %q, %q", root.Cert.Subject, sub.Cert.Subject)
	}
	if !sub.Cert.MaxPathLenZero || sub.Cert.MaxPathLen != 0 || !sub.Cert.IsCA {
		t.Error("issuing CA path length not 0")
	}
	if got := sub.Cert.NotAfter.Sub(sub.Cert.NotBefore); got < 3650*24*time.Hour {
		t.Errorf("issuing CA validity %v", got)
	}
	if !bytes.Equal(sub.Cert.AuthorityKeyId, root.Cert.SubjectKeyId) {
		t.Error("issuing CA AKI != root SKI")
	}
	if got, want := sub.Cert.CRLDistributionPoints, []string{"http://pki.example.kz/crl/root-rsa.crl"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("issuing CA CRL DP %v", got)
	}
	if got := sub.Cert.IssuingCertificateURL; fmt.Sprint(got) != "[http://pki.example.kz/ca/root-rsa.cer]" {
		t.Errorf("issuing CA caIssuers %v", got)
	}
	if got := sub.Endpoints; got.CRL[0] != "http://pki.example.kz/crl/nca-rsa.crl" ||
		got.OCSP[0] != "http://pki.example.kz/ocsp/nca-rsa" || got.CAIssuers[0] != "http://pki.example.kz/ca/nca-rsa.cer" ||
		got.CPS != "http://pki.example.kz/repository/cps" {
		t.Errorf("endpoints %+v", got)
	}
	if names := a1.Issuers(); len(names) != 4 || names[0].Name != RootRSA || names[1].Name != IssuingRSA ||
		names[2].Name != RootGOST || names[3].Name != IssuingGOST {
		t.Errorf("Issuers order wrong")
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("logs mention key material")
	}
}

func TestOpenDetectsMismatch(t *testing.T) {
	base := t.TempDir()
	d1, d2 := filepath.Join(base, "one"), filepath.Join(base, "two")
	openTest(t, d1)
	openTest(t, d2)

	for _, name := range []string{IssuingRSA, RootRSA} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ca")
			if err := os.CopyFS(dir, os.DirFS(d1)); err != nil {
				t.Fatal(err)
			}
			key, err := os.ReadFile(filepath.Join(d2, name+".key"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".key"), key, 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chmod(filepath.Join(dir, RootRSA+".key"), 0o600)
			os.Chmod(filepath.Join(dir, IssuingRSA+".key"), 0o600)
			_, _, err = Open(testOptions(dir))
			if err == nil || !strings.Contains(err.Error(), "does not match") {
				t.Fatalf("Open with a swapped %s key: %v", name, err)
			}
			if strings.Contains(err.Error(), "PRIVATE") {
				t.Errorf("error mentions key material: %v", err)
			}
		})
	}

	t.Run("issuing CA from another root", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ca")
		if err := os.CopyFS(dir, os.DirFS(d1)); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{IssuingRSA + ".key", IssuingRSA + ".cer"} {
			b, _ := os.ReadFile(filepath.Join(d2, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o600)
		}
		os.Chmod(filepath.Join(dir, RootRSA+".key"), 0o600)
		os.Chmod(filepath.Join(dir, IssuingRSA+".key"), 0o600)
		if _, _, err := Open(testOptions(dir)); err == nil || !strings.Contains(err.Error(), "not signed by") {
			t.Fatalf("Open with a foreign issuing CA: %v", err)
		}
	})

	t.Run("certificate without key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ca")
		if err := os.CopyFS(dir, os.DirFS(d1)); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, IssuingRSA+".key"))
		os.Chmod(filepath.Join(dir, RootRSA+".key"), 0o600)

		if _, _, err := Open(testOptions(dir)); err == nil || !strings.Contains(err.Error(), "key does not") {
			t.Fatalf("Open without the issuing key: %v", err)
		}
	})

	t.Run("key readable by others", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ca")
		if err := os.CopyFS(dir, os.DirFS(d1)); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, RootRSA+".key"), 0o644)
		if _, _, err := Open(testOptions(dir)); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("Open with a 0644 key: %v", err)
		}
	})
}

func TestOpenOptions(t *testing.T) {
	for _, o := range []Options{
		{Org: "x", BaseURL: "http://x.kz"},
		{Dir: t.TempDir(), BaseURL: "http://x.kz"},
		{Dir: t.TempDir(), Org: "x", BaseURL: "x.kz"},
		{Dir: t.TempDir(), Org: "x", BaseURL: "http://x.kz", RSABits: 1024},
	} {
		if _, _, err := Open(o); core.KindOf(err) != core.KindInvalid {
			t.Errorf("Open(%+v) = %v, want invalid", o, err)
		}
	}
}

// issueAll issues every template × key type (and a staff certificate) under
// IssuingRSA.
func issueAll(t *testing.T, a *Authority) map[string]*x509.Certificate {
	t.Helper()
	rk, ek := subjectKeys(t)
	sub, err := a.Issuer(IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*x509.Certificate{}
	for _, tp := range profile.Templates() {
		for _, typ := range tp.Keys {
			pubs := map[string]crypto.PublicKey{"rsa": &rk.PublicKey}
			if typ == core.CertSSL {
				pubs["ecdsa"] = &ek.PublicKey
			}
			for kname, pub := range pubs {
				name := fmt.Sprintf("%s/%s/%s", tp.ID, typ, kname)
				tmpl, err := profile.EndEntity(profile.Request{Template: tp.ID, Type: typ, Applicant: profile.Sample(tp.ID),
					PublicKey: pub, Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
				if err != nil {
					t.Fatalf("%s: EndEntity: %v", name, err)
				}
				cert, err := a.Issue(context.Background(), IssuingRSA, tmpl)
				if err != nil {
					t.Fatalf("%s: Issue: %v", name, err)
				}
				out[name] = cert
			}
		}
	}
	staff := profile.Sample(profile.Individual)
	staff.Organization = sub.Cert.Subject.Organization[0]
	tmpl, err := profile.Staff(profile.StaffOperator, staff, &rk.PublicKey, testNow, sub.Endpoints)
	if err != nil {
		t.Fatalf("Staff: %v", err)
	}
	cert, err := a.Issue(context.Background(), IssuingRSA, tmpl)
	if err != nil {
		t.Fatalf("Issue staff: %v", err)
	}
	out["staff/operator"] = cert
	return out
}

func TestIssueEveryProfile(t *testing.T) {
	a := sharedAuthority(t)
	root, _ := a.Issuer(RootRSA)
	sub, _ := a.Issuer(IssuingRSA)
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Cert)
	inter.AddCert(sub.Cert)
	for name, cert := range issueAll(t, a) {
		if err := cert.CheckSignatureFrom(sub.Cert); err != nil {
			t.Errorf("%s: signature: %v", name, err)
		}
		chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
			CurrentTime: testNow.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			t.Errorf("%s: verify: %v", name, err)
		} else if len(chains[0]) != 3 {
			t.Errorf("%s: chain length %d", name, len(chains[0]))
		}
		if !bytes.Equal(cert.AuthorityKeyId, sub.Cert.SubjectKeyId) {
			t.Errorf("%s: AKI != issuer SKI", name)
		}
		if !bytes.Equal(cert.RawIssuer, sub.Cert.RawSubject) {
			t.Errorf("%s: issuer name differs from the CA's subject", name)
		}
		if cert.IsCA || cert.BasicConstraintsValid {
			t.Errorf("%s: basic constraints present", name)
		}
		if !cert.NotBefore.Equal(testNow) || !cert.NotAfter.Equal(testNow.AddDate(1, 0, 0)) {
			t.Errorf("%s: validity %v – %v", name, cert.NotBefore, cert.NotAfter)
		}
		id, err := profile.Parse(cert)
		if err != nil {
			t.Fatal(err)
		}
		if name == "staff/operator" {
			if id.StaffRole != profile.StaffOperator || id.Organization != "OpenNCA Test" || id.Type != core.CertAuth {
				t.Errorf("staff identity %+v", id)
			}
			continue
		}
		tmplID := strings.Split(name, "/")[0]
		want := tmplID
		if tmplID == profile.NonresidentIndividual {
			want = profile.Individual // indistinguishable by design
		}
		if id.Template != want {
			t.Errorf("%s: Parse guessed template %q", name, id.Template)
		}
		if string(id.Type) != strings.Split(name, "/")[1] {
			t.Errorf("%s: Parse type %q", name, id.Type)
		}
	}
}

func TestSerials(t *testing.T) {
	a := sharedAuthority(t)
	n := 1000
	if testing.Short() {
		n = 100
	}
	rk, _ := subjectKeys(t)
	sub, _ := a.Issuer(IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertAuth,
		Applicant: profile.Sample(profile.Individual), PublicKey: &rk.PublicKey, Now: testNow}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		cert, err := a.Issue(context.Background(), IssuingRSA, tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if tmpl.SerialNumber != nil || tmpl.AuthorityKeyId != nil {
			t.Fatal("Issue modified the caller's template")
		}
		s := cert.SerialNumber
		if s.Sign() <= 0 {
			t.Fatalf("serial %x not positive", s)
		}
		if got := len(s.Bytes()); got != 20 {
			t.Fatalf("serial %x is %d bytes", s, got)
		}
		// DER INTEGER of 20 octets: the encoded length matches too.
		der, _ := asn1.Marshal(s)
		if len(der) != 22 {
			t.Fatalf("serial DER %x", der)
		}
		k := s.Text(16)
		if seen[k] {
			t.Fatalf("serial %s repeated after %d issuances", k, i)
		}
		seen[k] = true
	}
}

func TestIssueRefuses(t *testing.T) {
	a := sharedAuthority(t)
	rk, _ := subjectKeys(t)
	sub, _ := a.Issuer(IssuingRSA)
	good := func(t *testing.T, tp string, typ core.CertType) *x509.Certificate {
		app := profile.Sample(tp)
		tmpl, err := profile.EndEntity(profile.Request{Template: tp, Type: typ, Applicant: app,
			PublicKey: &rk.PublicKey, Now: testNow}, sub.Endpoints)
		if err != nil {
			t.Fatal(err)
		}
		return tmpl
	}
	cases := []struct {
		name   string
		issuer string
		edit   func(c *x509.Certificate)
		kind   core.Kind
		detail string
	}{
		{"unknown issuer", "nope", nil, core.KindNotFound, "unknown CA"},
		{"root issuer", RootRSA, nil, core.KindInternal, "is a root"},
		{"CA template", IssuingRSA, func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true }, core.KindInternal, "CA template"},
		{"no public key", IssuingRSA, func(c *x509.Certificate) { c.PublicKey = nil }, core.KindInternal, "public key"},
		{"beyond the issuer", IssuingRSA, func(c *x509.Certificate) { c.NotAfter = sub.Cert.NotAfter.Add(time.Second) }, core.KindInternal, "not within"},
		{"serial not drawn by NewSerial", IssuingRSA, func(c *x509.Certificate) { c.SerialNumber = big.NewInt(5) }, core.KindInternal, "not drawn by NewSerial"},
		{"before the issuer", IssuingRSA, func(c *x509.Certificate) { c.NotBefore = sub.Cert.NotBefore.Add(-time.Second) }, core.KindInternal, "not within"},
		// RFC 5280 lints: the lint step must refuse what the profile never builds.
		{"empty subject without SAN", IssuingRSA, func(c *x509.Certificate) {
			c.RawSubject, _ = asn1.Marshal(pkix.RDNSequence{})
			c.EmailAddresses = nil
		}, core.KindInternal, "e_subject_empty_without_san"},
		{"space in a DNS name", IssuingRSA, func(c *x509.Certificate) {
			c.DNSNames = append(c.DNSNames, "bad name.example.kz")
		}, core.KindInternal, "refused by lint"},
		{"keyCertSign without CA", IssuingRSA, func(c *x509.Certificate) {
			c.ExtKeyUsage = nil
			c.KeyUsage = x509.KeyUsageDigitalSignature
			c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Critical: true, Value: []byte{3, 2, 2, 4}})
		}, core.KindInternal, "e_ext_key_usage_cert_sign_without_ca"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := good(t, profile.LegalEntity, core.CertSign)
			if strings.Contains(c.name, "DNS") {
				tmpl = good(t, profile.SSLLegal, core.CertSSL)
			}
			if c.edit != nil {
				c.edit(tmpl)
			}
			_, err := a.Issue(context.Background(), c.issuer, tmpl)
			if core.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.detail) {
				t.Fatalf("Issue = %v; want %s containing %q", err, c.kind, c.detail)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Issue(ctx, IssuingRSA, good(t, profile.Individual, core.CertSign)); !errors.Is(err, context.Canceled) {
		t.Errorf("Issue with a cancelled context: %v", err)
	}
}

func TestWaiversDocumented(t *testing.T) {
	for name, reason := range Waivers() {
		if len(reason) < 40 {
			t.Errorf("waiver %s has no real reason: %q", name, reason)
		}
	}
}

// signCRL signs a full CRL of entries.
func signCRL(a *Authority, issuer string, number int64, this, next time.Time, entries []core.RevokedEntry) ([]byte, error) {
	return a.CRL(context.Background(), issuer, CRLRequest{Number: number, ThisUpdate: this, NextUpdate: next}, func(add func(core.RevokedEntry) error) error {
		for _, e := range entries {
			if err := add(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestCRL(t *testing.T) {
	a := sharedAuthority(t)
	inv := testNow.Add(-48 * time.Hour)
	entries := []core.RevokedEntry{
		{Serial: "4a0b0c", RevokedAt: testNow.Add(-time.Hour), Reason: core.ReasonKeyCompromise, InvalidityDate: &inv},
		{Serial: "7f01", RevokedAt: testNow.Add(-2 * time.Hour), Reason: core.ReasonUnspecified},
		{Serial: "5c", RevokedAt: testNow.Add(-3 * time.Hour), Reason: core.ReasonCertificateHold},
		{Serial: "60", RevokedAt: testNow.Add(-4 * time.Hour), Reason: core.ReasonSuperseded},
	}
	for _, name := range []string{IssuingRSA, RootRSA} {
		t.Run(name, func(t *testing.T) {
			is, _ := a.Issuer(name)
			der, err := signCRL(a, name, 42, testNow, testNow.Add(24*time.Hour), entries)
			if err != nil {
				t.Fatal(err)
			}
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(is.Cert); err != nil {
				t.Errorf("signature: %v", err)
			}
			if crl.Number.Int64() != 42 {
				t.Errorf("number %v", crl.Number)
			}
			if !bytes.Equal(crl.AuthorityKeyId, is.Cert.SubjectKeyId) {
				t.Error("AKI != issuer SKI")
			}
			if !bytes.Equal(crl.RawIssuer, is.Cert.RawSubject) {
				t.Error("issuer name differs")
			}
			if !crl.ThisUpdate.Equal(testNow) || !crl.NextUpdate.Equal(testNow.Add(24*time.Hour)) {
				t.Errorf("updates %v %v", crl.ThisUpdate, crl.NextUpdate)
			}
			if len(crl.RevokedCertificateEntries) != len(entries) {
				t.Fatalf("%d entries", len(crl.RevokedCertificateEntries))
			}
			for i, e := range crl.RevokedCertificateEntries {
				want := entries[i]
				if e.SerialNumber.Text(16) != want.Serial || !e.RevocationTime.Equal(want.RevokedAt) || e.ReasonCode != int(want.Reason) {
					t.Errorf("entry %d: %x %v %d", i, e.SerialNumber, e.RevocationTime, e.ReasonCode)
				}
				hasReason, hasInv := false, false
				for _, ext := range e.Extensions {
					switch {
					case ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 21}):
						hasReason = true
					case ext.Id.Equal(oidInvalidityDate):
						hasInv = true
						var tm time.Time
						if _, err := asn1.UnmarshalWithParams(ext.Value, &tm, "generalized"); err != nil || !tm.Equal(inv) {
							t.Errorf("invalidity date %v %v", tm, err)
						}
					}
				}
				if hasReason != (want.Reason != core.ReasonUnspecified) {
					t.Errorf("entry %d: reasonCode extension present = %v", i, hasReason)
				}
				if hasInv != (want.InvalidityDate != nil) {
					t.Errorf("entry %d: invalidityDate present = %v", i, hasInv)
				}
			}
		})
	}

	t.Run("empty", func(t *testing.T) {
		der, err := signCRL(a, IssuingRSA, 1, testNow, testNow.Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		if crl, err := x509.ParseRevocationList(der); err != nil || len(crl.RevokedCertificateEntries) != 0 {
			t.Fatalf("%v", err)
		}
	})
	for _, c := range []struct {
		name    string
		issuer  string
		number  int64
		next    time.Time
		entries []core.RevokedEntry
		kind    core.Kind
	}{
		{"unknown CA", "nope", 1, testNow.Add(time.Hour), nil, core.KindNotFound},
		{"negative number", IssuingRSA, -1, testNow.Add(time.Hour), nil, core.KindInvalid},
		{"next before this", IssuingRSA, 1, testNow, nil, core.KindInvalid},
		{"bad serial", IssuingRSA, 1, testNow.Add(time.Hour), []core.RevokedEntry{{Serial: "xyz", RevokedAt: testNow}}, core.KindInvalid},
		{"bad reason", IssuingRSA, 1, testNow.Add(time.Hour), []core.RevokedEntry{{Serial: "01", RevokedAt: testNow, Reason: 7}}, core.KindInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := signCRL(a, c.issuer, c.number, testNow, c.next, c.entries); core.KindOf(err) != c.kind {
				t.Fatalf("CRL = %v, want %s", err, c.kind)
			}
		})
	}
}

// openssl returns the path of the openssl binary, failing in CI and skipping
// elsewhere when it is missing.
func openssl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI but was not found in PATH")
		}
		t.Skip("openssl not found in PATH; skipping the cross-check with OpenSSL")
	}
	return p
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	t.Helper()
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSL(t *testing.T) {
	bin := openssl(t)
	a := sharedAuthority(t)
	root, _ := a.Issuer(RootRSA)
	sub, _ := a.Issuer(IssuingRSA)
	dir := t.TempDir()
	rootPEM, subPEM := filepath.Join(dir, "root.pem"), filepath.Join(dir, "issuing.pem")
	writePEM(t, rootPEM, root.Cert)
	writePEM(t, subPEM, sub.Cert)
	at := fmt.Sprint(testNow.Add(time.Hour).Unix())
	certs := issueAll(t, a)
	for name, cert := range certs {
		leaf := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".pem")
		writePEM(t, leaf, cert)
		out, err := exec.Command(bin, "verify", "-attime", at, "-x509_strict", "-CAfile", rootPEM, "-untrusted", subPEM, leaf).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Errorf("%s: openssl verify: %v\n%s", name, err, out)
		}
	}

	serial := certs["legal_entity/SIGN/rsa"].SerialNumber
	der, err := signCRL(a, IssuingRSA, 7, testNow, testNow.Add(24*time.Hour),
		[]core.RevokedEntry{{Serial: serial.Text(16), RevokedAt: testNow, Reason: core.ReasonKeyCompromise}})
	if err != nil {
		t.Fatal(err)
	}
	crlPath := filepath.Join(dir, "nca-rsa.crl")
	os.WriteFile(crlPath, der, 0o644)
	out, err := exec.Command(bin, "crl", "-inform", "DER", "-in", crlPath, "-noout", "-text").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl crl: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{strings.ToUpper(serial.Text(16)), "Key Compromise", "X509v3 CRL Number", "7", "Authority Key Identifier"} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl crl -text lacks %q:\n%s", want, text)
		}
	}
	// The CRL verifies against the issuing CA.
	out, err = exec.Command(bin, "crl", "-inform", "DER", "-in", crlPath, "-noout", "-CAfile", subPEM).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verify OK") {
		t.Errorf("openssl crl verify: %v\n%s", err, out)
	}
}

func TestFileKeyStore(t *testing.T) {
	ks := FileKeyStore{Dir: t.TempDir()}
	if _, err := ks.Load("k"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing key: %v", err)
	}
	gen := func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
	s1, err := ks.Create("k", gen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Create("k", gen); !errors.Is(err, os.ErrExist) {
		t.Errorf("Create over an existing key: %v", err)
	}
	s2, err := ks.Load("k")
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Public().(*ecdsa.PublicKey).Equal(s2.Public()) {
		t.Error("loaded key differs")
	}
	for _, bad := range []string{"../x", "A", "", "a/b"} {
		if _, err := ks.Load(bad); err == nil {
			t.Errorf("Load(%q) accepted", bad)
		}
	}
	entries, _ := os.ReadDir(ks.Dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// benchAuthority opens an Authority with RSA 4096 CA keys (the production size).
func benchAuthority(b *testing.B) *Authority {
	b.Helper()
	opts := testOptions(filepath.Join(b.TempDir(), "ca"))
	opts.RSABits = 4096
	opts.Now = time.Now
	a, _, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkIssue measures a full issuance: the TBSCertificate encoded once, linted
// (zlint on those bytes, on a second goroutine) while the RSA 4096 issuing key signs
// it, and the result parsed.
func BenchmarkIssue(b *testing.B) {
	a := benchAuthority(b)
	rk, _ := subjectKeys(b)
	sub, _ := a.Issuer(IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.LegalEntity, Type: core.CertSign,
		Applicant: profile.Sample(profile.LegalEntity), PublicKey: &rk.PublicKey, Now: time.Now()}, sub.Endpoints)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Issue(context.Background(), IssuingRSA, tmpl); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
}

// BenchmarkPrepare measures what Prepare's goroutine does for one certificate of the
// RSA 4096 issuing CA: encode the TBSCertificate (pki.TBSCertificate, its direct
// encoder) and lint those bytes (zlint). Run:
//
//	go test -run '^$' -bench Prepare -benchmem ./ca
func BenchmarkPrepare(b *testing.B) {
	a := benchAuthority(b)
	rk, _ := subjectKeys(b)
	sub, _ := a.Issuer(IssuingRSA)
	is, _ := a.issuer(IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.LegalEntity, Type: core.CertSign,
		Applicant: profile.Sample(profile.LegalEntity), PublicKey: &rk.PublicKey, Now: time.Now()}, sub.Endpoints)
	if err != nil {
		b.Fatal(err)
	}
	if tmpl.SerialNumber, err = a.NewSerial(); err != nil {
		b.Fatal(err)
	}
	tmpl.AuthorityKeyId = is.Cert.SubjectKeyId
	ps, err := pki.NewSigner(is.signer, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tbs, err := pki.TBSCertificate(rand.Reader, tmpl, is.Cert, tmpl.PublicKey, ps)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := pki.TBSCertificate(rand.Reader, tmpl, is.Cert, tmpl.PublicKey, ps); err != nil {
				b.Fatal(err)
			}
		}
	})
	n, _ := sigLen(is.signer.Public())
	b.Run("lint", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.lint.checkTBS(tbs, ps.AlgorithmIdentifierDER(), n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRawSign measures one RSA 4096 PKCS#1 v1.5 SHA-256 signature by the
// issuing key, the floor of BenchmarkIssue.
func BenchmarkRawSign(b *testing.B) {
	a := benchAuthority(b)
	is, _ := a.issuer(IssuingRSA)
	digest := sha256.Sum256([]byte("to be signed"))
	b.ResetTimer()
	for b.Loop() {
		if _, err := is.signer.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

func TestIssueConcurrent(t *testing.T) {
	a := sharedAuthority(t)
	rk, _ := subjectKeys(t)
	sub, _ := a.Issuer(IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.SSLLegal, Type: core.CertSSL,
		Applicant: profile.Sample(profile.SSLLegal), PublicKey: &rk.PublicKey, Now: testNow}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if _, err := a.Issue(context.Background(), IssuingRSA, tmpl); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestIssueMatchesCryptoX509 proves that the issue path (one TBSCertificate encoded
// by pki.TBSCertificate, linted, signed without crypto/x509's second verification)
// yields, for every end-entity profile, byte for byte the certificate
// crypto/x509.CreateCertificate makes from the same template with the CA key (RSA
// PKCS#1 v1.5 is deterministic).
func TestIssueMatchesCryptoX509(t *testing.T) {
	a := sharedAuthority(t)
	is, err := a.issuer(IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	rk, ek := subjectKeys(t)
	for _, tp := range profile.Templates() {
		for _, typ := range tp.Keys {
			pubs := map[string]crypto.PublicKey{"rsa": &rk.PublicKey}
			if typ == core.CertSSL {
				pubs["ecdsa"] = &ek.PublicKey
			}
			for kname, pub := range pubs {
				name := fmt.Sprintf("%s/%s/%s", tp.ID, typ, kname)
				tmpl, err := profile.EndEntity(profile.Request{Template: tp.ID, Type: typ, Applicant: profile.Sample(tp.ID),
					PublicKey: pub, Now: testNow, IdentifiedInPerson: true}, is.Endpoints)
				if err != nil {
					t.Fatalf("%s: EndEntity: %v", name, err)
				}
				if tmpl.SerialNumber, err = a.serial(); err != nil {
					t.Fatal(err)
				}
				tmpl.AuthorityKeyId = is.Cert.SubjectKeyId
				cert, err := a.Issue(context.Background(), is.Name, tmpl)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := cert.Raw
				want, err := x509.CreateCertificate(rand.Reader, tmpl, is.Cert, pub, is.signer)
				if err != nil {
					t.Fatalf("%s: crypto/x509: %v", name, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: the issued certificate differs from crypto/x509's", name)
				}
				// The returned certificate (parsed from the linted stand-in, then
				// given the signature) is what parsing its bytes gives.
				if parsed, err := x509.ParseCertificate(got); err != nil || !reflect.DeepEqual(cert, parsed) {
					t.Errorf("%s: the returned certificate is not its parsed bytes (%v)", name, err)
				}
			}
		}
	}
}

// TestIssueKeepsNewSerial proves that a serial drawn by NewSerial (and recorded by
// the caller before signing) is the serial of the certificate.
func TestIssueKeepsNewSerial(t *testing.T) {
	a := sharedAuthority(t)
	sub, _ := a.Issuer(IssuingRSA)
	rk, _ := subjectKeys(t)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertAuth,
		Applicant: profile.Sample(profile.Individual), PublicKey: &rk.PublicKey, Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber, err = a.NewSerial(); err != nil {
		t.Fatal(err)
	}
	cert, err := a.Issue(context.Background(), IssuingRSA, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if cert.SerialNumber.Cmp(tmpl.SerialNumber) != 0 {
		t.Fatalf("serial %x, want the drawn %x", cert.SerialNumber, tmpl.SerialNumber)
	}
}

// TestPrepareThenSign: a prepared certificate is the certificate Issue would sign
// (same serial, signed by the issuer), Sign signs it once only, and an authority does
// not sign what another prepared. A template Prepare refuses never reaches the key.
func TestPrepareThenSign(t *testing.T) {
	a := sharedAuthority(t)
	ctx := context.Background()
	sub, _ := a.Issuer(IssuingRSA)
	rk, _ := subjectKeys(t)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertSign,
		Applicant: profile.Sample(profile.Individual), PublicKey: &rk.PublicKey, Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber, err = a.NewSerial(); err != nil {
		t.Fatal(err)
	}
	ps, err := a.Prepare(ctx, ToSign{Issuer: IssuingRSA, Template: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	if p.Serial().Cmp(tmpl.SerialNumber) != 0 {
		t.Fatalf("prepared serial %x, want %x", p.Serial(), tmpl.SerialNumber)
	}
	cert, err := a.Sign(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if cert.SerialNumber.Cmp(tmpl.SerialNumber) != 0 || cert.CheckSignatureFrom(sub.Cert) != nil {
		t.Fatalf("signed certificate: serial %x, signature %v", cert.SerialNumber, cert.CheckSignatureFrom(sub.Cert))
	}
	if _, err := a.Sign(ctx, p); core.KindOf(err) != core.KindInternal || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("second Sign = %v, want a refusal", err)
	}

	other := openTest(t, filepath.Join(t.TempDir(), "ca"))
	q, err := other.Prepare(ctx, ToSign{Issuer: IssuingRSA, Template: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sign(ctx, q[0]); err == nil || !strings.Contains(err.Error(), "not prepared by this authority") {
		t.Fatalf("Sign of another authority's certificate = %v, want a refusal", err)
	}

	bad := *tmpl
	bad.NotAfter = sub.Cert.NotAfter.Add(time.Hour)
	if _, err := a.Prepare(ctx, ToSign{Issuer: IssuingRSA, Template: tmpl}, ToSign{Issuer: IssuingRSA, Template: &bad}); core.KindOf(err) != core.KindInternal {
		t.Fatalf("Prepare of a template outside the issuer's validity = %v, want KindInternal", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Prepare(cancelled, ToSign{Issuer: IssuingRSA, Template: tmpl}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Prepare with a cancelled context = %v", err)
	}
}
