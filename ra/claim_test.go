package ra

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// hookSigner is the test's CA with a hook run before each Sign (between the claim
// and the storing transaction of an approval).
type hookSigner struct {
	Signer
	mu     sync.Mutex
	before func() error
}

func (h *hookSigner) Sign(ctx context.Context, p *ca.Prepared) (*x509.Certificate, error) {
	h.mu.Lock()
	fn := h.before
	h.mu.Unlock()
	if fn != nil {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	return h.Signer.Sign(ctx, p)
}

// hooked gives e a Service whose signer runs before before each Sign.
func hooked(e *env, before func() error) *Service {
	return New(Config{Store: e.store, Registry: e.reg, Signer: &hookSigner{Signer: e.ca, before: before}, Now: e.clock.Now})
}

func auditActions(t *testing.T, e *env, action string) []core.AuditRecord {
	t.Helper()
	var out []core.AuditRecord
	err := e.store.Read(e.ctx, func(tx store.Tx) error {
		recs, err := tx.AuditLog(e.ctx, 0, 10000)
		for _, r := range recs {
			if r.Action == action {
				out = append(out, r)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func claimOf(t *testing.T, e *env, number string) *store.IssuanceClaim {
	t.Helper()
	var c *store.IssuanceClaim
	err := e.store.Read(e.ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.IssuanceClaim(e.ctx, number)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestApproveClaimCompleted: a successful approval leaves a completed claim naming
// exactly the stored certificates.
func TestApproveClaimCompleted(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	_, certs, err := e.svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	c := claimOf(t, e, a.Number)
	if c == nil || c.CompletedAt == nil {
		t.Fatalf("claim %+v, want a completed one", c)
	}
	var names []string
	for _, ic := range certs {
		names = append(names, ic.Issuer+"/"+ic.Serial)
	}
	if strings.Join(c.Serials, " ") != strings.Join(names, " ") {
		t.Fatalf("claim names %v, stored %v", c.Serials, names)
	}
}

// TestApproveStoreFailsAfterSigning: when the application is refused while its
// certificates are being signed, the approval fails, nothing is stored, and the
// audit log names the serials signed and not stored.
func TestApproveStoreFailsAfterSigning(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	var once sync.Once
	svc := hooked(e, func() error {
		once.Do(func() {
			if _, err := e.svc.Refuse(e.ctx, e.staff, a.Number, core.RefusalFalseInfo, "forged passport"); err != nil {
				t.Errorf("refuse meanwhile: %v", err)
			}
		})
		return nil
	})
	_, _, err := svc.Approve(e.ctx, e.staff, a.Number)
	if core.KindOf(err) != core.KindConflict {
		t.Fatalf("Approve = %v, want a conflict", err)
	}
	v, err := e.svc.Status(e.ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if v.Application.State != core.StateRefused || len(v.Certificates) != 0 {
		t.Fatalf("state %s with %d certificates, want refused with none", v.Application.State, len(v.Certificates))
	}
	if c := claimOf(t, e, a.Number); c != nil {
		t.Fatalf("claim %+v left open", c)
	}
	rel := auditActions(t, e, "certificate.claim_release")
	if len(rel) != 1 || !strings.Contains(rel[0].Detail, "signed and not stored") || strings.Count(rel[0].Detail, "nca-rsa/") != 2 {
		t.Fatalf("release records %+v, want one naming both signed serials", rel)
	}
}

// TestApproveSignFailsReleasesClaim: a failed signature releases the claim (nothing
// signed is named) and the application can be approved again.
func TestApproveSignFailsReleasesClaim(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	fail := true
	svc := hooked(e, func() error {
		if fail {
			fail = false
			return errors.New("the key store is unreachable")
		}
		return nil
	})
	if _, _, err := svc.Approve(e.ctx, e.staff, a.Number); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("Approve = %v, want the signer's error", err)
	}
	rel := auditActions(t, e, "certificate.claim_release")
	if len(rel) != 1 || strings.Contains(rel[0].Detail, "signed and not stored") {
		t.Fatalf("release records %+v, want one with nothing signed", rel)
	}
	got, certs, err := svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil || got.State != core.StateIssued || len(certs) != 2 {
		t.Fatalf("second Approve = %v, %d certificates, %v", got, len(certs), err)
	}
}

// TestApproveClaimExclusiveAndTakenOver: an open claim stops another approval before
// it signs; once older than claimTimeout it is taken over, and the audit log records
// its serials as possibly signed and never stored.
func TestApproveClaimExclusiveAndTakenOver(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	stale := &store.IssuanceClaim{Application: a.Number, Actor: "staff:other-node", ClaimedAt: e.clock.Now().UTC(), Serials: []string{"nca-rsa/4aa1", "nca-rsa/4aa2"}}
	if err := e.store.Tx(e.ctx, func(tx store.Tx) error { return tx.ClaimIssuance(e.ctx, stale) }); err != nil {
		t.Fatal(err)
	}
	signed := false
	svc := hooked(e, func() error { signed = true; return nil })
	if _, _, err := svc.Approve(e.ctx, e.staff, a.Number); core.KindOf(err) != core.KindConflict || !strings.Contains(err.Error(), "being issued") {
		t.Fatalf("Approve under an open claim = %v, want a conflict", err)
	}
	if signed {
		t.Fatal("an approval signed under another's claim")
	}
	e.clock.Add(claimTimeout + time.Second)
	got, certs, err := svc.Approve(e.ctx, e.staff, a.Number)
	if err != nil || got.State != core.StateIssued || len(certs) != 2 {
		t.Fatalf("Approve after the timeout = %v, %d certificates, %v", got, len(certs), err)
	}
	tk := auditActions(t, e, "certificate.claim_takeover")
	if len(tk) != 1 || !strings.Contains(tk[0].Detail, "nca-rsa/4aa1, nca-rsa/4aa2") {
		t.Fatalf("takeover records %+v, want one naming the old serials", tk)
	}
}

// TestApproveKeyCertifiedMeanwhile: when a key of an accepted application has been
// certified meanwhile (by another application), the approval stops before it claims
// or signs anything, names the request, and the application stays accepted.
func TestApproveKeyCertifiedMeanwhile(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	csr, _, err := parseRequest(a.Requests[1].CSR)
	if err != nil {
		t.Fatal(err)
	}
	err = e.store.Tx(e.ctx, func(tx store.Tx) error {
		return tx.InsertCertificate(e.ctx, &core.Certificate{Serial: "4abc", Issuer: "nca-rsa", Type: a.Requests[1].Type,
			Subject: "CN=other", NotBefore: e.clock.Now(), NotAfter: e.clock.Now().AddDate(1, 0, 0),
			KeyHash: KeyHash(csr.RawSubjectPublicKeyInfo), DER: []byte{0x30}})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Approve(e.ctx, e.staff, a.Number)
	if core.KindOf(err) != core.KindConflict || !strings.Contains(err.Error(), string(a.Requests[1].Type)+" public key") {
		t.Fatalf("Approve = %v, want a conflict naming the %s key", err, a.Requests[1].Type)
	}
	if c := claimOf(t, e, a.Number); c != nil {
		t.Fatalf("claim %+v made for a certified key", c)
	}
	v, err := e.svc.Status(e.ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if v.Application.State != core.StateAccepted || len(v.Certificates) != 0 {
		t.Fatalf("state %s with %d certificates, want accepted with none", v.Application.State, len(v.Certificates))
	}
}

// TestObserveApprovals: an approval that issues is observed once with its steps'
// times and its certificates; a refusal by a rule of the day is not.
func TestObserveApprovals(t *testing.T) {
	e := newEnv(t)
	var seen []ApprovalTiming
	e.svc.ObserveApprovals(func(at ApprovalTiming) { seen = append(seen, at) })
	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	if _, _, err := e.svc.Approve(e.ctx, e.staff, a.Number); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Certificates != 2 || seen[0].Claim <= 0 || seen[0].Sign <= 0 || seen[0].Store <= 0 {
		t.Fatalf("observed %+v, want one approval of 2 certificates with every step timed", seen)
	}
	b := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(b.Number)
	e.clock.Add(-40 * 365 * 24 * time.Hour) // the applicant is not 16 yet on the decision day
	got, _, err := e.svc.Approve(e.ctx, e.staff, b.Number)
	if err != nil || got.State != core.StateRefused {
		t.Fatalf("Approve = %v, %v; want a refusal", got, err)
	}
	if len(seen) != 1 {
		t.Fatalf("a refusal was observed: %+v", seen)
	}
}

// countingStore counts the write transactions open on a store.
type countingStore struct {
	store.Store
	open atomic.Int32
}

func (s *countingStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	s.open.Add(1)
	defer s.open.Add(-1)
	return s.Store.Tx(ctx, fn)
}

func (s *countingStore) TxNoSync(ctx context.Context, fn func(store.Tx) error) error {
	s.open.Add(1)
	defer s.open.Add(-1)
	return s.Store.TxNoSync(ctx, fn)
}

func (s *countingStore) Claim(ctx context.Context, c *store.IssuanceClaim) error {
	s.open.Add(1)
	defer s.open.Add(-1)
	return s.Store.Claim(ctx, c)
}

// hookRegistry is the test's state registry with a hook run before each lookup.
type hookRegistry struct {
	registry.Registry
	before func()
}

func (r *hookRegistry) Person(ctx context.Context, iin string) (*registry.Person, error) {
	r.before()
	return r.Registry.Person(ctx, iin)
}

func (r *hookRegistry) Organization(ctx context.Context, bin string) (*registry.Organization, error) {
	r.before()
	return r.Registry.Organization(ctx, bin)
}

// watchRegistry gives e's store and registry wrapped so that every registry lookup
// made while a write transaction is open fails the test; lookups counts them all.
func watchRegistry(t *testing.T, e *env) (cs *countingStore, reg *hookRegistry, lookups *int) {
	cs = &countingStore{Store: e.store}
	lookups = new(int)
	reg = &hookRegistry{Registry: e.reg, before: func() {
		*lookups++
		if n := cs.open.Load(); n != 0 {
			t.Errorf("registry asked with %d write transactions open", n)
		}
	}}
	return cs, reg, lookups
}

// kindCountingStore counts the claims made with Store.Claim and the TxNoSync
// transactions.
type kindCountingStore struct {
	store.Store
	claims, noSync atomic.Int32
}

func (s *kindCountingStore) Claim(ctx context.Context, c *store.IssuanceClaim) error {
	s.claims.Add(1)
	return s.Store.Claim(ctx, c)
}

func (s *kindCountingStore) TxNoSync(ctx context.Context, fn func(store.Tx) error) error {
	s.noSync.Add(1)
	return s.Store.TxNoSync(ctx, fn)
}

// TestApproveClaimsInOneStatement: an approval of an unchanged application claims it
// with Store.Claim alone (the application as read, compared in its stored form, is
// the stored one), for every kind of applicant; a refused claim is explained by a
// transaction after it.
func TestApproveClaimsInOneStatement(t *testing.T) {
	e := newEnv(t)
	cs := &kindCountingStore{Store: e.store}
	svc := New(Config{Store: cs, Registry: e.reg, Signer: e.ca, Now: e.clock.Now})
	for _, d := range []registry.DemoCase{e.demo(profile.Individual, ""), e.demo(profile.LegalEntity, profile.RoleFirstHead)} {
		a := e.submit(d)
		e.acceptAll(a.Number)
		claims, noSync := cs.claims.Load(), cs.noSync.Load()
		got, certs, err := svc.Approve(e.ctx, e.staff, a.Number)
		if err != nil || got.State != core.StateIssued || len(certs) == 0 {
			t.Fatalf("Approve %s = %v, %d certificates, %v", d.Template, got, len(certs), err)
		}
		if c, n := cs.claims.Load()-claims, cs.noSync.Load()-noSync; c != 1 || n != 0 {
			t.Fatalf("Approve %s: %d claims and %d TxNoSync transactions, want the claim alone", d.Template, c, n)
		}
		// Approved again: the claim is refused, and the transaction after it says
		// the certificates are issued already.
		_, _, err = svc.Approve(e.ctx, e.staff, a.Number)
		if core.KindOf(err) != core.KindConflict {
			t.Fatalf("second Approve %s = %v, want a conflict", d.Template, err)
		}
	}
}

// TestApproveRegistryOutsideTransactions: an approval asks the state registry (a
// network call in a real deployment) with no write transaction open, for an
// individual and for a legal entity's first head (person and organisation lookups).
func TestApproveRegistryOutsideTransactions(t *testing.T) {
	e := newEnv(t)
	cs, reg, lookups := watchRegistry(t, e)
	svc := New(Config{Store: cs, Registry: reg, Signer: e.ca, Now: e.clock.Now})
	for _, d := range []registry.DemoCase{e.demo(profile.Individual, ""), e.demo(profile.LegalEntity, profile.RoleFirstHead)} {
		a := e.submit(d)
		e.acceptAll(a.Number)
		before := *lookups
		got, certs, err := svc.Approve(e.ctx, e.staff, a.Number)
		if err != nil || got.State != core.StateIssued || len(certs) == 0 {
			t.Fatalf("Approve %s = %v, %d certificates, %v", d.Template, got, len(certs), err)
		}
		if *lookups == before {
			t.Fatalf("Approve %s did not ask the registry", d.Template)
		}
	}
}

// TestApproveChangedMeanwhile: an application changed between the approval's first
// read and its claim (here while the registry is asked) is not claimed: a refusal
// meanwhile is the conflict of its state, any other change a conflict naming it;
// nothing is claimed or signed, and the change stands.
func TestApproveChangedMeanwhile(t *testing.T) {
	e := newEnv(t)
	signed := 0
	signer := &hookSigner{Signer: e.ca, before: func() error { signed++; return nil }}
	var change func(number string)
	number := ""
	reg := &hookRegistry{Registry: e.reg, before: func() {
		if change != nil {
			change(number)
			change = nil
		}
	}}
	svc := New(Config{Store: e.store, Registry: reg, Signer: signer, Now: e.clock.Now})

	a := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(a.Number)
	number = a.Number
	change = func(n string) {
		if _, err := e.svc.Refuse(e.ctx, e.staff, n, core.RefusalFalseInfo, "false information found"); err != nil {
			t.Errorf("Refuse: %v", err)
		}
	}
	_, _, err := svc.Approve(e.ctx, e.staff, a.Number)
	if core.KindOf(err) != core.KindConflict || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Approve of an application refused meanwhile = %v, want a conflict of its state", err)
	}
	if v, _ := e.svc.Status(e.ctx, a.Number); v.Application.State != core.StateRefused || len(v.Certificates) != 0 {
		t.Fatalf("state %s with %d certificates, want refused with none", v.Application.State, len(v.Certificates))
	}

	b := e.submit(e.demo(profile.Individual, ""))
	e.acceptAll(b.Number)
	number = b.Number
	change = func(n string) {
		// Bounded: were the approval's write transaction open (SQLite's one
		// writer taken), this write would wait for it forever.
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		defer cancel()
		err := e.store.Tx(ctx, func(tx store.Tx) error {
			cur, err := tx.GetApplication(e.ctx, n)
			if err != nil {
				return err
			}
			cur.Applicant.Email = "changed@example.kz"
			return tx.UpdateApplication(e.ctx, cur, cur.State)
		})
		if err != nil {
			t.Errorf("change the application: %v", err)
		}
	}
	_, _, err = svc.Approve(e.ctx, e.staff, b.Number)
	if core.KindOf(err) != core.KindConflict || !strings.Contains(err.Error(), "changed while it was being approved") {
		t.Fatalf("Approve of an application changed meanwhile = %v, want a conflict", err)
	}
	for _, n := range []string{a.Number, b.Number} {
		if c := claimOf(t, e, n); c != nil {
			t.Fatalf("claim %+v made for %s", c, n)
		}
	}
	if signed != 0 {
		t.Fatalf("%d certificates signed for changed applications", signed)
	}
	// Approved again, the changed application is issued.
	got, certs, err := svc.Approve(e.ctx, e.staff, b.Number)
	if err != nil || got.State != core.StateIssued || got.Applicant.Email != "changed@example.kz" || len(certs) != 2 {
		t.Fatalf("second Approve = %+v, %d certificates, %v", got, len(certs), err)
	}
}

// TestOwnerActionsAskRegistryOutsideTransactions: a renewal issued at once, a head's
// confirmation of an employee's renewal and a head's revocation of an employee's
// certificate ask the state registry with no write transaction open, and a renewal
// signs each of its certificates once.
func TestOwnerActionsAskRegistryOutsideTransactions(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)

	cs, reg, lookups := watchRegistry(t, e)
	var signatures atomic.Int32
	signer := &hookSigner{Signer: e.ca, before: func() error { signatures.Add(1); return nil }}
	e.svc = New(Config{Store: cs, Registry: reg, Signer: signer, Now: e.clock.Now})
	renew := func(h *holder) (*core.Application, []IssuedCertificate, error) {
		reqs := e.requests(h.app.Template, h.app.Applicant)
		f := map[string]string{ownersig.FieldRequests: ownersig.RenewalRequests(reqs), ownersig.FieldRevokeOld: "false"}
		in := e.sign(h, core.CertSign, ownersig.ActionRenew, h.certs[core.CertSign].Serial, f, e.clock.Now())
		return e.svc.Renew(e.ctx, h.actor, RenewInput{Requests: reqs, Signed: in})
	}
	asked := func(what string, before int) {
		t.Helper()
		if *lookups == before {
			t.Errorf("%s did not ask the registry", what)
		}
	}

	before := *lookups
	a, certs, err := renew(o)
	if err != nil || a.State != core.StateIssued || len(certs) != 2 {
		t.Fatalf("renewal = %v, %d certificates, %v", a, len(certs), err)
	}
	asked("the renewal", before)
	if n := signatures.Load(); n != 2 {
		t.Errorf("the renewal of two certificates made %d signatures", n)
	}

	a, _, err = renew(emp)
	if err != nil || a.State != core.StateAwaitingHead {
		t.Fatalf("employee's renewal = %v, %v", a, err)
	}
	before = *lookups
	got, err := e.svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
	if err != nil || got.State != core.StateIssued {
		t.Fatalf("head confirms the renewal = %v, %v", got, err)
	}
	asked("the head's confirmation", before)

	e.clock.Add(time.Minute)
	target := emp.certs[core.CertAuth].Serial
	before = *lookups
	c, err := e.svc.OwnerRevoke(e.ctx, head.actor, target, e.sign(head, core.CertSign, ownersig.ActionRevoke, target, revokeFields("dismissal"), e.clock.Now()))
	if err != nil || c.Status != core.CertRevoked {
		t.Fatalf("head revokes = %+v, %v", c, err)
	}
	asked("the head's revocation", before)
}

// TestHeadDecisionChangedMeanwhile: an application changed between the head
// decision's first read and its transaction (here while the registry is asked) is
// not decided on, and a renewal's certificates are not signed.
func TestHeadDecisionChangedMeanwhile(t *testing.T) {
	e := newEnv(t)
	head := e.issue(e.demo(profile.LegalEntity, "first_head"), nil)
	emp := e.issue(e.demo(profile.LegalEntity, "employee"), head)
	reqs := e.requests(emp.app.Template, emp.app.Applicant)
	f := map[string]string{ownersig.FieldRequests: ownersig.RenewalRequests(reqs), ownersig.FieldRevokeOld: "false"}
	a, _, err := e.svc.Renew(e.ctx, emp.actor, RenewInput{Requests: reqs, Signed: e.sign(emp, core.CertSign, ownersig.ActionRenew, emp.certs[core.CertSign].Serial, f, e.clock.Now())})
	if err != nil || a.State != core.StateAwaitingHead {
		t.Fatalf("employee's renewal = %v, %v", a, err)
	}

	change := func() {
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		defer cancel()
		err := e.store.Tx(ctx, func(tx store.Tx) error {
			cur, err := tx.GetApplication(ctx, a.Number)
			if err != nil {
				return err
			}
			cur.Applicant.Email = "changed@example.kz"
			return tx.UpdateApplication(ctx, cur, cur.State)
		})
		if err != nil {
			t.Errorf("change the application: %v", err)
		}
	}
	reg := &hookRegistry{Registry: e.reg, before: func() {
		if change != nil {
			change()
			change = nil
		}
	}}
	signed := 0
	signer := &hookSigner{Signer: e.ca, before: func() error { signed++; return nil }}
	svc := New(Config{Store: e.store, Registry: reg, Signer: signer, Now: e.clock.Now})
	_, err = svc.HeadDecideSigned(e.ctx, head.actor, a.Number, true, e.headSigned(head, a, true, ""))
	wantKind(t, err, core.KindConflict)
	if signed != 0 {
		t.Errorf("%d certificates signed for a decision that did not happen", signed)
	}
	st, err := e.svc.Status(e.ctx, a.Number)
	if err != nil || st.Application.State != core.StateAwaitingHead || len(st.Certificates) != 0 || st.Application.Applicant.Email != "changed@example.kz" {
		t.Fatalf("after the refused decision: %+v, %v", st, err)
	}
}

// failingStore fails the next write transaction after fn ran (as a failed commit
// would) when failNext is set.
type failingStore struct {
	store.Store
	failNext atomic.Bool
}

func (s *failingStore) Tx(ctx context.Context, fn func(store.Tx) error) error {
	if s.failNext.CompareAndSwap(true, false) {
		return s.Store.Tx(ctx, func(tx store.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errors.New("the commit failed")
		})
	}
	return s.Store.Tx(ctx, fn)
}

// TestRenewalUnstoredIsRecorded: when the transaction of a renewal fails after its
// certificates were signed, the audit log names them as signed and never stored, and
// none is stored.
func TestRenewalUnstoredIsRecorded(t *testing.T) {
	e := newEnv(t)
	o := e.issue(e.demo(profile.Individual, ""), nil)
	fs := &failingStore{Store: e.store}
	e.svc = New(Config{Store: fs, Registry: e.reg, Signer: e.ca, Now: e.clock.Now})
	reqs := e.requests(o.app.Template, o.app.Applicant)
	f := map[string]string{ownersig.FieldRequests: ownersig.RenewalRequests(reqs), ownersig.FieldRevokeOld: "false"}
	in := e.sign(o, core.CertSign, ownersig.ActionRenew, o.certs[core.CertSign].Serial, f, e.clock.Now())
	before, err := e.svc.Cabinet(e.ctx, o.actor)
	if err != nil {
		t.Fatal(err)
	}
	fs.failNext.Store(true)
	if _, _, err := e.svc.Renew(e.ctx, o.actor, RenewInput{Requests: reqs, Signed: in}); err == nil || !strings.Contains(err.Error(), "the commit failed") {
		t.Fatalf("renewal with a failing commit = %v", err)
	}
	recs := auditActions(t, e, "certificate.unstored")
	if len(recs) != 1 || strings.Count(recs[0].Detail, "nca-rsa/") != 2 || !strings.Contains(recs[0].Detail, "signed and not stored") {
		t.Fatalf("audit of the unstored renewal: %+v", recs)
	}
	after, err := e.svc.Cabinet(e.ctx, o.actor)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Certificates) != len(before.Certificates) {
		t.Fatalf("%d certificates before the failed renewal, %d after", len(before.Certificates), len(after.Certificates))
	}
}

// TestStaffUnstoredIsRecorded: a staff certificate signed and then not stored is
// named in the audit log; its key may be enrolled again, and once a certificate of
// it is stored, a second one is refused before anything is signed.
func TestStaffUnstoredIsRecorded(t *testing.T) {
	e := newEnv(t)
	fs := &failingStore{Store: e.store}
	svc := New(Config{Store: fs, Registry: e.reg, Signer: e.ca, Now: e.clock.Now})
	key := pool.get(t)
	person := core.Applicant{IIN: "871008401427", Surname: "Сейтқали", Name: "Әйгерім"}
	fs.failNext.Store(true)
	if _, err := svc.IssueStaff(e.ctx, SystemActor(), "operator", person, &key.PublicKey); err == nil {
		t.Fatal("IssueStaff with a failing commit succeeded")
	}
	recs := auditActions(t, e, "certificate.unstored")
	if len(recs) != 1 || !strings.Contains(recs[0].Detail, "staff operator 871008401427") || !strings.Contains(recs[0].Detail, "nca-rsa/") {
		t.Fatalf("audit of the unstored staff certificate: %+v", recs)
	}
	// The key was never certified: it may be enrolled now, and then never again.
	if _, err := svc.IssueStaff(e.ctx, SystemActor(), "operator", person, &key.PublicKey); err != nil {
		t.Fatalf("IssueStaff after the failure: %v", err)
	}
	_, err := svc.IssueStaff(e.ctx, SystemActor(), "operator", person, &key.PublicKey)
	wantKind(t, err, core.KindConflict)
}

// TestRevokeStaffAsksRegistryOutsideTransactions: revoking a staff certificate (no
// application to take the owner's e-mail from) asks the registry for it with no
// write transaction open, and the owner is told at the registered e-mail.
func TestRevokeStaffAsksRegistryOutsideTransactions(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.Individual, "")
	p, err := e.reg.Person(e.ctx, d.IIN)
	if err != nil || p.Email == "" {
		t.Fatalf("demo person %s: %+v, %v (an e-mail is needed)", d.IIN, p, err)
	}
	key := pool.get(t)
	cert, err := e.svc.IssueStaff(e.ctx, SystemActor(), "operator", core.Applicant{IIN: d.IIN, Surname: p.Surname, Name: p.Name}, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cs, reg, lookups := watchRegistry(t, e)
	svc := New(Config{Store: cs, Registry: reg, Signer: e.ca, Now: e.clock.Now})
	if _, err := svc.Revoke(e.ctx, e.staff, cert.SerialNumber.Text(16), "owner_request", "left the centre"); err != nil {
		t.Fatal(err)
	}
	if *lookups == 0 {
		t.Error("the registry was not asked for the staff member's e-mail")
	}
	found := false
	for _, m := range e.outbox() {
		found = found || (m.Recipient == p.Email && m.Params["serial"] == cert.SerialNumber.Text(16))
	}
	if !found {
		t.Errorf("no revocation notice to the registered e-mail %s", p.Email)
	}
}
