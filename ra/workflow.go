package ra

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// requireStaff allows the authority's staff roles that work at a registration-centre
// desk: operator, manager, administrator.
func requireStaff(actor Actor) error {
	if actor.HasRole("operator") || actor.HasRole("manager") || actor.HasRole("administrator") {
		return nil
	}
	return core.Errorf(core.KindForbidden, "only registration-centre staff may do this")
}

// move applies action act to a inside tx: it checks the transition table, stores the
// new state (optimistically, against the state it was read in) and records the event.
func (s *Service) move(ctx context.Context, tx store.Tx, actor Actor, a *core.Application, act Action, to core.State, detail string, facts core.EventFacts) error {
	from := a.State
	if err := checkTransition(a.Number, act, from, to); err != nil {
		return err
	}
	a.State = to
	a.UpdatedAt = s.now().UTC()
	if err := tx.UpdateApplication(ctx, a, from); err != nil {
		return err
	}
	return s.event(ctx, tx, actor, a, from, act, detail, facts)
}

// get loads an application by a number typed by a person.
func get(ctx context.Context, tx store.Tx, number string) (*core.Application, error) {
	n, err := NormalizeNumber(number)
	if err != nil {
		return nil, err
	}
	a, err := tx.GetApplication(ctx, n)
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "no application with number %s", n)
	}
	return a, err
}

// due reports whether a waits for identification past its deadline.
func (s *Service) due(a *core.Application) bool {
	return CanApply(ActExpire, a.State) && !s.now().Before(a.Deadline)
}

// expireIfDue expires an application whose 30 days have run out, in a transaction
// of its own, so that every read and every action sees the server-enforced deadline.
func (s *Service) expireIfDue(ctx context.Context, number string) error {
	return s.store.Tx(ctx, func(tx store.Tx) error {
		a, err := get(ctx, tx, number)
		if err != nil {
			return err
		}
		if !s.due(a) {
			return nil
		}
		return s.move(ctx, tx, SystemActor(), a, ActExpire, core.StateExpired, fmt.Sprintf("not identified within %d calendar days", ExpiryDays), core.EventFacts{})
	})
}

// ExpireDue expires every application whose deadline has passed and returns how many
// it expired. The server runs it on a schedule; reads and actions also expire lazily.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	var apps []*core.Application
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		apps, err = tx.ListApplications(ctx, store.ApplicationFilter{
			States:         []core.State{core.StateAwaitingHead, core.StateAwaitingIdentification},
			DeadlineBefore: s.now().Add(time.Nanosecond),
			Limit:          1000,
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ra: expire: %w", err)
	}
	n := 0
	for _, a := range apps {
		if err := s.expireIfDue(ctx, a.Number); err != nil {
			if core.KindOf(err) == core.KindConflict {
				continue // someone acted on it meanwhile
			}
			return n, fmt.Errorf("ra: expire %s: %w", a.Number, err)
		}
		n++
	}
	if n > 0 {
		s.log.InfoContext(ctx, "applications expired", "count", n)
	}
	return n, nil
}

// StatusView is an application with its history and the serials issued for it.
type StatusView struct {
	Application  *core.Application
	History      []core.Event
	Certificates []*core.Certificate
}

