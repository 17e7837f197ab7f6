package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
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

	"golang.org/x/crypto/ocsp"
)

// TestParseOCSPResponse: answers made by CreateOCSPResponse, signed by the issuer or
// by a delegated responder, parse with their status and nonce; a changed byte, a
// responder the issuer did not certify or one without id-kp-OCSPSigning, and a
// non-successful status are refused.
func TestParseOCSPResponse(t *testing.T) {
	ca, caKey := crlCA(t)
	leaf := leafOf(t, 77)
	reqDER, _ := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: crypto.SHA256})
	req, err := ParseOCSPRequest(reqDER)
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := asn1.Marshal([]byte("nonce-1"))
	responder := func(eku []x509.ExtKeyUsage, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "OCSP RESPONDER"},
			NotBefore: crlNow.Add(-time.Hour), NotAfter: crlNow.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: eku,
		}, parent, key.Public(), parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, key
	}
	answer := func(signerKey crypto.Signer, signerCert *x509.Certificate, st OCSPCertStatus, reason int) []byte {
		s, err := NewSigner(signerKey, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keyHash, _ := ResponderKeyHash(signerCert)
		r := &OCSPResponse{ResponderKeyHash: keyHash, ProducedAt: crlNow, CertID: req.CertID, Status: st,
			RevokedAt: crlNow.Add(-time.Hour), Reason: reason, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour), Nonce: nonce}
		if signerCert != ca {
			r.Certs = [][]byte{signerCert.Raw}
		}
		der, err := CreateOCSPResponse(r, s)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	delegated, delegatedKey := responder([]x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, ca, caKey)

	for _, c := range []struct {
		name   string
		der    []byte
		status OCSPCertStatus
		reason int
		by     *x509.Certificate
	}{
		{"good, signed by the issuer", answer(caKey, ca, OCSPGood, -1), OCSPGood, -1, nil},
		{"revoked, delegated responder", answer(delegatedKey, delegated, OCSPRevoked, 1), OCSPRevoked, 1, delegated},
		{"unknown", answer(caKey, ca, OCSPUnknown, -1), OCSPUnknown, -1, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseOCSPResponse(c.der, ca)
			if err != nil {
				t.Fatal(err)
			}
			s, err := a.For(leaf, ca)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != c.status || s.Reason != c.reason || !s.ThisUpdate.Equal(crlNow) || !s.NextUpdate.Equal(crlNow.Add(time.Hour)) ||
				!a.ProducedAt.Equal(crlNow) || string(a.Nonce) != string(nonce) {
				t.Fatalf("answer %+v, single %+v", a, s)
			}
			if c.status == OCSPRevoked && !s.RevokedAt.Equal(crlNow.Add(-time.Hour)) {
				t.Errorf("revoked at %s", s.RevokedAt)
			}
			if (a.Responder == nil) != (c.by == nil) || (c.by != nil && !a.Responder.Equal(c.by)) {
				t.Errorf("responder %v, want %v", a.Responder, c.by)
			}
			if _, err := a.For(leafOf(t, 78), ca); err == nil {
				t.Error("the answer about serial 77 was taken for serial 78")
			}
		})
	}

	tampered := answer(caKey, ca, OCSPGood, -1)
	tampered[len(tampered)-5] ^= 1
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: ca.Subject, // the same name, another key
		NotBefore: crlNow.Add(-time.Hour), NotAfter: crlNow.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	other := selfSigned(t, otherTmpl, otherKey)
	notOurs, notOursKey := responder([]x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, other, otherKey)
	noEKU, noEKUKey := responder([]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, ca, caKey)
	for name, der := range map[string][]byte{
		"a changed byte": tampered,
		"a responder certified by another authority": answer(notOursKey, notOurs, OCSPGood, -1),
		"a responder without id-kp-OCSPSigning":      answer(noEKUKey, noEKU, OCSPGood, -1),
		"garbage":                                    []byte{0x30, 0x03, 0x0a, 0x01},
	} {
		if _, err := ParseOCSPResponse(der, ca); !errors.Is(err, ErrOCSPAnswer) {
			t.Errorf("%s: %v, want ErrOCSPAnswer", name, err)
		}
	}
	var re *OCSPResponseError
	if _, err := ParseOCSPResponse(OCSPErrorResponse(OCSPTryLater), ca); !errors.As(err, &re) || re.Status != OCSPTryLater {
		t.Errorf("tryLater: %v", err)
	}
}

