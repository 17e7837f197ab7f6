// Package ra is the registration authority: the workflow of SPEC §3 (online
// application → head's confirmation → identification at a registration centre →
// issuance → revocation). It holds the policy; it asks the signer (package ca) to issue
// and to sign CRLs, keeps everything in the store, and checks identities against the
// state registry. HTTP handlers call it; it calls nothing above it.
//
// Every state change, issuance and revocation is written in one store transaction
// together with its audit record.
package ra

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
)

// ExpiryDays is how many calendar days an application may wait for identification.
const ExpiryDays = 30

// MinAge is the minimum age of an applicant on the day of the decision.
const MinAge = 16

// Signer is what the workflow needs of the certification authority (package ca).
type Signer interface {
	Issuer(name string) (*ca.Issuer, error)
	Issuers() []*ca.Issuer
	Issue(ctx context.Context, issuer string, tmpl *x509.Certificate) (*x509.Certificate, error)
	// Prepare checks templates and starts encoding and linting their certificates
	// without using the CA key; Sign signs each (see ca.Prepared). An approval
	// prepares its certificates while its issuance claim commits.
	Prepare(ctx context.Context, certs ...ca.ToSign) ([]*ca.Prepared, error)
	Sign(ctx context.Context, p *ca.Prepared) (*x509.Certificate, error)
	// NewSerial draws a serial for a template given to Issue, so that an approval
	// records it before the certificate is signed (see ca.Authority.NewSerial).
	NewSerial() (*big.Int, error)
	// CRL signs a full or delta CRL whose entries stream from entries (see ca.CRL).
	CRL(ctx context.Context, issuer string, req ca.CRLRequest, entries ca.RevokedSource) ([]byte, error)
}

// Config assembles a Service. Store, Registry and Signer are required.
type Config struct {
	Store    store.Store
	Registry registry.Registry
	Signer   Signer
	// Issuer names the issuing CA for end-entity certificates of RSA and ECDSA keys
	// (default ca.IssuingRSA).
	Issuer string
	// GOSTIssuer names the issuing CA for end-entity certificates of GOST keys
	// (default ca.IssuingGOST): a legal entity's GOST SIGN and RSA AUTH certificates of
	// one application come from the two hierarchies.
	GOSTIssuer string
	// Now is the clock (default time.Now); Rand the randomness for application and
	// receipt numbers (default crypto/rand.Reader).
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// CRLInterval is how often the full CRL of every CA is published (default 24 h);
	// DeltaCRLInterval how often its delta CRL is (default 15 min). See CRLs.
	CRLInterval      time.Duration
	DeltaCRLInterval time.Duration
	// Location is the time zone of the registration centres, used for "the day of
	// the decision" (default Asia/Almaty, UTC+5, when the zone database has it).
	Location *time.Location
}

// Service is the registration workflow. It is safe for concurrent use.
type Service struct {
	store    store.Store
	registry registry.Registry
	signer   Signer
	issuer   string
	gostIss  string
	now      func() time.Time
	rand     io.Reader
	log      *slog.Logger
	crls     *CRLs
	loc      *time.Location

	hooksMu   sync.RWMutex
	onRevoke  []func(ctx context.Context, issuer, serial string)
	approvals ApprovalObserver
}

// ApprovalTiming is how long the steps of one approval that issued certificates
// took (wall clock): the claim (the application read, the templates, the rules of
// the day with their registry lookup, the claim transaction with the keys' check),
// the signatures (after the claim is stored), and the storing transaction.
type ApprovalTiming struct {
	Claim, Sign, Store time.Duration
	Certificates       int
}

// ApprovalObserver is told of every approval that issued certificates (for
// metrics); it must not block.
type ApprovalObserver func(ApprovalTiming)

// ObserveApprovals sets the function told of every approval that issued
// certificates. Call it before serving.
func (s *Service) ObserveApprovals(fn ApprovalObserver) {
	s.hooksMu.Lock()
	s.approvals = fn
	s.hooksMu.Unlock()
}

