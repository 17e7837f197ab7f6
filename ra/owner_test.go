package ra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/notify"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// holder is a person with issued certificates and their private keys.
type holder struct {
	d     registry.DemoCase
	app   *core.Application
	keys  map[core.CertType]*rsa.PrivateKey
	certs map[core.CertType]*core.Certificate
	actor Actor // as signed in with the AUTH certificate
}

// issue takes d's application through the whole workflow (the head confirms by
// signature when needed) and returns the holder of the issued certificates.
func (e *env) issue(d registry.DemoCase, head *holder) *holder {
	e.t.Helper()
	h := &holder{d: d, keys: map[core.CertType]*rsa.PrivateKey{}, certs: map[core.CertType]*core.Certificate{}}
	app := e.applicant(d)
	t, _ := profile.Lookup(d.Template)
	var reqs []core.KeyRequest
	for _, typ := range t.Keys {
		k := pool.get(e.t)
		h.keys[typ] = k
		reqs = append(reqs, core.KeyRequest{Type: typ, CSR: csr(e.t, k)})
	}
	a, err := e.svc.Submit(e.ctx, Actor{Kind: "anonymous"}, SubmitInput{Template: d.Template, Applicant: app, Requests: reqs, Consents: allConsents})
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	if a.State == core.StateAwaitingHead {
		if head == nil {
			e.t.Fatalf("%s needs a head", d.Role)
		}
		if _, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, "")); err != nil {
			e.t.Fatalf("head confirm: %v", err)
		}
	}
	e.acceptAll(a.Number)
	a, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil || a.State != core.StateIssued {
		e.t.Fatalf("approve: %v %v", a, err)
	}
	h.app = a
	for _, c := range certs {
		h.certs[c.Type] = c.Certificate
	}
	h.actor = Actor{Kind: "subscriber", IIN: d.IIN, BIN: d.BIN, Address: "192.0.2.7"}
	if d.Role != "" {
		h.actor.Roles = []string{d.Role}
	}
	return h
}

