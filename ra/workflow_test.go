package ra

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/testclock"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

type cryptoRand struct{}

func (cryptoRand) Read(b []byte) (int, error) { return rand.Read(b) }

// keyPool hands out fresh RSA-2048 keys.
type keyPool struct{}

var pool keyPool

func (keyPool) get(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type env struct {
	t     testing.TB
	ctx   context.Context
	clock *testclock.Clock
	store store.Store
	ca    *ca.Authority
	reg   *registry.File
	svc   *Service
	staff Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	// A Wednesday noon in Almaty.
	clk := testclock.New(time.Date(2026, 11, 18, 7, 0, 0, 0, time.UTC))
	st := storetest.New(t)
	a, _, err := ca.Open(ca.Options{Dir: filepath.Join(dir, "ca"), Org: "Test NCA", BaseURL: "http://nca.test", RSABits: 2048, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.Demo(clk.Now())
	svc := New(Config{Store: st, Registry: reg, Signer: a, Now: clk.Now})
	return &env{t: t, ctx: ctx, clock: clk, store: st, ca: a, reg: reg, svc: svc,
		staff: Actor{Kind: "staff", IIN: "800101300016", Name: "Operator", Roles: []string{"operator"}, Address: "127.0.0.1"}}
}

// demo finds the registry's demo person for a template (and role, if given).
func (e *env) demo(template, role string) registry.DemoCase {
	e.t.Helper()
	for _, d := range registry.DemoCases(e.reg) {
		if d.Template == template && (role == "" || d.Role == role) {
			return d
		}
	}
	e.t.Fatalf("no demo case for %s/%s", template, role)
	return registry.DemoCase{}
}

func (e *env) applicant(d registry.DemoCase) core.Applicant {
	e.t.Helper()
	p, err := e.reg.Person(e.ctx, d.IIN)
	if err != nil {
		e.t.Fatal(err)
	}
	a := core.Applicant{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, Region: "Астана", City: "Астана", Email: "user@example.kz", Phone: "+77011234567", Language: "ru", Role: d.Role, BIN: d.BIN}
	if d.BIN != "" {
		o, err := e.reg.Organization(e.ctx, d.BIN)
		if err != nil {
			e.t.Fatal(err)
		}
		a.Organization = o.Name
	}
	switch d.Template {
	case profile.Treasury:
		a.StateBodyCode, a.RNN, a.SystemRole = "ГУ", "600400000001", "operator"
	case profile.ENotariat:
		a.SystemRole = "notary"
	case profile.NonresidentIndividual, profile.NonresidentLegal:
		a.ResidenceDocument = "residence permit 123456"
	case profile.SSLIndividual, profile.SSLLegal:
		a.Domain = "example.kz"
		a.ExtraDomains = []string{"www.example.kz"}
	}
	return a
}

func csr(t testing.TB, key *rsa.PrivateKey, dns ...string) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "applicant"}, DNSNames: dns}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var allConsents = Consents{Policy: true, Agreement: true, PersonalData: true, Notifications: true}

func (e *env) requests(template string, app core.Applicant) []core.KeyRequest {
	t, _ := profile.Lookup(template)
	var out []core.KeyRequest
	for _, typ := range t.Keys {
		var dns []string
		if typ == core.CertSSL {
			dns = append([]string{app.Domain}, app.ExtraDomains...)
		}
		out = append(out, core.KeyRequest{Type: typ, CSR: csr(e.t, pool.get(e.t), dns...)})
	}
	return out
}

func (e *env) submit(d registry.DemoCase) *core.Application {
	e.t.Helper()
	app := e.applicant(d)
	a, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous", Address: "192.0.2.1"}, SubmitInput{Template: d.Template, Applicant: app, Requests: e.requests(d.Template, app), Consents: allConsents})
	if err != nil {
		e.t.Fatalf("submit %s: %v", d.Template, err)
	}
	return a
}

func (e *env) acceptAll(number string) *Receipt {
	e.t.Helper()
	v, err := e.svc.DeskShow(e.ctx, e.staff, number)
	if err != nil {
		e.t.Fatal(err)
	}
	var docs []string
	for _, d := range v.Checklist {
		if d.Required {
			docs = append(docs, d.ID)
		}
	}
	rc, err := e.svc.Accept(e.ctx, e.staff, number, Presentation{Presented: docs})
	if err != nil {
		e.t.Fatalf("accept %s: %v", number, err)
	}
	return rc
}

func (e *env) count() int {
	e.t.Helper()
	var n int
	err := e.store.Read(e.ctx, func(tx store.Tx) error {
		apps, err := tx.ListApplications(e.ctx, store.ApplicationFilter{Limit: 1000})
		n = len(apps)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func wantKind(t *testing.T, err error, k core.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", k)
	}
	if got := core.KindOf(err); got != k {
		t.Fatalf("error %v is %s, want %s", err, got, k)
	}
}

func TestIndividualLifecycle(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	if a.State != core.StateAwaitingIdentification || !a.Deadline.Equal(e.clock.Now().UTC().AddDate(0, 0, 30)) {
		t.Fatalf("submitted: state %s deadline %s", a.State, a.Deadline)
	}

	// An incomplete set: Accept refuses and stores nothing; RefuseDocuments gives the
	// refusal receipt and keeps the application waiting.
	_, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{})
	wantKind(t, err, core.KindUnprocessable)
	var md *MissingDocuments
	if !errors.As(err, &md) || len(md.IDs) == 0 {
		t.Fatalf("Accept error %v carries no missing documents", err)
	}
	rc, err := e.svc.RefuseDocuments(e.ctx, e.staff, strings.ToLower(a.Number), Presentation{})
	if err != nil || !rc.Refused || len(rc.Missing) == 0 {
		t.Fatalf("RefuseDocuments = %+v, %v", rc, err)
	}
	_, err = e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{Presented: []string{"no_such_document"}})
	wantKind(t, err, core.KindInvalid)

	rc = e.acceptAll(a.Number)
	if rc.Refused || rc.Application != a.Number || rc.Operator == "" || rc.Applicant == "" || rc.Service == "" || !rc.ResultDate.After(rc.Date) {
		t.Fatalf("receipt %+v", rc)
	}
	// Accepting twice is a wrong transition.
	_, err = e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{})
	wantKind(t, err, core.KindConflict)

	got, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != core.StateIssued || len(certs) != 2 {
		t.Fatalf("approve: state %s, %d certificates", got.State, len(certs))
	}
	root, _ := e.ca.Issuer(ca.RootRSA)
	types := map[core.CertType]bool{}
	for _, c := range certs {
		types[c.Type] = true
		x, err := x509.ParseCertificate(c.DER)
		if err != nil {
			t.Fatal(err)
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(root.Cert)
		for _, p := range c.Chain {
			inter.AddCert(p)
		}
		if _, err := x.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: e.clock.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s certificate does not chain to the root: %v", c.Type, err)
		}
		if len(x.SerialNumber.Bytes()) > 20 || x.SerialNumber.Sign() <= 0 {
			t.Errorf("serial %x", x.SerialNumber)
		}
		id, err := profile.Parse(x)
		if err != nil || id.IIN != a.Applicant.IIN || id.Type != c.Type {
			t.Errorf("issued %s certificate reads as %+v, %v", c.Type, id, err)
		}
	}
	if !types[core.CertSign] || !types[core.CertAuth] {
		t.Errorf("issued types %v, want SIGN and AUTH", types)
	}
	v, err := e.svc.Status(e.ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range v.History {
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "submit,refuse_documents,accept,approve" {
		t.Errorf("history %v", actions)
	}

	// Revoke at the desk: the delta CRL is republished at once with the serial and
	// reason, on the unchanged full CRL; the next full CRL lists it too.
	before, err := e.svc.CRLs().Current(e.ctx, ca.IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	serial := certs[0].Serial
	if _, err := e.svc.Revoke(e.ctx, e.staff, strings.ToUpper(serial), "key_compromise", "lost token"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Revoke(e.ctx, e.staff, serial, "key_compromise", "")
	wantKind(t, err, core.KindConflict)
	_, err = e.svc.Revoke(e.ctx, e.staff, certs[1].Serial, "dismissal", "")
	wantKind(t, err, core.KindUnprocessable) // an individual is nobody's employee
	_, err = e.svc.Revoke(e.ctx, e.staff, certs[1].Serial, "bored", "")
	wantKind(t, err, core.KindInvalid)
	delta, err := e.svc.CRLs().CurrentDelta(e.ctx, ca.IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	if delta.Number <= before.Number || delta.BaseNumber != before.Number {
		t.Errorf("delta CRL number %d base %d after full %d", delta.Number, delta.BaseNumber, before.Number)
	}
	if full, _ := e.svc.CRLs().Current(e.ctx, ca.IssuingRSA); full.Number != before.Number {
		t.Errorf("the full CRL changed on a revocation: %d, was %d", full.Number, before.Number)
	}
	full, err := e.svc.CRLs().Publish(e.ctx, ca.IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	if full.Number <= delta.Number {
		t.Errorf("full CRL number %d after delta %d", full.Number, delta.Number)
	}
	iss, _ := e.ca.Issuer(ca.IssuingRSA)
	for _, crl := range []*CRL{delta, full} {
		l, err := x509.ParseRevocationList(crl.DER)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.CheckSignatureFrom(iss.Cert); err != nil {
			t.Fatal(err)
		}
		if len(l.RevokedCertificateEntries) != 1 || l.RevokedCertificateEntries[0].SerialNumber.Text(16) != serial || l.RevokedCertificateEntries[0].ReasonCode != int(core.ReasonKeyCompromise) {
			t.Fatalf("CRL %d entries %+v, want %s keyCompromise", crl.Number, l.RevokedCertificateEntries, serial)
		}
	}

	// The audit log holds every step and its chain verifies.
	var recs []core.AuditRecord
	if err := e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		recs, err = tx.AuditLog(e.ctx, 0, 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Verify(recs, strings.Repeat("0", 64)); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range recs {
		seen = append(seen, r.Action)
	}
	for _, want := range []string{"application.submit", "application.accept", "certificate.issue", "application.approve", "certificate.revoke"} {
		if !strings.Contains(strings.Join(seen, " "), want) {
			t.Errorf("audit log %v lacks %s", seen, want)
		}
	}
	if recs[0].Address != "192.0.2.1" {
		t.Errorf("submit audit address %q", recs[0].Address)
	}
}

func TestSubmitRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.Individual, "")
	good := e.applicant(d)
	key := pool.get(t)
	reqs := e.requests(profile.Individual, good)
	tampered := append([]byte(nil), reqs[0].CSR...)
	tampered[len(tampered)-5] ^= 0xff
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	deceased := e.demoNote("deceased")
	cases := []struct {
		name string
		mod  func(*SubmitInput)
		kind core.Kind
	}{
		{"unknown template", func(in *SubmitInput) { in.Template = "wizard" }, core.KindInvalid},
		{"missing consent", func(in *SubmitInput) { in.Consents.PersonalData = false }, core.KindInvalid},
		{"bad IIN", func(in *SubmitInput) { in.Applicant.IIN = "000813159890" }, core.KindInvalid},
		{"missing surname", func(in *SubmitInput) { in.Applicant.Surname = "" }, core.KindInvalid},
		{"name differs from registry", func(in *SubmitInput) { in.Applicant.Name = "Другое" }, core.KindUnprocessable},
		{"deceased", func(in *SubmitInput) {
			p, _ := e.reg.Person(e.ctx, deceased.IIN)
			in.Applicant.IIN, in.Applicant.Surname, in.Applicant.Name, in.Applicant.Patronymic = p.IIN, p.Surname, p.Name, p.Patronymic
		}, core.KindUnprocessable},
		{"one request", func(in *SubmitInput) { in.Requests = in.Requests[:1] }, core.KindInvalid},
		{"garbage CSR", func(in *SubmitInput) { in.Requests[0].CSR = []byte("not a csr") }, core.KindInvalid},
		{"CSR signature broken", func(in *SubmitInput) { in.Requests[0].CSR = tampered }, core.KindInvalid},
		{"RSA 1024", func(in *SubmitInput) { in.Requests[0].CSR = csr(t, small) }, core.KindUnprocessable},
		{"same key twice", func(in *SubmitInput) {
			in.Requests[0].CSR = csr(t, key)
			in.Requests[1].CSR = csr(t, key)
		}, core.KindUnprocessable},
		{"wrong type", func(in *SubmitInput) { in.Requests[0].Type = core.CertSSL }, core.KindInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := SubmitInput{Template: profile.Individual, Applicant: good, Requests: append([]core.KeyRequest(nil), reqs...), Consents: allConsents}
			c.mod(&in)
			_, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, in)
			wantKind(t, err, c.kind)
			if n := e.count(); n != 0 {
				t.Fatalf("%d applications stored after a refused submission", n)
			}
		})
	}
	// A refusal by the registry names the fields that differ, never the registry's
	// values: the answer goes to whoever submitted.
	registered, err := e.reg.Person(e.ctx, good.IIN)
	if err != nil {
		t.Fatal(err)
	}
	in := SubmitInput{Template: profile.Individual, Applicant: good, Requests: append([]core.KeyRequest(nil), reqs...), Consents: allConsents}
	in.Applicant.Surname, in.Applicant.Name, in.Applicant.Patronymic = "А", "Б", ""
	_, err = e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, in)
	wantKind(t, err, core.KindUnprocessable)
	if !errors.Is(err, ErrRegistryMismatch) {
		t.Fatalf("a registry refusal does not wrap ErrRegistryMismatch: %v", err)
	}
	var rm *RegistryMismatch
	if !errors.As(err, &rm) || !slices.Equal(rm.Fields, []string{MismatchSurname, MismatchName, MismatchPatronymic}) {
		t.Fatalf("registry refusal fields: %+v, want surname, name, patronymic", rm)
	}
	for _, v := range []string{registered.Surname, registered.Name, registered.Patronymic} {
		if v != "" && strings.Contains(err.Error(), v) {
			t.Fatalf("the refusal quotes the registry's %q: %v", v, err)
		}
	}
	if !strings.Contains(err.Error(), "surname") || !strings.Contains(err.Error(), "name") {
		t.Fatalf("the refusal does not say which fields differ: %v", err)
	}
	// A key already certified cannot be certified again.
	a := e.submit(d)
	e.acceptAll(a.Number)
	if _, _, err := e.svc.Approve(e.ctx, e.staff, a.Number); err != nil {
		t.Fatal(err)
	}
	in = SubmitInput{Template: profile.Individual, Applicant: good, Requests: a.Requests, Consents: allConsents}
	_, err = e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, in)
	wantKind(t, err, core.KindUnprocessable)
}

func (e *env) demoNote(word string) registry.DemoCase {
	e.t.Helper()
	for _, d := range registry.DemoCases(e.reg) {
		if strings.Contains(strings.ToLower(d.Note), word) {
			return d
		}
	}
	e.t.Fatalf("no demo case noted %q", word)
	return registry.DemoCase{}
}

func TestEmployeeNeedsHeadConfirmation(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	emp := e.demo(profile.LegalEntity, "employee")
	a := e.submit(emp)
	if a.State != core.StateAwaitingHead {
		t.Fatalf("employee application state %s", a.State)
	}
	_, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{})
	wantKind(t, err, core.KindConflict)

	// An employee (no head role in the signing certificate) cannot confirm.
	signer := e.issue(e.demo(profile.LegalEntity, "signing_right"), head)
	_, err = e.svc.HeadDecideSigned(e.ctx, signer.actor, a.Number, true, e.headSigned(signer, a, true, ""))
	wantKind(t, err, core.KindForbidden)

	list, err := e.svc.HeadList(e.ctx, Actor{Kind: "subscriber", IIN: head.d.IIN, BIN: head.d.BIN, Roles: []string{"legal_entity", "first_head"}})
	if err != nil || len(list) != 1 || list[0].Number != a.Number {
		t.Fatalf("HeadList = %v, %v", list, err)
	}
	got, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
	if err != nil || got.State != core.StateAwaitingIdentification || got.HeadConfirmedBy != head.d.IIN {
		t.Fatalf("confirm = %+v, %v", got, err)
	}
	e.acceptAll(a.Number)
	got, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil || got.State != core.StateIssued || len(certs) != 2 {
		t.Fatalf("approve = %v, %d, %v", got, len(certs), err)
	}
	// An employee's certificate can be revoked for dismissal.
	if _, err := e.svc.Revoke(e.ctx, e.staff, certs[0].Serial, "dismissal", "order 12"); err != nil {
		t.Fatal(err)
	}

	// A head can also reject.
	b := e.submit(emp)
	got, err = e.svc.HeadDecideSigned(e.ctx, head.actor, b.Number, false, e.headSigned(head, b, false, "not our employee any more"))
	if err != nil || got.State != core.StateRejectedByHead {
		t.Fatalf("reject = %+v, %v", got, err)
	}
}