// Status returns the public status of an application by number.
func (s *Service) Status(ctx context.Context, number string) (*StatusView, error) {
	if err := s.expireIfDue(ctx, number); err != nil {
		return nil, err
	}
	v := &StatusView{}
	err := s.store.Read(ctx, func(tx store.Tx) error {
		a, err := get(ctx, tx, number)
		if err != nil {
			return err
		}
		v.Application = a
		if v.History, err = tx.Events(ctx, a.Number); err != nil {
			return err
		}
		v.Certificates, err = tx.CertificatesByApplication(ctx, a.Number)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// IssuedCertificate is a certificate with the chain a client installs with it.
type IssuedCertificate struct {
	*core.Certificate
	// Chain is the issuing CA certificate and its parents up to the root.
	Chain []*x509.Certificate
}

// Certificates returns the certificates issued for an application, with their chains.
// Before issuance it answers KindConflict saying the state.
func (s *Service) Certificates(ctx context.Context, number string) ([]IssuedCertificate, error) {
	v, err := s.Status(ctx, number)
	if err != nil {
		return nil, err
	}
	if v.Application.State != core.StateIssued {
		return nil, core.Errorf(core.KindConflict, "application %s is %s: no certificates are issued for it yet", v.Application.Number, v.Application.State)
	}
	return s.withChains(v.Certificates)
}

func (s *Service) withChains(certs []*core.Certificate) ([]IssuedCertificate, error) {
	out := make([]IssuedCertificate, 0, len(certs))
	for _, c := range certs {
		iss, err := s.signer.Issuer(c.Issuer)
		if err != nil {
			return nil, fmt.Errorf("ra: issuer of %s: %w", c.Serial, err)
		}
		out = append(out, IssuedCertificate{Certificate: c, Chain: iss.Chain})
	}
	return out, nil
}

// DeskList lists applications for a registration-centre operator. Without a state
// filter it lists those awaiting identification.
func (s *Service) DeskList(ctx context.Context, actor Actor, f store.ApplicationFilter) ([]*core.Application, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	if f.Number != "" {
		n, err := NormalizeNumber(f.Number)
		if err != nil {
			return nil, err
		}
		f.Number = n
	}
	if len(f.States) == 0 && f.Number == "" && f.IIN == "" {
		f.States = []core.State{core.StateAwaitingIdentification}
	}
	if _, err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	var apps []*core.Application
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		apps, err = tx.ListApplications(ctx, f)
		return err
	})
	return apps, err
}

// DeskView is what an operator sees of one application.
type DeskView struct {
	Application *core.Application
	History     []core.Event
	Checklist   []profile.Document
	Facts       RegistryFacts
	Age         int
}

// RegistryFacts is the registry's data for an application and where they differ.
type RegistryFacts struct {
	Person       *RegistryPerson
	Organization *RegistryOrganization
	// Mismatches says in English where the application differs from the registry;
	// MismatchFields names the fields (Mismatch* constants), in order, each once.
	Mismatches     []string
	MismatchFields []string
}

// RegistryPerson is the registry's record of the applicant.
type RegistryPerson struct {
	IIN, Surname, Name, Patronymic string
	BirthDate                      time.Time
	Deceased                       bool
}

// RegistryOrganization is the registry's record of the applicant's organisation.
type RegistryOrganization struct {
	BIN, Name, HeadIIN string
	// Role is the applicant's role there per the registry.
	Role string
}

// DeskShow returns an application beside the state registry's data for it.
func (s *Service) DeskShow(ctx context.Context, actor Actor, number string) (*DeskView, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	v, err := s.Status(ctx, number)
	if err != nil {
		return nil, err
	}
	a := v.Application
	t, ok := profile.Lookup(a.Template)
	if !ok {
		return nil, fmt.Errorf("ra: application %s has unknown template %q", a.Number, a.Template)
	}
	f, err := s.lookupRegistry(ctx, t, a.Applicant)
	if err != nil {
		return nil, err
	}
	dv := &DeskView{Application: a, History: v.History, Checklist: t.RequiredDocuments(a.Applicant.Role)}
	dv.Facts.Mismatches, dv.Facts.MismatchFields = mismatchTexts(f.mismatches), mismatchFields(f.mismatches)
	if f.person != nil {
		p := f.person
		dv.Facts.Person = &RegistryPerson{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, BirthDate: p.BirthDate, Deceased: p.Deceased}
	}
	if f.org != nil {
		dv.Facts.Organization = &RegistryOrganization{BIN: f.org.BIN, Name: f.org.Name, HeadIIN: f.org.HeadIIN, Role: f.role}
	}
	if age, err := s.applicantAge(a.Applicant.IIN); err == nil {
		dv.Age = age
	}
	return dv, nil
}

// MissingDocuments is the cause of a refused acceptance: the checklist items absent.
type MissingDocuments struct {
	IDs    []string
	Titles []string
}

func (m *MissingDocuments) Error() string {
	return "missing documents: " + strings.Join(m.IDs, ", ")
}

// Receipt is the desk receipt (SPEC §3 step 3), or the refusal receipt listing the
// missing documents (seed 002 annex 9) when Refused.
type Receipt struct {
	Number      string
	Application string
	// Template is the application's template (profile.Template.ID).
	Template string
	Date     time.Time
	Service  string
	// Documents and Missing are the English titles of the checklist items presented
	// and missing; DocumentIDs and MissingIDs their IDs (profile.Document.ID).
	Documents   []string
	Missing     []string
	DocumentIDs []string
	MissingIDs  []string
	Refused     bool
	ResultDate  time.Time
	ResultPlace string
	// Operator is the name of the operator who received the documents, OperatorIIN
	// their IIN.
	Operator            string
	OperatorIIN         string
	Applicant           string
	ApplicantPhone      string
	Representative      string
	RepresentativePhone string
}

// Presentation is what the applicant brought to the desk.
type Presentation struct {
	Presented           []string // checklist document IDs
	Representative      string
	RepresentativePhone string
}

// maxRepresentative bounds the representative's name and phone on a receipt.
const maxRepresentative = 200

// check validates what the operator typed about a representative: printable text of
// at most maxRepresentative characters, as it goes onto the receipt.
func (p Presentation) check() error {
	for _, f := range []struct{ name, v string }{{"representative", p.Representative}, {"representative_phone", p.RepresentativePhone}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > maxRepresentative {
			return core.Errorf(core.KindInvalid, "%s: at most %d characters of text", f.name, maxRepresentative)
		}
		for _, r := range f.v {
			if unicode.IsControl(r) {
				return core.Errorf(core.KindInvalid, "%s contains a control character", f.name)
			}
		}
	}
	if p.Representative == "" && p.RepresentativePhone != "" {
		return core.Errorf(core.KindInvalid, "representative_phone is given without the representative's name")
	}
	return nil
}

// serviceName is the name of the public service on receipts.
const serviceName = "Issuance and revocation of registration certificates"

// checklist compares what was presented with the template's checklist for a.
func checklist(a *core.Application, p Presentation) (present, missing []profile.Document, err error) {
	t, ok := profile.Lookup(a.Template)
	if !ok {
		return nil, nil, fmt.Errorf("ra: application %s has unknown template %q", a.Number, a.Template)
	}
	all := t.RequiredDocuments(a.Applicant.Role)
	known := map[string]bool{}
	for _, d := range all {
		known[d.ID] = true
	}
	for _, id := range p.Presented {
		if !known[id] {
			ids := make([]string, len(all))
			for i, d := range all {
				ids[i] = d.ID
			}
			return nil, nil, core.Errorf(core.KindInvalid, "document %q is not on the checklist of template %s (%s)", id, t.ID, strings.Join(ids, ", "))
		}
	}
	for _, d := range all {
		switch {
		case slices.Contains(p.Presented, d.ID):
			present = append(present, d)
		case d.Required:
			missing = append(missing, d)
		}
	}
	return present, missing, nil
}

func titles(ds []profile.Document, lang string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Title[lang]
		if out[i] == "" {
			out[i] = d.Title["en"]
		}
	}
	return out
}

