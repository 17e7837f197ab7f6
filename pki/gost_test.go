package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
)

// fixture reads a file of shared/fixtures/kz-test-pki (DER or PEM).
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "kz-test-pki", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}

func fixtureCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(fixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// The national test CA's GOST CRLs verify against their CA certificates, and a CRL
// with one flipped signature byte does not.
func TestFixtureCRLs(t *testing.T) {
	for _, c := range []struct{ crl, ca, sigOID string }{
		{"crl_nca_gost2022_test.crl", "ca_nca_gost2015_test.cer", "1.2.398.3.10.1.1.2.3.2"},
		{"crl_nca_gost_test.crl", "ca_nca_gost_test.crt", "1.2.398.3.10.1.1.1.2"},
		{"crl_nca_rsa_test.crl", "ca_nca_rsa_test.crt", "1.2.840.113549.1.1.11"},
	} {
		t.Run(c.crl, func(t *testing.T) {
			ca := fixtureCert(t, c.ca)
			pub, err := PublicKeyOf(ca)
			if err != nil {
				t.Fatal(err)
			}
			der := fixture(t, c.crl)
			alg, err := VerifySigned(der, pub)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if alg.Algorithm.String() != c.sigOID {
				t.Fatalf("algorithm %s, want %s", alg.Algorithm, c.sigOID)
			}
			bad := bytes.Clone(der)
			bad[len(bad)-5] ^= 1
			if _, err := VerifySigned(bad, pub); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("tampered CRL: %v, want ErrBadSignature", err)
			}
		})
	}
}

// The end-entity certificates verify against their CAs, through VerifyChain as of a
// time inside their validity; outside it the chain is refused.
func TestFixtureCertificates(t *testing.T) {
	at := time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ leaf, ca string }{
		{"certs_ceo_valid_sign_2004_gost.cer", "ca_nca_gost_test.crt"},
		{"cms-leaf_gost2015_test.der", "ca_nca_gost2015_test.cer"},
		{"certs_individual_valid_sign_2004_rsa.cer", "ca_nca_rsa_test.crt"},
		{"certs_individual_valid_sign_2004_rsa_auth.cer", "ca_nca_rsa_test.crt"},
	} {
		t.Run(c.leaf, func(t *testing.T) {
			leaf, ca := fixtureCert(t, c.leaf), fixtureCert(t, c.ca)
			if err := CheckCertificateSignature(leaf, ca); err != nil {
				t.Fatalf("signature: %v", err)
			}
			chain, err := VerifyChain(leaf, nil, []*x509.Certificate{ca}, at)
			if err != nil || len(chain) != 2 {
				t.Fatalf("chain: %v (%d)", err, len(chain))
			}
			if _, err := VerifyChain(leaf, nil, []*x509.Certificate{ca}, at.AddDate(3, 0, 0)); !errors.Is(err, ErrChain) {
				t.Fatalf("chain after expiry: %v", err)
			}
		})
	}
	// A GOST leaf does not verify against the other GOST CA.
	leaf := fixtureCert(t, "cms-leaf_gost2015_test.der")
	other := fixtureCert(t, "ca_nca_gost_test.crt")
	if err := CheckCertificateSignature(leaf, other); err == nil {
		t.Fatal("GOST 2015 leaf verified under the GOST 2004 CA")
	}
}

// Parsing a fixture GOST key and marshalling it again gives the same bytes: what we
// emit is the national SubjectPublicKeyInfo layout.
func TestGOSTPublicKeyRoundTrip(t *testing.T) {
	for _, name := range []string{"ca_nca_gost2015_test.cer", "ca_nca_gost_test.crt", "cms-leaf_gost2015_test.der"} {
		c := fixtureCert(t, name)
		pub, err := ParsePublicKey(c.RawSubjectPublicKeyInfo)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := pub.(*gost.PublicKey); !ok {
			t.Fatalf("%s: %T", name, pub)
		}
		der, err := MarshalPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(der, c.RawSubjectPublicKeyInfo) {
			t.Fatalf("%s: re-encoded key differs:\n%x\n%x", name, der, c.RawSubjectPublicKeyInfo)
		}
	}
}

