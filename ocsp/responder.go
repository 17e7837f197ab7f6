// Package ocsp is the authority's OCSP responder (RFC 6960, RFC 5019 profile):
// the HTTP edge for GET and POST, a cache of pre-signed responses for requests
// about one certificate without a nonce, live signing for requests with one and for
// requests about several certificates (RFC 6960 §4.1.1, up to
// pki.MaxOCSPRequests, one response with a SingleResponse each), and one delegated
// responder certificate per issuing CA, rotated automatically.
//
// Freshness: a cached response is re-signed in the background once it is older
// than RefreshAfter (a quarter of its validity by default), long before its
// nextUpdate; a revocation drops the certificate's cached responses at once (the
// registration workflow's OnRevoke hook in this process, and a poll of the store's
// recent revocations for revocations made by other processes). The hot path — a
// cached, fresh answer — reads no database and signs nothing.
//
// The responder keys are software keys made in memory at start and at each
// rotation; they are never written or logged. Their certificates are signed by the
// issuing CA through package ca.
package ocsp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/clientlimit"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/store"
)

// Authority is what the responder needs of the certification authority.
type Authority interface {
	Issuers() []*ca.Issuer
	IssueOCSPResponder(ctx context.Context, issuer string, pub crypto.PublicKey, validity time.Duration) (*x509.Certificate, error)
}

// Config assembles a Responder. Store and Authority are required.
type Config struct {
	Store     store.Store
	Authority Authority
	// Now is the clock (default time.Now); Rand the randomness of responder keys and
	// signatures (default crypto/rand.Reader).
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// Metrics receives the responder's measurements; nil records nothing.
	Metrics *Metrics
	// Validity is nextUpdate − thisUpdate of every response (default 1 h).
	Validity time.Duration
	// RefreshAfter is the age after which a cached response is re-signed in the
	// background (default Validity/4).
	RefreshAfter time.Duration
	// ResponderValidity is the validity of delegated responder certificates (default
	// DefaultResponderValidity); a new key and certificate replace them when a third
	// is left.
	ResponderValidity time.Duration
	// KeyGen makes a responder key for a CA key; nil = RSA-2048 for RSA CAs and the
	// CA's curve for ECDSA and GOST CAs.
	KeyGen func(caKey crypto.PublicKey, random io.Reader) (crypto.Signer, error)
	// MaxCached bounds the number of cached responses (default 2,000,000); beyond it
	// answers are signed for the request and not kept.
	MaxCached int
	// PollInterval is how often the store is asked for revocations made by other
	// processes (default 5 s).
	PollInterval time.Duration
	// Limit bounds the answers one client may have signed on demand through the HTTP
	// edge (a nonce, several certificates, or a certificate not in the cache; each
	// costs a signature): over it the answer is tryLater with Retry-After. Cached
	// answers are never limited. Nil: no limit. The client is found by Proxies
	// (clientlimit.Proxies.ClientHost).
	Limit   *clientlimit.Limiter
	Proxies clientlimit.Proxies
}

// DefaultResponderValidity is the validity of delegated responder certificates when
// Config.ResponderValidity is not set: 7 days.
const DefaultResponderValidity = 7 * 24 * time.Hour

// Responder answers OCSP requests for the authority's issuing CAs. It is safe for
// concurrent use.
type Responder struct {
	cfg     Config
	log     *slog.Logger
	m       *Metrics
	cas     []*caState
	byName  map[string]*caState
	cached  atomic.Int64
	refresh chan refreshJob
	seed    maphash.Seed
}

// refreshJob asks a worker to re-sign one cached response.
type refreshJob struct {
	ca     *caState
	certID string
	serial *big.Int
}

// caState is the responder of one issuing CA.
type caState struct {
	name   string
	cert   *x509.Certificate
	hashes map[crypto.Hash][2][]byte // name hash, key hash
	signer atomic.Pointer[responderKey]
	// epoch counts revocations seen; a refresh that read the status before a
	// revocation does not store its answer.
	epoch  atomic.Uint64
	shards [64]shard
}

type shard struct {
	mu sync.RWMutex
	m  map[string]*entry
}

// responderKey is one delegated responder key and certificate.
type responderKey struct {
	signer  *pki.Signer
	cert    *x509.Certificate
	keyHash []byte
	gen     uint64
}

