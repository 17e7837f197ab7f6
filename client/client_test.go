package client

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
)

// recorded is one request as the fake server saw it.
type recorded struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      []byte
}

// fake answers every request with the canned answer for "METHOD path" and records it.
type fake struct {
	t       *testing.T
	answers map[string]func(w http.ResponseWriter, r *http.Request, body []byte)

	mu  sync.Mutex
	got []recorded
}

func newFake(t *testing.T) (*fake, *Client) {
	f := &fake{t: t, answers: map[string]func(http.ResponseWriter, *http.Request, []byte){}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		f.mu.Unlock()
		h, ok := f.answers[r.Method+" "+r.URL.EscapedPath()]
		if !ok {
			problem(w, http.StatusNotFound, "no such endpoint in the fake: "+r.Method+" "+r.URL.EscapedPath(), nil)
			return
		}
		h(w, r, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) last() recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		f.t.Fatal("no request")
	}
	return f.got[len(f.got)-1]
}

func jsonAnswer(status int, v any) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func problem(w http.ResponseWriter, status int, detail string, missing []string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(wire.Problem{Type: "https://nca.example/problems/x", Title: http.StatusText(status), Status: status, Detail: detail, Missing: missing})
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "nca.example.kz", "ftp://x", "http://", "://"} {
		if _, err := New(bad, nil); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	c, err := New("https://nca.example.kz/base/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://nca.example.kz/base" {
		t.Errorf("BaseURL %q", c.BaseURL())
	}
}

func TestSubmitAndStatus(t *testing.T) {
	f, c := newFake(t)
	deadline := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	f.answers["POST /api/v1/applications"] = jsonAnswer(201, wire.SubmitResponse{Number: "A-1", State: core.StateAwaitingIdentification, Deadline: deadline})
	f.answers["GET /api/v1/applications/A%2F1"] = jsonAnswer(200, wire.Status{Number: "A/1", State: core.StateIssued, Certificates: []string{"ab"}})
	f.answers["GET /api/v1/applications/A-1/certificates"] = jsonAnswer(200, wire.CertificatesResponse{Number: "A-1", Certificates: []wire.IssuedCertificate{{Serial: "ab", DER: []byte{1, 2}}}})

	req := &wire.SubmitRequest{Template: "individual", Applicant: core.Applicant{IIN: "871008401427"},
		Requests: []wire.KeyRequest{{Type: core.CertSign, CSR: []byte{0x30, 0}}},
		Consents: wire.Consents{Policy: true, Agreement: true, PersonalData: true, Notifications: true}}
	resp, err := c.Submit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Number != "A-1" || !resp.Deadline.Equal(deadline) {
		t.Errorf("response %+v", resp)
	}
	got := f.last()
	if got.ContentType != "application/json" || got.Auth != "" {
		t.Errorf("headers: %+v", got)
	}
	var sent wire.SubmitRequest
	if err := json.Unmarshal(got.Body, &sent); err != nil || !reflect.DeepEqual(&sent, req) {
		t.Errorf("sent %+v (%v), want %+v", sent, err, req)
	}

	st, err := c.Status(context.Background(), "A/1")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != core.StateIssued {
		t.Errorf("status %+v", st)
	}
	certs, err := c.Certificates(context.Background(), "A-1")
	if err != nil || len(certs.Certificates) != 1 || string(certs.Certificates[0].DER) != "\x01\x02" {
		t.Errorf("certificates %+v, %v", certs, err)
	}
}

func TestProblems(t *testing.T) {
	f, c := newFake(t)
	f.answers["POST /api/v1/desk/applications/N1/accept"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		problem(w, 422, "the document set is incomplete", []string{"identity_document"})
	}
	f.answers["GET /api/v1/applications/N2"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "upstream down\n")
	}
	f.answers["GET /api/v1/applications/N3"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html>busy</html>")
	}
	f.answers["GET /api/v1/applications/N4"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{not json")
	}

	_, err := c.Accept(context.Background(), "N1", &wire.AcceptRequest{Presented: []string{"x"}})
	p, ok := AsProblem(err)
	if !ok || p.StatusCode != 422 || p.Detail != "the document set is incomplete" || !reflect.DeepEqual(p.Missing, []string{"identity_document"}) {
		t.Fatalf("accept: %#v", err)
	}
	if want := "the document set is incomplete (HTTP 422); missing: identity_document"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}

	_, err = c.Status(context.Background(), "N2")
	if p, ok := AsProblem(err); !ok || p.StatusCode != 502 || p.Detail != "upstream down" {
		t.Errorf("plain text error: %#v", err)
	}
	_, err = c.Status(context.Background(), "N3")
	if p, ok := AsProblem(err); !ok || p.StatusCode != 503 || !strings.Contains(p.Detail, "503") {
		t.Errorf("html error: %#v", err)
	}
	_, err = c.Status(context.Background(), "N4")
	if err == nil || !strings.Contains(err.Error(), "decoding the answer") {
		t.Errorf("bad JSON: %v", err)
	}
	if _, ok := AsProblem(err); ok {
		t.Error("a decoding failure is not a problem answer")
	}
	_, err = c.Templates(context.Background())
	if p, ok := AsProblem(err); !ok || p.StatusCode != 404 {
		t.Errorf("404: %v", err)
	}
}

