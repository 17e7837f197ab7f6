package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/webkeys"
)

const (
	testIterations = 16
	testPassword   = "correct horse"
)

// Keys are expensive: a few RSA-2048 keys are made once and shared by the tests.
var (
	keysOnce sync.Once
	rsaKeys  []*rsa.PrivateKey
)

func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		var wg sync.WaitGroup
		rsaKeys = make([]*rsa.PrivateKey, 5)
		for i := range rsaKeys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					panic(err)
				}
				rsaKeys[i] = k
			}()
		}
		wg.Wait()
	})
	return rsaKeys[i]
}

// testApp is an app with captured output, a fixed environment, fast key files and no
// terminal.
type testApp struct {
	*app
	out, errb *bytes.Buffer
	envm      map[string]string
}

func newTestApp(t *testing.T, env map[string]string) *testApp {
	t.Helper()
	out, errb := &bytes.Buffer{}, &bytes.Buffer{}
	if env == nil {
		env = map[string]string{}
	}
	ta := &testApp{out: out, errb: errb, envm: env}
	ta.app = newApp(strings.NewReader(""), out, errb, func(k string) string { return env[k] })
	ta.iterations = testIterations
	ta.readPassword = func(string) (string, error) { return "", errNoTerminal }
	return ta
}

// run runs one command line and returns its exit code; output stays in the buffers
// (reset first).
func (ta *testApp) run(t *testing.T, args ...string) int {
	t.Helper()
	ta.out.Reset()
	ta.errb.Reset()
	code := ta.main(context.Background(), args)
	t.Logf("eds %s → %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, ta.out, ta.errb)
	return code
}

// writePair writes a key pair (signing key i, authentication key j) as keygen would,
// returning the id.
func writePair(t *testing.T, dir string, i, j int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sign, auth := testKey(t, i), testKey(t, j)
	id, err := webkeys.KeyID(sign.Public())
	if err != nil {
		t.Fatal(err)
	}
	sp, ap := keyPaths(dir, id)
	for p, k := range map[string]crypto.Signer{sp: sign, ap: auth} {
		data, err := (&keyfile.Options{Iterations: testIterations}).Encode(rand.Reader, k, nil, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func decodeFile(t *testing.T, path string) *keyfile.Container {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := keyfile.Decode(data, testPassword)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// testCA is a small CA for the fake server.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "TEST NCA (RSA)", Country: []string{"KZ"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{key: key, cert: cert}
}

var (
	oidRoleIndividual = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 1, 1}
	oidRoleOperator   = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 4, 2, 3}
)

// issue certifies pub as typ with subject; the serial is random hex.
func (ca *testCA) issue(t *testing.T, pub crypto.PublicKey, typ core.CertType, subject pkix.Name, roles ...asn1.ObjectIdentifier) *x509.Certificate {
	t.Helper()
	serial := make([]byte, 20)
	_, _ = rand.Read(serial)
	serial[0] &= 0x7f
	serial[0] |= 0x10
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		UnknownExtKeyUsage: roles,
	}
	switch typ {
	case core.CertSign:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	case core.CertAuth:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case core.CertSSL:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames = []string{subject.CommonName}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func personSubject(surname, name, iin string) pkix.Name {
	return webkeys.CSRSubject(core.Applicant{Surname: surname, Name: name, IIN: iin})
}

// fakeServer implements the few endpoints eds calls, recording what it receives.
type fakeServer struct {
	t   *testing.T
	ca  *testCA
	srv *httptest.Server

	mu        sync.Mutex
	submitted []wire.SubmitRequest
	state     core.State
	issued    []wire.IssuedCertificate
	requests  []string // "METHOD path"
	bodies    map[string][]byte
	operator  *x509.Certificate // the certificate allowed to sign in
	challenge []byte
	// override answers "METHOD path" with a problem (status, detail, missing).
	override map[string]wire.Problem
}

const testNumber = "KZ-20260105-000042"

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, ca: newTestCA(t), state: core.StateAwaitingIdentification,
		bodies: map[string][]byte{}, override: map[string]wire.Problem{}, challenge: []byte("challenge-bytes-1234")}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/applications", f.submit)
	mux.HandleFunc("GET /api/v1/applications/{number}", f.status)
	mux.HandleFunc("GET /api/v1/applications/{number}/certificates", f.certificates)
	mux.HandleFunc("POST /api/v1/auth/challenge", func(w http.ResponseWriter, r *http.Request) {
		f.json(w, 200, wire.ChallengeResponse{ID: "ch-1", Challenge: f.challenge, ExpiresAt: time.Now().Add(time.Minute)})
	})
	mux.HandleFunc("POST /api/v1/auth/token", f.token)
	desk := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok-operator" {
				f.problem(w, 401, "sign in first", nil)
				return
			}
			f.json(w, 200, v)
		}
	}
	now := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	app := core.Application{Number: testNumber, Template: "individual", State: core.StateAwaitingIdentification, CreatedAt: now,
		Applicant: core.Applicant{IIN: "871008401427", Surname: "ИВАНОВА", Name: "АЙГЕРІМ", Email: "a@example.kz", Phone: "+77010000000"},
		Requests:  []core.KeyRequest{{Type: core.CertSign}, {Type: core.CertAuth}}}
	mux.HandleFunc("GET /api/v1/desk/applications", desk(wire.DeskList{Applications: []core.Application{app}}))
	mux.HandleFunc("GET /api/v1/desk/applications/{number}", desk(wire.DeskApplication{
		Application: app, Age: 38,
		Registry: wire.RegistryView{Person: &wire.RegistryPerson{IIN: "871008401427", Surname: "ИВАНОВА", Name: "АЙГУЛЬ", BirthDate: "1987-10-08"},
			Mismatches: []string{`name "АЙГЕРІМ" differs from the registry ("АЙГУЛЬ")`}},
		Checklist: []wire.Document{{ID: "identity_document", Title: "Identity document", Required: true}, {ID: "power_of_attorney", Title: "Power of attorney"}},
		History:   []wire.HistoryEvent{{Event: core.Event{At: now, To: core.StateAwaitingIdentification, Action: "submit", Actor: "iin:871008401427"}}},
	}))
	receipt := wire.Receipt{ReceiptNumber: "R-7", ApplicationNumber: testNumber, Date: now, Service: "issue of registration certificates",
		Documents: []string{"identity_document"}, Operator: "OPERATOR ONE", Applicant: "ИВАНОВА АЙГЕРІМ", ApplicantPhone: "+77010000000"}
	mux.HandleFunc("POST /api/v1/desk/applications/{number}/accept", desk(receipt))
	refusedReceipt := receipt
	refusedReceipt.Refused, refusedReceipt.Missing = true, []string{"identity_document"}
	refusedReceipt.ResultDate, refusedReceipt.ResultPlace = now, "online: the status page"
	mux.HandleFunc("POST /api/v1/desk/applications/{number}/refuse-documents", desk(refusedReceipt))
	mux.HandleFunc("POST /api/v1/desk/applications/{number}/approve", desk(wire.ApproveResponse{
		Status:       wire.Status{Number: testNumber, State: core.StateIssued},
		Certificates: []wire.IssuedCertificate{{Serial: "1a2b", Type: core.CertSign, Status: core.CertGood, NotAfter: now.AddDate(1, 0, 0)}}}))
	mux.HandleFunc("POST /api/v1/desk/applications/{number}/refuse", desk(wire.Status{Number: testNumber, State: core.StateRefused, RefusalReason: core.RefusalUnder16}))
	revokedAt := now
	mux.HandleFunc("POST /api/v1/desk/certificates/{serial}/revoke", desk(wire.RevokeResponse{Certificate: wire.IssuedCertificate{
		Serial: "1a2b", Status: core.CertRevoked, RevokedAt: &revokedAt, Reason: core.ReasonKeyCompromise, Type: core.CertSign}}))
	pdf := func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-operator" {
			f.problem(w, 401, "sign in first", nil)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.7 " + r.URL.Path + "?" + r.URL.RawQuery))
	}
	mux.HandleFunc("GET /api/v1/desk/receipts/{receipt}/pdf", pdf)
	mux.HandleFunc("GET /api/v1/desk/applications/{number}/form.pdf", pdf)
	mux.HandleFunc("GET /api/v1/head/applications", desk(wire.DeskList{}))
	mux.HandleFunc("POST /api/v1/head/applications/{number}/confirm", desk(wire.Status{Number: testNumber, State: core.StateAwaitingIdentification}))
	mux.HandleFunc("POST /api/v1/head/applications/{number}/reject", desk(wire.Status{Number: testNumber, State: core.StateRejectedByHead, RefusalReason: core.RefusalFalseInfo}))

	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(r.Body)
		key := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.requests = append(f.requests, key)
		f.bodies[key] = body.Bytes()
		p, overridden := f.override[key]
		f.mu.Unlock()
		if overridden {
			f.problem(w, p.Status, p.Detail, p.Missing)
			return
		}
		r.Body = http.NoBody
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body.Bytes()))
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