func TestUnder16RefusedOnDecisionDay(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demoNote("under 16"))
	e.acceptAll(a.Number)
	got, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != core.StateRefused || got.RefusalReason != core.RefusalUnder16 || len(certs) != 0 {
		t.Fatalf("under-16 approve: state %s reason %s, %d certificates", got.State, got.RefusalReason, len(certs))
	}
	v, err := e.svc.Status(e.ctx, a.Number)
	if err != nil || len(v.Certificates) != 0 || v.Application.RefusalDetail == "" {
		t.Fatalf("status after refusal: %+v, %v", v, err)
	}
	// The history's refusal event carries the reason as data.
	last := v.History[len(v.History)-1]
	if last.Action != string(ActRefuse) || last.Facts == nil || last.Facts.Reason != core.RefusalUnder16 {
		t.Fatalf("refusal event %+v (facts %+v), want action refuse with reason under_16", last, last.Facts)
	}
}

func TestExpiryIsEnforcedByTheServer(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.Individual, "")
	a := e.submit(d)
	b := e.submit(d)
	e.clock.Add(30*24*time.Hour - time.Second)
	if v, err := e.svc.Status(e.ctx, a.Number); err != nil || v.Application.State != core.StateAwaitingIdentification {
		t.Fatalf("a second before the deadline: %v, %v", v, err)
	}
	e.clock.Add(time.Second)
	_, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{})
	wantKind(t, err, core.KindExpired)
	v, err := e.svc.Status(e.ctx, a.Number)
	if err != nil || v.Application.State != core.StateExpired {
		t.Fatalf("after the deadline: %+v, %v", v, err)
	}
	n, err := e.svc.ExpireDue(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v; want the second application expired", n, err)
	}
	v, _ = e.svc.Status(e.ctx, b.Number)
	if v.Application.State != core.StateExpired {
		t.Fatalf("b is %s", v.Application.State)
	}
}