func TestContextCanceled(t *testing.T) {
	_, c := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Templates(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func selfSigned(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "OPERATOR"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestLoginAndDesk(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []crypto.Signer{rsaKey, ecKey} {
		t.Run(reflect.TypeOf(key).String(), func(t *testing.T) {
			f, c := newFake(t)
			cert := selfSigned(t, key)
			challenge := []byte("nca-challenge-0123456789")
			f.answers["POST /api/v1/auth/challenge"] = jsonAnswer(200, wire.ChallengeResponse{ID: "ch1", Challenge: challenge})
			f.answers["POST /api/v1/auth/token"] = func(w http.ResponseWriter, r *http.Request, body []byte) {
				var req wire.TokenRequest
				if err := json.Unmarshal(body, &req); err != nil {
					problem(w, 400, err.Error(), nil)
					return
				}
				sum := sha256.Sum256(challenge)
				var ok bool
				switch pub := cert.PublicKey.(type) {
				case *rsa.PublicKey:
					ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], req.Signature) == nil
				case *ecdsa.PublicKey:
					ok = ecdsa.VerifyASN1(pub, sum[:], req.Signature)
				}
				if req.ChallengeID != "ch1" || string(req.Certificate) != string(cert.Raw) || !ok {
					problem(w, 401, "bad signature", nil)
					return
				}
				jsonAnswer(200, wire.TokenResponse{Token: "tok-1", Principal: wire.Principal{IIN: "871008401427"}})(w, r, body)
			}
			authed := func(v any) func(http.ResponseWriter, *http.Request, []byte) {
				return func(w http.ResponseWriter, r *http.Request, b []byte) {
					if r.Header.Get("Authorization") != "Bearer tok-1" {
						problem(w, 401, "no token", nil)
						return
					}
					jsonAnswer(200, v)(w, r, b)
				}
			}
			f.answers["GET /api/v1/desk/applications"] = authed(wire.DeskList{Applications: []core.Application{{Number: "N1"}}})
			f.answers["GET /api/v1/desk/applications/N1"] = authed(wire.DeskApplication{Age: 38})
			f.answers["POST /api/v1/desk/applications/N1/accept"] = authed(wire.Receipt{ReceiptNumber: "R1"})
			f.answers["POST /api/v1/desk/applications/N1/refuse-documents"] = authed(wire.Receipt{Refused: true})
			f.answers["POST /api/v1/desk/applications/N1/approve"] = authed(wire.ApproveResponse{Status: wire.Status{State: core.StateIssued}})
			f.answers["POST /api/v1/desk/applications/N1/refuse"] = authed(wire.Status{State: core.StateRefused})
			f.answers["POST /api/v1/desk/certificates/0a1b/revoke"] = authed(wire.RevokeResponse{Certificate: wire.IssuedCertificate{Serial: "0a1b"}})
			f.answers["GET /api/v1/head/applications"] = authed(wire.DeskList{})
			f.answers["POST /api/v1/head/applications/N1/confirm"] = authed(wire.Status{State: core.StateAwaitingIdentification})
			f.answers["POST /api/v1/head/applications/N1/reject"] = authed(wire.Status{State: core.StateRejectedByHead})
			f.answers["GET /ca/root.cer"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) { _, _ = w.Write([]byte{0x30, 0x03}) }
			f.answers["GET /crl/root.crl"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) { _, _ = w.Write([]byte{0x30, 0x04}) }

			ctx := context.Background()
			if _, err := c.DeskList(ctx, DeskFilter{}); err == nil {
				t.Fatal("desk list without a token succeeded")
			}
			tok, err := c.Login(ctx, key, cert)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Token != "tok-1" || c.Token() != "tok-1" {
				t.Fatalf("token %+v", tok)
			}
			list, err := c.DeskList(ctx, DeskFilter{State: "accepted", IIN: "871008401427"})
			if err != nil || len(list.Applications) != 1 {
				t.Fatalf("list %+v %v", list, err)
			}
			if q := f.last().RawQuery; q != "iin=871008401427&state=accepted" {
				t.Errorf("query %q", q)
			}
			steps := []func() error{
				func() error { _, err := c.DeskApplication(ctx, "N1"); return err },
				func() error {
					_, err := c.Accept(ctx, "N1", &wire.AcceptRequest{Presented: []string{"id"}, Representative: "R"})
					return err
				},
				func() error { _, err := c.RefuseDocuments(ctx, "N1", &wire.AcceptRequest{}); return err },
				func() error { _, err := c.Approve(ctx, "N1"); return err },
				func() error {
					_, err := c.Refuse(ctx, "N1", &wire.DecisionRequest{Reason: core.RefusalUnder16})
					return err
				},
				func() error {
					_, err := c.Revoke(ctx, "0a1b", &wire.RevokeRequest{Reason: "key_compromise"})
					return err
				},
				func() error { _, err := c.HeadList(ctx); return err },
				func() error {
					_, err := c.HeadConfirm(ctx, "N1", &wire.SignedRequest{Payload: []byte("p")})
					return err
				},
				func() error {
					_, err := c.HeadReject(ctx, "N1", &wire.SignedRequest{Payload: []byte("p")})
					return err
				},
			}
			for i, step := range steps {
				if err := step(); err != nil {
					t.Errorf("step %d: %v", i, err)
				}
			}
			var accept wire.AcceptRequest
			f.mu.Lock()
			got := append([]recorded{}, f.got...)
			f.mu.Unlock()
			for _, g := range got {
				if g.Path == "/api/v1/desk/applications/N1/accept" {
					_ = json.Unmarshal(g.Body, &accept)
				}
			}
			if accept.Representative != "R" || len(accept.Presented) != 1 {
				t.Errorf("accept body %+v", accept)
			}
			if der, err := c.CACertificate(ctx, "root"); err != nil || len(der) != 2 {
				t.Errorf("CA %x %v", der, err)
			}
			if der, err := c.CRL(ctx, "root"); err != nil || der[1] != 4 {
				t.Errorf("CRL %x %v", der, err)
			}
		})
	}
}

func TestLoginRefused(t *testing.T) {
	f, c := newFake(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.answers["POST /api/v1/auth/challenge"] = jsonAnswer(200, wire.ChallengeResponse{ID: "c", Challenge: []byte("x")})
	f.answers["POST /api/v1/auth/token"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		problem(w, 403, "the certificate is revoked", nil)
	}
	_, err := c.Login(context.Background(), key, selfSigned(t, key))
	if p, ok := AsProblem(err); !ok || p.Detail != "the certificate is revoked" {
		t.Errorf("got %v", err)
	}
	if c.Token() != "" {
		t.Error("token set after a refused sign-in")
	}
}
