package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
)

// owner is a citizen with issued certificates and their keys.
type owner struct {
	keys  map[core.CertType]*rsa.PrivateKey
	certs map[core.CertType]*x509.Certificate
	token string
}

func (s *testServer) issueIndividual() *owner {
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
	o := &owner{keys: map[core.CertType]*rsa.PrivateKey{}, certs: map[core.CertType]*x509.Certificate{}}
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
		o.keys[typ] = k
		der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, k)
		req.Requests = append(req.Requests, wire.KeyRequest{Type: typ, CSR: der})
	}
	var sub wire.SubmitResponse
	if code, p := s.postJSON("/api/v1/applications", "", req, &sub); code != http.StatusCreated {
		s.t.Fatalf("submit: %d %+v", code, p)
	}
	op, _, _ := s.login(s.op, s.opKy)
	var show wire.DeskApplication
	s.do("GET", "/api/v1/desk/applications/"+sub.Number, op, "", nil, &show)
	var docs []string
	for _, d := range show.Checklist {
		if d.Required {
			docs = append(docs, d.ID)
		}
	}
	if code, p := s.postJSON("/api/v1/desk/applications/"+sub.Number+"/accept", op, wire.AcceptRequest{Presented: docs}, nil); code != 200 {
		s.t.Fatalf("accept: %d %+v", code, p)
	}
	var ap wire.ApproveResponse
	if code, p := s.do("POST", "/api/v1/desk/applications/"+sub.Number+"/approve", op, "", nil, &ap); code != 200 {
		s.t.Fatalf("approve: %d %+v", code, p)
	}
	for _, c := range ap.Certificates {
		o.certs[c.Type], _ = x509.ParseCertificate(c.DER)
	}
	tok, code, prob := s.login(o.certs[core.CertAuth], o.keys[core.CertAuth])
	if code != 200 {
		s.t.Fatalf("owner login: %d %+v", code, prob)
	}
	o.token = tok
	return o
}

func TestOwnerEndpoints(t *testing.T) {
	s := newTestServer(t)
	o := s.issueIndividual()
	authSerial := o.certs[core.CertAuth].SerialNumber.Text(16)
	sign := func(key *rsa.PrivateKey, cert *x509.Certificate, r ownersig.Request) *wire.SignedRequest {
		req, err := client.Sign(key, cert, rand.Reader, time.Now(), r)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}

	if code, p := s.do("GET", "/api/v1/owner/cabinet", "", "", nil, nil); code != 401 || p.Type != "/problems/unauthorized" {
		t.Fatalf("cabinet without a token: %d %+v", code, p)
	}
	var cab wire.Cabinet
	if code, p := s.do("GET", "/api/v1/owner/cabinet", o.token, "", nil, &cab); code != 200 || len(cab.Certificates) != 2 || len(cab.Applications) != 1 || len(cab.Applications[0].History) != 3 {
		t.Fatalf("cabinet: %d %+v %+v", code, p, cab)
	}

	path := "/api/v1/owner/certificates/" + authSerial + "/revoke"
	for name, body := range map[string]string{
		"not JSON":        `{`,
		"unknown field":   `{"payload":"","reason":"x"}`,
		"empty":           `{}`,
		"payload garbage": `{"payload":"aGVsbG8=","signature":"AA==","algorithm":"AA==","certificate":"AA=="}`,
	} {
		if code, p := s.do("POST", path, o.token, "application/json", []byte(body), nil); code != 400 {
			t.Errorf("%s: %d %+v", name, code, p)
		}
	}
	req := sign(o.keys[core.CertSign], o.certs[core.CertSign], client.RevokeRequest(authSerial, "owner_request"))
	if code, p := s.postJSON("/api/v1/owner/certificates/"+o.certs[core.CertSign].SerialNumber.Text(16)+"/revoke", o.token, req, nil); code != 400 {
		t.Fatalf("request for another serial: %d %+v", code, p)
	}
	var rv wire.RevokeResponse
	if code, p := s.postJSON(path, o.token, req, &rv); code != 200 || rv.Certificate.Status != core.CertRevoked {
		t.Fatalf("revoke: %d %+v", code, p)
	}
	// The AUTH certificate is revoked: its token ends at once.
	if code, _ := s.postJSON(path, o.token, req, nil); code != 401 {
		t.Fatalf("token of the revoked AUTH certificate: %d", code)
	}

	// Head decisions need a signed body.
	if code, p := s.do("POST", "/api/v1/head/applications/AAAAA-BBBBB-CCCCC-DDDDD/confirm", s.opToken(), "application/json", nil, nil); code != 400 {
		t.Fatalf("unsigned confirmation: %d %+v", code, p)
	}
	// A renewal whose signed list of keys differs from the body is refused.
	o2 := s.issueIndividual()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, k)
	reqs := []wire.KeyRequest{{Type: core.CertSign, CSR: der}, {Type: core.CertAuth, CSR: der}}
	signed := sign(o2.keys[core.CertSign], o2.certs[core.CertSign], client.RenewalRequest(o2.certs[core.CertSign].SerialNumber.Text(16), reqs[:1], false))
	if code, p := s.postJSON("/api/v1/owner/renewals", o2.token, wire.RenewRequest{Requests: reqs, Signed: *signed}, nil); code != 400 || !strings.Contains(p.Detail, "new keys") {
		t.Fatalf("renewal with other keys: %d %+v", code, p)
	}
}

func (s *testServer) opToken() string {
	s.t.Helper()
	tok, code, p := s.login(s.op, s.opKy)
	if code != 200 {
		s.t.Fatalf("operator login: %d %+v", code, p)
	}
	return tok
}
