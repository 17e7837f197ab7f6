package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/pki"
)

// TestCheckRevocationCRLFallback: the OCSP responder fails, the full CRL does not
// list the certificate, the delta named by its Freshest CRL does: revoked.
func TestCheckRevocationCRLFallback(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{1, 2, 3, 4}}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, key.Public(), key)
	caCert, _ := x509.ParseCertificate(caDER)
	signer, _ := pki.NewSigner(key, rand.Reader)

	var fullDER, deltaDER []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/full.crl":
			w.Write(fullDER)
		case "/delta.crl":
			w.Write(deltaDER)
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(0x4242), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		OCSPServer: []string{srv.URL + "/ocsp"}, CRLDistributionPoints: []string{srv.URL + "/full.crl"}}
	leafDER, _ := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, key.Public(), key)
	leaf, _ := x509.ParseCertificate(leafDER)

	crl := func(number, base int64, freshest []string, serials ...[]byte) []byte {
		w, err := pki.NewCRLWriter(pki.CRLHeader{Issuer: caCert.RawSubject, AuthorityKeyID: caCert.SubjectKeyId, Number: number,
			BaseNumber: base, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), FreshestCRL: freshest}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range serials {
			if err := w.Add(pki.CRLEntry{Serial: s, RevokedAt: now.Add(-time.Minute), Reason: 1}); err != nil {
				t.Fatal(err)
			}
		}
		der, err := w.Finish(signer)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	fullDER = crl(10, 0, []string{srv.URL + "/delta.crl"}, []byte{0x77})
	deltaDER = crl(11, 10, nil)

	r, err := CheckRevocation(context.Background(), srv.Client(), leaf, caCert, now)
	if err != nil || r.Status != "good" || !strings.Contains(r.Source, "delta") || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "OCSP") {
		t.Fatalf("before: %+v %v", r, err)
	}
	deltaDER = crl(12, 10, nil, []byte{0x42, 0x42})
	r, err = CheckRevocation(context.Background(), srv.Client(), leaf, caCert, now)
	if err != nil || r.Status != "revoked" || r.Reason != "keyCompromise" {
		t.Fatalf("after: %+v %v", r, err)
	}
	// A delta on another base is not used.
	deltaDER = crl(23, 20, nil, []byte{0x42, 0x42})
	r, err = CheckRevocation(context.Background(), srv.Client(), leaf, caCert, now)
	if err != nil || r.Status != "good" || len(r.Errors) != 2 {
		t.Fatalf("wrong base: %+v %v", r, err)
	}
	// Nothing answers: an error and status unknown.
	fullDER = []byte("not a CRL")
	if r, err = CheckRevocation(context.Background(), srv.Client(), leaf, caCert, now); err == nil || r.Status != "unknown" {
		t.Fatalf("no source: %+v %v", r, err)
	}
}