func TestDeskNeedsStaff(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	citizen := Actor{Kind: "subscriber", IIN: a.Applicant.IIN, Roles: []string{"individual"}}
	_, err := e.svc.DeskList(e.ctx, citizen, store.ApplicationFilter{})
	wantKind(t, err, core.KindForbidden)
	_, err = e.svc.Accept(e.ctx, citizen, a.Number, Presentation{})
	wantKind(t, err, core.KindForbidden)
	_, _, err = e.svc.Approve(e.ctx, citizen, a.Number)
	wantKind(t, err, core.KindForbidden)
	_, err = e.svc.Refuse(e.ctx, citizen, a.Number, core.RefusalFalseInfo, "")
	wantKind(t, err, core.KindForbidden)
	_, err = e.svc.Revoke(e.ctx, citizen, "01", "owner_request", "")
	wantKind(t, err, core.KindForbidden)
	_, err = e.svc.IssueStaff(e.ctx, citizen, "operator", a.Applicant, &pool.get(t).PublicKey)
	wantKind(t, err, core.KindForbidden)
	list, err := e.svc.DeskList(e.ctx, e.staff, store.ApplicationFilter{IIN: a.Applicant.IIN})
	if err != nil || len(list) != 1 {
		t.Fatalf("DeskList by IIN = %d, %v", len(list), err)
	}
	r, err := e.svc.Refuse(e.ctx, e.staff, a.Number, core.RefusalCourtDecision, "case 2-123")
	if err != nil || r.State != core.StateRefused {
		t.Fatalf("Refuse = %+v, %v", r, err)
	}
}