// sign makes a signed request of h with the certificate of type typ.
func (e *env) sign(h *holder, typ core.CertType, action, object string, fields map[string]string, at time.Time) SignedRequest {
	e.t.Helper()
	nonce, err := ownersig.NewNonce(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.signNonce(h, typ, ownersig.Request{Action: action, Object: object, Nonce: nonce, Time: at, Fields: fields})
}

func (e *env) signNonce(h *holder, typ core.CertType, r ownersig.Request) SignedRequest {
	e.t.Helper()
	c := h.certs[typ]
	r.Signer = ownersig.CertificateDigest(c.DER)
	payload := r.Bytes()
	sg, err := pki.NewSigner(h.keys[typ], rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	sig, err := sg.Sign(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return SignedRequest{Payload: payload, Signature: sig, Algorithm: sg.AlgorithmIdentifierDER(), Certificate: c.DER}
}

func (e *env) headSigned(head *holder, a *core.Application, confirm bool, reason string) SignedRequest {
	action, f := ownersig.ActionHeadConfirm, map[string]string{ownersig.FieldContent: ownersig.ApplicationDigest(a)}
	if !confirm {
		action, f[ownersig.FieldReason] = ownersig.ActionHeadReject, reason
	}
	return e.sign(head, core.CertSign, action, a.Number, f, e.clock.Now())
}

func revokeFields(reason string) map[string]string {
	return map[string]string{ownersig.FieldReason: reason}
}

func (e *env) outbox() []store.Message {
	e.t.Helper()
	var ms []store.Message
	if err := e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		ms, err = tx.Messages(e.ctx, 0, 1000)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func kinds(ms []store.Message, to string) []string {
	var out []string
	for _, m := range ms {
		if to == "" || m.Recipient == to {
			out = append(out, m.Kind)
		}
	}
	return out
}

func TestOwnerRevokesOnline(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	auth := o.certs[core.CertAuth]
	in := e.sign(o, core.CertSign, ownersig.ActionRevoke, auth.Serial, revokeFields("key_compromise"), e.clock.Now())
	c, err := e.svc.OwnerRevoke(e.ctx, o.actor, auth.Serial, in)
	if err != nil || c.Status != core.CertRevoked || c.Reason != core.ReasonKeyCompromise {
		t.Fatalf("OwnerRevoke = %+v, %v", c, err)
	}
	// Effective at once: the published CRL lists it.
	crl, err := e.svc.CRLs().Current(e.ctx, auth.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(crl.DER)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rl.RevokedCertificateEntries {
		found = found || r.SerialNumber.Text(16) == auth.Serial
	}
	if !found {
		t.Fatalf("CRL does not list %s", auth.Serial)
	}
	// Recorded in the cabinet, with the signed bytes as evidence.
	cab, err := e.svc.Cabinet(e.ctx, o.actor)
	if err != nil {
		t.Fatal(err)
	}
	if len(cab.Requests) != 1 || cab.Requests[0].Action != "revoke" || cab.Requests[0].Object != auth.Serial || string(cab.Requests[0].Payload) != string(in.Payload) {
		t.Fatalf("cabinet requests = %+v", cab.Requests)
	}
	if got := kinds(e.outbox(), "user@example.kz"); !strings.Contains(strings.Join(got, ","), notify.KindRevoked) {
		t.Fatalf("outbox kinds %v: no revoked message", got)
	}
}

func TestSignedRequestSecurity(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	other := e.issue(e.demoNote("father"), nil)
	target := o.certs[core.CertAuth].Serial
	now := e.clock.Now()
	revoke := func(actor Actor, in SignedRequest) error {
		_, err := e.svc.OwnerRevoke(e.ctx, actor, target, in)
		return err
	}

	t.Run("another person's token", func(t *testing.T) {
		in := e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now)
		wantKind(t, revoke(other.actor, in), core.KindForbidden)
	})
	t.Run("another person's signature", func(t *testing.T) {
		in := e.sign(other, core.CertSign, "revoke", target, revokeFields("owner_request"), now)
		wantKind(t, revoke(other.actor, in), core.KindForbidden)
	})
	t.Run("AUTH certificate where SIGN is required", func(t *testing.T) {
		in := e.sign(o, core.CertAuth, "revoke", target, revokeFields("owner_request"), now)
		wantKind(t, revoke(o.actor, in), core.KindForbidden)
	})
	t.Run("stale or future signing time", func(t *testing.T) {
		wantKind(t, revoke(o.actor, e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now.Add(-SignatureWindow-time.Second))), core.KindUnauthorized)
		wantKind(t, revoke(o.actor, e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now.Add(SignatureWindow+time.Second))), core.KindUnauthorized)
	})
	t.Run("tampered payload", func(t *testing.T) {
		in := e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now)
		in.Payload = []byte(strings.Replace(string(in.Payload), "owner_request", "key_compromise", 1))
		wantKind(t, revoke(o.actor, in), core.KindUnauthorized)
	})
	t.Run("other object or action", func(t *testing.T) {
		in := e.sign(o, core.CertSign, "revoke", o.certs[core.CertSign].Serial, revokeFields("owner_request"), now)
		wantKind(t, revoke(o.actor, in), core.KindInvalid)
		in = e.sign(o, core.CertSign, "renew", target, nil, now)
		wantKind(t, revoke(o.actor, in), core.KindInvalid)
	})
	t.Run("foreign CA", func(t *testing.T) {
		// A certificate with the owner's subject, made by someone else's CA.
		ca := pool.get(t)
		x, _ := x509.ParseCertificate(o.certs[core.CertSign].DER)
		tmpl := &x509.Certificate{SerialNumber: x.SerialNumber, Subject: x.Subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
		issuer := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: x.Issuer, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &o.keys[core.CertSign].PublicKey, ca)
		if err != nil {
			t.Fatal(err)
		}
		in := e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now)
		in.Certificate = der
		wantKind(t, revoke(o.actor, in), core.KindUnauthorized)
	})
	t.Run("replayed nonce", func(t *testing.T) {
		// Two applications: two AUTH certificates. One nonce revokes the first; the
		// same nonce on a request for the second is a replay.
		o2 := e.issue(o.d, nil)
		nonce, _ := ownersig.NewNonce(rand.Reader)
		first := e.signNonce(o, core.CertSign, ownersig.Request{Action: "revoke", Object: o2.certs[core.CertAuth].Serial, Nonce: nonce, Time: now, Fields: revokeFields("owner_request")})
		if _, err := e.svc.OwnerRevoke(e.ctx, o.actor, o2.certs[core.CertAuth].Serial, first); err != nil {
			t.Fatal(err)
		}
		again := e.signNonce(o, core.CertSign, ownersig.Request{Action: "revoke", Object: target, Nonce: nonce, Time: now, Fields: revokeFields("owner_request")})
		_, err := e.svc.OwnerRevoke(e.ctx, o.actor, target, again)
		wantKind(t, err, core.KindConflict)
		if !strings.Contains(err.Error(), "already used") {
			t.Fatalf("replay error %v", err)
		}
		// The identical request again is refused too (and changes nothing).
		_, err = e.svc.OwnerRevoke(e.ctx, o.actor, o2.certs[core.CertAuth].Serial, first)
		wantKind(t, err, core.KindConflict)
	})
	t.Run("reason an owner may not give online", func(t *testing.T) {
		in := e.sign(o, core.CertSign, "revoke", target, revokeFields("false_information"), now)
		wantKind(t, revoke(o.actor, in), core.KindInvalid)
	})
	// Nothing above revoked the target.
	var c *core.Certificate
	if err := e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.GetCertificate(e.ctx, o.certs[core.CertAuth].Issuer, target)
		return err
	}); err != nil || c.Status != core.CertGood {
		t.Fatalf("target %v, %v: want good", c, err)
	}
	t.Run("revoked signer", func(t *testing.T) {
		sign := o.certs[core.CertSign]
		if _, err := e.svc.Revoke(e.ctx, e.staff, sign.Serial, "owner_request", "at the desk"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, revoke(o.actor, e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now)), core.KindForbidden)
	})
	t.Run("expired signer", func(t *testing.T) {
		e.clock.Add(2 * 366 * 24 * time.Hour)
		in := e.sign(other, core.CertSign, "revoke", other.certs[core.CertAuth].Serial, revokeFields("owner_request"), e.clock.Now())
		_, err := e.svc.OwnerRevoke(e.ctx, other.actor, other.certs[core.CertAuth].Serial, in)
		wantKind(t, err, core.KindForbidden)
	})
	t.Run("unsigned-in actor", func(t *testing.T) {
		in := e.sign(o, core.CertSign, "revoke", target, revokeFields("owner_request"), now)
		wantKind(t, revoke(Actor{Kind: "anonymous"}, in), core.KindUnauthorized)
	})
}