type bodyKey struct{}

func (f *fakeServer) body(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

func (f *fakeServer) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeServer) problem(w http.ResponseWriter, status int, detail string, missing []string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(wire.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Missing: missing})
}

func (f *fakeServer) submit(w http.ResponseWriter, r *http.Request) {
	var req wire.SubmitRequest
	if err := json.Unmarshal(f.body(r), &req); err != nil {
		f.problem(w, 400, "bad JSON: "+err.Error(), nil)
		return
	}
	f.mu.Lock()
	f.submitted = append(f.submitted, req)
	f.mu.Unlock()
	f.json(w, 201, wire.SubmitResponse{
		Number: testNumber, State: core.StateAwaitingIdentification,
		Deadline:  time.Date(2026, 2, 4, 9, 30, 0, 0, time.UTC),
		NextSteps: "Visit a registration centre within 30 days\nwith your identity document.",
		Documents: []wire.Document{{ID: "identity_document", Title: "Identity document", Required: true}},
	})
}

func (f *fakeServer) status(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("number") != testNumber {
		f.problem(w, 404, "no application "+r.PathValue("number"), nil)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := wire.Status{Number: testNumber, Template: "individual", State: f.state,
		CreatedAt: time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC), Deadline: time.Date(2026, 2, 4, 9, 30, 0, 0, time.UTC),
		History: []wire.HistoryEvent{{Event: core.Event{At: time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC), To: core.StateAwaitingIdentification, Action: "submit", Actor: "applicant"}}}}
	if f.state == core.StateRefused {
		st.RefusalReason, st.RefusalDetail = core.RefusalUnder16, "the applicant is 15"
	}
	for _, c := range f.issued {
		st.Certificates = append(st.Certificates, c.Serial)
	}
	f.json(w, 200, st)
}