func ids(ds []profile.Document) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// nextWorkingDay returns the first Monday–Friday day after t's calendar day, at 18:30.
func nextWorkingDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 18, 30, 0, 0, t.Location()).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func (s *Service) receipt(a *core.Application, actor Actor, p Presentation, present, missing []profile.Document) (*Receipt, error) {
	now := s.now().In(s.loc)
	num, err := newNumber(s.rand)
	if err != nil {
		return nil, err
	}
	ap := a.Applicant
	r := &Receipt{
		Number:              "R-" + now.Format("20060102") + "-" + strings.ReplaceAll(num, "-", "")[:10],
		Application:         a.Number,
		Template:            a.Template,
		Date:                now,
		Service:             serviceName,
		Documents:           titles(present, "en"),
		Missing:             titles(missing, "en"),
		DocumentIDs:         ids(present),
		MissingIDs:          ids(missing),
		Refused:             len(missing) > 0,
		ResultDate:          nextWorkingDay(now),
		ResultPlace:         "online: the status page of application " + a.Number + " (download and install the certificates there)",
		Operator:            strings.TrimSpace(actor.Name),
		OperatorIIN:         actor.IIN,
		Applicant:           strings.TrimSpace(ap.Surname + " " + ap.Name + " " + ap.Patronymic),
		ApplicantPhone:      ap.Phone,
		Representative:      p.Representative,
		RepresentativePhone: p.RepresentativePhone,
	}
	return r, nil
}

// Accept records the documents presented at the desk and accepts the application. It
// fails with KindUnprocessable wrapping *MissingDocuments when the set is incomplete
// (nothing is stored then: use RefuseDocuments to give the refusal receipt).
func (s *Service) Accept(ctx context.Context, actor Actor, number string, p Presentation) (*Receipt, error) {
	return s.deskVisit(ctx, actor, number, p, true)
}

// RefuseDocuments records a desk visit with an incomplete document set and returns the
// refusal receipt listing the missing documents. The application keeps waiting for a
// complete visit within its deadline.
func (s *Service) RefuseDocuments(ctx context.Context, actor Actor, number string, p Presentation) (*Receipt, error) {
	return s.deskVisit(ctx, actor, number, p, false)
}

// deskVisit checks the documents presented against the checklist and either accepts
// the application (accept) or records the refused visit, returning the receipt.
func (s *Service) deskVisit(ctx context.Context, actor Actor, number string, p Presentation, accept bool) (*Receipt, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if err := s.expireIfDue(ctx, number); err != nil {
		return nil, err
	}
	var rc *Receipt
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		a, err := get(ctx, tx, number)
		if err != nil {
			return err
		}
		act, to := ActRefuseDocuments, a.State
		if accept {
			act, to = ActAccept, core.StateAccepted
		}
		if err := checkTransition(a.Number, act, a.State, to); err != nil {
			return err
		}
		present, missing, err := checklist(a, p)
		if err != nil {
			return err
		}
		switch {
		case accept && len(missing) > 0:
			m := &MissingDocuments{IDs: ids(missing), Titles: titles(missing, "en")}
			return core.Wrap(core.KindUnprocessable, m, "the document set is incomplete; missing: "+strings.Join(m.Titles, "; ")+" (give the applicant the refusal receipt: refuse-documents)")
		case !accept && len(missing) == 0:
			return core.Errorf(core.KindUnprocessable, "the document set is complete: accept the application instead")
		}
		if rc, err = s.receipt(a, actor, p, present, missing); err != nil {
			return err
		}
		if err := tx.InsertReceipt(ctx, rc.record()); err != nil {
			return err
		}
		if !accept {
			a.MissingDocuments = ids(missing)
			return s.move(ctx, tx, actor, a, act, to, "refusal receipt "+rc.Number+"; missing: "+strings.Join(a.MissingDocuments, ", "),
				core.EventFacts{Receipt: rc.Number, Documents: a.MissingDocuments})
		}
		a.DocumentsPresented = ids(present)
		a.MissingDocuments = nil
		a.ReceiptNumber = rc.Number
		a.Operator = actor.IIN
		return s.move(ctx, tx, actor, a, act, to, "receipt "+rc.Number+"; documents: "+strings.Join(a.DocumentsPresented, ", "),
			core.EventFacts{Receipt: rc.Number, Documents: a.DocumentsPresented})
	})
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// Refuse gives a motivated refusal (under 16, false information, court decision).
func (s *Service) Refuse(ctx context.Context, actor Actor, number string, reason core.RefusalReason, detail string) (*core.Application, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	switch reason {
	case core.RefusalUnder16, core.RefusalFalseInfo, core.RefusalCourtDecision:
	default:
		return nil, core.Errorf(core.KindInvalid, "refusal reason %q: use under_16, false_information or court_decision", reason)
	}
	if err := s.expireIfDue(ctx, number); err != nil {
		return nil, err
	}
	var out *core.Application
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		a, err := get(ctx, tx, number)
		if err != nil {
			return err
		}
		a.RefusalReason, a.RefusalDetail, a.Operator = reason, detail, actor.IIN
		out = a
		return s.move(ctx, tx, actor, a, ActRefuse, core.StateRefused, string(reason)+": "+detail, core.EventFacts{Reason: reason, Note: detail})
	})
	return out, err
}

