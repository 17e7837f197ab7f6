package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

type fixture struct {
	ctx   context.Context
	clk   *testclock.Clock
	st    store.Store
	ca    *ca.Authority
	svc   *Service
	key   *rsa.PrivateKey
	cert  *x509.Certificate
	other *x509.Certificate // a certificate of a foreign CA with the same key and subject
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := testclock.New(time.Now().UTC().Truncate(time.Second))
	st := storetest.New(t)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "Test", BaseURL: "http://nca.test", RSABits: 2048, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Store: st, Issuers: a, Secret: bytes.Repeat([]byte{1}, 32), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := a.Issuer(ca.IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := profile.Staff("operator", core.Applicant{IIN: "800101300016", Surname: "Operator", Name: "Desk", Organization: "Test"}, &key.PublicKey, clk.Now(), iss.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := a.Issue(ctx, ca.IssuingRSA, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	store1 := func(c *x509.Certificate) {
		err := st.Tx(ctx, func(tx store.Tx) error {
			return tx.InsertCertificate(ctx, &core.Certificate{Serial: c.SerialNumber.Text(16), Issuer: ca.IssuingRSA, Type: core.CertAuth, IIN: "800101300016",
				Subject: c.Subject.String(), NotBefore: c.NotBefore, NotAfter: c.NotAfter, KeyHash: "k" + c.SerialNumber.Text(16), DER: c.Raw, Status: core.CertGood})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	store1(cert)
	// A foreign CA issues a look-alike certificate with the same serial.
	fkey, _ := rsa.GenerateKey(rand.Reader, 2048)
	froot := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Foreign"}, NotBefore: clk.Now().Add(-time.Hour), NotAfter: clk.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	frootDER, _ := x509.CreateCertificate(rand.Reader, froot, froot, &fkey.PublicKey, fkey)
	froot, _ = x509.ParseCertificate(frootDER)
	look := *cert
	look.Raw, look.RawTBSCertificate = nil, nil
	otherDER, err := x509.CreateCertificate(rand.Reader, &look, froot, &key.PublicKey, fkey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := x509.ParseCertificate(otherDER)
	return &fixture{ctx: ctx, clk: clk, st: st, ca: a, svc: svc, key: key, cert: cert, other: other}
}

func (f *fixture) signIn(t *testing.T, cert *x509.Certificate, key crypto.Signer) (string, Principal, error) {
	t.Helper()
	c, err := f.svc.Challenge(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(ChallengeBytes(c))
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return f.svc.SignIn(f.ctx, c.ID, cert.Raw, sig, "127.0.0.1")
}

func TestSignInGivesRolesFromTheCertificate(t *testing.T) {
	f := newFixture(t)
	tok, p, err := f.signIn(t, f.cert, f.key)
	if err != nil {
		t.Fatal(err)
	}
	if p.IIN != "800101300016" || !strings.Contains(strings.Join(p.Roles, ","), "operator") || p.Issuer != ca.IssuingRSA {
		t.Fatalf("principal %+v", p)
	}
	got, err := f.svc.Verify(f.ctx, tok)
	if err != nil || got.IIN != p.IIN {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	// The sign-in is audited.
	_ = f.st.Read(f.ctx, func(tx store.Tx) error {
		recs, err := tx.AuditLog(f.ctx, 0, 10)
		if err != nil || len(recs) != 1 || recs[0].Action != "auth.sign_in" || recs[0].Address != "127.0.0.1" {
			t.Errorf("audit after sign-in: %+v, %v", recs, err)
		}
		return nil
	})
}

func TestSignInRefusals(t *testing.T) {
	f := newFixture(t)
	wrongKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, _, err := f.signIn(t, f.cert, wrongKey); core.KindOf(err) != core.KindUnauthorized {
		t.Errorf("wrong key: %v", err)
	}
	if _, _, err := f.signIn(t, f.other, f.key); core.KindOf(err) != core.KindUnauthorized || !strings.Contains(err.Error(), "not issued by this authority") {
		t.Errorf("foreign CA: %v", err)
	}
	// An expired challenge.
	c, _ := f.svc.Challenge(f.ctx)
	f.clk.Add(3 * time.Minute)
	h := sha256.Sum256(ChallengeBytes(c))
	sig, _ := f.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if _, _, err := f.svc.SignIn(f.ctx, c.ID, f.cert.Raw, sig, ""); core.KindOf(err) != core.KindUnauthorized || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired challenge: %v", err)
	}
	// A certificate past its validity.
	f.clk.Add(366 * 24 * time.Hour)
	if _, _, err := f.signIn(t, f.cert, f.key); core.KindOf(err) != core.KindUnauthorized || !strings.Contains(err.Error(), "not valid now") {
		t.Errorf("expired certificate: %v", err)
	}
	if _, _, err := f.svc.SignIn(f.ctx, "", nil, nil, ""); core.KindOf(err) != core.KindInvalid {
		t.Errorf("empty request: %v", err)
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t)
	tok, _, err := f.signIn(t, f.cert, f.key)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "v1.", tok + "x", strings.Replace(tok, "v1.", "v2.", 1), "v1.e30." + strings.Split(tok, ".")[2]} {
		if _, err := f.svc.Verify(f.ctx, bad); core.KindOf(err) != core.KindUnauthorized {
			t.Errorf("Verify(%q) = %v", bad, err)
		}
	}
	// Another server secret does not accept the token.
	other, _ := New(Config{Store: f.st, Issuers: f.ca, Secret: bytes.Repeat([]byte{2}, 32), Now: f.clk.Now})
	if _, err := other.Verify(f.ctx, tok); core.KindOf(err) != core.KindUnauthorized {
		t.Errorf("token under another secret: %v", err)
	}
	f.clk.Add(16 * time.Minute)
	if _, err := f.svc.Verify(f.ctx, tok); core.KindOf(err) != core.KindUnauthorized || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
	if _, err := New(Config{Secret: []byte("short")}); err == nil {
		t.Error("a short secret was accepted")
	}
}

func TestSigningCertificateCannotSignIn(t *testing.T) {
	f := newFixture(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	iss, _ := f.ca.Issuer(ca.IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertSign, PublicKey: &key.PublicKey, Now: f.clk.Now(),
		Applicant: core.Applicant{IIN: "871008401427", Surname: "Иванова", Name: "Анна", Email: "a@example.kz", Phone: "+77011234567"}}, iss.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.ca.Issue(f.ctx, ca.IssuingRSA, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	err = f.st.Tx(f.ctx, func(tx store.Tx) error {
		return tx.InsertCertificate(f.ctx, &core.Certificate{Serial: c.SerialNumber.Text(16), Issuer: ca.IssuingRSA, Type: core.CertSign, Subject: "x", NotBefore: c.NotBefore, NotAfter: c.NotAfter, KeyHash: "sign", DER: c.Raw, Status: core.CertGood})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.signIn(t, c, key); core.KindOf(err) != core.KindUnauthorized || !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("SIGN certificate: %v", err)
	}
}