func TestCabinetShowsOnlyOwn(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
	ind := e.issue(e.demo(profile.Individual, ""), nil)

	cab, err := e.svc.Cabinet(e.ctx, ind.actor)
	if err != nil {
		t.Fatal(err)
	}
	if len(cab.Certificates) != 2 || len(cab.Employees) != 0 || len(cab.Applications) != 1 || cab.Applications[0].Application.Number != ind.app.Number {
		t.Fatalf("individual's cabinet: %d certs, %d employees, %d applications", len(cab.Certificates), len(cab.Employees), len(cab.Applications))
	}
	for _, c := range cab.Certificates {
		if c.IIN != ind.d.IIN {
			t.Fatalf("another's certificate %s in the cabinet", c.Serial)
		}
	}
	if len(cab.Applications[0].History) < 3 {
		t.Fatalf("history %v", cab.Applications[0].History)
	}
	// The employee sees their own only; the first head also the employees'.
	cab, err = e.svc.Cabinet(e.ctx, emp.actor)
	if err != nil || len(cab.Certificates) != 2 || len(cab.Employees) != 0 {
		t.Fatalf("employee's cabinet %+v, %v", cab, err)
	}
	head.actor.Roles = []string{"first_head"}
	cab, err = e.svc.Cabinet(e.ctx, head.actor)
	if err != nil || len(cab.Certificates) != 2 || len(cab.Employees) != 2 || cab.Employees[0].IIN != emp.d.IIN {
		t.Fatalf("head's cabinet %+v, %v", cab, err)
	}
	// The head's signed confirmation is in the employee's cabinet too.
	cab, _ = e.svc.Cabinet(e.ctx, emp.actor)
	if len(cab.Requests) != 1 || cab.Requests[0].Action != "head_confirm" || cab.Requests[0].SignerIIN != head.d.IIN {
		t.Fatalf("employee's requests %+v", cab.Requests)
	}
	_, err = e.svc.Cabinet(e.ctx, Actor{Kind: "anonymous"})
	wantKind(t, err, core.KindUnauthorized)
}

