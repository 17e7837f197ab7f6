package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// leafOf returns a certificate with serial issued by the test CA.
func leafOf(t testing.TB, serial int64) *x509.Certificate {
	ca, key := crlCA(t)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: crlNow.Add(-time.Hour), NotAfter: crlNow.Add(time.Hour),
	}, ca, k.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// nonceRequest is a request about cert with a nonce (CreateOCSPRequest), its CertID
// made by x/crypto.
func nonceRequest(t *testing.T, cert, issuer *x509.Certificate, nonce []byte) []byte {
	t.Helper()
	plain, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseOCSPRequest(plain)
	if err != nil {
		t.Fatal(err)
	}
	return multiRequest(t, nonce, r.CertID)
}

func TestParseOCSPRequest(t *testing.T) {
	ca, _ := crlCA(t)
	leaf := leafOf(t, 0x1234567)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		der, err := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: h})
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseOCSPRequest(der)
		if err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		name, key, err := OCSPIssuerHashes(ca, h)
		if err != nil {
			t.Fatal(err)
		}
		if r.Hash != h || r.Serial.Cmp(leaf.SerialNumber) != 0 || !bytes.Equal(r.IssuerNameHash, name) || !bytes.Equal(r.IssuerKeyHash, key) || r.Nonce != nil {
			t.Errorf("%v: %+v", h, r)
		}
	}
	nonce := []byte("0123456789abcdef")
	r, err := ParseOCSPRequest(nonceRequest(t, leaf, ca, nonce))
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	if _, err := asn1.Unmarshal(r.Nonce, &got); err != nil || !bytes.Equal(got, nonce) {
		t.Errorf("nonce %x: %v", r.Nonce, err)
	}

	for name, der := range map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("GET / HTTP/1.1"),
		"trailing": append(nonceRequest(t, leaf, ca, nonce), 0),
		"no list":  {0x30, 0x04, 0x30, 0x02, 0x30, 0x00},
	} {
		if _, err := ParseOCSPRequest(der); !errors.Is(err, ErrOCSPMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// ocspResponder makes a delegated OCSP responder (P-256 key) of ca with serial
// number serial: its certificate, its signer and its byKey responder ID.
func ocspResponder(t *testing.T, ca *x509.Certificate, caKey crypto.Signer, serial int64) (*x509.Certificate, *Signer, []byte) {
	t.Helper()
	respKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	respDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "OCSP RESPONDER"},
		NotBefore: crlNow.Add(-time.Hour), NotAfter: crlNow.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
	}, ca, respKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	respCert, _ := x509.ParseCertificate(respDER)
	signer, err := NewSigner(respKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyHash, _ := ResponderKeyHash(respCert)
	return respCert, signer, keyHash
}

func TestCreateOCSPResponse(t *testing.T) {
	ca, caKey := crlCA(t)
	leaf := leafOf(t, 77)
	respCert, signer, keyHash := ocspResponder(t, ca, caKey, 9)
	reqDER, _ := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: crypto.SHA256})
	req, _ := ParseOCSPRequest(reqDER)
	nonce, _ := asn1.Marshal([]byte("nonce-1"))

	for _, c := range []struct {
		name   string
		status OCSPCertStatus
		reason int
		want   int
	}{
		{"good", OCSPGood, -1, ocsp.Good},
		{"revoked", OCSPRevoked, 1, ocsp.Revoked},
		{"unknown serial as revoked", OCSPRevoked, 6, ocsp.Revoked},
		{"unknown", OCSPUnknown, -1, ocsp.Unknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			der, err := CreateOCSPResponse(&OCSPResponse{
				ResponderKeyHash: keyHash, ProducedAt: crlNow, CertID: req.CertID, Status: c.status,
				RevokedAt: time.Unix(0, 0), Reason: c.reason, ThisUpdate: crlNow, NextUpdate: crlNow.Add(time.Hour),
				Nonce: nonce, ExtendedRevoke: true, Certs: [][]byte{respCert.Raw},
			}, signer)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ocsp.ParseResponseForCert(der, leaf, ca)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.want || resp.SerialNumber.Cmp(leaf.SerialNumber) != 0 || !resp.ThisUpdate.Equal(crlNow) ||
				!resp.NextUpdate.Equal(crlNow.Add(time.Hour)) || !bytes.Equal(resp.ResponderKeyHash, keyHash) ||
				resp.Certificate == nil || !resp.Certificate.Equal(respCert) {
				t.Fatalf("%+v", resp)
			}
			if c.status == OCSPRevoked && (resp.RevocationReason != c.reason || !resp.RevokedAt.Equal(time.Unix(0, 0))) {
				t.Errorf("revoked %v reason %d", resp.RevokedAt, resp.RevocationReason)
			}
			// x/crypto/ocsp does not expose responseExtensions: look for their DER.
			nonceExt, _ := asn1.Marshal(pkix.Extension{Id: OIDOCSPNonce, Value: nonce})
			extendedExt, _ := asn1.Marshal(pkix.Extension{Id: OIDOCSPExtendedRevoke, Value: asn1.NullBytes})
			sawNonce, sawExtended := bytes.Contains(der, nonceExt), bytes.Contains(der, extendedExt)
			if !sawNonce || !sawExtended {
				t.Errorf("nonce %v extended-revoke %v", sawNonce, sawExtended)
			}
		})
	}
	for _, st := range []OCSPResponseStatus{OCSPMalformedRequest, OCSPUnauthorized, OCSPInternalError} {
		_, err := ocsp.ParseResponse(OCSPErrorResponse(st), nil)
		var re ocsp.ResponseError
		if !errors.As(err, &re) || int(re.Status) != int(st) {
			t.Errorf("status %d: %v", st, err)
		}
	}
}