// Explicit NULL or absent parameters under a Kazakh key OID mean the OID's curve;
// under a Russian OID they are refused.
func TestGOSTPublicKeyNULLParameters(t *testing.T) {
	k, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	xy, _ := asn1.Marshal(k.PublicKey().Bytes())
	type spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	enc := func(oid asn1.ObjectIdentifier, params asn1.RawValue) []byte {
		der, err := asn1.Marshal(spki{pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: params}, asn1.BitString{Bytes: xy, BitLength: 8 * len(xy)}})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	for _, params := range []asn1.RawValue{asn1.NullRawValue, {}} {
		pub, err := ParsePublicKey(enc(gost.OIDKZGost2015PublicKey512, params))
		if err != nil {
			t.Fatalf("Kazakh key, params %x: %v", params.FullBytes, err)
		}
		if !k.PublicKey().Equal(pub) {
			t.Fatal("parsed key differs")
		}
		if _, err := ParsePublicKey(enc(gost.OIDGost2012PublicKey512, params)); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Fatalf("Russian key without curve: %v", err)
		}
	}
}

// Each Kazakh GOST key signs with its national algorithm (explicit NULL parameters,
// r_LE‖s_LE) and the signature verifies; the byte-reversed signature verifies under
// the Russian OID; the key also verifies under the legacy vendor arc for 2004.
func TestGOSTSignVerify(t *testing.T) {
	msg := []byte("tbs")
	for _, c := range []struct {
		curve   *gost.Curve
		sig, ru asn1.ObjectIdentifier
	}{
		{gost.Curve512A(), gost.OIDKZGost2015Signature512, gost.OIDGost2012Signature512},
		{gost.CurveCryptoProA(), gost.OIDKZGost2004Signature, nil},
		{gost.Curve256A(), gost.OIDKZGost2015Signature256, gost.OIDGost2012Signature256},
	} {
		t.Run(c.curve.Name(), func(t *testing.T) {
			k, err := gost.GenerateKey(c.curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSigner(k, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			id := s.AlgorithmIdentifier()
			if !id.Algorithm.Equal(c.sig) || !bytes.HasSuffix(s.AlgorithmIdentifierDER(), []byte{5, 0}) {
				t.Fatalf("algorithm %x", s.AlgorithmIdentifierDER())
			}
			sig, err := s.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			spki, _ := MarshalPublicKey(k.Public())
			pub, err := ParsePublicKey(spki)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifySignature(pub, id, msg, sig); err != nil {
				t.Fatal(err)
			}
			// r_LE‖s_LE: the first half is r, little-endian.
			info, _ := gost.LookupOID(c.sig)
			h := info.Hash.New()
			h.Write(msg)
			r, sv, err := gost.ParseSignature(c.curve, sig, gost.LayoutKazakh)
			if err != nil {
				t.Fatal(err)
			}
			re, _ := gost.MarshalSignature(c.curve, r, sv, gost.LayoutKazakh)
			if !bytes.Equal(re, sig) {
				t.Fatal("signature is not r_LE‖s_LE")
			}
			if err := VerifySignature(pub, id, []byte("other"), sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("other message: %v", err)
			}
			if c.ru != nil {
				rev, _ := gost.ConvertSignature(sig, gost.LayoutKazakh, gost.LayoutRFC4491)
				if err := VerifySignature(pub, pkix.AlgorithmIdentifier{Algorithm: c.ru}, msg, rev); err != nil {
					t.Fatalf("Russian OID, reversed signature: %v", err)
				}
			} else {
				if err := VerifySignature(pub, pkix.AlgorithmIdentifier{Algorithm: gost.OIDLegacyGost2004Signature, Parameters: asn1.NullRawValue}, msg, sig); err != nil {
					t.Fatalf("legacy arc: %v", err)
				}
			}
			// Parameters other than NULL are refused.
			bad := pkix.AlgorithmIdentifier{Algorithm: c.sig, Parameters: asn1.RawValue{FullBytes: []byte{2, 1, 0}}}
			if err := VerifySignature(pub, bad, msg, sig); !errors.Is(err, ErrUnsupportedAlgorithm) {
				t.Fatalf("non-NULL parameters: %v", err)
			}
		})
	}
	// A GOST key under an RSA algorithm and an RSA key under a GOST one are refused.
	k, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	if err := VerifySignature(k.Public(), pkix.AlgorithmIdentifier{Algorithm: OIDSHA256WithRSA}, nil, []byte{1}); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("GOST key under RSA: %v", err)
	}
	if err := VerifySignature(rk.Public(), pkix.AlgorithmIdentifier{Algorithm: gost.OIDKZGost2015Signature512}, nil, []byte{1}); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("RSA key under GOST: %v", err)
	}
	// A 256-bit key under the 512-bit algorithm is refused.
	k256, _ := gost.GenerateKey(gost.CurveCryptoProA(), rand.Reader)
	if err := VerifySignature(k256.Public(), pkix.AlgorithmIdentifier{Algorithm: gost.OIDKZGost2015Signature512}, nil, make([]byte, 128)); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("size mismatch: %v", err)
	}
}