// observeApproval tells the approval observer, if any, of t.
func (s *Service) observeApproval(t ApprovalTiming) {
	s.hooksMu.RLock()
	fn := s.approvals
	s.hooksMu.RUnlock()
	if fn != nil {
		fn(t)
	}
}

// OnRevoke registers fn to be called after every revocation is stored (e.g. by the
// OCSP responder to drop its cached answer at once). fn must not block for long.
func (s *Service) OnRevoke(fn func(ctx context.Context, issuer, serial string)) {
	s.hooksMu.Lock()
	s.onRevoke = append(s.onRevoke, fn)
	s.hooksMu.Unlock()
}

// New returns a Service from cfg.
func New(cfg Config) *Service {
	s := &Service{
		store:    cfg.Store,
		registry: cfg.Registry,
		signer:   cfg.Signer,
		issuer:   cfg.Issuer,
		gostIss:  cfg.GOSTIssuer,
		now:      cfg.Now,
		rand:     cfg.Rand,
		log:      cfg.Logger,
		loc:      cfg.Location,
	}
	if s.issuer == "" {
		s.issuer = ca.IssuingRSA
	}
	if s.gostIss == "" {
		s.gostIss = ca.IssuingGOST
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.loc == nil {
		if loc, err := time.LoadLocation("Asia/Almaty"); err == nil {
			s.loc = loc
		} else {
			s.loc = time.FixedZone("UTC+5", 5*3600)
		}
	}
	full, delta := cfg.CRLInterval, cfg.DeltaCRLInterval
	if full <= 0 {
		full = DefaultFullCRLInterval
	}
	if delta <= 0 {
		delta = DefaultDeltaCRLInterval
	}
	if delta > full {
		delta = full
	}
	s.crls = newCRLs(cfg.Store, cfg.Signer, s.now, full, delta, s.log)
	return s
}

// CRLs returns the CRL publisher of the service.
func (s *Service) CRLs() *CRLs { return s.crls }

// Actor is who asks for an action: it goes into the audit record.
type Actor struct {
	// Kind is "anonymous", "staff", "subscriber" or "system".
	Kind string
	IIN  string
	BIN  string
	Name string
	// Roles are profile role names (e.g. "operator", "first_head", "hr").
	Roles []string
	// Address is the remote network address of the request.
	Address string
}

// SystemActor is the actor for scheduled work.
func SystemActor() Actor { return Actor{Kind: "system"} }

func (a Actor) String() string {
	switch {
	case a.Kind == "system":
		return "system"
	case a.IIN != "":
		return a.Kind + ":" + a.IIN
	}
	return "anonymous"
}

// HasRole reports whether the actor carries role r.
func (a Actor) HasRole(r string) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (s *Service) audit(ctx context.Context, tx store.Tx, actor Actor, action, object, detail string) error {
	return tx.AppendAudit(ctx, &core.AuditRecord{
		At:      s.now().UTC(),
		Actor:   actor.String(),
		Action:  action,
		Object:  object,
		Address: actor.Address,
		Detail:  detail,
	})
}

// event records a state change of an application (history + audit).
func (s *Service) event(ctx context.Context, tx store.Tx, actor Actor, a *core.Application, from core.State, act Action, detail string, facts core.EventFacts) error {
	now := s.now().UTC()
	if err := tx.AddEvent(ctx, core.Event{Number: a.Number, At: now, From: from, To: a.State, Action: string(act), Actor: actor.String(), Detail: detail, Facts: &facts}); err != nil {
		return err
	}
	if err := s.notifyEvent(ctx, tx, a, act); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, "application."+string(act), a.Number, detail)
}

// Ping checks that the store answers.
func (s *Service) Ping(ctx context.Context) error {
	return s.store.Read(ctx, func(store.Tx) error { return nil })
}

// issuerFor returns the issuing CA of a subscriber key: the GOST CA for GOST keys,
// the configured issuer for the others.
func (s *Service) issuerFor(pub crypto.PublicKey) string {
	if _, ok := pub.(*gost.PublicKey); ok {
		return s.gostIss
	}
	return s.issuer
}