// entry is one cached, signed response.
type entry struct {
	der        []byte
	etag       string
	thisUpdate time.Time
	nextUpdate time.Time
	gen        uint64
	// revoked is true when the response says revoked.
	revoked bool
	// known is false for an answer about a serial the CA never issued.
	known      bool
	refreshing atomic.Bool
}

// New makes a responder key and certificate for every issuing CA (roots are
// answered by their CRLs) and returns the responder. Call Run to keep it fresh.
func New(ctx context.Context, cfg Config) (*Responder, error) {
	if cfg.Store == nil || cfg.Authority == nil {
		return nil, errors.New("ocsp: Store and Authority are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Validity <= 0 {
		cfg.Validity = time.Hour
	}
	if cfg.RefreshAfter <= 0 || cfg.RefreshAfter >= cfg.Validity {
		cfg.RefreshAfter = cfg.Validity / 4
	}
	if cfg.ResponderValidity <= 0 {
		cfg.ResponderValidity = DefaultResponderValidity
	}
	if cfg.ResponderValidity < 3*cfg.Validity {
		return nil, fmt.Errorf("ocsp: responder validity %s must be at least three response validities (%s)", cfg.ResponderValidity, 3*cfg.Validity)
	}
	if cfg.KeyGen == nil {
		cfg.KeyGen = pki.GenerateKeyLike
	}
	if cfg.MaxCached <= 0 {
		cfg.MaxCached = 2_000_000
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	r := &Responder{cfg: cfg, log: cfg.Logger, m: cfg.Metrics, byName: map[string]*caState{},
		refresh: make(chan refreshJob, 4096), seed: maphash.MakeSeed()}
	for _, iss := range cfg.Authority.Issuers() {
		if iss.Root {
			continue
		}
		c := &caState{name: iss.Name, cert: iss.Cert, hashes: map[crypto.Hash][2][]byte{}}
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
			n, k, err := pki.OCSPIssuerHashes(iss.Cert, h)
			if err != nil {
				return nil, fmt.Errorf("ocsp: %s: %w", iss.Name, err)
			}
			c.hashes[h] = [2][]byte{n, k}
		}
		for i := range c.shards {
			c.shards[i].m = map[string]*entry{}
		}
		if err := r.rotate(ctx, c); err != nil {
			return nil, err
		}
		r.cas = append(r.cas, c)
		r.byName[c.name] = c
	}
	if len(r.cas) == 0 {
		return nil, errors.New("ocsp: the authority has no issuing CA")
	}
	return r, nil
}

// rotate makes a new responder key and certificate for c.
func (r *Responder) rotate(ctx context.Context, c *caState) error {
	caKey, err := pki.PublicKeyOf(c.cert)
	if err != nil {
		return fmt.Errorf("ocsp: key of CA %s: %w", c.name, err)
	}
	key, err := r.cfg.KeyGen(caKey, r.cfg.Rand)
	if err != nil {
		return fmt.Errorf("ocsp: responder key of %s: %w", c.name, err)
	}
	s, err := pki.NewSigner(key, r.cfg.Rand)
	if err != nil {
		return fmt.Errorf("ocsp: responder key of %s: %w", c.name, err)
	}
	cert, err := r.cfg.Authority.IssueOCSPResponder(ctx, c.name, key.Public(), r.cfg.ResponderValidity)
	if err != nil {
		return fmt.Errorf("ocsp: responder certificate of %s: %w", c.name, err)
	}
	kh, err := pki.ResponderKeyHash(cert)
	if err != nil {
		return fmt.Errorf("ocsp: responder certificate of %s: %w", c.name, err)
	}
	// Every certificate the CA signs leaves a trace in the audit log.
	if err := r.cfg.Store.Tx(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, &core.AuditRecord{At: r.cfg.Now().UTC(), Actor: "system", Action: "ocsp.responder_certificate",
			Object: "cert:" + c.name + "/" + cert.SerialNumber.Text(16),
			Detail: "delegated OCSP responder certificate, valid until " + cert.NotAfter.UTC().Format(time.RFC3339)})
	}); err != nil {
		return fmt.Errorf("ocsp: audit of the responder certificate of %s: %w", c.name, err)
	}
	var gen uint64 = 1
	if old := c.signer.Load(); old != nil {
		gen = old.gen + 1
	}
	c.signer.Store(&responderKey{signer: s, cert: cert, keyHash: kh, gen: gen})
	r.log.InfoContext(ctx, "OCSP responder certificate issued", "ca", c.name, "serial", cert.SerialNumber.Text(16),
		"not_after", cert.NotAfter, "generation", gen)
	return nil
}