func TestHeadConfirmsBySignature(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	hr := e.issue(e.demo(profile.LegalEntity, "hr"), head)
	ieHead := e.issue(e.demo(profile.Entrepreneur, "first_head"), nil)
	emp := e.demo(profile.LegalEntity, "employee")
	a := e.submit(emp)

	t.Run("head of another organisation", func(t *testing.T) {
		_, err := e.svc.HeadDecideSigned(e.ctx, ieHead.actor, a.Number, true, e.headSigned(ieHead, a, true, ""))
		wantKind(t, err, core.KindForbidden)
	})
	t.Run("content differs from the stored application", func(t *testing.T) {
		changed := *a
		changed.Applicant.Role = "first_head"
		_, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, &changed, true, ""))
		wantKind(t, err, core.KindConflict)
	})
	t.Run("signed with AUTH", func(t *testing.T) {
		in := e.sign(head, core.CertAuth, ownersig.ActionHeadConfirm, a.Number, map[string]string{ownersig.FieldContent: ownersig.ApplicationDigest(a)}, e.clock.Now())
		_, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, in)
		wantKind(t, err, core.KindForbidden)
	})
	t.Run("HR cannot confirm their own application", func(t *testing.T) {
		own := e.submit(hr.d)
		_, err := e.svc.HeadDecideSigned(e.ctx, hr.actor, own.Number, true, e.headSigned(hr, own, true, ""))
		wantKind(t, err, core.KindForbidden)
		if !strings.Contains(err.Error(), "own application") {
			t.Fatalf("error %v", err)
		}
	})
	got, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
	if err != nil || got.State != core.StateAwaitingIdentification || got.HeadConfirmedBy != head.d.IIN {
		t.Fatalf("confirm = %+v, %v", got, err)
	}
	ev, err := e.svc.HeadEvidence(e.ctx, a.Number)
	if err != nil || len(ev) != 1 || ev[0].SignerIIN != head.d.IIN || ev[0].Serial != head.certs[core.CertSign].Serial || !strings.Contains(string(ev[0].Payload), ownersig.ApplicationDigest(a)) {
		t.Fatalf("evidence %+v, %v", ev, err)
	}
	// HR of the same organisation, allowed by the registry, rejects another one.
	b := e.submit(emp)
	got, err = e.svc.HeadDecideSigned(e.ctx, hr.actor, b.Number, false, e.headSigned(hr, b, false, "not employed here"))
	if err != nil || got.State != core.StateRejectedByHead || got.RefusalDetail != "not employed here" {
		t.Fatalf("reject = %+v, %v", got, err)
	}
	if k := kinds(e.outbox(), ""); !strings.Contains(strings.Join(k, ","), notify.KindRefused) {
		t.Fatalf("no refusal message in %v", k)
	}
}

func TestRenewal(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	renew := func(h *holder, revokeOld bool) (*core.Application, []IssuedCertificate, error) {
		reqs := e.requests(h.app.Template, h.app.Applicant)
		f := map[string]string{ownersig.FieldRequests: ownersig.RenewalRequests(reqs), ownersig.FieldRevokeOld: "false"}
		if revokeOld {
			f[ownersig.FieldRevokeOld] = "true"
		}
		in := e.sign(h, core.CertSign, ownersig.ActionRenew, h.certs[core.CertSign].Serial, f, e.clock.Now())
		return e.svc.Renew(e.ctx, h.actor, RenewInput{Requests: reqs, Signed: in})
	}
	a, certs, err := renew(o, false)
	if err != nil || a.State != core.StateIssued || len(certs) != 2 || a.RenewalOf == "" {
		t.Fatalf("renew = %+v, %d, %v", a, len(certs), err)
	}
	if certs[0].IIN != o.d.IIN || certs[0].Template != o.app.Template || certs[0].Subject != o.certs[certs[0].Type].Subject {
		t.Fatalf("renewed certificate %+v: not the same subject and template", certs[0].Certificate)
	}
	// The old ones are kept by default.
	cab, _ := e.svc.Cabinet(e.ctx, o.actor)
	good := 0
	for _, c := range cab.Certificates {
		if c.Status == core.CertGood {
			good++
		}
	}
	if good != 4 {
		t.Fatalf("%d good certificates after a renewal keeping the old ones, want 4", good)
	}
	// The new signing certificate renews again, revoking the previous ones.
	a2, _, err := renew(o, true)
	if err != nil || a2.State != core.StateIssued {
		t.Fatalf("renew revoking = %v, %v", a2, err)
	}
	for _, typ := range []core.CertType{core.CertSign, core.CertAuth} {
		var c *core.Certificate
		_ = e.store.Read(e.ctx, func(tx store.Tx) error {
			c, err = tx.GetCertificate(e.ctx, o.certs[typ].Issuer, o.certs[typ].Serial)
			return err
		})
		if c.Status != core.CertRevoked || c.Reason != core.ReasonSuperseded {
			t.Fatalf("old %s: %s reason %d, want revoked superseded", typ, c.Status, c.Reason)
		}
	}
	// A revoked (superseded) certificate cannot renew.
	_, _, err = renew(o, false)
	wantKind(t, err, core.KindForbidden)

	t.Run("treasury refused", func(t *testing.T) {
		head := e.issue(e.demo(profile.Treasury, "first_head"), nil)
		_, _, err := renew(head, false)
		wantKind(t, err, core.KindUnprocessable)
	})
	t.Run("employee renewal waits for the head", func(t *testing.T) {
		head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
		emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
		a, certs, err := renew(emp, false)
		if err != nil || a.State != core.StateAwaitingHead || len(certs) != 0 {
			t.Fatalf("employee renew = %v, %d, %v", a, len(certs), err)
		}
		got, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
		if err != nil || got.State != core.StateIssued {
			t.Fatalf("head confirms renewal = %v, %v", got, err)
		}
		st, err := e.svc.Status(e.ctx, a.Number)
		if err != nil || len(st.Certificates) != 2 {
			t.Fatalf("renewal status %v, %v", st, err)
		}
	})
	t.Run("expired certificate refused", func(t *testing.T) {
		x := e.issue(e.demoNote("father"), nil)
		e.clock.Add(2 * 366 * 24 * time.Hour)
		_, _, err := renew(x, false)
		wantKind(t, err, core.KindForbidden)
	})
}