// TestOCSPFixture reads the national test CA's real OCSP answer and checks that our
// parser of the issuer hashes agrees with what it names.
func TestOCSPFixture(t *testing.T) {
	der, err := os.ReadFile("../../shared/fixtures/kz-test-pki/ocsp_ocsp_response_individual_sign_2004.bin")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("fixtures not beside the repository:", err)
	}
	caDER, err := os.ReadFile("../../shared/fixtures/kz-test-pki/ca_nca_rsa_test.crt")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode(caDER); b != nil {
		caDER = b.Bytes
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.ParseResponse(der, nil)
	if err != nil {
		t.Fatal(err)
	}
	name, key, err := OCSPIssuerHashes(ca, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if resp.IssuerHash != crypto.SHA256 || resp.Status != ocsp.Good {
		t.Fatalf("hash %v status %d", resp.IssuerHash, resp.Status)
	}
	// x/crypto/ocsp does not expose the CertID hashes; find them in the DER.
	if !bytes.Contains(der, name) || !bytes.Contains(der, key) {
		t.Error("the real response's CertID does not carry the issuer hashes computed here")
	}
}

func FuzzParseOCSPRequest(f *testing.F) {
	ca, _ := crlCA(f)
	leaf := leafOf(f, 42)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		der, _ := ocsp.CreateRequest(leaf, ca, &ocsp.RequestOptions{Hash: h})
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x30})
	other := leafOf(f, 43)
	f.Add(multiRequest(f, []byte("nonce"), certIDOf(f, leaf, ca, crypto.SHA1), certIDOf(f, other, ca, crypto.SHA256)))
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseOCSPRequest(der)
		if err != nil {
			if !errors.Is(err, ErrOCSPMalformed) {
				t.Fatalf("error not wrapping ErrOCSPMalformed: %v", err)
			}
			return
		}
		if r.Serial == nil || len(r.CertID) == 0 || !bytes.Contains(der, r.CertID) {
			t.Fatalf("accepted request without its CertID: %+v", r)
		}
		if len(r.Requests) == 0 || len(r.Requests) > MaxOCSPRequests || !bytes.Equal(r.Requests[0].CertID, r.CertID) ||
			r.Requests[0].Serial.Cmp(r.Serial) != 0 {
			t.Fatalf("accepted %d requests, the first not the request's own: %+v", len(r.Requests), r)
		}
		for i, q := range r.Requests {
			if q.Serial == nil || len(q.CertID) == 0 || !bytes.Contains(der, q.CertID) {
				t.Fatalf("request %d accepted without its CertID: %+v", i, q)
			}
		}
		if r.Nonce != nil && (len(r.Nonce) == 0 || len(r.Nonce) > MaxOCSPNonce+2) {
			t.Fatalf("nonce of %d bytes accepted", len(r.Nonce))
		}
	})
}