// ResponderCertificate returns the current delegated responder certificate of CA
// name, or nil.
func (r *Responder) ResponderCertificate(name string) *x509.Certificate {
	c := r.byName[name]
	if c == nil {
		return nil
	}
	return c.signer.Load().cert
}

// Answer is a response to one request and what HTTP caching needs to know of it.
type Answer struct {
	DER []byte
	// Cacheable is true for a signed response without a nonce; ThisUpdate,
	// NextUpdate and ETag are set then.
	Cacheable  bool
	ThisUpdate time.Time
	NextUpdate time.Time
	// MaxAge is how long an HTTP cache may keep it: until it is due for refresh.
	MaxAge time.Duration
	ETag   string
	// Result names the outcome for metrics: "cached", "signed", "live",
	// "multi" (a request about several certificates), "limited" (tryLater: the
	// client is over Config.Limit), "malformed", "unauthorized" or "error".
	Result string
	// RetryAfter is, for a "limited" answer, the seconds until the client may ask
	// again (HTTP Retry-After).
	RetryAfter int
}

// Respond answers the DER OCSP request der. caName, when not empty, is the CA
// named by the request URL: a request about another CA is unauthorized. Bad
// requests get a malformedRequest answer, requests about CAs not served here an
// unauthorized answer, and store or signing failures internalError or tryLater;
// Respond itself never fails.
//
// A request about one certificate is answered from the cache when it has no nonce
// (Result "cached" or "signed") and signed live when it has one ("live"). A request
// about several (at most pki.MaxOCSPRequests; more are malformed) gets one response
// holding a SingleResponse per Request, in the request's order, signed for it alone,
// echoing its nonce if any and never cached ("multi"). Every Request must name the
// same CA, one served here (and the URL's CA when caName is set): the response is
// signed by that CA's delegated responder, which can speak for no other CA, so a
// request mixing CAs, or naming any CA not served here, is unauthorized as a whole.
// Every serial is checked as for one request (longer than 20 octets: malformed).
func (r *Responder) Respond(ctx context.Context, caName string, der []byte) Answer {
	return r.respond(ctx, caName, der, nil)
}

// admit says whether an answer may be signed for the client now: when not, how
// many seconds until it may (see Config.Limit). Nil admits everything.
type admit func() (retryAfter int, ok bool)

// limited is the answer to a client that admit refused.
func limited(retryAfter int) Answer {
	return Answer{DER: pki.OCSPErrorResponse(pki.OCSPTryLater), Result: "limited", RetryAfter: retryAfter}
}

