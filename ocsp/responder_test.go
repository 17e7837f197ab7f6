package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	xocsp "golang.org/x/crypto/ocsp"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/clientlimit"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

var start = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// env is an authority with two issued certificates in its store and a responder.
type env struct {
	ctx       context.Context
	clk       *testclock.Clock
	ca        *ca.Authority
	st        store.Store
	r         *Responder
	reg       *prometheus.Registry
	issuer    *x509.Certificate
	root      *x509.Certificate
	good, bad *x509.Certificate // bad is revoked by tests
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clk := testclock.New(start)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(t.TempDir(), "ca"), Org: "OpenNCA Test", BaseURL: "http://pki.example.kz",
		Now: clk.Now, RSABits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: context.Background(), clk: clk, ca: a, st: storetest.New(t), reg: prometheus.NewRegistry()}
	iss, _ := a.Issuer(ca.IssuingRSA)
	root, _ := a.Issuer(ca.RootRSA)
	e.issuer, e.root = iss.Cert, root.Cert
	e.good, e.bad = e.issue(t), e.issue(t)
	m, err := NewMetrics(e.reg)
	if err != nil {
		t.Fatal(err)
	}
	e.r, err = New(e.ctx, Config{Store: e.st, Authority: a, Now: clk.Now, Metrics: m, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) issue(t testing.TB) *x509.Certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss, _ := e.ca.Issuer(ca.IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertSign,
		Applicant: profile.Sample(profile.Individual), PublicKey: key.Public(), Now: start, IdentifiedInPerson: true}, iss.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := e.ca.Issue(e.ctx, ca.IssuingRSA, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	kh := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	if err := e.st.Tx(e.ctx, func(tx store.Tx) error {
		return tx.InsertCertificate(e.ctx, &core.Certificate{Serial: cert.SerialNumber.Text(16), Issuer: ca.IssuingRSA,
			Type: core.CertSign, Subject: "CN=test", NotBefore: cert.NotBefore, NotAfter: cert.NotAfter,
			KeyHash: hex.EncodeToString(kh[:]), DER: cert.Raw})
	}); err != nil {
		t.Fatal(err)
	}
	return cert
}

func (e *env) revoke(t *testing.T, c *x509.Certificate, reason core.RevocationReason) {
	t.Helper()
	if err := e.st.Tx(e.ctx, func(tx store.Tx) error {
		return tx.RevokeCertificate(e.ctx, ca.IssuingRSA, c.SerialNumber.Text(16), reason, e.clk.Now(), nil)
	}); err != nil {
		t.Fatal(err)
	}
}

func request(t testing.TB, c, issuer *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	der, err := xocsp.CreateRequest(c, issuer, &xocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// parse checks an answer's signature chain (responder certificate signed by the
// issuing CA) and returns it.
func (e *env) parse(t *testing.T, der []byte, c *x509.Certificate) *xocsp.Response {
	t.Helper()
	resp, err := xocsp.ParseResponseForCert(der, c, e.issuer)
	if err != nil {
		t.Fatalf("parse response: %v", err)
	}
	if resp.Certificate == nil || resp.Certificate.Subject.CommonName != profile.OCSPResponderCommonName {
		t.Fatalf("responder certificate %v", resp.Certificate)
	}
	return resp
}

func TestRespond(t *testing.T) {
	e := newEnv(t)
	e.revoke(t, e.bad, core.ReasonKeyCompromise)
	unknown := *e.good
	unknown.SerialNumber = new(big.Int).SetBytes([]byte("never issued here"))
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		for _, c := range []struct {
			name   string
			cert   *x509.Certificate
			status int
			reason int
			at     time.Time
		}{
			{"good", e.good, xocsp.Good, 0, time.Time{}},
			{"revoked", e.bad, xocsp.Revoked, xocsp.KeyCompromise, start},
			{"unknown serial", &unknown, xocsp.Revoked, xocsp.CertificateHold, time.Unix(0, 0)},
		} {
			ans := e.r.Respond(e.ctx, "", request(t, c.cert, e.issuer, h))
			if ans.Result != "signed" || !ans.Cacheable {
				t.Errorf("%v %s: result %s", h, c.name, ans.Result)
			}
			resp := e.parse(t, ans.DER, c.cert)
			if resp.Status != c.status || (c.status == xocsp.Revoked && (resp.RevocationReason != c.reason || !resp.RevokedAt.Equal(c.at))) {
				t.Errorf("%v %s: status %d reason %d at %v", h, c.name, resp.Status, resp.RevocationReason, resp.RevokedAt)
			}
			if !resp.ThisUpdate.Equal(start) || !resp.NextUpdate.Equal(start.Add(time.Hour)) {
				t.Errorf("%v %s: %v – %v", h, c.name, resp.ThisUpdate, resp.NextUpdate)
			}
			if oid, _ := asn1.Marshal(pki.OIDOCSPExtendedRevoke); !bytes.Contains(ans.DER, oid) {
				t.Errorf("%v %s: no extended-revoke extension", h, c.name)
			}
			// Answers about issued certificates are cached; about serials never
			// issued, signed each time (anyone can ask about any number of them).
			again := e.r.Respond(e.ctx, "", request(t, c.cert, e.issuer, h))
			want := "cached"
			if c.cert == &unknown {
				want = "signed"
			}
			if again.Result != want || (want == "cached" && !bytes.Equal(again.DER, ans.DER)) {
				t.Errorf("%v %s: second answer %s, want %s", h, c.name, again.Result, want)
			}
		}
	}
	// Errors: garbage, a CA not served here, the CA named in the URL not the one asked.
	if a := e.r.Respond(e.ctx, "", []byte("junk")); a.Result != "malformed" || !bytes.Equal(a.DER, pki.OCSPErrorResponse(pki.OCSPMalformedRequest)) {
		t.Errorf("junk: %s", a.Result)
	}
	if a := e.r.Respond(e.ctx, "", request(t, e.issuer, e.root, crypto.SHA256)); a.Result != "unauthorized" {
		t.Errorf("root CA: %s", a.Result)
	}
	if a := e.r.Respond(e.ctx, ca.RootRSA, request(t, e.good, e.issuer, crypto.SHA256)); a.Result != "unauthorized" {
		t.Errorf("wrong CA in URL: %s", a.Result)
	}
	if got := testutil.ToFloat64(e.r.m.cached); got != 4 {
		t.Errorf("cached responses gauge %v, want 4 (good and revoked, two hashes each)", got)
	}
}

func TestHostileAndUntimelyRequests(t *testing.T) {
	e := newEnv(t)
	// A serial longer than RFC 5280's 20 octets is malformed, not answered and cached.
	long := *e.good
	long.SerialNumber = new(big.Int).SetBytes(bytes.Repeat([]byte{0x5a}, 21))
	if a := e.r.Respond(e.ctx, "", request(t, &long, e.issuer, crypto.SHA256)); a.Result != "malformed" ||
		!bytes.Equal(a.DER, pki.OCSPErrorResponse(pki.OCSPMalformedRequest)) {
		t.Errorf("21-octet serial: %s", a.Result)
	}
	if got := testutil.ToFloat64(e.r.m.cached); got != 0 {
		t.Errorf("cached responses after hostile requests: %v", got)
	}
	// The delegated responder certificate has expired (no rotation ran): no answer is
	// signed with it; the client is told to try later.
	e.clk.Add(8 * 24 * time.Hour)
	for _, req := range [][]byte{request(t, e.good, e.issuer, crypto.SHA256), withNonce(t, mustCertID(t, request(t, e.good, e.issuer, crypto.SHA1)), []byte("0123456789abcdef"))} {
		if a := e.r.Respond(e.ctx, "", req); a.Result != "error" || !bytes.Equal(a.DER, pki.OCSPErrorResponse(pki.OCSPTryLater)) {
			t.Errorf("expired responder certificate: %s", a.Result)
		}
	}
}

func mustCertID(t testing.TB, der []byte) []byte {
	t.Helper()
	req, err := pki.ParseOCSPRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return req.CertID
}

func TestNonceIsSignedLive(t *testing.T) {
	e := newEnv(t)
	plain := request(t, e.good, e.issuer, crypto.SHA256)
	req, _ := pki.ParseOCSPRequest(plain)
	nonceReq := withNonce(t, req.CertID, []byte("0123456789abcdef"))
	a1 := e.r.Respond(e.ctx, ca.IssuingRSA, nonceReq)
	e.clk.Add(time.Second)
	a2 := e.r.Respond(e.ctx, ca.IssuingRSA, nonceReq)
	if a1.Result != "live" || a1.Cacheable || bytes.Equal(a1.DER, a2.DER) {
		t.Fatalf("nonce answers: %s cacheable=%v identical=%v", a1.Result, a1.Cacheable, bytes.Equal(a1.DER, a2.DER))
	}
	if !bytes.Contains(a1.DER, []byte("0123456789abcdef")) {
		t.Error("nonce not echoed")
	}
	e.parse(t, a1.DER, e.good)
}

func TestRevocationReachesCache(t *testing.T) {
	e := newEnv(t)
	req := request(t, e.bad, e.issuer, crypto.SHA1)
	if resp := e.parse(t, e.r.Respond(e.ctx, "", req).DER, e.bad); resp.Status != xocsp.Good {
		t.Fatalf("status %d before revocation", resp.Status)
	}
	// Revoked in this process: the hook drops the cached answer at once.
	e.clk.Add(time.Minute)
	e.revoke(t, e.bad, core.ReasonSuperseded)
	e.r.Revoked(e.ctx, ca.IssuingRSA, e.bad.SerialNumber.Text(16))
	ans := e.r.Respond(e.ctx, "", req)
	if resp := e.parse(t, ans.DER, e.bad); ans.Result != "signed" || resp.Status != xocsp.Revoked || resp.RevocationReason != xocsp.Superseded {
		t.Fatalf("after revocation: %s status %d", ans.Result, resp.Status)
	}

	// Revoked by another process: the poll finds it.
	req2 := request(t, e.good, e.issuer, crypto.SHA256)
	if resp := e.parse(t, e.r.Respond(e.ctx, "", req2).DER, e.good); resp.Status != xocsp.Good {
		t.Fatal("not good")
	}
	e.clk.Add(time.Minute)
	since := e.clk.Now()
	e.revoke(t, e.good, core.ReasonAffiliationChanged)
	e.clk.Add(time.Second)
	e.r.poll(e.ctx, since)
	if resp := e.parse(t, e.r.Respond(e.ctx, "", req2).DER, e.good); resp.Status != xocsp.Revoked {
		t.Fatalf("status %d after the poll", resp.Status)
	}
}

func TestRefreshAndRotation(t *testing.T) {
	e := newEnv(t)
	req := request(t, e.good, e.issuer, crypto.SHA256)
	first := e.r.Respond(e.ctx, "", req)
	// Past RefreshAfter the cached answer is still served, and re-signed behind it.
	e.clk.Add(20 * time.Minute)
	stale := e.r.Respond(e.ctx, "", req)
	if stale.Result != "cached" || !bytes.Equal(stale.DER, first.DER) || stale.MaxAge != 0 {
		t.Fatalf("stale answer: %s max-age %v", stale.Result, stale.MaxAge)
	}
	e.r.refreshOne(e.ctx, <-e.r.refresh)
	fresh := e.r.Respond(e.ctx, "", req)
	if fresh.Result != "cached" || !fresh.ThisUpdate.Equal(start.Add(20*time.Minute)) || fresh.MaxAge != 15*time.Minute {
		t.Fatalf("refreshed answer: %s this %v max-age %v", fresh.Result, fresh.ThisUpdate, fresh.MaxAge)
	}
	// Near the end of the responder certificate a new one is issued; cached answers
	// move to it on their next refresh.
	old := e.r.ResponderCertificate(ca.IssuingRSA)
	e.clk.Add(5*24*time.Hour + time.Minute)
	e.r.housekeeping(e.ctx)
	cur := e.r.ResponderCertificate(ca.IssuingRSA)
	if cur.Equal(old) || !cur.NotBefore.Equal(e.clk.Now().Truncate(time.Second)) {
		t.Fatalf("responder certificate not rotated: %v", cur.NotBefore)
	}
	ans := e.r.Respond(e.ctx, "", req)
	if resp := e.parse(t, ans.DER, e.good); !resp.Certificate.Equal(cur) {
		t.Error("answer after rotation not signed by the new responder")
	}
	// Both responder certificates of nca-rsa are in the audit log.
	var recs []core.AuditRecord
	if err := e.st.Read(e.ctx, func(tx store.Tx) error {
		var err error
		recs, err = tx.AuditLog(e.ctx, 0, 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Action == "ocsp.responder_certificate" {
			seen[r.Object] = true
		}
	}
	for _, c := range []*x509.Certificate{old, cur} {
		if !seen["cert:"+ca.IssuingRSA+"/"+c.SerialNumber.Text(16)] {
			t.Errorf("responder certificate %x not audited", c.SerialNumber)
		}
	}
}

func TestHTTP(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	e.r.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	der := request(t, e.good, e.issuer, crypto.SHA256)

	resp, err := http.Post(srv.URL+"/ocsp/"+ca.IssuingRSA, "application/ocsp-request", bytes.NewReader(der))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ocsp-response" {
		t.Fatalf("POST: %d %v", resp.StatusCode, resp.Header)
	}
	e.parse(t, body, e.good)

	get := srv.URL + "/ocsp/" + ca.IssuingRSA + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(der))
	resp, err = http.Get(get)
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !bytes.Equal(body, body2) || etag == "" || resp.Header.Get("Last-Modified") == "" ||
		resp.Header.Get("Expires") == "" || resp.Header.Get("Cache-Control") == "" {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest("GET", get, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}
	for name, u := range map[string]string{
		"bad base64": srv.URL + "/ocsp/" + ca.IssuingRSA + "/!!!!",
		"not OCSP":   srv.URL + "/ocsp/" + ca.IssuingRSA + "/" + base64.StdEncoding.EncodeToString([]byte("hello")),
	} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Errorf("%s: HTTP %d", name, resp.StatusCode)
		}
		if resp.StatusCode == 200 && !bytes.Equal(b, pki.OCSPErrorResponse(pki.OCSPMalformedRequest)) {
			t.Errorf("%s: %x", name, b)
		}
	}
	resp, err = http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(make([]byte, MaxRequestBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(b, pki.OCSPErrorResponse(pki.OCSPMalformedRequest)) {
		t.Errorf("oversized body: %x", b)
	}
	if got := testutil.ToFloat64(e.r.m.requests.WithLabelValues("GET", "cached")); got != 1 {
		t.Errorf("GET cached requests %v", got)
	}
}

// TestHTTPLimit: past its limit a client gets tryLater with Retry-After for what
// would be signed for it (a cache miss, a nonce), while cached answers still reach
// it; the bucket refills with the clock.
func TestHTTPLimit(t *testing.T) {
	e := newEnv(t)
	e.r.cfg.Limit = clientlimit.New(60, 2, e.clk.Now)
	mux := http.NewServeMux()
	e.r.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(der []byte) ([]byte, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/ocsp/"+ca.IssuingRSA, "application/ocsp-request", bytes.NewReader(der))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		return body, resp.Header.Get("Retry-After")
	}
	good := request(t, e.good, e.issuer, crypto.SHA256)
	parsed, err := pki.ParseOCSPRequest(good)
	if err != nil {
		t.Fatal(err)
	}
	nonce := withNonce(t, parsed.CertID, []byte("0123456789abcdef"))
	tryLater := pki.OCSPErrorResponse(pki.OCSPTryLater)

	body, _ := post(good) // a miss: signed, the first token
	e.parse(t, body, e.good)
	body, _ = post(good) // cached: no token
	e.parse(t, body, e.good)
	body, _ = post(nonce) // live: the second token
	e.parse(t, body, e.good)
	if body, after := post(nonce); !bytes.Equal(body, tryLater) || after != "1" {
		t.Fatalf("a nonce request past the limit: %x, Retry-After %q; want tryLater, 1", body, after)
	}
	if body, after := post(request(t, e.bad, e.issuer, crypto.SHA256)); !bytes.Equal(body, tryLater) || after != "1" {
		t.Fatalf("a cache miss past the limit: %x, Retry-After %q", body, after)
	}
	body, after := post(good)
	e.parse(t, body, e.good)
	if after != "" {
		t.Errorf("a cached answer carries Retry-After %q", after)
	}
	if got := testutil.ToFloat64(e.r.m.requests.WithLabelValues("POST", "limited")); got != 2 {
		t.Errorf("limited requests counted %v, want 2", got)
	}
	e.clk.Add(time.Second)
	body, _ = post(request(t, e.bad, e.issuer, crypto.SHA256))
	e.parse(t, body, e.bad)
}

// withNonce builds a request for certID with an OpenSSL-style nonce extension.
func withNonce(t *testing.T, certID, nonce []byte) []byte {
	t.Helper()
	return several(t, nonce, certID)
}

// TestNoRotationStormAtTheCAsEnd: in the last days of the issuing CA's validity the
// responder certificate is cut short to the CA's end; it is rotated when a third of
// its own validity is left, not at every housekeeping round.
func TestNoRotationStormAtTheCAsEnd(t *testing.T) {
	e := newEnv(t)
	e.clk.Add(e.issuer.NotAfter.Sub(e.clk.Now()) - 48*time.Hour)
	r, err := New(e.ctx, Config{Store: e.st, Authority: e.ca, Now: e.clk.Now, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := r.byName[ca.IssuingRSA]
	first := c.signer.Load()
	if !first.cert.NotAfter.Equal(e.issuer.NotAfter) {
		t.Fatalf("responder certificate until %v, want the CA's end %v", first.cert.NotAfter, e.issuer.NotAfter)
	}
	for range 10 {
		e.clk.Add(time.Minute)
		r.housekeeping(e.ctx)
	}
	if got := c.signer.Load(); got != first {
		t.Fatalf("responder certificate rotated %d times in 10 minutes, two days before the CA's end", got.gen-first.gen)
	}
	// Once a third of its own validity is left, it is rotated (to the same end).
	e.clk.Add(33 * time.Hour)
	r.housekeeping(e.ctx)
	if got := c.signer.Load(); got == first {
		t.Fatal("not rotated with a sixth of its validity left")
	}
}

// several builds a request about every CertID of certIDs, in order, with an
// OpenSSL-style nonce extension when nonce is not nil (pki.CreateOCSPRequest).
func several(t testing.TB, nonce []byte, certIDs ...[]byte) []byte {
	t.Helper()
	der, err := pki.CreateOCSPRequest(nonce, certIDs...)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestRespondSeveral: a request about several certificates gets one signed answer
// with a SingleResponse per Request, in order, never cached.
func TestRespondSeveral(t *testing.T) {
	e := newEnv(t)
	unknown := *e.good
	unknown.SerialNumber = new(big.Int).SetBytes([]byte("never issued"))
	certs := []*x509.Certificate{e.good, &unknown, e.bad}
	ids := [][]byte{
		mustCertID(t, request(t, e.good, e.issuer, crypto.SHA256)),
		mustCertID(t, request(t, &unknown, e.issuer, crypto.SHA256)),
		mustCertID(t, request(t, e.bad, e.issuer, crypto.SHA1)), // hashes may differ between Requests
	}
	type want struct {
		status pki.OCSPCertStatus
		reason int
		at     time.Time
	}
	check := func(name string, ans Answer, nonce []byte, wants []want) {
		t.Helper()
		if ans.Result != "multi" || ans.Cacheable {
			t.Fatalf("%s: result %s cacheable %v", name, ans.Result, ans.Cacheable)
		}
		a, err := pki.ParseOCSPResponse(ans.DER, e.issuer)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Responder == nil || a.Responder.Subject.CommonName != profile.OCSPResponderCommonName ||
			!a.Responder.Equal(e.r.ResponderCertificate(ca.IssuingRSA)) {
			t.Errorf("%s: responder %v", name, a.Responder)
		}
		if len(a.Responses) != len(wants) {
			t.Fatalf("%s: %d SingleResponses, want %d", name, len(a.Responses), len(wants))
		}
		var wantNonce []byte
		if nonce != nil {
			wantNonce, _ = asn1.Marshal(nonce)
		}
		if !bytes.Equal(a.Nonce, wantNonce) {
			t.Errorf("%s: nonce %x, want %x", name, a.Nonce, wantNonce)
		}
		for i, w := range wants {
			s := a.Responses[i]
			if s.Serial.Cmp(certs[i].SerialNumber) != 0 || s.Status != w.status || !s.ThisUpdate.Equal(e.clk.Now()) ||
				!s.NextUpdate.Equal(e.clk.Now().Add(time.Hour)) {
				t.Errorf("%s: response %d: serial %x status %v %v – %v", name, i, s.Serial, s.Status, s.ThisUpdate, s.NextUpdate)
			}
			if w.status == pki.OCSPRevoked && (s.Reason != w.reason || !s.RevokedAt.Equal(w.at)) {
				t.Errorf("%s: response %d: revoked %v reason %d", name, i, s.RevokedAt, s.Reason)
			}
			// x/crypto/ocsp, an independent parser, picks each one by its serial.
			resp, err := xocsp.ParseResponseForCert(ans.DER, certs[i], e.issuer)
			if err != nil || int(resp.Status) != map[pki.OCSPCertStatus]int{pki.OCSPGood: xocsp.Good, pki.OCSPRevoked: xocsp.Revoked}[w.status] {
				t.Errorf("%s: response %d by x/crypto/ocsp: %v, %v", name, i, resp, err)
			}
		}
		if oid, _ := asn1.Marshal(pki.OIDOCSPExtendedRevoke); !bytes.Contains(ans.DER, oid) {
			t.Errorf("%s: no extended-revoke extension", name)
		}
	}
	hold := want{pki.OCSPRevoked, int(core.ReasonCertificateHold), time.Unix(0, 0)}
	good := want{pki.OCSPGood, -1, time.Time{}}

	// Two good certificates and a serial never issued, with a nonce.
	nonce := []byte("0123456789abcdef")
	check("two good and one never issued", e.r.Respond(e.ctx, ca.IssuingRSA, several(t, nonce, ids...)), nonce, []want{good, hold, good})
	// Without a nonce, on the URL of any CA: still signed for the request, not cached.
	check("without a nonce", e.r.Respond(e.ctx, "", several(t, nil, ids...)), nil, []want{good, hold, good})
	if got := testutil.ToFloat64(e.r.m.cached); got != 0 {
		t.Errorf("cached responses after requests about several certificates: %v", got)
	}
	if a := e.r.Respond(e.ctx, "", request(t, e.good, e.issuer, crypto.SHA256)); a.Result != "signed" {
		t.Errorf("one of them asked alone: %s, want signed (the answer about several is not cached)", a.Result)
	}
	// A revocation shows at once.
	e.clk.Add(time.Minute)
	e.revoke(t, e.bad, core.ReasonKeyCompromise)
	check("after a revocation", e.r.Respond(e.ctx, "", several(t, nil, ids...)), nil,
		[]want{good, hold, {pki.OCSPRevoked, int(core.ReasonKeyCompromise), e.clk.Now()}})

	// Up to pki.MaxOCSPRequests are answered, one more is malformed.
	many := make([][]byte, pki.MaxOCSPRequests+1)
	for i := range many {
		many[i] = ids[0]
	}
	ans := e.r.Respond(e.ctx, "", several(t, nil, many[:pki.MaxOCSPRequests]...))
	if a, err := pki.ParseOCSPResponse(ans.DER, e.issuer); ans.Result != "multi" || err != nil || len(a.Responses) != pki.MaxOCSPRequests {
		t.Errorf("%d requests: %s %v", pki.MaxOCSPRequests, ans.Result, err)
	}
	malformed := pki.OCSPErrorResponse(pki.OCSPMalformedRequest)
	if a := e.r.Respond(e.ctx, "", several(t, nil, many...)); a.Result != "malformed" || !bytes.Equal(a.DER, malformed) {
		t.Errorf("%d requests: %s", pki.MaxOCSPRequests+1, a.Result)
	}
	// A serial longer than 20 octets in any Request makes the request malformed.
	long := *e.good
	long.SerialNumber = new(big.Int).SetBytes(bytes.Repeat([]byte{0x5a}, 21))
	if a := e.r.Respond(e.ctx, "", several(t, nil, ids[0], mustCertID(t, request(t, &long, e.issuer, crypto.SHA256)))); a.Result != "malformed" ||
		!bytes.Equal(a.DER, malformed) {
		t.Errorf("21-octet serial in the second Request: %s", a.Result)
	}

	// Every Request must name the same CA served here, and the URL's CA if named.
	gost, err := e.ca.Issuer(ca.IssuingGOST)
	if err != nil {
		t.Fatal(err)
	}
	gostReq, err := xocspRequest(&x509.Certificate{SerialNumber: big.NewInt(7)}, gost.Cert)
	if err != nil {
		t.Fatal(err)
	}
	gostID := mustCertID(t, gostReq)
	rootID := mustCertID(t, request(t, e.issuer, e.root, crypto.SHA256))
	unauthorized := pki.OCSPErrorResponse(pki.OCSPUnauthorized)
	for _, c := range []struct {
		name   string
		caName string
		der    []byte
	}{
		{"RSA and GOST issuing CAs", "", several(t, nil, ids[0], gostID)},
		{"GOST and RSA issuing CAs", "", several(t, nil, gostID, ids[0])},
		{"RSA and GOST issuing CAs, RSA URL", ca.IssuingRSA, several(t, nil, ids[0], ids[1], gostID)},
		{"a root CA in the second Request", "", several(t, nil, ids[0], rootID)},
		{"another CA in the URL", ca.IssuingGOST, several(t, nil, ids...)},
	} {
		if a := e.r.Respond(e.ctx, c.caName, c.der); a.Result != "unauthorized" || !bytes.Equal(a.DER, unauthorized) {
			t.Errorf("%s: %s", c.name, a.Result)
		}
	}
	// Two Requests about the GOST CA are answered by its own responder.
	gostReq2, _ := xocspRequest(&x509.Certificate{SerialNumber: big.NewInt(8)}, gost.Cert)
	ans = e.r.Respond(e.ctx, ca.IssuingGOST, several(t, nil, gostID, mustCertID(t, gostReq2)))
	if a, err := pki.ParseOCSPResponse(ans.DER, gost.Cert); ans.Result != "multi" || err != nil || len(a.Responses) != 2 ||
		!a.Responder.Equal(e.r.ResponderCertificate(ca.IssuingGOST)) {
		t.Errorf("two GOST Requests: %s %v", ans.Result, err)
	}

	// With the responder certificate expired, tryLater, as for one certificate.
	e.clk.Add(8 * 24 * time.Hour)
	if a := e.r.Respond(e.ctx, "", several(t, nil, ids...)); a.Result != "error" || !bytes.Equal(a.DER, pki.OCSPErrorResponse(pki.OCSPTryLater)) {
		t.Errorf("expired responder certificate: %s", a.Result)
	}
}
