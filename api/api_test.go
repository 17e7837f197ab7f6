package api

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/auth"
	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

type testServer struct {
	t    *testing.T
	url  string
	ra   *ra.Service
	ca   *ca.Authority
	reg  *registry.File
	st   store.Store
	opKy *rsa.PrivateKey
	op   *x509.Certificate
	api  *Server
	// clock is the API server's (not the workflow's) clock.
	clock *apiClock
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.New(t)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "Test NCA", BaseURL: "http://nca.test", RSABits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.Demo(time.Now())
	svc := ra.New(ra.Config{Store: st, Registry: reg, Signer: a})
	au, err := auth.New(auth.Config{Store: st, Issuers: a, Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	clock := new(apiClock)
	api := New(Config{RA: svc, Auth: au, Signer: a, MaxBody: 64 << 10, FormSecret: bytes.Repeat([]byte{9}, 32), Now: clock.now})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op, err := svc.IssueStaff(ctx, ra.SystemActor(), "operator", core.Applicant{IIN: "800101300016", Surname: "Operator", Name: "Desk"}, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, url: srv.URL, ra: svc, ca: a, reg: reg, st: st, opKy: key, op: op, api: api, clock: clock}
}

// apiClock is the API server's clock in tests: the real time, or a time set by the
// test (safe to change while requests are served).
type apiClock struct{ at atomic.Pointer[time.Time] }

func (c *apiClock) now() time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return time.Now()
}

// set makes the API's time t; the zero time gives it back the real time.
func (c *apiClock) set(t time.Time) {
	if t.IsZero() {
		c.at.Store(nil)
		return
	}
	c.at.Store(&t)
}

// do sends a request and decodes a JSON answer into out (if not nil); it returns the
// status and, for problem answers, the problem.
func (s *testServer) do(method, path, token, ctype string, body []byte, out any) (int, *wire.Problem) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			s.t.Fatalf("%s %s: %d with Content-Type %q, want a problem document: %s", method, path, resp.StatusCode, ct, b)
		}
		var p wire.Problem
		if err := json.Unmarshal(b, &p); err != nil || p.Status != resp.StatusCode || p.Detail == "" || p.Type == "" {
			s.t.Fatalf("%s %s: bad problem document %s", method, path, b)
		}
		return resp.StatusCode, &p
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode, nil
}

func (s *testServer) postJSON(path, token string, v any, out any) (int, *wire.Problem) {
	s.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do("POST", path, token, "application/json", b, out)
}

// login signs in with cert and key through the HTTP API.
func (s *testServer) login(cert *x509.Certificate, key crypto.Signer) (string, int, *wire.Problem) {
	s.t.Helper()
	var ch wire.ChallengeResponse
	if code, p := s.do("POST", "/api/v1/auth/challenge", "", "", nil, &ch); p != nil {
		s.t.Fatalf("challenge: %d %v", code, p)
	}
	h := sha256.Sum256(ch.Challenge)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		s.t.Fatal(err)
	}
	var tok wire.TokenResponse
	code, p := s.postJSON("/api/v1/auth/token", "", wire.TokenRequest{ChallengeID: ch.ID, Certificate: cert.Raw, Signature: sig}, &tok)
	return tok.Token, code, p
}

func (s *testServer) submitIndividual() wire.SubmitResponse {
	s.t.Helper()
	req := s.individualRequest()
	var out wire.SubmitResponse
	if code, p := s.postJSON("/api/v1/applications", "", req, &out); code != http.StatusCreated {
		s.t.Fatalf("submit: %d %+v", code, p)
	}
	return out
}

// individualRequest is a complete submission of an adult demo person with fresh keys.
func (s *testServer) individualRequest() wire.SubmitRequest {
	s.t.Helper()
	var d registry.DemoCase
	for _, c := range registry.DemoCases(s.reg) {
		if c.Template == profile.Individual && !strings.Contains(c.Note, "under 16") && !strings.Contains(c.Note, "deceased") {
			d = c
			break
		}
	}
	p, err := s.reg.Person(context.Background(), d.IIN)
	if err != nil {
		s.t.Fatal(err)
	}
	req := wire.SubmitRequest{
		Template:  profile.Individual,
		Applicant: core.Applicant{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, Region: "Астана", City: "Астана", Email: "a@example.kz", Phone: "+77011234567"},
		Consents:  wire.Consents{Policy: true, Agreement: true, PersonalData: true, Notifications: true},
	}
	for _, typ := range []core.CertType{core.CertSign, core.CertAuth} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			s.t.Fatal(err)
		}
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, k)
		if err != nil {
			s.t.Fatal(err)
		}
		req.Requests = append(req.Requests, wire.KeyRequest{Type: typ, CSR: der})
	}
	return req
}

