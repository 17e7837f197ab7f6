package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// TestTBSCertificateMatchesCryptoX509 proves that TBSCertificate + SignCertificate
// give, for RSA and ECDSA keys, the very certificate crypto/x509.CreateCertificate
// makes with the real keys: RSA PKCS#1 v1.5 signatures are deterministic, so the
// whole DER must be equal; with an ECDSA issuer the TBSCertificates must be.
func TestTBSCertificateMatchesCryptoX509(t *testing.T) {
	rsaCA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecCA, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaSub, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecSub, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for caName, caKey := range map[string]crypto.Signer{"rsa": rsaCA, "ecdsa": ecCA} {
		caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA " + caName, Organization: []string{"Test"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{1, 2, 3, 4}}
		caCert := selfSigned(t, caTmpl, caKey)
		for subName, sub := range map[string]crypto.PublicKey{"rsa": &rsaSub.PublicKey, "ecdsa": &ecSub.PublicKey} {
			t.Run(caName+"/"+subName, func(t *testing.T) {
				tmpl := &x509.Certificate{SerialNumber: new(big.Int).Lsh(big.NewInt(0x4321), 140),
					Subject:   pkix.Name{CommonName: "Subject", SerialNumber: "IIN123456789012", Country: []string{"KZ"}},
					NotBefore: now, NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
					ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, SubjectKeyId: []byte{5, 6, 7},
					BasicConstraintsValid: true, EmailAddresses: []string{"a@example.kz"},
					CRLDistributionPoints: []string{"http://nca.test/crl/x.crl"}, OCSPServer: []string{"http://nca.test/ocsp/x"}}
				want, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, sub, caKey)
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewSigner(caKey, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				tbs, err := TBSCertificate(rand.Reader, tmpl, caCert, sub, s)
				if err != nil {
					t.Fatal(err)
				}
				got, err := SignCertificate(tbs, s)
				if err != nil {
					t.Fatal(err)
				}
				wantCert, err := x509.ParseCertificate(want)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(tbs, wantCert.RawTBSCertificate) {
					t.Fatalf("TBSCertificate differs from crypto/x509's:\n got %x\nwant %x", tbs, wantCert.RawTBSCertificate)
				}
				if caName == "rsa" && !bytes.Equal(got, want) {
					t.Fatalf("certificate differs from crypto/x509's")
				}
				cert, err := x509.ParseCertificate(got)
				if err != nil {
					t.Fatal(err)
				}
				if err := cert.CheckSignatureFrom(caCert); err != nil {
					t.Fatalf("signature: %v", err)
				}
			})
		}
	}
}

func TestSignCertificateRefusesAnotherAlgorithm(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := NewSigner(rsaKey, rand.Reader)
	es, _ := NewSigner(ecKey, rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "x"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1e9, 0), SubjectKeyId: []byte{1}}
	tbs, err := TBSCertificate(rand.Reader, tmpl, nil, &rsaKey.PublicKey, rs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignCertificate(tbs, es); err == nil {
		t.Fatal("SignCertificate signed a TBSCertificate naming RSA with an ECDSA key")
	}
}

// selfSigned is tmpl signed by key itself with crypto/x509, parsed.
func selfSigned(t testing.TB, tmpl *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