// claimTimeout is how long an open issuance claim holds its application. A claim
// older than this is taken over by the next approval: the approval that made it is
// presumed gone (a crash, or a store lost between signing and storing), and its
// serials are recorded in the audit log as possibly signed and never stored.
const claimTimeout = 10 * time.Minute

// Approve decides an accepted application: it checks the rules that hold on the day
// of the decision (age 16, the registry) and issues the certificates. When a rule
// refuses, the application is refused (not an error) and the returned application
// says why.
//
// Issuance takes two short transactions with the signatures between them, so that
// approvals sign in parallel and no transaction waits for a signature or the
// registry:
//
//  1. decide and claim: outside any transaction, the application read, the templates
//     and their serials (drawn by the signer) and the rules with the registry lookup;
//     then an issuance claim naming the serials, stored only while the
//     application is unchanged (KindConflict if not) and none of the planned keys
//     is certified (KindConflict naming the key if one is), in one statement
//     (store.Store.Claim; the causes of a refusal are told apart after it). The
//     claim is exclusive: a second approval of the same application, on this node
//     or another, stops here with KindConflict before it signs anything;
//  2. sign the certificates (lint before sign, package ca), outside any transaction;
//  3. store: the certificates, their audit records and notifications, the state
//     change, and the claim marked completed, in one transaction that stores the
//     state change only if the application is still accepted.
//
// A signed certificate is never unrecorded: if signing or storing fails, the claim is
// released in a transaction whose audit record names the serials signed and not
// stored (never delivered); if even that fails, the open claim keeps the serials and
// the next approval after claimTimeout records them when it takes the claim over.
func (s *Service) Approve(ctx context.Context, actor Actor, number string) (*core.Application, []IssuedCertificate, error) {
	if err := requireStaff(actor); err != nil {
		return nil, nil, err
	}
	start := time.Now() // elapsed times for ObserveApprovals, not the workflow's clock
	c, err := s.claimApproval(ctx, actor, number)
	if err != nil {
		return nil, nil, err
	}
	out, plan, claim := c.app, c.plan, c.claim
	if claim == nil { // refused by a rule of the day
		return out, []IssuedCertificate{}, nil
	}
	claimed := time.Now()
	certs, err := s.signPlanned(ctx, out, plan)
	signed := time.Now()
	if err != nil {
		s.releaseClaim(ctx, actor, claim, certs, err)
		return nil, nil, err
	}
	var issued []*core.Certificate
	asClaimed := *out
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		issued = nil
		// The application as the claim read it: while the claim is open nothing but
		// a state change can touch an accepted application, and move stores the
		// change only if it is still accepted (a refusal meanwhile is a conflict).
		a := new(core.Application)
		*a = asClaimed
		out = a
		// All writes: sent together where the store can (one round trip on
		// PostgreSQL); their errors come back from Pipeline.
		return tx.Pipeline(ctx, func() error {
			for i, p := range plan {
				rec := p.record(a, certs[i])
				if err := s.storeIssued(ctx, tx, actor, a, rec, c.alertTo); err != nil {
					return err
				}
				issued = append(issued, rec)
			}
			if err := tx.CompleteIssuance(ctx, claim, s.now().UTC()); err != nil {
				return err
			}
			return s.move(ctx, tx, actor, a, ActApprove, core.StateIssued, "issued "+strings.Join(serialsOf(issued), ", "), core.EventFacts{Serials: serialsOf(issued)})
		})
	})
	if err != nil {
		s.releaseClaim(ctx, actor, claim, certs, err)
		return nil, nil, err
	}
	s.observeApproval(ApprovalTiming{Claim: claimed.Sub(start), Sign: signed.Sub(claimed), Store: time.Since(signed), Certificates: len(issued)})
	s.log.InfoContext(ctx, "certificates issued", "number", out.Number, "count", len(issued), "actor", actor.String())
	chains, err := s.withChains(issued)
	if err != nil {
		return nil, nil, err
	}
	return out, chains, nil
}

