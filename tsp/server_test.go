package tsp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/cms"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/clientlimit"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
	"github.com/opennca/nca/tsp"
)

var oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}

// issuers are the issuing CAs of a, as cmd/nca serve gives them to the service.
func issuers(a *ca.Authority) []tsp.Issuer {
	var out []tsp.Issuer
	for _, iss := range a.Issuers() {
		if !iss.Root {
			out = append(out, tsp.Issuer{Name: iss.Name, Cert: iss.Cert})
		}
	}
	return out
}

type env struct {
	clock *testclock.Clock
	ca    *ca.Authority
	store store.Store
	srv   *tsp.Server
	http  *httptest.Server
}

var (
	caOnce sync.Once
	caAuth *ca.Authority
	caErr  error
	caDir  string
)

// sharedCA opens one test authority (RSA 2048 and GOST CAs) for the package.
func sharedCA(t testing.TB) *ca.Authority {
	t.Helper()
	caOnce.Do(func() {
		caDir, caErr = filepathTemp()
		if caErr == nil {
			caAuth, _, caErr = ca.Open(ca.Options{Dir: filepath.Join(caDir, "ca"), Org: "OpenNCA Test", BaseURL: "http://pki.example.kz/", RSABits: 2048})
		}
	})
	if caErr != nil {
		t.Fatal(caErr)
	}
	return caAuth
}

func newEnv(t *testing.T) *env { return newBenchEnv(t) }