// respond is Respond, asking may before anything is signed for the request.
func (r *Responder) respond(ctx context.Context, caName string, der []byte, may admit) Answer {
	if may == nil {
		may = func() (int, bool) { return 0, true }
	}
	req, err := pki.ParseOCSPRequest(der)
	if err != nil {
		return Answer{DER: pki.OCSPErrorResponse(pki.OCSPMalformedRequest), Result: "malformed"}
	}
	for _, q := range req.Requests {
		if q.Serial == nil || len(q.Serial.Bytes()) > maxSerialOctets {
			// RFC 5280 §4.1.2.2: no conforming CA issues a longer serial; answering (and
			// caching) such requests would let anyone fill memory.
			return Answer{DER: pki.OCSPErrorResponse(pki.OCSPMalformedRequest), Result: "malformed"}
		}
	}
	if len(req.Requests) > 1 {
		return r.respondMulti(ctx, caName, req, may)
	}
	c := r.match(caName, &req.Requests[0])
	if c == nil {
		return Answer{DER: pki.OCSPErrorResponse(pki.OCSPUnauthorized), Result: "unauthorized"}
	}
	now := r.cfg.Now()
	if req.Nonce != nil {
		if secs, ok := may(); !ok {
			return limited(secs)
		}
		e, err := r.sign(ctx, c, req.CertID, req.Serial, req.Nonce, now)
		if err != nil {
			return r.failure(ctx, c, err)
		}
		return Answer{DER: e.der, Result: "live"}
	}
	sh := c.shard(r.seed, req.CertID)
	sh.mu.RLock()
	e := sh.m[string(req.CertID)]
	sh.mu.RUnlock()
	key := c.signer.Load()
	if e != nil && now.Before(e.nextUpdate) && !now.Before(e.thisUpdate) {
		if now.Sub(e.thisUpdate) >= r.cfg.RefreshAfter || e.gen != key.gen {
			r.scheduleRefresh(c, e, req)
		}
		return r.answer(e, now, "cached")
	}
	if secs, ok := may(); !ok {
		return limited(secs)
	}
	epoch := c.epoch.Load()
	e, err = r.sign(ctx, c, req.CertID, req.Serial, nil, now)
	if err != nil {
		return r.failure(ctx, c, err)
	}
	if e.known {
		// Answers about serials this CA never issued are not cached: anyone can
		// ask about any number of them.
		r.store(c, req.CertID, e, epoch)
	}
	return r.answer(e, now, "signed")
}

// respondMulti answers a request about several certificates (see Respond): one
// live response, not cached.
func (r *Responder) respondMulti(ctx context.Context, caName string, req *pki.OCSPRequest, may admit) Answer {
	c := r.match(caName, &req.Requests[0])
	if c == nil {
		return Answer{DER: pki.OCSPErrorResponse(pki.OCSPUnauthorized), Result: "unauthorized"}
	}
	qs := make([]query, len(req.Requests))
	for i := range req.Requests {
		if i > 0 && r.match(caName, &req.Requests[i]) != c {
			return Answer{DER: pki.OCSPErrorResponse(pki.OCSPUnauthorized), Result: "unauthorized"}
		}
		qs[i] = query{certID: req.Requests[i].CertID, serial: req.Requests[i].Serial}
	}
	if secs, ok := may(); !ok {
		return limited(secs)
	}
	e, err := r.signAll(ctx, c, qs, req.Nonce, r.cfg.Now())
	if err != nil {
		return r.failure(ctx, c, err)
	}
	return Answer{DER: e.der, Result: "multi"}
}

func (r *Responder) answer(e *entry, now time.Time, result string) Answer {
	maxAge := e.thisUpdate.Add(r.cfg.RefreshAfter).Sub(now)
	if maxAge < 0 {
		maxAge = 0
	}
	return Answer{DER: e.der, Cacheable: true, ThisUpdate: e.thisUpdate, NextUpdate: e.nextUpdate, MaxAge: maxAge,
		ETag: e.etag, Result: result}
}

func (r *Responder) failure(ctx context.Context, c *caState, err error) Answer {
	if ctx.Err() != nil {
		return Answer{DER: pki.OCSPErrorResponse(pki.OCSPTryLater), Result: "error"}
	}
	if errors.Is(err, errResponderExpired) {
		r.log.ErrorContext(ctx, "OCSP responder certificate not valid; answering tryLater", "ca", c.name, "err", err)
		return Answer{DER: pki.OCSPErrorResponse(pki.OCSPTryLater), Result: "error"}
	}
	r.log.ErrorContext(ctx, "OCSP response failed", "ca", c.name, "err", err)
	return Answer{DER: pki.OCSPErrorResponse(pki.OCSPInternalError), Result: "error"}
}

// match finds the CA a Request names by its issuer hashes: one served here and,
// when caName is set, that one; nil if none.
func (r *Responder) match(caName string, req *pki.OCSPSingleRequest) *caState {
	if req.Hash == 0 {
		return nil
	}
	for _, c := range r.cas {
		if caName != "" && c.name != caName {
			continue
		}
		h := c.hashes[req.Hash]
		if string(h[0]) == string(req.IssuerNameHash) && string(h[1]) == string(req.IssuerKeyHash) {
			return c
		}
	}
	return nil
}

func (c *caState) shard(seed maphash.Seed, certID []byte) *shard {
	return &c.shards[maphash.Bytes(seed, certID)%uint64(len(c.shards))]
}

