package auth

import (
	"crypto/rand"
	"testing"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// A subscriber whose AUTH key is GOST signs in: the certificate (from the GOST issuing
// CA) is recognised, and the challenge signature — the national GOST algorithm of the
// key, as client.SignChallenge makes it — is verified through pki. A GOST signature by
// another key is refused.
func TestSignInWithGOSTAuthKey(t *testing.T) {
	f := newFixture(t)
	for _, curve := range []*gost.Curve{gost.Curve512A(), gost.CurveCryptoProA()} {
		key, err := gost.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		iss, _ := f.ca.Issuer(ca.IssuingGOST)
		tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertAuth, Applicant: profile.Sample(profile.Individual),
			PublicKey: key.Public(), Now: f.clk.Now(), IdentifiedInPerson: true}, iss.Endpoints)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := f.ca.Issue(f.ctx, ca.IssuingGOST, tmpl)
		if err != nil {
			t.Fatal(err)
		}
		err = f.st.Tx(f.ctx, func(tx store.Tx) error {
			return tx.InsertCertificate(f.ctx, &core.Certificate{Serial: cert.SerialNumber.Text(16), Issuer: ca.IssuingGOST, Type: core.CertAuth,
				IIN: profile.Sample(profile.Individual).IIN, Subject: cert.Subject.String(), NotBefore: cert.NotBefore, NotAfter: cert.NotAfter,
				KeyHash: "g" + cert.SerialNumber.Text(16), DER: cert.Raw, Status: core.CertGood})
		})
		if err != nil {
			t.Fatal(err)
		}
		signWith := func(k *gost.PrivateKey) (Principal, error) {
			c, err := f.svc.Challenge(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			s, err := pki.NewSigner(k, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := s.Sign(ChallengeBytes(c))
			if err != nil {
				t.Fatal(err)
			}
			_, p, err := f.svc.SignIn(f.ctx, c.ID, cert.Raw, sig, "127.0.0.1")
			return p, err
		}
		p, err := signWith(key)
		if err != nil {
			t.Fatalf("%s: sign-in: %v", curve.Name(), err)
		}
		if p.Issuer != ca.IssuingGOST || p.IIN != profile.Sample(profile.Individual).IIN {
			t.Fatalf("principal %+v", p)
		}
		other, _ := gost.GenerateKey(curve, rand.Reader)
		if _, err := signWith(other); core.KindOf(err) != core.KindUnauthorized {
			t.Fatalf("%s: another key's signature: %v", curve.Name(), err)
		}
	}
}