// TestParseOCSPResponseNational reads the national test CA's real answers (RSA,
// GOST 34.310-2004 and GOST 2015-512 signatures, the GOST ones by a delegated
// responder) and verifies them against their issuing CAs.
func TestParseOCSPResponseNational(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "fixtures", "kz-test-pki")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("fixtures not beside the repository:", err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := pem.Decode(b); p != nil {
			return p.Bytes
		}
		return b
	}
	cert := func(name string) *x509.Certificate {
		c, err := x509.ParseCertificate(read(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	// The answers are about certificates not among the fixtures: their serials, as
	// openssl ocsp -resp_text prints them.
	for _, c := range []struct {
		answer, issuer, serial string
		status                 OCSPCertStatus
		reason                 int
		delegated              bool
	}{
		{"ocsp_ocsp_response_individual_sign_2004.bin", "ca_nca_rsa_test.crt", "4279390A141F5353A62947B61ED65E81741467D1", OCSPGood, -1, true},
		{"ocsp_ocsp_response_ceo_sign_2004_revoked.bin", "ca_nca_gost_test.crt", "12E3E7B9966D09EB9CDA64251457E815C2A8DDED", OCSPRevoked, 4, true},
		{"ocsp_ocsp_response_ceo_2015_revoked.bin", "ca_nca_gost2015_test.cer", "3A90343E720594C55204B19CB9A402422EF0E622", OCSPRevoked, 6, true},
		{"ocsp_ocsp_response_individual_2015.bin", "ca_nca_gost2015_test.cer", "0FF06211DC82BEB00253FFA000F1DE84ABEF454F", OCSPRevoked, 6, true},
	} {
		t.Run(c.answer, func(t *testing.T) {
			issuer := cert(c.issuer)
			a, err := ParseOCSPResponse(read(c.answer), issuer)
			if err != nil {
				t.Fatal(err)
			}
			if (a.Responder != nil) != c.delegated {
				t.Errorf("delegated responder %v", a.Responder)
			}
			serial, _ := new(big.Int).SetString(c.serial, 16)
			// For matches the serial and, for a SHA-1 or SHA-256 CertID, the issuer's
			// name and key hashes.
			s, err := a.For(&x509.Certificate{SerialNumber: serial}, issuer)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != c.status || s.Reason != c.reason {
				t.Errorf("status %s reason %d, want %s %d", s.Status, s.Reason, c.status, c.reason)
			}
			t.Logf("%s: %s by %q, %s, CertID hash %s", c.answer, s.Status, a.Responder.Subject.CommonName, a.SignatureAlgorithm.Algorithm, s.HashAlgorithm)
		})
	}
}

// FuzzParseOCSPResponse: no input makes ParseOCSPResponse panic; every error is an
// *OCSPResponseError or wraps ErrOCSPAnswer, and an accepted answer has responses.
func FuzzParseOCSPResponse(f *testing.F) {
	ca, caKey := crlCA(f)
	leaf := leafOf(f, 42)
	reqDER, _ := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: crypto.SHA256})
	req, _ := ParseOCSPRequest(reqDER)
	s, _ := NewSigner(caKey, rand.Reader)
	keyHash, _ := ResponderKeyHash(ca)
	for _, st := range []OCSPCertStatus{OCSPGood, OCSPRevoked, OCSPUnknown} {
		der, _ := CreateOCSPResponse(&OCSPResponse{ResponderKeyHash: keyHash, ProducedAt: crlNow, CertID: req.CertID, Status: st,
			RevokedAt: crlNow, Reason: 1, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour), Nonce: []byte{4, 1, 7}}, s)
		f.Add(der)
	}
	f.Add(OCSPErrorResponse(OCSPTryLater))
	f.Fuzz(func(t *testing.T, der []byte) {
		a, err := ParseOCSPResponse(der, ca)
		if err != nil {
			var re *OCSPResponseError
			if !errors.As(err, &re) && !errors.Is(err, ErrOCSPAnswer) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(a.Responses) == 0 {
			t.Fatal("accepted an answer without responses")
		}
	})
}