// A GOST root signs a GOST issuing CA which signs GOST and RSA leaves, and an RSA CA
// signs a GOST leaf: every certificate decodes with the national OIDs, explicit NULL
// parameters, and verifies through VerifyChain.
func TestCreateCertificateGOST(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	rootKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	subKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	leafKey, _ := gost.GenerateKey(gost.CurveCryptoProA(), rand.Reader)
	rsaLeaf, _ := rsa.GenerateKey(rand.Reader, 2048)
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	rootSigner, _ := NewSigner(rootKey, rand.Reader)
	rootDER, err := CreateCertificate(rand.Reader, ca("root"), nil, rootKey.Public(), rootSigner)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	subDER, err := CreateCertificate(rand.Reader, ca("sub"), root, subKey.Public(), rootSigner)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := x509.ParseCertificate(subDER)
	subSigner, _ := NewSigner(subKey, rand.Reader)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: now, NotAfter: now.AddDate(0, 6, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	for name, pub := range map[string]any{"gost2004": leafKey.Public(), "rsa": rsaLeaf.Public()} {
		der, err := CreateCertificate(rand.Reader, leafT, sub, pub, subSigner)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		chain, err := VerifyChain(leaf, []*x509.Certificate{sub}, []*x509.Certificate{root}, now.Add(time.Minute))
		if err != nil || len(chain) != 3 {
			t.Fatalf("%s chain: %v", name, err)
		}
		if !bytes.Equal(leaf.AuthorityKeyId, sub.SubjectKeyId) || len(sub.SubjectKeyId) != 20 {
			t.Fatalf("%s: AKI %x, issuer SKI %x", name, leaf.AuthorityKeyId, sub.SubjectKeyId)
		}
		_, alg, sig, _ := SplitSigned(der)
		if !alg.Algorithm.Equal(gost.OIDKZGost2015Signature512) || !bytes.Equal(alg.Parameters.FullBytes, []byte{5, 0}) || len(sig) != 128 {
			t.Fatalf("%s: algorithm %v %x, signature %d bytes", name, alg.Algorithm, alg.Parameters.FullBytes, len(sig))
		}
		got, _ := PublicKeyOf(leaf)
		if !got.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Fatalf("%s: subject key differs", name)
		}
	}
	// An RSA CA certifies a GOST key.
	rsaCA, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs, _ := NewSigner(rsaCA, rand.Reader)
	rsaRootDER, err := CreateCertificate(rand.Reader, ca("rsa root"), nil, rsaCA.Public(), rs)
	if err != nil {
		t.Fatal(err)
	}
	rsaRoot, _ := x509.ParseCertificate(rsaRootDER)
	der, err := CreateCertificate(rand.Reader, leafT, rsaRoot, leafKey.Public(), rs)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	if err := leaf.CheckSignatureFrom(rsaRoot); err != nil {
		t.Fatalf("crypto/x509 check of an RSA-signed GOST certificate: %v", err)
	}
	if _, err := VerifyChain(leaf, nil, []*x509.Certificate{rsaRoot}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A tampered GOST certificate is refused.
	bad := bytes.Clone(subDER)
	bad[len(bad)-3] ^= 0x80
	badSub, err := x509.ParseCertificate(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCertificateSignature(badSub, root); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered: %v", err)
	}
}

// A GOST key makes a PKCS#10 request that parses with its GOST key and verifies; a
// changed byte breaks it.
func TestCertificateRequestGOST(t *testing.T) {
	for _, c := range []*gost.Curve{gost.Curve512A(), gost.CurveCryptoProA()} {
		k, _ := gost.GenerateKey(c, rand.Reader)
		s, _ := NewSigner(k, rand.Reader)
		der, err := CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}, DNSNames: []string{"a.kz"}}, s)
		if err != nil {
			t.Fatal(err)
		}
		csr, pub, err := ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		if !k.PublicKey().Equal(pub) || csr.Subject.CommonName != "x" || len(csr.DNSNames) != 1 {
			t.Fatalf("request content: %v %v", csr.Subject, csr.DNSNames)
		}
		bad := bytes.Clone(der)
		bad[len(bad)-1] ^= 1
		if _, _, err := ParseCertificateRequest(bad); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("tampered: %v", err)
		}
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	s, _ := NewSigner(rk, rand.Reader)
	der, err := CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "r"}}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseCertificateRequest(der); err != nil {
		t.Fatal(err)
	}
	// As files hold it: PEM under either label, or DER; another PEM label is refused.
	for name, data := range map[string][]byte{
		"DER":     der,
		"PEM":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
		"old PEM": pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der}),
	} {
		if csr, pub, err := DecodeCertificateRequest(data); err != nil || csr.Subject.CommonName != "r" || !rk.PublicKey.Equal(pub) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := DecodeCertificateRequest(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err == nil {
		t.Error("a PEM CERTIFICATE was read as a request")
	}
}

// Every truncation of a GOST SubjectPublicKeyInfo and of a GOST certificate is refused
// with an error, never a panic; a point off the curve is refused.
func TestGOSTParseTruncations(t *testing.T) {
	c := fixtureCert(t, "ca_nca_gost2015_test.cer")
	spki := c.RawSubjectPublicKeyInfo
	for i := 0; i < len(spki); i++ {
		if _, err := ParsePublicKey(spki[:i]); err == nil {
			t.Fatalf("SPKI truncated to %d bytes accepted", i)
		}
	}
	bad := bytes.Clone(spki)
	bad[len(bad)-1] ^= 1 // y changes: the point leaves the curve
	if _, err := ParsePublicKey(bad); err == nil {
		t.Fatal("point off the curve accepted")
	}
	pub, _ := ParsePublicKey(spki)
	for i := 0; i < len(c.Raw); i += 7 {
		if _, err := VerifySigned(c.Raw[:i], pub); err == nil {
			t.Fatalf("certificate truncated to %d bytes verified", i)
		}
	}
}

// VerifyChain enforces path length constraints and refuses unknown critical
// extensions.
func TestVerifyChainConstraints(t *testing.T) {
	now := time.Now()
	rootKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	subKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	leafKey, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	rs, _ := NewSigner(rootKey, rand.Reader)
	ss, _ := NewSigner(subKey, rand.Reader)
	mk := func(tmpl, parent *x509.Certificate, pub any, s *Signer) *x509.Certificate {
		der, err := CreateCertificate(rand.Reader, tmpl, parent, pub, s)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	caT := func(cn string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
			NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
			MaxPathLenZero: true}
	}
	root := mk(caT("root pathlen 0"), nil, rootKey.Public(), rs)
	sub := mk(caT("sub"), root, subKey.Public(), rs)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	leaf := mk(leafT, sub, leafKey.Public(), ss)
	if _, err := VerifyChain(leaf, []*x509.Certificate{sub}, []*x509.Certificate{root}, now); !errors.Is(err, ErrChain) {
		t.Fatalf("root with path length 0 above an intermediate: %v", err)
	}
	// Directly under the issuing CA (trusted as an anchor) the chain is fine.
	if _, err := VerifyChain(leaf, nil, []*x509.Certificate{sub}, now); err != nil {
		t.Fatal(err)
	}
	crit := *leafT
	crit.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}
	odd := mk(&crit, sub, leafKey.Public(), ss)
	if _, err := VerifyChain(odd, nil, []*x509.Certificate{sub}, now); !errors.Is(err, ErrChain) {
		t.Fatalf("unknown critical extension: %v", err)
	}
}

// TestKazakhKeyOIDNamesItsCurve: under a Kazakh public-key OID, explicit curve
// parameters may repeat the curve the OID implies, not name another one.
func TestKazakhKeyOIDNamesItsCurve(t *testing.T) {
	spki := func(c *gost.Curve, key *gost.PrivateKey) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(gost.OIDKZGost2015PublicKey512)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(c.OID()) })
			})
			var point cryptobyte.Builder
			point.AddASN1OctetString(key.PublicKey().Bytes())
			b.AddASN1BitString(point.BytesOrPanic())
		})
		return b.BytesOrPanic()
	}
	for _, c := range []struct {
		curve *gost.Curve
		ok    bool
	}{{gost.Curve512A(), true}, {gost.Curve512C(), false}, {gost.Curve512B(), false}} {
		key, err := gost.GenerateKey(c.curve, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParsePublicKey(spki(c.curve, key))
		if (err == nil) != c.ok {
			t.Errorf("Kazakh GOST 2015-512 key OID with curve %s: %v, want ok=%v", c.curve.Name(), err, c.ok)
		}
	}
}
