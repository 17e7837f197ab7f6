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
	"encoding/binary"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	crlNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

	testCAOnce sync.Once
	testCA     *x509.Certificate
	testCAKey  *rsa.PrivateKey
)

// crlCA returns a self-signed RSA CA certificate and key.
func crlCA(t testing.TB) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	testCAOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CRL test CA", Country: []string{"KZ"}},
			NotBefore: crlNow.Add(-time.Hour), NotAfter: crlNow.Add(24 * 365 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			SubjectKeyId: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			panic(err)
		}
		testCA, _ = x509.ParseCertificate(der)
		testCAKey = key
	})
	return testCA, testCAKey
}

func header(ca *x509.Certificate, number int64) CRLHeader {
	return CRLHeader{Issuer: ca.RawSubject, AuthorityKeyID: ca.SubjectKeyId, Number: number,
		ThisUpdate: crlNow, NextUpdate: crlNow.Add(24 * time.Hour)}
}

func TestCRLWriterFull(t *testing.T) {
	ca, key := crlCA(t)
	s, err := NewSigner(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := header(ca, 300)
	h.FreshestCRL = []string{"http://pki.example.kz/crl/nca-rsa-delta.crl"}
	h.NextUpdate = time.Date(2051, 1, 2, 3, 4, 5, 0, time.UTC) // GeneralizedTime after 2049
	w, err := NewCRLWriter(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	inv := crlNow.Add(-72 * time.Hour)
	entries := []CRLEntry{
		{Serial: []byte{0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, RevokedAt: crlNow.Add(-time.Hour), Reason: 1, InvalidityDate: &inv},
		{Serial: []byte{0xff, 0x01}, RevokedAt: crlNow.Add(-2 * time.Hour)},                            // high bit: needs a 00 pad
		{Serial: []byte{0, 0, 0x7f}, RevokedAt: crlNow.Add(-3 * time.Hour), Reason: 6},                 // leading zeros stripped
		{Serial: []byte{0x05}, RevokedAt: time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), Reason: 4}, // GeneralizedTime before 1950
	}
	for _, e := range entries {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	der, err := w.Finish(s)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if crl.Number.Int64() != 300 || !bytes.Equal(crl.AuthorityKeyId, ca.SubjectKeyId) || !bytes.Equal(crl.RawIssuer, ca.RawSubject) {
		t.Errorf("number %v AKI %x issuer %x", crl.Number, crl.AuthorityKeyId, crl.RawIssuer)
	}
	if !crl.ThisUpdate.Equal(h.ThisUpdate) || !crl.NextUpdate.Equal(h.NextUpdate) {
		t.Errorf("times %v %v", crl.ThisUpdate, crl.NextUpdate)
	}
	wantSerials := []string{"400102030405060708090a0b0c0d0e0f10111213", "ff01", "7f", "5"}
	if len(crl.RevokedCertificateEntries) != len(entries) {
		t.Fatalf("%d entries", len(crl.RevokedCertificateEntries))
	}
	for i, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Text(16) != wantSerials[i] || !e.RevocationTime.Equal(entries[i].RevokedAt) || e.ReasonCode != entries[i].Reason {
			t.Errorf("entry %d: %x %v %d", i, e.SerialNumber, e.RevocationTime, e.ReasonCode)
		}
	}
	var gotInv time.Time
	for _, ext := range crl.RevokedCertificateEntries[0].Extensions {
		if ext.Id.Equal(OIDExtInvalidityDate) {
			if _, err := asn1.UnmarshalWithParams(ext.Value, &gotInv, "generalized"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !gotInv.Equal(inv) {
		t.Errorf("invalidity date %v", gotInv)
	}
	var freshest, delta bool
	for _, ext := range crl.Extensions {
		switch {
		case ext.Id.Equal(OIDExtFreshestCRL):
			freshest = !ext.Critical && bytes.Contains(ext.Value, []byte(h.FreshestCRL[0]))
		case ext.Id.Equal(OIDExtDeltaCRLIndicator):
			delta = true
		}
	}
	if !freshest || delta {
		t.Errorf("freshest CRL %v, delta indicator %v", freshest, delta)
	}
	// The whole CRL re-encodes identically through encoding/asn1 (it is DER).
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) != 0 || !bytes.Equal(raw.FullBytes, der) {
		t.Fatalf("outer structure: %v, %d trailing bytes", err, len(rest))
	}
}

func TestCRLWriterDeltaAndEmpty(t *testing.T) {
	ca, _ := crlCA(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := NewSigner(key, rand.Reader)
	h := header(ca, 12)
	h.BaseNumber = 10
	w, err := NewCRLWriter(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	der, err := w.Finish(s)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 0 || crl.Number.Int64() != 12 {
		t.Fatalf("entries %d number %v", len(crl.RevokedCertificateEntries), crl.Number)
	}
	if err := VerifySignature(key.Public(), s.AlgorithmIdentifier(), crl.RawTBSRevocationList, crl.Signature); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ext := range crl.Extensions {
		if ext.Id.Equal(OIDExtDeltaCRLIndicator) {
			var base int64
			if _, err := asn1.Unmarshal(ext.Value, &base); err != nil || base != 10 || !ext.Critical {
				t.Errorf("delta indicator %d critical %v: %v", base, ext.Critical, err)
			}
			found = true
		}
	}
	if !found {
		t.Error("no Delta CRL Indicator")
	}
}

func TestCRLWriterErrors(t *testing.T) {
	ca, _ := crlCA(t)
	bad := map[string]func(*CRLHeader){
		"no issuer":         func(h *CRLHeader) { h.Issuer = nil },
		"no AKI":            func(h *CRLHeader) { h.AuthorityKeyID = nil },
		"negative number":   func(h *CRLHeader) { h.Number = -1 },
		"base not below":    func(h *CRLHeader) { h.BaseNumber = h.Number },
		"delta with fresh":  func(h *CRLHeader) { h.BaseNumber = 1; h.FreshestCRL = []string{"http://x"} },
		"next before this":  func(h *CRLHeader) { h.NextUpdate = h.ThisUpdate },
		"year out of range": func(h *CRLHeader) { h.NextUpdate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, f := range bad {
		h := header(ca, 5)
		f(&h)
		if _, err := NewCRLWriter(h, 0); !errors.Is(err, ErrCRL) {
			t.Errorf("%s: %v", name, err)
		}
	}
	w, _ := NewCRLWriter(header(ca, 5), 0)
	for name, e := range map[string]CRLEntry{
		"zero serial": {Serial: []byte{0, 0}, RevokedAt: crlNow},
		"reason 7":    {Serial: []byte{1}, RevokedAt: crlNow, Reason: 7},
		"reason 11":   {Serial: []byte{1}, RevokedAt: crlNow, Reason: 11},
		"huge serial": {Serial: bytes.Repeat([]byte{1}, 127), RevokedAt: crlNow},
		"year 0":      {Serial: []byte{1}, RevokedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if err := w.Add(e); !errors.Is(err, ErrCRL) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if w.Len() != 0 {
		t.Errorf("rejected entries were counted: %d", w.Len())
	}
}

// TestCRLWriterLongIssuer covers the issuer names longer than the reserved room.
func TestCRLWriterLongIssuer(t *testing.T) {
	ca, key := crlCA(t)
	s, _ := NewSigner(key, rand.Reader)
	name, err := asn1.Marshal(pkix.Name{CommonName: strings.Repeat("Ұлттық куәландырушы орталық ", 200)}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	h := header(ca, 1)
	h.Issuer = name
	w, _ := NewCRLWriter(h, 0)
	for i := 1; i <= 3; i++ {
		if err := w.Add(CRLEntry{Serial: []byte{byte(i)}, RevokedAt: crlNow}); err != nil {
			t.Fatal(err)
		}
	}
	der, err := w.Finish(s)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(crl.RawIssuer, name) || len(crl.RevokedCertificateEntries) != 3 {
		t.Fatalf("issuer or entries differ")
	}
	if err := crl.CheckSignatureFrom(ca); err != nil {
		t.Fatal(err)
	}
}

// benchCRL builds and signs a CRL of n entries with 20-byte serials, reasons and no
// invalidity date, the shape of the authority's CRLs.
func benchCRL(b *testing.B, n int) {
	ca, key := crlCA(b)
	s, _ := NewSigner(key, rand.Reader)
	serial := make([]byte, 20)
	serial[0] = 0x40
	b.ReportAllocs()
	var size int
	for b.Loop() {
		w, err := NewCRLWriter(header(ca, 2), 0)
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			binary.BigEndian.PutUint64(serial[12:], uint64(i)*2654435761)
			if err := w.Add(CRLEntry{Serial: serial, RevokedAt: crlNow.Add(-time.Duration(i) * time.Second), Reason: i % 6}); err != nil {
				b.Fatal(err)
			}
		}
		der, err := w.Finish(s)
		if err != nil {
			b.Fatal(err)
		}
		size = len(der)
	}
	b.ReportMetric(float64(size), "bytes/CRL")
}

func BenchmarkCRL1M(b *testing.B)      { benchCRL(b, 1_000_000) }
func BenchmarkCRLDelta1k(b *testing.B) { benchCRL(b, 1_000) }