// store caches e under certID unless the cache is full or a revocation was seen
// since epoch (e may predate it).
func (r *Responder) store(c *caState, certID []byte, e *entry, epoch uint64) {
	sh := c.shard(r.seed, certID)
	sh.mu.Lock()
	_, had := sh.m[string(certID)]
	if c.epoch.Load() == epoch && (had || r.cached.Load() < int64(r.cfg.MaxCached)) {
		sh.m[string(certID)] = e
		if !had {
			r.cached.Add(1)
		}
	}
	sh.mu.Unlock()
	r.m.setCached(r.cached.Load())
}

// scheduleRefresh asks a worker to re-sign e, once.
func (r *Responder) scheduleRefresh(c *caState, e *entry, req *pki.OCSPRequest) {
	if !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	select {
	case r.refresh <- refreshJob{ca: c, certID: string(req.CertID), serial: req.Serial}:
	default:
		e.refreshing.Store(false) // the queue is full: a later hit asks again
	}
}

// query is one certificate a response is about: the CertID asked, echoed, and its
// serial.
type query struct {
	certID []byte
	serial *big.Int
}

// sign looks the certificate's status up and signs a response about it.
func (r *Responder) sign(ctx context.Context, c *caState, certID []byte, serial *big.Int, nonce []byte, now time.Time) (*entry, error) {
	return r.signAll(ctx, c, []query{{certID: certID, serial: serial}}, nonce, now)
}

