package ra

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

func gostCSR(t testing.TB, c *gost.Curve) []byte {
	t.Helper()
	k, err := gost.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pki.NewSigner(k, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pki.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "applicant"}}, s)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// One legal-entity application carries a GOST 2015-512 SIGN key and an RSA AUTH key;
// approval issues the SIGN certificate from the GOST issuing CA and the AUTH
// certificate from the RSA one, each with its own chain. An individual signs with a
// GOST 34.310-2004 key the same way.
func TestDualIssuance(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		template string
		curve    *gost.Curve
	}{{profile.LegalEntity, gost.Curve512A()}, {profile.Individual, gost.CurveCryptoProA()}} {
		t.Run(c.template, func(t *testing.T) {
			d := e.demo(c.template, "")
			if c.template == profile.LegalEntity {
				d = e.demo(c.template, "first_head")
			}
			app := e.applicant(d)
			reqs := []core.KeyRequest{
				{Type: core.CertSign, CSR: gostCSR(t, c.curve)},
				{Type: core.CertAuth, CSR: csr(t, pool.get(t))},
			}
			a, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous", Address: "192.0.2.1"}, SubmitInput{Template: d.Template, Applicant: app, Requests: reqs, Consents: allConsents})
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			e.acceptAll(a.Number)
			got, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
			if err != nil || got.State != core.StateIssued || len(certs) != 2 {
				t.Fatalf("approve: %v, %d certs, %v", got, len(certs), err)
			}
			for _, ic := range certs {
				want := ca.IssuingRSA
				if ic.Type == core.CertSign {
					want = ca.IssuingGOST
				}
				if ic.Issuer != want || len(ic.Chain) != 2 || ic.Chain[0].Subject.CommonName == "" {
					t.Fatalf("%s: issuer %s, chain %d", ic.Type, ic.Issuer, len(ic.Chain))
				}
				cert, err := x509.ParseCertificate(ic.DER)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := pki.VerifyChain(cert, ic.Chain[:1], ic.Chain[1:], e.clock.Now()); err != nil {
					t.Fatalf("%s: %v", ic.Type, err)
				}
				pub, _ := pki.PublicKeyOf(cert)
				if _, isGOST := pub.(*gost.PublicKey); isGOST != (ic.Type == core.CertSign) {
					t.Fatalf("%s certificate has a %T key", ic.Type, pub)
				}
			}
		})
	}
}

// A GOST request with a broken signature is refused as no proof of possession, and a
// GOST key for an SSL certificate is refused by the key policy; nothing is stored.
func TestGOSTRequestsRefused(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.Individual, "")
	app := e.applicant(d)
	bad := gostCSR(t, gost.Curve512A())
	bad[len(bad)-1] ^= 1
	_, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous", Address: "192.0.2.1"}, SubmitInput{Template: d.Template, Applicant: app,
		Requests: []core.KeyRequest{{Type: core.CertSign, CSR: bad}, {Type: core.CertAuth, CSR: csr(t, pool.get(t))}}, Consents: allConsents})
	wantKind(t, err, core.KindInvalid)
	if n := e.count(); n != 0 {
		t.Fatalf("%d applications stored", n)
	}
}