// issueAll certifies every request of the last submission and marks it issued.
func (f *fakeServer) issueAll(t *testing.T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req := f.submitted[len(f.submitted)-1]
	for _, kr := range req.Requests {
		csr, err := x509.ParseCertificateRequest(kr.CSR)
		if err != nil {
			t.Fatal(err)
		}
		subject := personSubject(strings.ToUpper(req.Applicant.Surname), strings.ToUpper(req.Applicant.Name), req.Applicant.IIN)
		if kr.Type == core.CertSSL {
			subject = pkix.Name{CommonName: req.Applicant.Domain}
		}
		cert := f.ca.issue(t, csr.PublicKey, kr.Type, subject, oidRoleIndividual)
		f.issued = append(f.issued, wire.IssuedCertificate{
			Serial: cert.SerialNumber.Text(16), Issuer: "test", Type: kr.Type, Subject: cert.Subject.String(),
			NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, Status: core.CertGood, DER: cert.Raw, Chain: [][]byte{f.ca.cert.Raw},
		})
	}
	f.state = core.StateIssued
}

func (f *fakeServer) certificates(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state != core.StateIssued {
		f.problem(w, 409, "not issued", nil)
		return
	}
	f.json(w, 200, wire.CertificatesResponse{Number: testNumber, Certificates: f.issued})
}

func (f *fakeServer) token(w http.ResponseWriter, r *http.Request) {
	var req wire.TokenRequest
	if err := json.Unmarshal(f.body(r), &req); err != nil {
		f.problem(w, 400, err.Error(), nil)
		return
	}
	f.mu.Lock()
	op := f.operator
	f.mu.Unlock()
	sum := sha256.Sum256(f.challenge)
	if op == nil || !bytes.Equal(req.Certificate, op.Raw) || req.ChallengeID != "ch-1" ||
		rsa.VerifyPKCS1v15(op.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], req.Signature) != nil {
		f.problem(w, 401, "the signature of the challenge does not verify", nil)
		return
	}
	f.json(w, 200, wire.TokenResponse{Token: "tok-operator", ExpiresAt: time.Now().Add(time.Hour), Principal: wire.Principal{IIN: "760212350620", Name: "OPERATOR ONE"}})
}

// with runs fn under the server's lock: tests change and read the fake's state only
// through it.
func (f *fakeServer) with(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeServer) lastSubmitted() wire.SubmitRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.submitted[len(f.submitted)-1]
}

func (f *fakeServer) issuedCerts() []wire.IssuedCertificate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wire.IssuedCertificate{}, f.issued...)
}

func (f *fakeServer) lastBody(key string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[key]
}

func (f *fakeServer) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r == key {
			n++
		}
	}
	return n
}

// operatorKeyFile writes an operator's AUTH key file (key 4) with its certificate.
func (f *fakeServer) operatorKeyFile(t *testing.T, dir string) string {
	t.Helper()
	key := testKey(t, 4)
	cert := f.ca.issue(t, key.Public(), core.CertAuth, personSubject("OPERATOR", "ONE", "760212350620"), oidRoleOperator)
	f.mu.Lock()
	f.operator = cert
	f.mu.Unlock()
	data, err := (&keyfile.Options{Iterations: testIterations}).Encode(rand.Reader, key, []*x509.Certificate{cert, f.ca.cert}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "AUTH_RSA256_operator.p12")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func spkiID(t *testing.T, pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}
