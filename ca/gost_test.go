package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

var (
	gostKeysOnce sync.Once
	gost2015Key  *gost.PrivateKey
	gost2004Key  *gost.PrivateKey
)

func gostSubjectKeys() (k2015, k2004 *gost.PrivateKey) {
	gostKeysOnce.Do(func() {
		var err error
		if gost2015Key, err = gost.GenerateKey(gost.Curve512A(), nil); err != nil {
			panic(err)
		}
		if gost2004Key, err = gost.GenerateKey(gost.CurveCryptoProA(), nil); err != nil {
			panic(err)
		}
	})
	return gost2015Key, gost2004Key
}

// issueAllGOST issues, from the GOST issuing CA, every SIGN and AUTH certificate of
// every template for a GOST 2015-512 and a GOST 2004 subject key.
func issueAllGOST(t *testing.T, a *Authority) map[string]*x509.Certificate {
	t.Helper()
	k2015, k2004 := gostSubjectKeys()
	sub, err := a.Issuer(IssuingGOST)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*x509.Certificate{}
	for _, tp := range profile.Templates() {
		for _, typ := range tp.Keys {
			if typ != core.CertSign && typ != core.CertAuth {
				continue
			}
			for kname, pub := range map[string]crypto.PublicKey{"gost2015": k2015.Public(), "gost2004": k2004.Public()} {
				name := fmt.Sprintf("%s/%s/%s", tp.ID, typ, kname)
				tmpl, err := profile.EndEntity(profile.Request{Template: tp.ID, Type: typ, Applicant: profile.Sample(tp.ID),
					PublicKey: pub, Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
				if err != nil {
					t.Fatalf("%s: EndEntity: %v", name, err)
				}
				cert, err := a.Issue(context.Background(), IssuingGOST, tmpl)
				if err != nil {
					t.Fatalf("%s: Issue: %v", name, err)
				}
				out[name] = cert
			}
		}
	}
	return out
}

// The GOST CAs: national OIDs with explicit NULL parameters, r_LE‖s_LE signatures
// that verify with our code and with gost-engine, endpoints of the GOST CA, and
// keys read back from the key store after a reopen.
func TestGOSTHierarchy(t *testing.T) {
	gostengine.Require(t)
	a := sharedAuthority(t)
	root, err := a.Issuer(RootGOST)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := a.Issuer(IssuingGOST)
	if root.Cert.Subject.CommonName != RootGOSTCommonName || sub.Cert.Subject.CommonName != IssuingGOSTCommonName {
		t.Fatalf("subjects %q, %q", root.Cert.Subject, sub.Cert.Subject)
	}
	if len(sub.Chain) != 2 || sub.Chain[1] != root.Cert {
		t.Fatal("GOST issuing chain is not [issuing, root]")
	}
	if got := sub.Cert.CRLDistributionPoints; fmt.Sprint(got) != "[http://pki.example.kz/crl/root-gost.crl]" {
		t.Errorf("issuing CA CRL DP %v", got)
	}
	if sub.Endpoints.CRL[0] != "http://pki.example.kz/crl/nca-gost.crl" || sub.Endpoints.OCSP[0] != "http://pki.example.kz/ocsp/nca-gost" ||
		sub.Endpoints.CAIssuers[0] != "http://pki.example.kz/ca/nca-gost.cer" {
		t.Errorf("GOST endpoints %+v", sub.Endpoints)
	}
	rootPub, err := pki.PublicKeyOf(root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	subPub, _ := pki.PublicKeyOf(sub.Cert)
	certs := issueAllGOST(t, a)
	certs["root"], certs["issuing"] = root.Cert, sub.Cert
	for name, cert := range certs {
		checkGOSTEncoding(t, name, cert)
		signer := subPub
		if name == "root" || name == "issuing" {
			signer = rootPub
		}
		if ok, out := gostengine.VerifySigned(t, cert.Raw, signer.(*gost.PublicKey)); !ok {
			t.Errorf("%s: gost-engine refuses the signature: %s", name, out)
		}
		if name == "root" || name == "issuing" {
			continue
		}
		chain, err := pki.VerifyChain(cert, []*x509.Certificate{sub.Cert}, []*x509.Certificate{root.Cert}, testNow.Add(time.Hour))
		if err != nil || len(chain) != 3 {
			t.Errorf("%s: chain: %v", name, err)
		}
		if fmt.Sprint(cert.CRLDistributionPoints) != "[http://pki.example.kz/crl/nca-gost.crl]" ||
			fmt.Sprint(cert.OCSPServer) != "[http://pki.example.kz/ocsp/nca-gost]" ||
			fmt.Sprint(cert.IssuingCertificateURL) != "[http://pki.example.kz/ca/nca-gost.cer]" {
			t.Errorf("%s: endpoints %v %v %v", name, cert.CRLDistributionPoints, cert.OCSPServer, cert.IssuingCertificateURL)
		}
		id, err := profile.Parse(cert)
		if err != nil {
			t.Fatalf("%s: Parse: %v", name, err)
		}
		if parts := strings.Split(name, "/"); string(id.Type) != parts[1] {
			t.Errorf("%s: Parse type %q", name, id.Type)
		}
		// The RSA hierarchy does not vouch for GOST certificates.
		rsaRoot, _ := a.Issuer(RootRSA)
		rsaSub, _ := a.Issuer(IssuingRSA)
		if _, err := pki.VerifyChain(cert, []*x509.Certificate{rsaSub.Cert}, []*x509.Certificate{rsaRoot.Cert}, testNow.Add(time.Hour)); err == nil {
			t.Errorf("%s: verified under the RSA hierarchy", name)
		}
	}
	// After a reopen the GOST keys load from the key store (national PKCS#8) and
	// match their certificates.
	again, created, err := Open(testOptions(shared.dir + "/ca"))
	if err != nil || len(created) != 0 {
		t.Fatalf("reopen: %v, created %v", err, created)
	}
	sub2, _ := again.Issuer(IssuingGOST)
	if !bytes.Equal(sub2.Cert.Raw, sub.Cert.Raw) {
		t.Fatal("GOST issuing CA changed on reopen")
	}
}

// checkGOSTEncoding checks the national encoding of a GOST-signed certificate: the
// signature algorithm 1.2.398.3.10.1.1.2.3.2 with explicit NULL parameters outside and
// inside the TBSCertificate, a 128-byte signature, and the subject key under the
// Kazakh OIDs with its curve and hash parameters.
func checkGOSTEncoding(t *testing.T, name string, cert *x509.Certificate) {
	t.Helper()
	var outer struct {
		TBS struct {
			Version asn1.RawValue `asn1:"optional,explicit,tag:0"`
			Serial  asn1.RawValue
			SigAlg  asn1.RawValue
			Issuer  asn1.RawValue
			Valid   asn1.RawValue
			Subject asn1.RawValue
			SPKI    struct {
				Alg struct {
					OID    asn1.ObjectIdentifier
					Params []asn1.ObjectIdentifier
				}
				Key asn1.BitString
			}
			Rest asn1.RawValue `asn1:"optional,explicit,tag:3"`
		}
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.Raw, &outer); err != nil {
		t.Fatalf("%s: decode: %v", name, err)
	}
	wantAlg := []byte{0x30, 0x0e, 0x06, 0x0a, 0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x03, 0x02, 0x05, 0x00}
	if !bytes.Equal(outer.SigAlg.FullBytes, wantAlg) || !bytes.Equal(outer.TBS.SigAlg.FullBytes, wantAlg) {
		t.Errorf("%s: signature algorithm %x / %x, want %x", name, outer.SigAlg.FullBytes, outer.TBS.SigAlg.FullBytes, wantAlg)
	}
	if len(outer.Sig.Bytes) != 128 {
		t.Errorf("%s: signature of %d bytes", name, len(outer.Sig.Bytes))
	}
	alg := outer.TBS.SPKI.Alg
	var want []asn1.ObjectIdentifier
	switch {
	case alg.OID.Equal(gost.OIDKZGost2015PublicKey512):
		want = []asn1.ObjectIdentifier{gost.OIDKZGost2015ParamSet512, gost.OIDKZStreebog512}
	case alg.OID.Equal(gost.OIDKZGost2004PublicKey):
		want = []asn1.ObjectIdentifier{gost.OIDKZGost2004ParamSet, gost.OIDKZGost34311ParamSet}
	default:
		t.Fatalf("%s: key algorithm %v", name, alg.OID)
	}
	if fmt.Sprint(alg.Params) != fmt.Sprint(want) {
		t.Errorf("%s: key parameters %v, want %v", name, alg.Params, want)
	}
	// r_LE‖s_LE: reading the halves as little-endian r, s gives a valid signature (a
	// big-endian reading would not, checked by gost-engine on the reversed bytes).
	if _, err := pki.ParsePublicKey(cert.RawSubjectPublicKeyInfo); err != nil {
		t.Fatalf("%s: key: %v", name, err)
	}
	if _, _, err := gost.ParseSignature(gost.Curve512A(), outer.Sig.Bytes, gost.LayoutKazakh); err != nil {
		t.Errorf("%s: signature halves: %v", name, err)
	}
}

// The GOST CAs are issued only for GOST subject keys through IssuerFor, and a GOST
// key is refused for SSL certificates by the profile.
func TestIssuerFor(t *testing.T) {
	k, _ := gostSubjectKeys()
	rk, _ := subjectKeys(t)
	if IssuerFor(k.Public()) != IssuingGOST || IssuerFor(&rk.PublicKey) != IssuingRSA {
		t.Fatal("IssuerFor")
	}
	if err := profile.CheckKey(core.CertSSL, k.Public()); err == nil {
		t.Fatal("GOST key accepted for SSL")
	}
}

// BenchmarkIssueGOST measures a full issuance by the GOST issuing CA for a GOST
// 2015-512 subject key: lint with the RSA stand-in, placeholder encoding, GOST 2015-512
// signature over Streebog-512, re-parse.
func BenchmarkIssueGOST(b *testing.B) {
	a := benchAuthority(b)
	k, _ := gostSubjectKeys()
	sub, _ := a.Issuer(IssuingGOST)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.LegalEntity, Type: core.CertSign,
		Applicant: profile.Sample(profile.LegalEntity), PublicKey: k.Public(), Now: time.Now()}, sub.Endpoints)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Issue(context.Background(), IssuingGOST, tmpl); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issuances/s")
}