// claimApproval is the first step of Approve. It reads the application, plans its
// certificates (their preparation starts at once) and applies the rules of the day
// (age, state registry) outside any write transaction: the registry lookup is a
// network call in a real deployment, and a write transaction open across it would
// hold SQLite's one writer, and a PostgreSQL connection, for as long as the registry
// takes to answer. Then it claims the application for issuing the planned
// certificates in one statement that checks that the application is still the one it
// read (store.Store.Claim); a refusal by a rule (returned with a nil claim), or a
// claim so refused, goes through a transaction that reads the application again and
// stores the refusal, names the conflict, or takes an abandoned claim over.
func (s *Service) claimApproval(ctx context.Context, actor Actor, number string) (*claimed, error) {
	var read *core.Application
	err := s.store.ReadOne(ctx, func(tx store.Tx) error {
		a, err := get(ctx, tx, number)
		read = a
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := checkTransition(read.Number, ActApprove, read.State, core.StateIssued); err != nil {
		return nil, err
	}
	// The certificates are planned, and encoded and linted in the background, first:
	// the preparation runs while the rules of the day are checked, the keys are
	// checked and the claim is stored; they are signed once it is. A refusal discards
	// them; a planning error counts only if no rule refuses.
	planned, planErr := s.planAll(ctx, operated(read, actor))
	rules, err := s.rulesOfTheDay(ctx, read)
	if err != nil {
		return nil, err
	}
	// The claim names the planned certificates and their keys.
	newClaim := func(a *core.Application) *store.IssuanceClaim {
		c := &store.IssuanceClaim{Application: a.Number, Actor: actor.String(), ClaimedAt: s.now().UTC()}
		for _, p := range planned {
			c.Serials = append(c.Serials, p.name())
			c.KeyHashes = append(c.KeyHashes, p.keyHash)
		}
		return c
	}
	if rules.refusal == "" && planErr == nil {
		// The common case in one statement (store.Store.Claim): the claim is stored
		// only while the application is the one read and none of its keys is
		// certified. Its commit need not wait for the disk: the storing
		// transaction commits durably, and until then the certificates exist only
		// in this process. Refused, the transaction below tells why.
		c := newClaim(read)
		c.AsRead = read
		err := s.store.Claim(ctx, c)
		if err == nil {
			return &claimed{app: operated(read, actor), plan: planned, claim: c, alertTo: rules.alertTo}, nil
		}
		if !errors.Is(err, core.ErrDuplicate) {
			return nil, err
		}
	}
	var (
		out   *core.Application
		claim *store.IssuanceClaim
	)
	// A refusal by a rule of the day, a plan that failed, or a claim refused above:
	// the application read again and compared, in a transaction like the claim's
	// (store.Store.TxNoSync).
	err = s.store.TxNoSync(ctx, func(tx store.Tx) error {
		out, claim = nil, nil
		cur, err := get(ctx, tx, number)
		if err != nil {
			return err
		}
		if err := checkTransition(cur.Number, ActApprove, cur.State, core.StateIssued); err != nil {
			return err
		}
		if !reflect.DeepEqual(cur, read) {
			return core.Errorf(core.KindConflict, "application %s changed while it was being approved; approve it again", number)
		}
		// What the rules and the plan were made for, read again in this transaction.
		a := operated(cur, actor)
		out = a
		if rules.refusal != "" {
			a.RefusalReason, a.RefusalDetail = rules.refusal, rules.detail
			return s.move(ctx, tx, actor, a, ActRefuse, core.StateRefused, rules.detail, core.EventFacts{Reason: rules.refusal})
		}
		if planErr != nil {
			return planErr
		}
		// The claim is stored only while none of its keys is certified (one
		// statement); refused, it is either that or an earlier claim.
		c := newClaim(a)
		err = tx.ClaimIssuance(ctx, c)
		if errors.Is(err, core.ErrDuplicate) {
			// An earlier claim first (issued already, at work, or abandoned and
			// taken over), then the keys: the certificates of an approval that
			// won the race certify this application's own keys.
			err = s.takeOverClaim(ctx, tx, actor, a.Number)
			if err == nil {
				err = tx.ClaimIssuance(ctx, c)
			}
			if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrDuplicate) {
				if kerr := keysUnused(ctx, tx, a, planned); kerr != nil {
					return kerr
				}
				// Neither a claim nor a key now: a claim released meanwhile.
				return core.Errorf(core.KindConflict, "application %s changed while it was being approved; approve it again", a.Number)
			}
		}
		if err != nil {
			return err
		}
		claim = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	if claim == nil {
		return &claimed{app: out}, nil
	}
	return &claimed{app: out, plan: planned, claim: claim, alertTo: rules.alertTo}, nil
}

// claimed is what claimApproval returns.
type claimed struct {
	app   *core.Application
	plan  []plannedCert
	claim *store.IssuanceClaim // nil when a rule of the day refused
	// alertTo is the address of the issuance alerts (see registeredEmail), from the
	// registry answer of the rules of the day.
	alertTo string
}

// dayRules is what rulesOfTheDay found.
type dayRules struct {
	refusal core.RefusalReason // "" when no rule refuses
	detail  string
	alertTo string // the registered e-mail of the applicant, else the application's
}

// operated returns a copy of a with actor as its operator.
func operated(a *core.Application, actor Actor) *core.Application {
	c := *a
	c.Operator = actor.IIN
	return &c
}

// rulesOfTheDay applies the rules an approval checks on the day of the decision to
// application a: the applicant's age and the state registry's confirmation. An error
// only when a rule cannot be checked.
func (s *Service) rulesOfTheDay(ctx context.Context, a *core.Application) (dayRules, error) {
	age, err := s.applicantAge(a.Applicant.IIN)
	if err != nil {
		return dayRules{}, err
	}
	if age < MinAge {
		return dayRules{refusal: core.RefusalUnder16, detail: fmt.Sprintf("the applicant is %d years old on the day of the decision; certificates are issued from the age of %d", age, MinAge)}, nil
	}
	t, _ := profile.Lookup(a.Template)
	f, err := s.lookupRegistry(ctx, t, a.Applicant)
	if err != nil {
		return dayRules{}, err
	}
	if len(f.mismatches) > 0 {
		return dayRules{refusal: core.RefusalRegistryMismatch, detail: "the state registry no longer confirms the application: " + strings.Join(mismatchTexts(f.mismatches), "; ")}, nil
	}
	return dayRules{alertTo: emailOf(f.person, a.Applicant.Email)}, nil
}

// takeOverClaim releases the open claim of application number if it is older than
// claimTimeout, recording its serials in the audit log; a younger claim is an
// approval at work, and the answer is KindConflict.
func (s *Service) takeOverClaim(ctx context.Context, tx store.Tx, actor Actor, number string) error {
	old, err := tx.IssuanceClaim(ctx, number)
	if err != nil {
		return err
	}
	if old.CompletedAt != nil {
		return core.Errorf(core.KindConflict, "the certificates of application %s are already issued", number)
	}
	if s.now().Sub(old.ClaimedAt) < claimTimeout {
		return core.Errorf(core.KindConflict, "application %s is being issued by another approval (%s, since %s)", number, old.Actor, old.ClaimedAt.In(s.loc).Format("15:04:05"))
	}
	if err := tx.ReleaseIssuance(ctx, old); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "certificate.claim_takeover", number,
		fmt.Sprintf("claim of %s at %s abandoned; serials %s may have been signed and were never stored or delivered",
			old.Actor, old.ClaimedAt.Format(time.RFC3339Nano), strings.Join(old.Serials, ", ")))
}

// releaseClaim releases the claim of an approval that failed after claiming (cause),
// in a transaction of its own that survives ctx's cancellation, and records in the
// audit log the serials that were signed (certs, nil where not) and not stored. If
// the release fails the claim stays open with its serials (see claimTimeout) and the
// failure is logged.
func (s *Service) releaseClaim(ctx context.Context, actor Actor, claim *store.IssuanceClaim, certs []*x509.Certificate, cause error) {
	ctx = context.WithoutCancel(ctx)
	var signed []string
	for i, c := range certs {
		if c != nil && i < len(claim.Serials) {
			signed = append(signed, claim.Serials[i])
		}
	}
	detail := fmt.Sprintf("claim of %s at %s released: %v", claim.Actor, claim.ClaimedAt.Format(time.RFC3339Nano), cause)
	if len(signed) > 0 {
		detail += "; signed and not stored (never delivered): " + strings.Join(signed, ", ")
	}
	err := s.store.Tx(ctx, func(tx store.Tx) error {
		if err := tx.ReleaseIssuance(ctx, claim); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "certificate.claim_release", claim.Application, detail)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "issuance claim not released", "number", claim.Application, "serials", claim.Serials,
			"signed", signed, "cause", cause.Error(), "error", err)
		return
	}
	if len(signed) > 0 {
		s.log.WarnContext(ctx, "signed certificates not stored", "number", claim.Application, "signed", signed, "cause", cause.Error())
	}
}

// plannedCert is one certificate of an approval, decided before it is signed.
type plannedCert struct {
	req     core.KeyRequest
	issuer  string
	keyHash string
	// tmpl is the template, its SerialNumber drawn by the signer.
	tmpl *x509.Certificate
	// prep is the certificate being encoded and linted, ready for the signer.
	prep *ca.Prepared
}

// name is how the claim names the certificate: "issuer/serial".
func (p plannedCert) name() string { return p.issuer + "/" + p.tmpl.SerialNumber.Text(16) }

// record is the store's record of the certificate signed for p.
func (p plannedCert) record(a *core.Application, cert *x509.Certificate) *core.Certificate {
	return &core.Certificate{
		Serial:      cert.SerialNumber.Text(16),
		Issuer:      p.issuer,
		Application: a.Number,
		Template:    a.Template,
		Type:        p.req.Type,
		IIN:         a.Applicant.IIN,
		BIN:         a.Applicant.BIN,
		Subject:     profile.DN(cert.RawSubject),
		NotBefore:   cert.NotBefore,
		NotAfter:    cert.NotAfter,
		KeyHash:     p.keyHash,
		DER:         cert.Raw,
		Status:      core.CertGood,
	}
}

// planCert decides the certificate of request r of application a: its issuer, its
// template and its serial. That its key is not certified yet is keysUnused's check.
func (s *Service) planCert(a *core.Application, r core.KeyRequest) (plannedCert, error) {
	csr, pub, err := parseRequest(r.CSR)
	if err != nil {
		return plannedCert{}, fmt.Errorf("ra: stored request of %s: %w", a.Number, err)
	}
	p := plannedCert{req: r, issuer: s.issuerFor(pub), keyHash: KeyHash(csr.RawSubjectPublicKeyInfo)}
	iss, err := s.signer.Issuer(p.issuer)
	if err != nil {
		return plannedCert{}, err
	}
	p.tmpl, err = profile.EndEntity(profile.Request{
		Template:           a.Template,
		Type:               r.Type,
		Applicant:          a.Applicant,
		PublicKey:          pub,
		Now:                s.now(),
		IdentifiedInPerson: true,
	}, iss.Endpoints)
	if err != nil {
		return plannedCert{}, fmt.Errorf("ra: build %s certificate of %s: %w", r.Type, a.Number, err)
	}
	if p.tmpl.SerialNumber, err = s.signer.NewSerial(); err != nil {
		return plannedCert{}, fmt.Errorf("ra: serial of the %s certificate of %s: %w", r.Type, a.Number, err)
	}
	return p, nil
}

// planAll plans the certificates of every request of a and starts preparing them
// (planCert, prepare).
func (s *Service) planAll(ctx context.Context, a *core.Application) ([]plannedCert, error) {
	var plan []plannedCert
	for _, r := range a.Requests {
		p, err := s.planCert(a, r)
		if err != nil {
			return nil, err
		}
		plan = append(plan, p)
	}
	if err := s.prepare(ctx, a, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// keysUnused checks (inside tx, in one query) that the keys of the planned
// certificates of a are not certified yet: one key, one certificate.
func keysUnused(ctx context.Context, tx store.Tx, a *core.Application, plan []plannedCert) error {
	hashes := make([]string, len(plan))
	for i, p := range plan {
		hashes[i] = p.keyHash
	}
	used, err := tx.CertifiedKeyHashes(ctx, hashes)
	if err != nil {
		return err
	}
	for _, p := range plan {
		if slices.Contains(used, p.keyHash) {
			return core.Errorf(core.KindConflict, "the %s public key of application %s was certified meanwhile (by another application); the applicant must generate new keys and apply again", p.req.Type, a.Number)
		}
	}
	return nil
}

// prepare starts preparing the planned certificates of a for the signer (see
// ca.Prepared).
func (s *Service) prepare(ctx context.Context, a *core.Application, plan []plannedCert) error {
	certs := make([]ca.ToSign, len(plan))
	for i, p := range plan {
		certs[i] = ca.ToSign{Issuer: p.issuer, Template: p.tmpl}
	}
	preps, err := s.signer.Prepare(ctx, certs...)
	if err != nil {
		return fmt.Errorf("ra: prepare the certificates of %s: %w", a.Number, err)
	}
	for i := range plan {
		plan[i].prep = preps[i]
	}
	return nil
}

// signPlanned signs the planned certificates of a, outside any transaction. On error
// it returns what was signed so far (nil entries for the rest) with the error.
func (s *Service) signPlanned(ctx context.Context, a *core.Application, plan []plannedCert) ([]*x509.Certificate, error) {
	certs := make([]*x509.Certificate, len(plan))
	for i, p := range plan {
		cert, err := s.signer.Sign(ctx, p.prep)
		if err != nil {
			return certs, fmt.Errorf("ra: issue %s certificate of %s: %w", p.req.Type, a.Number, err)
		}
		certs[i] = cert
	}
	return certs, nil
}

// storeIssued stores a signed certificate with its issuance alert to alertTo and
// its audit record.
func (s *Service) storeIssued(ctx context.Context, tx store.Tx, actor Actor, a *core.Application, rec *core.Certificate, alertTo string) error {
	if err := tx.InsertCertificate(ctx, rec); err != nil {
		return err
	}
	if err := s.alertIssued(ctx, tx, a, rec, alertTo); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "certificate.issue", "cert:"+rec.Issuer+"/"+rec.Serial, fmt.Sprintf("application %s; %s; %s", a.Number, rec.Type, rec.Subject))
}

func serialsOf(cs []*core.Certificate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Serial
	}
	return out
}

// HeadList lists the applications of the head's organisation awaiting confirmation.
func (s *Service) HeadList(ctx context.Context, actor Actor) ([]*core.Application, error) {
	if err := s.requireHead(ctx, actor); err != nil {
		return nil, err
	}
	if _, err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	var apps []*core.Application
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		apps, err = tx.ListApplications(ctx, store.ApplicationFilter{States: []core.State{core.StateAwaitingHead}, BIN: actor.BIN})
		return err
	})
	return apps, err
}