// signAll looks up the status of every certificate of qs, in order, and signs one
// response holding a SingleResponse about each, in the same order, echoing nonce
// when it is not nil. The entry's known is true when every serial was issued by c,
// its revoked when every answer says revoked; an answer about several certificates
// or with a nonce is timed as a live signature, any other as one for the cache.
func (r *Responder) signAll(ctx context.Context, c *caState, qs []query, nonce []byte, now time.Time) (*entry, error) {
	statuses, err := r.statuses(ctx, c, qs)
	if err != nil {
		return nil, err
	}
	key := c.signer.Load()
	this := now.UTC().Truncate(time.Second)
	next := this.Add(r.cfg.Validity)
	if next.After(key.cert.NotAfter) {
		next = key.cert.NotAfter
	}
	if !next.After(this) || this.Before(key.cert.NotBefore) {
		// The delegated responder certificate is not valid now (its rotation failed
		// or is late): no answer is signed with it.
		return nil, fmt.Errorf("ocsp: %s: %w (valid %s – %s)", c.name, errResponderExpired,
			key.cert.NotBefore.UTC().Format(time.RFC3339), key.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	resp := &pki.OCSPResponse{
		ResponderKeyHash: key.keyHash, ProducedAt: this, Nonce: nonce, ExtendedRevoke: true, Certs: [][]byte{key.cert.Raw},
		Singles: make([]pki.OCSPSingleResponse, len(qs)),
	}
	allKnown, allRevoked := true, true
	for i, q := range qs {
		resp.Singles[i] = singleResponse(q.certID, statuses[i].st, statuses[i].known, this, next)
		allKnown = allKnown && statuses[i].known
		allRevoked = allRevoked && resp.Singles[i].Status == pki.OCSPRevoked
	}
	start := time.Now()
	der, err := pki.CreateOCSPResponse(resp, key.signer)
	r.m.observeSign(nonce != nil || len(qs) > 1, time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("ocsp: sign: %w", err)
	}
	sum := sha1.Sum(der)
	return &entry{der: der, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		thisUpdate: this, nextUpdate: next, gen: key.gen, revoked: allRevoked, known: allKnown}, nil
}

// singleResponse maps a certificate's status to the SingleResponse about certID,
// valid from this to next; known is false for a serial the CA never issued.
func singleResponse(certID []byte, st store.CertStatus, known bool, this, next time.Time) pki.OCSPSingleResponse {
	s := pki.OCSPSingleResponse{CertID: certID, ThisUpdate: this, NextUpdate: next, Reason: -1}
	switch {
	case !known:
		// PROFILE.md and RFC 6960 §2.2 with extended-revoke: a serial this CA never
		// issued is answered revoked, certificateHold, at 1970-01-01.
		s.Status, s.RevokedAt, s.Reason = pki.OCSPRevoked, time.Unix(0, 0), int(core.ReasonCertificateHold)
	case st.Status == core.CertRevoked && st.RevokedAt != nil:
		s.Status, s.RevokedAt = pki.OCSPRevoked, *st.RevokedAt
		if st.Reason != core.ReasonUnspecified {
			s.Reason = int(st.Reason)
		}
	default:
		s.Status = pki.OCSPGood
	}
	return s
}

// maxSerialOctets is the longest serial number RFC 5280 allows a CA to issue.
const maxSerialOctets = 20

// errResponderExpired is returned by sign when the delegated responder certificate
// is not valid at the time of the answer.
var errResponderExpired = errors.New("the delegated responder certificate is not valid now")

// looked is the status of one certificate; known is false for a serial the CA never
// issued (or a serial no CA issues: zero or negative).
type looked struct {
	st    store.CertStatus
	known bool
}

// statuses looks up the status of every certificate of qs at c: one query for one
// certificate (Store.ReadOne: one round trip), one read transaction for several
// (their answers as of one moment).
func (r *Responder) statuses(ctx context.Context, c *caState, qs []query) ([]looked, error) {
	out := make([]looked, len(qs))
	lookup := func(tx store.Tx) error {
		for i, q := range qs {
			if q.serial.Sign() <= 0 {
				continue
			}
			st, err := tx.CertificateStatus(ctx, c.name, q.serial.Text(16))
			if errors.Is(err, core.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[i] = looked{st: st, known: true}
		}
		return nil
	}
	var err error
	if len(qs) == 1 {
		err = r.cfg.Store.ReadOne(ctx, lookup)
	} else {
		err = r.cfg.Store.Read(ctx, lookup)
	}
	if err != nil {
		return nil, fmt.Errorf("ocsp: %s: certificate status: %w", c.name, err)
	}
	return out, nil
}

// Revoked drops the cached responses about a certificate at once and re-signs
// them in the background. It has the shape of ra.Service.OnRevoke hooks.
func (r *Responder) Revoked(ctx context.Context, issuer, serialHex string) {
	c := r.byName[issuer]
	if c == nil {
		return
	}
	serial, ok := new(big.Int).SetString(serialHex, 16)
	if !ok {
		return
	}
	c.epoch.Add(1)
	for _, id := range certIDs(c, serial) {
		sh := c.shard(r.seed, id)
		sh.mu.Lock()
		_, had := sh.m[string(id)]
		delete(sh.m, string(id))
		sh.mu.Unlock()
		if had {
			r.cached.Add(-1)
			select {
			case r.refresh <- refreshJob{ca: c, certID: string(id), serial: serial}:
			default:
			}
		}
	}
	r.m.setCached(r.cached.Load())
	r.log.DebugContext(ctx, "OCSP cache: revocation applied", "ca", issuer, "serial", serialHex)
}

// certIDs returns the DER CertIDs a client may send for serial: SHA-1 and SHA-256,
// with NULL or absent hash parameters.
func certIDs(c *caState, serial *big.Int) [][]byte {
	var out [][]byte
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		oid := pki.OIDSHA1
		if h == crypto.SHA256 {
			oid = pki.OIDSHA256
		}
		for _, withNull := range []bool{true, false} {
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oid)
					if withNull {
						b.AddASN1NULL()
					}
				})
				b.AddASN1OctetString(c.hashes[h][0])
				b.AddASN1OctetString(c.hashes[h][1])
				b.AddASN1BigInt(serial)
			})
			if der, err := b.Bytes(); err == nil {
				out = append(out, der)
			}
		}
	}
	return out
}

// Run keeps the responder fresh until ctx ends: workers re-sign cached responses
// due for refresh, a poll applies revocations made by other processes, responder
// certificates are rotated when a third of their validity is left, and expired
// cache entries are dropped.
func (r *Responder) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(ctx)
		}()
	}
	poll := time.NewTicker(r.cfg.PollInterval)
	defer poll.Stop()
	housekeeping := time.NewTicker(time.Minute)
	defer housekeeping.Stop()
	since := r.cfg.Now().Add(-time.Minute)
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-poll.C:
			since = r.poll(ctx, since)
		case <-housekeeping.C:
			r.housekeeping(ctx)
		}
	}
}

