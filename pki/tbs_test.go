package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"net/url"
	"testing"
	"time"
)

// TestDirectTBSMatchesCryptoX509 proves that the direct encoder gives, for every kind
// of template it takes, the TBSCertificate crypto/x509 makes with the real keys, and
// the general (placeholder) path's bytes; and that it declines the templates it does
// not encode, which the general path then encodes or refuses as crypto/x509 does.
func TestDirectTBSMatchesCryptoX509(t *testing.T) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	subKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 10, 30, 15, 123456789, time.UTC)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Issuing CA", Organization: []string{"NCA"}, Country: []string{"KZ"}},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{9, 8, 7, 6}}
	caCert := selfSigned(t, caTmpl, caKey)
	signer, err := NewSigner(caKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := MarshalPublicKey(&subKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rawSubject, err := asn1.Marshal(pkix.Name{CommonName: "ИВАНОВ ИВАН", SerialNumber: "IIN900101300123", Country: []string{"KZ"}}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	policy := pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 32}, Value: []byte{0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03}}
	leaf := func(edit func(c *x509.Certificate)) *x509.Certificate {
		c := &x509.Certificate{SerialNumber: new(big.Int).Lsh(big.NewInt(0x7f31), 140), RawSubject: rawSubject,
			NotBefore: now, NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 2, 398, 3, 3, 4, 1, 1}},
			SubjectKeyId: []byte{1, 2, 3}, AuthorityKeyId: []byte{4, 5, 6}, ExtraExtensions: []pkix.Extension{policy},
			CRLDistributionPoints: []string{"http://nca.test/crl/a.crl", "http://nca.test/crl/b.crl"},
			OCSPServer:            []string{"http://nca.test/ocsp"}, IssuingCertificateURL: []string{"http://nca.test/ca.cer"}}
		if edit != nil {
			edit(c)
		}
		return c
	}
	taken := map[string]struct {
		tmpl   *x509.Certificate
		parent *x509.Certificate // nil: self-signed
	}{
		"sign":              {leaf(nil), caCert},
		"auth, two-byte ku": {leaf(func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageDecipherOnly }), caCert},
		"ssl names": {leaf(func(c *x509.Certificate) {
			c.DNSNames = []string{"a.kz", "b.a.kz"}
			c.EmailAddresses = []string{"x@a.kz"}
		}), caCert},
		"empty subject, san": {leaf(func(c *x509.Certificate) { c.RawSubject = nil; c.DNSNames = []string{"a.kz"} }), caCert},
		"subject field": {leaf(func(c *x509.Certificate) {
			c.RawSubject = nil
			c.Subject = pkix.Name{CommonName: "x", Organization: []string{"o"}}
		}), caCert},
		"after 2049": {leaf(func(c *x509.Certificate) { c.NotAfter = time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC) }), caCert},
		"no extensions": {leaf(func(c *x509.Certificate) {
			*c = x509.Certificate{SerialNumber: big.NewInt(3), RawSubject: rawSubject, NotBefore: now, NotAfter: now}
		}), caCert},
		"extra overrides ku": {leaf(func(c *x509.Certificate) {
			c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: []byte{3, 2, 7, 0x80}})
		}), caCert},
		"end entity bc": {leaf(func(c *x509.Certificate) { c.BasicConstraintsValid = true; c.MaxPathLen = -1 }), caCert},
		"self-signed root": {leaf(func(c *x509.Certificate) {
			c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign
		}), nil},
		"ca path length 2":    {leaf(func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid, c.MaxPathLen = true, true, 2 }), caCert},
		"parent without skid": {leaf(nil), leaf(func(c *x509.Certificate) { c.SubjectKeyId = nil; c.RawSubject = caCert.RawSubject })},
	}
	for name, tc := range taken {
		t.Run(name, func(t *testing.T) {
			direct, ok := directTBS(tc.tmpl, tc.parent, spki, signer.AlgorithmIdentifierDER())
			if !ok {
				t.Fatal("the direct encoder declined the template")
			}
			general, err := placeholderTBS(rand.Reader, copyCert(tc.tmpl), tc.parent, spki, signer.AlgorithmIdentifierDER())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(direct, general) {
				t.Fatalf("direct and general encodings differ:\n direct %x\ngeneral %x", direct, general)
			}
			parent := tc.parent
			if parent == nil {
				parent = tc.tmpl
			}
			if tc.parent == nil || tc.parent == caCert {
				key := any(caKey)
				if tc.parent == nil {
					// A self-signed certificate is signed by its own key: the subject
					// key signs it.
					key = subKey
				}
				want, err := x509.CreateCertificate(rand.Reader, tc.tmpl, parent, &subKey.PublicKey, key)
				if err != nil {
					t.Fatal(err)
				}
				wc, err := x509.ParseCertificate(want)
				if err != nil {
					t.Fatal(err)
				}
				if tc.parent == nil {
					es, _ := NewSigner(subKey, rand.Reader)
					if direct, _ = directTBS(tc.tmpl, nil, spki, es.AlgorithmIdentifierDER()); !bytes.Equal(direct, wc.RawTBSCertificate) {
						t.Fatalf("differs from crypto/x509's TBSCertificate:\n got %x\nwant %x", direct, wc.RawTBSCertificate)
					}
				} else if !bytes.Equal(direct, wc.RawTBSCertificate) {
					t.Fatalf("differs from crypto/x509's TBSCertificate:\n got %x\nwant %x", direct, wc.RawTBSCertificate)
				}
			}
		})
	}

	declined := map[string]*x509.Certificate{
		"ip address":       leaf(func(c *x509.Certificate) { c.IPAddresses = []net.IP{net.IPv4(10, 0, 0, 1)} }),
		"uri":              leaf(func(c *x509.Certificate) { c.URIs = []*url.URL{{Scheme: "https", Host: "a.kz"}} }),
		"policies field":   leaf(func(c *x509.Certificate) { c.PolicyIdentifiers = []asn1.ObjectIdentifier{{1, 2, 3}} }),
		"name constraints": leaf(func(c *x509.Certificate) { c.PermittedDNSDomains = []string{"kz"} }),
		"unknown eku":      leaf(func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageIPSECUser} }),
		"non-ascii email":  leaf(func(c *x509.Certificate) { c.EmailAddresses = []string{"ф@a.kz"} }),
		"negative serial":  leaf(func(c *x509.Certificate) { c.SerialNumber = big.NewInt(-5) }),
		"no serial":        leaf(func(c *x509.Certificate) { c.SerialNumber = nil }),
		"ee path length":   leaf(func(c *x509.Certificate) { c.BasicConstraintsValid = true; c.MaxPathLen = 1 }),
		"ca without skid":  leaf(func(c *x509.Certificate) { c.IsCA, c.SubjectKeyId = true, nil }),
	}
	for name, tmpl := range declined {
		t.Run("declines/"+name, func(t *testing.T) {
			if _, ok := directTBS(tmpl, caCert, spki, signer.AlgorithmIdentifierDER()); ok {
				t.Fatal("the direct encoder took a template it must leave to crypto/x509")
			}
			_, xerr := x509.CreateCertificate(rand.Reader, tmpl, caCert, &subKey.PublicKey, caKey)
			_, err := TBSCertificate(rand.Reader, tmpl, caCert, &subKey.PublicKey, signer)
			if (xerr == nil) != (err == nil) {
				t.Fatalf("TBSCertificate error %v, crypto/x509's %v", err, xerr)
			}
		})
	}
}

func copyCert(c *x509.Certificate) *x509.Certificate {
	d := *c
	return &d
}