// requireHead allows the first head of an organisation, or its HR staff where the
// organisation allows HR to confirm.
func (s *Service) requireHead(ctx context.Context, actor Actor) error {
	if err := headRoles(actor); err != nil {
		return err
	}
	if actor.HasRole("first_head") {
		ok, err := s.isCurrentHead(ctx, actor)
		if err != nil || ok {
			return err
		}
		return core.Errorf(core.KindForbidden, "the state registry no longer names %s as the first head of BIN %s", actor.IIN, actor.BIN)
	}
	if actor.HasRole("hr") {
		o, err := s.registry.Organization(ctx, actor.BIN)
		if err != nil {
			return fmt.Errorf("ra: registry: %w", err)
		}
		if o.HRMayConfirm {
			return nil
		}
	}
	return core.Errorf(core.KindForbidden, "only an organisation's first head (or HR where the organisation allows it) may confirm employees' applications")
}

// headRoles is the part of requireHead that needs no registry: actor has an
// organisation and the first head's or HR's role in it.
func headRoles(actor Actor) error {
	if actor.BIN == "" {
		return core.Errorf(core.KindForbidden, "only an organisation's first head may confirm employees' applications")
	}
	if !actor.HasRole("first_head") && !actor.HasRole("hr") {
		return core.Errorf(core.KindForbidden, "only an organisation's first head (or HR where the organisation allows it) may confirm employees' applications")
	}
	return nil
}