func (r *Responder) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-r.refresh:
			r.refreshOne(ctx, job)
		}
	}
}

// refreshOne re-signs one cached response, unless a revocation of the CA was seen
// while its status was read (then the entry is dropped: the next request signs).
func (r *Responder) refreshOne(ctx context.Context, job refreshJob) {
	c := job.ca
	epoch := c.epoch.Load()
	e, err := r.sign(ctx, c, []byte(job.certID), job.serial, nil, r.cfg.Now())
	if err != nil {
		if ctx.Err() == nil {
			r.log.WarnContext(ctx, "OCSP refresh failed", "ca", c.name, "err", err)
		}
		sh := c.shard(r.seed, []byte(job.certID))
		sh.mu.Lock()
		if old := sh.m[job.certID]; old != nil {
			old.refreshing.Store(false)
		}
		sh.mu.Unlock()
		return
	}
	r.m.refreshed()
	sh := c.shard(r.seed, []byte(job.certID))
	sh.mu.Lock()
	_, had := sh.m[job.certID]
	switch {
	case c.epoch.Load() != epoch:
		if had {
			delete(sh.m, job.certID)
			r.cached.Add(-1)
		}
	case had || r.cached.Load() < int64(r.cfg.MaxCached):
		sh.m[job.certID] = e
		if !had {
			r.cached.Add(1)
		}
	}
	sh.mu.Unlock()
}

// pollOverlap re-reads revocations this far back: a revocation's time is taken
// before its transaction commits.
const pollOverlap = 2 * time.Minute

// poll applies the revocations made since since (by any process) and returns the
// next since.
func (r *Responder) poll(ctx context.Context, since time.Time) time.Time {
	now := r.cfg.Now()
	for _, c := range r.cas {
		var serials []string
		err := r.cfg.Store.Read(ctx, func(tx store.Tx) error {
			serials = serials[:0]
			return tx.RevokedSince(ctx, c.name, since.Add(-pollOverlap), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), func(e core.RevokedEntry) error {
				serials = append(serials, e.Serial)
				return nil
			})
		})
		if err != nil {
			if ctx.Err() == nil {
				r.log.WarnContext(ctx, "OCSP revocation poll failed", "ca", c.name, "err", err)
			}
			return since
		}
		for _, s := range serials {
			r.dropIfGood(ctx, c, s)
		}
	}
	return now
}

// dropIfGood applies a revocation found by the poll, unless every cached answer
// about the serial already says revoked.
func (r *Responder) dropIfGood(ctx context.Context, c *caState, serialHex string) {
	serial, ok := new(big.Int).SetString(serialHex, 16)
	if !ok {
		return
	}
	for _, id := range certIDs(c, serial) {
		sh := c.shard(r.seed, id)
		sh.mu.RLock()
		e := sh.m[string(id)]
		sh.mu.RUnlock()
		if e != nil && !e.revoked {
			r.Revoked(ctx, c.name, serialHex)
			return
		}
	}
	// Nothing good is cached, but a request that read the status just before the
	// revocation committed may be about to cache "good": a new epoch stops it.
	c.epoch.Add(1)
}

// housekeeping rotates responder certificates due for it and drops expired
// entries.
func (r *Responder) housekeeping(ctx context.Context) {
	now := r.cfg.Now()
	for _, c := range r.cas {
		key := c.signer.Load()
		// A third of the certificate's own validity left: near the end of the
		// issuing CA's validity the responder certificates are cut short to it, and
		// measuring against the configured validity would rotate them every round.
		left := key.cert.NotAfter.Sub(now)
		if left < key.cert.NotAfter.Sub(key.cert.NotBefore)/3 {
			if err := r.rotate(ctx, c); err != nil {
				r.log.ErrorContext(ctx, "OCSP responder rotation failed", "ca", c.name, "err", err)
			}
		}
		for i := range c.shards {
			sh := &c.shards[i]
			sh.mu.Lock()
			for k, e := range sh.m {
				if !now.Before(e.nextUpdate) {
					delete(sh.m, k)
					r.cached.Add(-1)
				}
			}
			sh.mu.Unlock()
		}
	}
	r.m.setCached(r.cached.Load())
}