func TestNotificationsAreEnqueuedWithTheEvents(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	var got []string
	for _, m := range e.outbox() {
		if m.Params["number"] == o.app.Number || m.Kind == notify.KindIssuanceAlert {
			got = append(got, m.Kind+":"+m.Language)
		}
	}
	want := "received:ru,accepted:ru,issuance_alert:ru,issuance_alert:ru,issued:ru"
	if strings.Join(got, ",") != want {
		t.Fatalf("outbox %v, want %s", got, want)
	}
	// The alert goes to the e-mail the registry has for the IIN when it has one.
	p, _ := e.reg.Person(e.ctx, o.d.IIN)
	for _, m := range e.outbox() {
		if m.Kind == notify.KindIssuanceAlert {
			want := p.Email
			if want == "" {
				want = "user@example.kz"
			}
			if m.Recipient != want || m.Params["serial"] == "" {
				t.Fatalf("alert %+v", m)
			}
		}
	}
}

func TestHeadRevokesOnlyInTheirOrganisation(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
	colleague := e.issue(e.demo(profile.LegalEntity, "signing_right"), head)
	ieHead := e.issue(e.demo(profile.Entrepreneur, "first_head"), nil)
	target := emp.certs[core.CertSign].Serial
	// The revocation comes a minute after the head's confirmation, so the cabinet
	// (newest first) lists it first.
	e.clock.Add(time.Minute)
	now := e.clock.Now()

	// The head of another organisation: refused.
	_, err := e.svc.OwnerRevoke(e.ctx, ieHead.actor, target, e.sign(ieHead, core.CertSign, "revoke", target, revokeFields("dismissal"), now))
	wantKind(t, err, core.KindForbidden)
	// A colleague without the head's role: refused.
	_, err = e.svc.OwnerRevoke(e.ctx, colleague.actor, target, e.sign(colleague, core.CertSign, "revoke", target, revokeFields("dismissal"), now))
	wantKind(t, err, core.KindForbidden)
	// The employee cannot give dismissal as their own ground online.
	_, err = e.svc.OwnerRevoke(e.ctx, emp.actor, target, e.sign(emp, core.CertSign, "revoke", target, revokeFields("dismissal"), now))
	wantKind(t, err, core.KindInvalid)
	// The organisation's first head: revoked, recorded in the employee's cabinet.
	c, err := e.svc.OwnerRevoke(e.ctx, head.actor, target, e.sign(head, core.CertSign, "revoke", target, revokeFields("dismissal"), now))
	if err != nil || c.Reason != core.ReasonAffiliationChanged {
		t.Fatalf("head revokes: %+v, %v", c, err)
	}
	cab, err := e.svc.Cabinet(e.ctx, emp.actor)
	if err != nil || len(cab.Requests) != 2 || cab.Requests[0].Action != "revoke" || cab.Requests[0].SignerIIN != head.d.IIN {
		t.Fatalf("employee's cabinet requests %+v, %v", cab.Requests, err)
	}
}