// isCurrentHead reports whether the state registry names actor as the first head of
// actor.BIN today. The first-head role in a certificate stays until it expires; the
// head's powers over employees follow the registry.
func (s *Service) isCurrentHead(ctx context.Context, actor Actor) (bool, error) {
	o, err := s.registry.Organization(ctx, actor.BIN)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ra: registry: %w", err)
	}
	return o.HeadIIN == actor.IIN, nil
}

// RevocationReasons maps the grounds of revocation (SPEC §1) to RFC 5280 codes.
// The owner's request and death both end the certificate's purpose
// (cessationOfOperation); false information withdraws the privilege; dismissal is
// a change of affiliation.
func RevocationReasons() map[string]core.RevocationReason {
	return map[string]core.RevocationReason{
		"owner_request":     core.ReasonCessationOfOperation,
		"owner_death":       core.ReasonCessationOfOperation,
		"false_information": core.ReasonPrivilegeWithdrawn,
		"dismissal":         core.ReasonAffiliationChanged,
		"key_compromise":    core.ReasonKeyCompromise,
	}
}

// Revoke revokes a certificate at the desk, tells the OnRevoke hooks and publishes
// the issuer's delta CRL at once.
func (s *Service) Revoke(ctx context.Context, actor Actor, serial, reason, detail string) (*core.Certificate, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	return s.revoke(ctx, actor, serial, reason, detail, nil, nil)
}