// newBenchEnv is newEnv for tests and benchmarks.
func newBenchEnv(t testing.TB) *env {
	t.Helper()
	a := sharedCA(t)
	c := testclock.New(time.Now().UTC().Truncate(time.Second))
	st := storetest.New(t)
	svc := ra.New(ra.Config{Store: st, Registry: registry.Demo(c.Now()), Signer: a, Now: c.Now})
	srv, err := tsp.New(context.Background(), tsp.Config{Authority: svc, Issuers: issuers(a), Now: c.Now, Validity: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &env{clock: c, ca: a, store: st, srv: srv, http: hs}
}

// post sends body to path with content type ct and returns the status and body.
func (e *env) post(t *testing.T, path, ct string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(e.http.URL+path, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Errorf("content type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, b
}

// stamp asks path for a token over data and returns the parsed response.
func (e *env) stamp(t *testing.T, path string, data []byte, policy asn1.ObjectIdentifier, nonce *big.Int, certReq bool) *tsp.Response {
	t.Helper()
	sum := sha256.Sum256(data)
	req, err := tsp.NewRequest(oidSHA256, sum[:], policy, nonce, certReq)
	if err != nil {
		t.Fatal(err)
	}
	der, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	code, body := e.post(t, path, "application/timestamp-query", der)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	resp, err := tsp.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestStamp stamps through HTTP with the RSA and the GOST time-stamping
// authorities and verifies the tokens: the imprint, the nonce, the policy, the
// TSA certificate (critical timeStamping EKU, chained to the root, stored and
// good in the store, so that OCSP and CRLs answer for it).
func TestStamp(t *testing.T) {
	e := newEnv(t)
	data := []byte("the document of record")
	for _, c := range []struct {
		path   string
		policy asn1.ObjectIdentifier
		ca     string
		gost   bool
	}{
		{"/tsp", nil, ca.IssuingRSA, false},
		{"/tsp", tsp.OIDPolicySHA256, ca.IssuingRSA, false},
		{"/tsp", tsp.OIDPolicyGOST, ca.IssuingGOST, true},
		{"/tsp/" + ca.IssuingGOST, nil, ca.IssuingGOST, true},
		{"/tsp/" + ca.IssuingRSA, tsp.OIDPolicySHA256, ca.IssuingRSA, false},
	} {
		nonce := big.NewInt(time.Now().UnixNano())
		resp := e.stamp(t, c.path, data, c.policy, nonce, true)
		if resp.Status != tsp.StatusGranted {
			t.Fatalf("%s %v: status %d %q", c.path, c.policy, resp.Status, resp.StatusText)
		}
		tok, err := tsp.ParseToken(resp.Token)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tok.Verify(tsp.VerifyOptions{Data: data, Nonce: nonce})
		if err != nil {
			t.Fatalf("%s %v: %v", c.path, c.policy, err)
		}
		wantPolicy := tsp.OIDPolicySHA256
		if c.gost {
			wantPolicy = tsp.OIDPolicyGOST
		}
		if !tok.Info.Policy.Equal(wantPolicy) || !tok.Info.GenTime.Equal(e.clock.Now()) || !bytes.Equal(tok.Info.TSA, cert.RawSubject) {
			t.Errorf("%s: TSTInfo %+v", c.path, tok.Info)
		}
		pub, _ := pki.PublicKeyOf(cert)
		if _, isGOST := pub.(*gost.PublicKey); isGOST != c.gost {
			t.Errorf("%s: TSA key %T", c.path, pub)
		}
		iss, _ := e.ca.Issuer(c.ca)
		root := iss.Chain[len(iss.Chain)-1]
		if _, err := pki.VerifyChain(cert, []*x509.Certificate{iss.Cert}, []*x509.Certificate{root}, tok.Info.GenTime); err != nil {
			t.Errorf("%s: chain: %v", c.path, err)
		}
		if cert.Subject.CommonName != "TIME-STAMPING AUTHORITY" || cert.KeyUsage != x509.KeyUsageDigitalSignature {
			t.Errorf("%s: TSA certificate %s %v", c.path, cert.Subject, cert.KeyUsage)
		}
		if len(cert.CRLDistributionPoints) == 0 || len(cert.OCSPServer) == 0 {
			t.Errorf("%s: the TSA certificate names no CRL or OCSP", c.path)
		}
		var rec *core.Certificate
		err = e.store.Read(context.Background(), func(tx store.Tx) error {
			var err error
			rec, err = tx.GetCertificate(context.Background(), c.ca, cert.SerialNumber.Text(16))
			return err
		})
		if err != nil || rec.Type != core.CertTSA || rec.Status != core.CertGood || !bytes.Equal(rec.DER, cert.Raw) {
			t.Errorf("%s: stored TSA certificate %+v %v", c.path, rec, err)
		}
	}
}

// TestStampWithoutCertificates: without certReq the token carries no certificate
// (RFC 3161 §2.4.1) and verifies only with the TSA certificate given.
func TestStampWithoutCertificates(t *testing.T) {
	e := newEnv(t)
	resp := e.stamp(t, "/tsp", []byte("x"), nil, nil, false)
	tok, err := tsp.ParseToken(resp.Token)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.SignedData.Certificates) != 0 || tok.Info.Nonce != nil {
		t.Fatalf("%d certificates, nonce %v", len(tok.SignedData.Certificates), tok.Info.Nonce)
	}
	if _, err := tok.Verify(tsp.VerifyOptions{Data: []byte("x")}); err == nil {
		t.Error("verified without a certificate")
	}
	tsa := e.srv.Stampers()[ca.IssuingRSA].Cert
	if _, err := tok.Verify(tsp.VerifyOptions{Data: []byte("x"), Certificate: tsa}); err != nil {
		t.Error(err)
	}
	other := e.srv.Stampers()[ca.IssuingGOST].Cert
	if _, err := tok.Verify(tsp.VerifyOptions{Data: []byte("x"), Certificate: other}); err == nil {
		t.Error("verified with another TSA's certificate")
	}
}

// TestStampRefusals: what is not a time-stamp request gets a clear HTTP error;
// a request the service cannot honour gets a rejection naming the RFC 3161 reason.
func TestStampRefusals(t *testing.T) {
	e := newEnv(t)
	sum := sha256.Sum256([]byte("x"))
	good, _ := tsp.NewRequest(oidSHA256, sum[:], nil, nil, false)
	gostPolicy, _ := tsp.NewRequest(oidSHA256, sum[:], tsp.OIDPolicyGOST, nil, false)
	otherPolicy, _ := tsp.NewRequest(oidSHA256, sum[:], asn1.ObjectIdentifier{1, 2, 3, 4}, nil, false)
	der := func(r *tsp.Request) []byte { b, _ := r.Marshal(); return b }

	if code, _ := e.post(t, "/tsp", "application/json", der(good)); code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON content type: HTTP %d", code)
	}
	if code, _ := e.post(t, "/tsp", "application/timestamp-query", make([]byte, tsp.MaxRequestBytes+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: HTTP %d", code)
	}
	for name, c := range map[string]struct {
		path string
		body []byte
		fail tsp.FailureInfo
	}{
		"garbage":                {"/tsp", []byte("not DER"), tsp.FailBadDataFormat},
		"unknown CA":             {"/tsp/nca-ecdsa", der(good), tsp.FailBadRequest},
		"root CA":                {"/tsp/" + ca.RootRSA, der(good), tsp.FailBadRequest},
		"GOST policy at RSA":     {"/tsp/" + ca.IssuingRSA, der(gostPolicy), tsp.FailUnacceptedPolicy},
		"unknown policy":         {"/tsp", der(otherPolicy), tsp.FailUnacceptedPolicy},
		"unknown policy at a CA": {"/tsp/" + ca.IssuingGOST, der(otherPolicy), tsp.FailUnacceptedPolicy},
	} {
		code, body := e.post(t, c.path, "application/timestamp-query", c.body)
		if code != http.StatusOK {
			t.Errorf("%s: HTTP %d", name, code)
			continue
		}
		resp, err := tsp.ParseResponse(body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp.Status != tsp.StatusRejection || resp.Fail != c.fail || resp.StatusText == "" {
			t.Errorf("%s: %+v, want failure bit %d", name, resp, c.fail)
		}
	}
}

// TestRotation: when a third of the certificate's validity is left, a new key and
// certificate replace the old; tokens made before verify with the old certificate
// at their time.
func TestRotation(t *testing.T) {
	e := newEnv(t)
	before := e.srv.Stampers()[ca.IssuingRSA].Cert
	old := e.stamp(t, "/tsp", []byte("early"), nil, nil, true)
	e.clock.Add(19 * 24 * time.Hour) // 11 days of 30 left: not yet
	e.srv.RotateDue(context.Background())
	if got := e.srv.Stampers()[ca.IssuingRSA].Cert; got.SerialNumber.Cmp(before.SerialNumber) != 0 {
		t.Fatal("rotated with more than a third left")
	}
	e.clock.Add(2 * 24 * time.Hour) // 9 days left
	e.srv.RotateDue(context.Background())
	after := e.srv.Stampers()[ca.IssuingRSA].Cert
	if after.SerialNumber.Cmp(before.SerialNumber) == 0 || !after.NotBefore.Equal(e.clock.Now()) {
		t.Fatalf("not rotated: %s from %s", after.SerialNumber.Text(16), after.NotBefore)
	}
	if got := e.srv.Stampers()[ca.IssuingGOST].Cert; got.NotBefore.Equal(before.NotBefore) {
		t.Error("the GOST TSA was not rotated")
	}
	tok, _ := tsp.ParseToken(old.Token)
	if c, err := tok.Verify(tsp.VerifyOptions{Data: []byte("early")}); err != nil || c.SerialNumber.Cmp(before.SerialNumber) != 0 {
		t.Errorf("the early token: %v", err)
	}
	late := e.stamp(t, "/tsp", []byte("late"), nil, nil, true)
	tok, _ = tsp.ParseToken(late.Token)
	if c, err := tok.Verify(tsp.VerifyOptions{Data: []byte("late")}); err != nil || c.SerialNumber.Cmp(after.SerialNumber) != 0 {
		t.Errorf("the late token: %v", err)
	}
}

func filepathTemp() (string, error) { return os.MkdirTemp("", "tsp-test-") }

func TestMain(m *testing.M) {
	code := m.Run()
	if caDir != "" {
		os.RemoveAll(caDir)
	}
	os.Exit(code)
}

// TestStampSignatures: a CMS signature gets a signature time stamp (CAdES-T) from
// the service; the signature still verifies, the token verifies over the signature
// value, a second stamp joins the first, and a token over another signature fails.
func TestStampSignatures(t *testing.T) {
	e := newEnv(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(certDER)
	signed, err := cms.Sign([]byte("a contract"), []cms.Signer{{Key: key, Cert: cert}}, cms.Options{Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	stamped, err := tsp.StampSignatures(context.Background(), http.DefaultClient, e.http.URL+"/tsp", signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(stamped)
	if err != nil {
		t.Fatal(err)
	}
	if errs := sd.Verify(nil); errs[0] != nil {
		t.Fatalf("the stamped signature: %v", errs[0])
	}
	si := sd.Signers[0]
	if len(si.TimeStampTokens) != 1 {
		t.Fatalf("%d tokens", len(si.TimeStampTokens))
	}
	tok, tsaCert, err := tsp.VerifySignatureTimeStamp(si, si.TimeStampTokens[0])
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Info.Policy.Equal(tsp.OIDPolicySHA256) || tsaCert.Subject.CommonName != "TIME-STAMPING AUTHORITY" {
		t.Errorf("token %+v by %s", tok.Info, tsaCert.Subject)
	}
	// A second stamp joins the first in the same attribute.
	twice, err := cms.AddSignatureTimeStamp(stamped, 0, si.TimeStampTokens[0])
	if err != nil {
		t.Fatal(err)
	}
	sd2, err := cms.Parse(twice)
	if err != nil || len(sd2.Signers[0].TimeStampTokens) != 2 || sd2.Verify(nil)[0] != nil {
		t.Fatalf("two stamps: %v", err)
	}
	// The token does not stamp another signature.
	other, _ := cms.Sign([]byte("another contract"), []cms.Signer{{Key: key, Cert: cert}}, cms.Options{Time: time.Now()})
	osd, _ := cms.Parse(other)
	if _, _, err := tsp.VerifySignatureTimeStamp(osd.Signers[0], si.TimeStampTokens[0]); !errors.Is(err, tsp.ErrVerify) {
		t.Errorf("a token over another signature: %v", err)
	}
	if _, err := cms.AddSignatureTimeStamp(stamped, 1, si.TimeStampTokens[0]); err == nil {
		t.Error("added a stamp to a signer that does not exist")
	}
}

// TestStampLimit: a client over its limit gets 429 with Retry-After and no token;
// behind a trusted proxy each forwarded client has a bucket of its own; the bucket
// refills with the clock.
func TestStampLimit(t *testing.T) {
	a := sharedCA(t)
	c := testclock.New(time.Now().UTC().Truncate(time.Second))
	st := storetest.New(t)
	svc := ra.New(ra.Config{Store: st, Registry: registry.Demo(c.Now()), Signer: a, Now: c.Now})
	proxies, err := clientlimit.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := tsp.New(context.Background(), tsp.Config{Authority: svc, Issuers: issuers(a), Now: c.Now,
		Limit: clientlimit.New(60, 2, c.Now), Proxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	sum := sha256.Sum256([]byte("x"))
	req, _ := tsp.NewRequest(oidSHA256, sum[:], nil, nil, false)
	body, _ := req.Marshal()
	post := func(forwardedFor string) *http.Response {
		r, _ := http.NewRequest(http.MethodPost, hs.URL+"/tsp", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/timestamp-query")
		if forwardedFor != "" {
			r.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 2 {
		if resp := post("198.51.100.1"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: HTTP %d", i+1, resp.StatusCode)
		}
	}
	resp := post("198.51.100.1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("Content-Type") == "application/timestamp-reply" {
		t.Fatalf("over the limit: HTTP %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	if resp := post("198.51.100.2"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another client behind the proxy: HTTP %d", resp.StatusCode)
	}
	c.Add(time.Second)
	if resp := post("198.51.100.1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the bucket refilled: HTTP %d", resp.StatusCode)
	}
}