func TestEveryTemplateIssues(t *testing.T) {
	e := newEnv(t)
	for _, tm := range profile.Templates() {
		t.Run(tm.ID, func(t *testing.T) {
			var d registry.DemoCase
			found := false
			for _, c := range registry.DemoCases(e.reg) {
				if c.Template == tm.ID && (c.Role == "" || c.Role == "first_head") && !strings.Contains(c.Note, "under 16") && !strings.Contains(c.Note, "deceased") {
					d, found = c, true
					break
				}
			}
			if !found {
				t.Fatalf("the demo registry has no applicant for template %s", tm.ID)
			}
			a := e.submit(d)
			if a.State == core.StateAwaitingHead {
				t.Fatalf("%s (role %q) should not need a head's confirmation", tm.ID, d.Role)
			}
			e.acceptAll(a.Number)
			got, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
			if err != nil || got.State != core.StateIssued || len(certs) != len(tm.Keys) {
				t.Fatalf("approve %s: %v, %d certs, %v", tm.ID, got.State, len(certs), err)
			}
		})
	}
}

func TestSSLNamesMustMatchTheForm(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.SSLIndividual, "")
	app := e.applicant(d)
	in := SubmitInput{Template: d.Template, Applicant: app, Consents: allConsents,
		Requests: []core.KeyRequest{{Type: core.CertSSL, CSR: csr(t, pool.get(t), "example.kz", "evil.example.com")}}}
	_, err := e.svc.Submit(e.ctx, Actor{}, in)
	wantKind(t, err, core.KindUnprocessable)
	a := e.submit(d)
	e.acceptAll(a.Number)
	_, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil || len(certs) != 1 {
		t.Fatal(err)
	}
	x, _ := x509.ParseCertificate(certs[0].DER)
	if strings.Join(x.DNSNames, ",") != "example.kz,www.example.kz" {
		t.Errorf("SAN %v", x.DNSNames)
	}
}