// revoke is the one revocation path (desk and online): it revokes a certificate, and
// publishes the issuer's CRL at once. ask, when set, runs before the transaction
// with the certificate as first read, for questions to outside services (the
// registry); its error stops the revocation. allow, when set, runs inside the
// transaction once the certificate is loaded and found good; it may refuse, and it
// returns the actor to record (the signer of an online request).
func (s *Service) revoke(ctx context.Context, actor Actor, serial, reason, detail string, ask func(context.Context, *core.Certificate) error, allow func(store.Tx, *core.Certificate) (Actor, error)) (*core.Certificate, error) {
	code, ok := RevocationReasons()[reason]
	if !ok {
		return nil, core.Errorf(core.KindInvalid, "revocation reason %q: use owner_request, owner_death, false_information, dismissal or key_compromise", reason)
	}
	serial = strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(serial), ":", ""), "0x"))
	if serial == "" || strings.Trim(serial, "0123456789abcdef") != "" {
		return nil, core.Errorf(core.KindInvalid, "%q is not a hexadecimal serial number", serial)
	}
	serial = strings.TrimLeft(serial, "0")
	// The registry is asked before the transaction (a network call must not hold
	// the database): for the owner's e-mail (revocationRecipient) and what ask
	// needs, about the certificate read first. The transaction reads it again.
	var first *core.Certificate
	err := s.store.Read(ctx, func(tx store.Tx) error {
		certs, err := tx.CertificatesBySerial(ctx, serial)
		if len(certs) == 1 {
			first = certs[0]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var registered string
	if first != nil {
		if registered, err = s.revocationRecipient(ctx, first); err != nil {
			return nil, err
		}
		if ask != nil {
			if err := ask(ctx, first); err != nil {
				return nil, err
			}
		}
	}
	var out *core.Certificate
	err = s.store.Tx(ctx, func(tx store.Tx) error {
		certs, err := tx.CertificatesBySerial(ctx, serial)
		if err != nil {
			return err
		}
		switch len(certs) {
		case 0:
			return core.Errorf(core.KindNotFound, "no certificate with serial %s", serial)
		case 1:
		default:
			return core.Errorf(core.KindConflict, "serial %s exists under several issuers", serial)
		}
		c := certs[0]
		// Who may revoke is checked first, so that nothing about another person's
		// certificate (its status, whether it is an employee's) is told to them.
		by := actor
		if allow != nil {
			if by, err = allow(tx, c); err != nil {
				return err
			}
		}
		if c.Status == core.CertRevoked {
			return core.Errorf(core.KindConflict, "certificate %s is already revoked", serial)
		}
		if reason == "dismissal" && c.BIN == "" {
			return core.Errorf(core.KindUnprocessable, "certificate %s is not an employee's: dismissal does not apply", serial)
		}
		now := s.now().UTC().Truncate(time.Second)
		var inval *time.Time
		if code == core.ReasonKeyCompromise {
			inval = &now
		}
		if err := tx.RevokeCertificate(ctx, c.Issuer, c.Serial, code, now, inval); err != nil {
			return err
		}
		c.Status, c.RevokedAt, c.Reason, c.InvalidityDate = core.CertRevoked, &now, code, inval
		out = c
		if err := s.notifyRevoked(ctx, tx, c, reason, registered); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "certificate.revoke", "cert:"+c.Issuer+"/"+c.Serial, reason+": "+detail)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "certificate revoked", "serial", out.Serial, "issuer", out.Issuer, "reason", reason, "actor", actor.String())
	s.hooksMu.RLock()
	hooks := s.onRevoke
	s.hooksMu.RUnlock()
	for _, fn := range hooks {
		fn(ctx, out.Issuer, out.Serial)
	}
	if _, err := s.crls.PublishDelta(ctx, out.Issuer); err != nil {
		return out, fmt.Errorf("ra: certificate %s is revoked but its CRL could not be published (it will be on the next): %w", out.Serial, err)
	}
	return out, nil
}