// What was true when a request was signed is checked again when it takes effect, and
// nothing about another person's certificate is told before their signature is.
func TestOwnerRulesHoldAtDecisionTime(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	renewal := func(h *holder, serial string) RenewInput {
		reqs := e.requests(h.app.Template, h.app.Applicant)
		f := map[string]string{ownersig.FieldRequests: ownersig.RenewalRequests(reqs), ownersig.FieldRevokeOld: "false"}
		return RenewInput{Requests: reqs, Signed: e.sign(h, core.CertSign, ownersig.ActionRenew, serial, f, e.clock.Now())}
	}

	t.Run("renewal of a certificate revoked while it waits for the head", func(t *testing.T) {
		emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
		sign := emp.certs[core.CertSign].Serial
		a, _, err := e.svc.Renew(e.ctx, emp.actor, renewal(emp, sign))
		if err != nil || a.State != core.StateAwaitingHead {
			t.Fatalf("renew = %v, %v", a, err)
		}
		if _, err := e.svc.OwnerRevoke(e.ctx, emp.actor, sign, e.sign(emp, core.CertSign, ownersig.ActionRevoke, sign, revokeFields("key_compromise"), e.clock.Now())); err != nil {
			t.Fatalf("owner revokes: %v", err)
		}
		_, err = e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
		wantKind(t, err, core.KindForbidden)
		st, err := e.svc.Status(e.ctx, a.Number)
		if err != nil || len(st.Certificates) != 0 || st.Application.State != core.StateAwaitingHead {
			t.Fatalf("after the refused confirmation: %+v, %v", st, err)
		}
	})

	t.Run("another person's certificate is not described", func(t *testing.T) {
		other := e.issue(e.demo(profile.Treasury, "first_head"), nil)
		me := e.issue(e.demoNote("father"), nil)
		// Signed by me, naming the other person's Treasury certificate: the same
		// answer as for a serial that does not exist, not "Treasury is not renewed".
		_, _, err := e.svc.Renew(e.ctx, me.actor, renewal(me, other.certs[core.CertSign].Serial))
		wantKind(t, err, core.KindNotFound)
		// Revoking another person's revoked certificate: forbidden, not "already revoked".
		target := other.certs[core.CertAuth].Serial
		if _, err := e.svc.OwnerRevoke(e.ctx, other.actor, target, e.sign(other, core.CertSign, ownersig.ActionRevoke, target, revokeFields("owner_request"), e.clock.Now())); err != nil {
			t.Fatalf("owner revokes: %v", err)
		}
		_, err = e.svc.OwnerRevoke(e.ctx, me.actor, target, e.sign(me, core.CertSign, ownersig.ActionRevoke, target, revokeFields("owner_request"), e.clock.Now()))
		wantKind(t, err, core.KindForbidden)
	})

	t.Run("a head revokes their own certificate only on the owner's grounds", func(t *testing.T) {
		auth := head.certs[core.CertAuth].Serial
		_, err := e.svc.OwnerRevoke(e.ctx, head.actor, auth, e.sign(head, core.CertSign, ownersig.ActionRevoke, auth, revokeFields("false_information"), e.clock.Now()))
		wantKind(t, err, core.KindInvalid)
	})

	t.Run("a head replaced in the registry loses the head's powers", func(t *testing.T) {
		emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
		i := slices.IndexFunc(e.reg.Organizations, func(o registry.Organization) bool { return o.BIN == head.d.BIN })
		if i < 0 {
			t.Fatal("the head's organisation is not in the registry")
		}
		was := e.reg.Organizations[i].HeadIIN
		e.reg.Organizations[i].HeadIIN = e.demo(profile.LegalEntity, "signing_right").IIN // someone else heads it now
		defer func() { e.reg.Organizations[i].HeadIIN = was }()
		target := emp.certs[core.CertSign].Serial
		_, err := e.svc.OwnerRevoke(e.ctx, head.actor, target, e.sign(head, core.CertSign, ownersig.ActionRevoke, target, revokeFields("dismissal"), e.clock.Now()))
		wantKind(t, err, core.KindForbidden)
		a, _, err := e.svc.Renew(e.ctx, emp.actor, renewal(emp, target))
		if err != nil || a.State != core.StateAwaitingHead {
			t.Fatalf("renew = %v, %v", a, err)
		}
		_, err = e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
		wantKind(t, err, core.KindForbidden)
	})
}