// TestRegistryMismatchFields checks that every difference the registry check finds
// names its field, for the organisation's checks too.
func TestRegistryMismatchFields(t *testing.T) {
	e := newEnv(t)
	tmpl, _ := profile.Lookup(profile.LegalEntity)
	emp := e.applicant(e.demo(profile.LegalEntity, "employee"))
	cases := []struct {
		name string
		app  func() core.Applicant
		want []string
	}{
		{"organisation name and role", func() core.Applicant {
			a := emp
			a.Organization, a.Role = "Другая организация", "first_head"
			return a
		}, []string{MismatchOrganization, MismatchRole}},
		{"organisation unknown", func() core.Applicant {
			a := emp
			a.BIN = "000000000000"
			return a
		}, []string{MismatchBIN}},
		{"not an employee", func() core.Applicant {
			a := e.applicant(e.demo(profile.Individual, ""))
			a.BIN, a.Organization = emp.BIN, emp.Organization
			return a
		}, []string{MismatchEmployee}},
	}
	for _, c := range cases {
		f, err := e.svc.lookupRegistry(e.ctx, tmpl, c.app())
		if err != nil {
			t.Fatal(err)
		}
		if got := mismatchFields(f.mismatches); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %q, want %q (%q)", c.name, got, c.want, mismatchTexts(f.mismatches))
		}
		for _, m := range f.mismatches {
			if m.Field == "" || m.Text == "" {
				t.Errorf("%s: mismatch without field or text: %+v", c.name, m)
			}
		}
	}
}