func TestBadInputGetsProblems(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   string
		status int
		detail string
	}{
		{"malformed JSON", "POST", "/api/v1/applications", "application/json", "{", 400, "not valid JSON"},
		{"unknown field", "POST", "/api/v1/applications", "application/json", `{"template":"individual","wizard":1}`, 400, "wizard"},
		{"empty body", "POST", "/api/v1/applications", "application/json", "", 400, "empty"},
		{"wrong content type", "POST", "/api/v1/applications", "text/plain", `{}`, 400, "application/json"},
		{"two values", "POST", "/api/v1/applications", "application/json", `{}{}`, 400, "after the JSON"},
		{"oversize body", "POST", "/api/v1/applications", "application/json", `{"template":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than"},
		{"unknown template", "POST", "/api/v1/applications", "application/json", `{"template":"wizard","consents":{"policy":true,"agreement":true,"personal_data":true,"notifications":true}}`, 400, "unknown template"},
		{"malformed number", "GET", "/api/v1/applications/12345", "", "", 400, "not an application number"},
		{"unknown number", "GET", "/api/v1/applications/7K2QM-9XH4B-R3T8V-0PZ1C", "", "", 404, "no application"},
		{"no certificates yet for unknown", "GET", "/api/v1/applications/7K2QM-9XH4B-R3T8V-0PZ1C/certificates", "", "", 404, "no application"},
		{"desk without token", "GET", "/api/v1/desk/applications", "", "", 401, "sign in"},
		{"desk with forged token", "GET", "/api/v1/desk/applications", "", "", 401, "sign in"},
		{"unknown endpoint", "GET", "/api/v2/nothing", "", "", 404, "no such endpoint"},
		{"unknown CA", "GET", "/ca/nobody.cer", "", "", 404, "no CA"},
		{"unknown CRL", "GET", "/crl/nobody.crl", "", "", 404, "no CA"},
		{"unknown delta CRL", "GET", "/crl/nobody-delta.crl", "", "", 404, "no CA"},
		{"token with garbage", "POST", "/api/v1/auth/token", "application/json", `{"challenge_id":"x","certificate":"AAAA","signature":"AAAA"}`, 400, "certificate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.t = t
			code, p := s.do(c.method, c.path, "", c.ctype, []byte(c.body), nil)
			if code != c.status || p == nil || !strings.Contains(p.Detail, c.detail) {
				t.Fatalf("%s %s = %d %+v, want %d with %q", c.method, c.path, code, p, c.status, c.detail)
			}
		})
	}
	var n int
	_ = s.st.Read(context.Background(), func(tx store.Tx) error {
		apps, err := tx.ListApplications(context.Background(), store.ApplicationFilter{})
		n = len(apps)
		return err
	})
	if n != 0 {
		t.Fatalf("%d applications stored after bad input", n)
	}
}

func TestSignInAndDesk(t *testing.T) {
	s := newTestServer(t)
	sub := s.submitIndividual()
	if sub.Number == "" || sub.State != core.StateAwaitingIdentification || len(sub.Documents) == 0 || sub.NextSteps == "" {
		t.Fatalf("submit response %+v", sub)
	}

	tok, code, p := s.login(s.op, s.opKy)
	if code != 200 || tok == "" {
		t.Fatalf("operator login: %d %+v", code, p)
	}
	var list wire.DeskList
	if code, p := s.do("GET", "/api/v1/desk/applications", tok, "", nil, &list); code != 200 || len(list.Applications) != 1 {
		t.Fatalf("desk list: %d %+v %+v", code, p, list)
	}
	if code, p := s.do("GET", "/api/v1/desk/applications", tok+"x", "", nil, nil); code != 401 {
		t.Fatalf("tampered token: %d %+v", code, p)
	}
	var show wire.DeskApplication
	if code, p := s.do("GET", "/api/v1/desk/applications/"+sub.Number, tok, "", nil, &show); code != 200 || show.Registry.Person == nil || len(show.Checklist) == 0 {
		t.Fatalf("desk show: %d %+v %+v", code, p, show)
	}
	code, p = s.postJSON("/api/v1/desk/applications/"+sub.Number+"/accept", tok, wire.AcceptRequest{}, nil)
	if code != 422 || p.Type != "/problems/documents-incomplete" || len(p.Missing) == 0 {
		t.Fatalf("incomplete accept: %d %+v", code, p)
	}
	var docs []string
	for _, d := range show.Checklist {
		if d.Required {
			docs = append(docs, d.ID)
		}
	}
	var rc wire.Receipt
	if code, p := s.postJSON("/api/v1/desk/applications/"+sub.Number+"/accept", tok, wire.AcceptRequest{Presented: docs}, &rc); code != 200 || rc.ReceiptNumber == "" {
		t.Fatalf("accept: %d %+v", code, p)
	}
	var ap wire.ApproveResponse
	if code, p := s.do("POST", "/api/v1/desk/applications/"+sub.Number+"/approve", tok, "", nil, &ap); code != 200 || ap.Status.State != core.StateIssued || len(ap.Certificates) != 2 {
		t.Fatalf("approve: %d %+v %+v", code, p, ap.Status)
	}
	if code, p := s.do("POST", "/api/v1/desk/applications/"+sub.Number+"/approve", tok, "", nil, nil); code != 409 {
		t.Fatalf("approve twice: %d %+v", code, p)
	}
	// The public status names roles, not the operator's IIN.
	var st wire.Status
	if code, p := s.do("GET", "/api/v1/applications/"+sub.Number, "", "", nil, &st); code != 200 || len(st.History) != 3 {
		t.Fatalf("status: %d %+v %+v", code, p, st)
	}
	for _, e := range st.History {
		if strings.Contains(e.Actor, "800101300016") || (e.Actor != "applicant" && e.Actor != "registration centre") {
			t.Errorf("public history actor %q", e.Actor)
		}
		// The numbers that matter come as data, for pages in the applicant's language.
		switch e.Action {
		case "accept":
			if e.Receipt == "" || len(e.Documents) == 0 {
				t.Errorf("accept event without receipt or documents: %+v", e)
			}
		case "approve":
			if len(e.Serials) != 2 {
				t.Errorf("approve event serials %q, want 2", e.Serials)
			}
		}
	}
	var certs wire.CertificatesResponse
	if code, p := s.do("GET", "/api/v1/applications/"+sub.Number+"/certificates", "", "", nil, &certs); code != 200 || len(certs.Certificates) != 2 || len(certs.Certificates[0].Chain) != 2 {
		t.Fatalf("certificates: %d %+v", code, p)
	}

	// A SIGN certificate cannot sign in; the citizen's AUTH certificate can, but it
	// opens no desk.
	var signCert *x509.Certificate
	for _, c := range certs.Certificates {
		if c.Type == core.CertSign {
			signCert, _ = x509.ParseCertificate(c.DER)
		}
	}
	if _, code, p := s.login(signCert, s.opKy); code != 401 {
		t.Fatalf("login with someone else's SIGN certificate: %d %+v", code, p)
	}
	// Revoking the operator's certificate ends the operator's token at once.
	var rv wire.RevokeResponse
	if code, p := s.postJSON("/api/v1/desk/certificates/"+s.op.SerialNumber.Text(16)+"/revoke", tok, wire.RevokeRequest{Reason: "owner_request"}, &rv); code != 200 || rv.Certificate.Status != core.CertRevoked {
		t.Fatalf("revoke: %d %+v", code, p)
	}
	if code, p := s.do("GET", "/api/v1/desk/applications", tok, "", nil, nil); code != 401 || !strings.Contains(p.Detail, "revoked") {
		t.Fatalf("token of a revoked certificate: %d %+v", code, p)
	}
	if _, code, p := s.login(s.op, s.opKy); code != 401 || !strings.Contains(p.Detail, "revoked") {
		t.Fatalf("login with a revoked certificate: %d %+v", code, p)
	}
}

func TestChallengeIsOneUse(t *testing.T) {
	s := newTestServer(t)
	var ch wire.ChallengeResponse
	s.do("POST", "/api/v1/auth/challenge", "", "", nil, &ch)
	h := sha256.Sum256(ch.Challenge)
	sig, _ := s.opKy.Sign(rand.Reader, h[:], crypto.SHA256)
	req := wire.TokenRequest{ChallengeID: ch.ID, Certificate: s.op.Raw, Signature: sig}
	if code, p := s.postJSON("/api/v1/auth/token", "", req, nil); code != 200 {
		t.Fatalf("first use: %d %+v", code, p)
	}
	if code, p := s.postJSON("/api/v1/auth/token", "", req, nil); code != 401 {
		t.Fatalf("replayed challenge: %d %+v", code, p)
	}
	// A wrong signature is refused.
	s.do("POST", "/api/v1/auth/challenge", "", "", nil, &ch)
	bad := wire.TokenRequest{ChallengeID: ch.ID, Certificate: s.op.Raw, Signature: sig}
	if code, p := s.postJSON("/api/v1/auth/token", "", bad, nil); code != 401 {
		t.Fatalf("signature over another challenge: %d %+v", code, p)
	}
}

func TestPublication(t *testing.T) {
	s := newTestServer(t)
	for _, iss := range s.ca.Issuers() {
		resp, err := http.Get(s.url + "/ca/" + iss.Name + ".cer")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-cert" || !bytes.Equal(b, iss.Cert.Raw) {
			t.Errorf("/ca/%s.cer: %d %s", iss.Name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		resp, err = http.Get(s.url + "/crl/" + iss.Name + ".crl")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" || resp.Header.Get("Last-Modified") == "" {
			t.Fatalf("/crl/%s.crl: %d %v", iss.Name, resp.StatusCode, resp.Header)
		}
		l, err := x509.ParseRevocationList(b)
		if err != nil {
			t.Fatal(err)
		}
		// Through pki: the GOST CAs' CRLs are signed with GOST.
		key, err := pki.PublicKeyOf(iss.Cert)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pki.VerifySigned(b, key); err != nil {
			t.Errorf("CRL of %s: %v", iss.Name, err)
		}
		fullNumber := l.Number.Int64()

		// The delta CRL: its base is the full CRL, its number above it; a
		// conditional GET with its ETag answers 304, one with only Last-Modified (a
		// second's resolution, shared by CRLs published in one second) gets the CRL.
		resp, err = http.Get(s.url + "/crl/" + iss.Name + "-delta.crl")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" || etag == "" || modified == "" ||
			!strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=") {
			t.Fatalf("/crl/%s-delta.crl: %d %v", iss.Name, resp.StatusCode, resp.Header)
		}
		d, err := x509.ParseRevocationList(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pki.VerifySigned(b, key); err != nil || d.Number.Int64() <= fullNumber {
			t.Errorf("delta CRL of %s: number %v after full %d: %v", iss.Name, d.Number, fullNumber, err)
		}
		for _, h := range []string{"If-None-Match", "If-Modified-Since"} {
			req, _ := http.NewRequest("GET", s.url+"/crl/"+iss.Name+"-delta.crl", nil)
			if h == "If-None-Match" {
				req.Header.Set(h, etag)
			} else {
				req.Header.Set(h, modified)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusNotModified
			if h == "If-Modified-Since" {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("%s: %d, want %d", h, resp.StatusCode, want)
			}
		}
	}
	resp, err := http.Get(s.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	var tm wire.TemplatesResponse
	if code, _ := s.do("GET", "/api/v1/templates?lang=ru", "", "", nil, &tm); code != 200 || len(tm.Templates) != 9 {
		t.Fatalf("templates: %d, %d templates", code, len(tm.Templates))
	}
}

func TestNextStepsFollowTheApplicationLanguage(t *testing.T) {
	for lang, want := range map[string]string{"kk": "тіркеу орталығына", "ru": "центр регистрации", "en": "registration centre", "": "registration centre"} {
		if got := nextSteps(false, "2026-12-23", lang); !strings.Contains(got, want) || !strings.Contains(got, "2026-12-23") {
			t.Errorf("lang %q: %q lacks %q or the deadline", lang, got, want)
		}
		if got := nextSteps(true, "2026-12-23", lang); got == nextSteps(false, "2026-12-23", lang) {
			t.Errorf("lang %q: an employee's next steps do not mention the head", lang)
		}
	}
}
