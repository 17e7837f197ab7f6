package tsp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opennca/nca/cms"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/clientlimit"
	"github.com/opennca/nca/pki"
)

// Stamper signs time-stamp tokens with one TSA key. It is safe for concurrent use
// when Key is.
type Stamper struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Chain is included after Cert in tokens whose request asked for certificates
	// (the issuing CA; the root is the verifier's own).
	Chain []*x509.Certificate
	// Policy is the TSA policy of every token.
	Policy asn1.ObjectIdentifier
	// Accuracy is stated in tokens when positive.
	Accuracy time.Duration
}

// Stamp returns the DER time-stamp token for req at time at with the given serial:
// a TSTInfo (Stamper.Policy, req's imprint and nonce, genTime in whole seconds, the
// TSA's name) in a CMS SignedData signed by Key with the signed attributes
// content-type id-ct-TSTInfo, signing-time, message-digest and
// signing-certificate-v2; the certificates are included when req.CertReq. random
// is the signature's randomness (GOST, ECDSA).
func (st *Stamper) Stamp(req *Request, serial *big.Int, at time.Time, random io.Reader) ([]byte, error) {
	if serial == nil || serial.Sign() <= 0 {
		return nil, errors.New("tsp: stamp: the serial must be positive")
	}
	info, err := marshalTSTInfo(req, st.Policy, serial, at, st.Accuracy, st.Cert.RawSubject)
	if err != nil {
		return nil, fmt.Errorf("tsp: stamp: %w", err)
	}
	token, err := cms.Sign(info, []cms.Signer{{Key: st.Key, Cert: st.Cert, Chain: st.Chain}},
		cms.Options{Time: at, Rand: random, ContentType: OIDTSTInfo, NoCertificates: !req.CertReq})
	if err != nil {
		return nil, fmt.Errorf("tsp: stamp: %w", err)
	}
	return token, nil
}

// Authority issues and stores a time-stamping certificate for a key of the
// service's (ra.Service.IssueTimeStamping).
type Authority interface {
	IssueTimeStamping(ctx context.Context, issuer string, pub crypto.PublicKey, validity time.Duration) (*x509.Certificate, error)
}

// Issuer is an issuing CA the service stamps for.
type Issuer struct {
	Name string
	Cert *x509.Certificate
}

// Config assembles a Server. Authority and Issuers are required.
type Config struct {
	Authority Authority
	// Issuers are the issuing CAs (not roots), one TSA each.
	Issuers []Issuer
	// Now is the clock the tokens state (default time.Now); Rand the randomness of
	// keys, serials and signatures (default crypto/rand.Reader).
	Now    func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
	// Metrics receives the service's measurements; nil records nothing.
	Metrics *Metrics
	// Validity is that of each time-stamping certificate (default DefaultValidity); a
	// new key and certificate replace them when a third of it is left.
	Validity time.Duration
	// Accuracy is stated in every token when positive (default none: the service
	// states the time of its clock and claims no bound on its error).
	Accuracy time.Duration
	// KeyGen makes a time-stamping key for a CA key (default pki.GenerateKeyLike:
	// RSA-2048 for an RSA CA, the CA's curve for a GOST or ECDSA CA).
	KeyGen func(caKey crypto.PublicKey, random io.Reader) (crypto.Signer, error)
	// Limit bounds the tokens one client may get from the HTTP service (each costs
	// a signature): over it a request gets 429 with Retry-After. Nil: no limit. The
	// client is found by Proxies (clientlimit.Proxies.ClientHost).
	Limit   *clientlimit.Limiter
	Proxies clientlimit.Proxies
}

// DefaultValidity is the validity of time-stamping certificates when
// Config.Validity is not set: 30 days.
const DefaultValidity = 30 * 24 * time.Hour

// Server is the time-stamping service: one TSA key and certificate per issuing CA,
// made in memory at start and at each rotation and never written or logged. It is
// safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	m      *Metrics
	tsas   []*tsaState
	byName map[string]*tsaState
}

// tsaState is the time-stamping authority of one issuing CA.
type tsaState struct {
	name   string
	cert   *x509.Certificate // the CA's
	caKey  crypto.PublicKey  // the CA's, whose family the TSA keys take
	policy asn1.ObjectIdentifier
	cur    atomic.Pointer[Stamper]
	mu     sync.Mutex // one rotation at a time
}

// New makes a time-stamping key and certificate for every issuing CA of
// cfg.Issuers. The GOST CA's TSA stamps under OIDPolicyGOST, the others under
// OIDPolicySHA256.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Authority == nil {
		return nil, errors.New("tsp: Authority is required")
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
		cfg.Validity = DefaultValidity
	}
	if cfg.KeyGen == nil {
		cfg.KeyGen = pki.GenerateKeyLike
	}
	s := &Server{cfg: cfg, log: cfg.Logger, m: cfg.Metrics, byName: map[string]*tsaState{}}
	for _, iss := range cfg.Issuers {
		caKey, err := pki.PublicKeyOf(iss.Cert)
		if err != nil {
			return nil, fmt.Errorf("tsp: key of CA %s: %w", iss.Name, err)
		}
		policy := OIDPolicySHA256
		if _, ok := caKey.(*gost.PublicKey); ok {
			policy = OIDPolicyGOST
		}
		t := &tsaState{name: iss.Name, cert: iss.Cert, caKey: caKey, policy: policy}
		if err := s.rotate(ctx, t); err != nil {
			return nil, err
		}
		s.tsas = append(s.tsas, t)
		s.byName[iss.Name] = t
	}
	if len(s.tsas) == 0 {
		return nil, errors.New("tsp: no issuing CA to stamp for")
	}
	return s, nil
}

// rotate makes a new key and certificate for t and puts them in service.
func (s *Server) rotate(ctx context.Context, t *tsaState) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	key, err := s.cfg.KeyGen(t.caKey, s.cfg.Rand)
	if err != nil {
		return fmt.Errorf("tsp: time-stamping key of %s: %w", t.name, err)
	}
	cert, err := s.cfg.Authority.IssueTimeStamping(ctx, t.name, key.Public(), s.cfg.Validity)
	if err != nil {
		return fmt.Errorf("tsp: time-stamping certificate of %s: %w", t.name, err)
	}
	t.cur.Store(&Stamper{Key: key, Cert: cert, Chain: []*x509.Certificate{t.cert}, Policy: t.policy, Accuracy: s.cfg.Accuracy})
	s.log.InfoContext(ctx, "time-stamping certificate in service", "ca", t.name, "serial", cert.SerialNumber.Text(16),
		"not_after", cert.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

// Run rotates time-stamping keys whose certificates have less than a third of their
// validity left (or have expired), checking every minute, until ctx ends. A failed
// rotation is logged and tried again; the old key serves meanwhile while its
// certificate is valid.
func (s *Server) Run(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.rotateDue(ctx)
		}
	}
}

func (s *Server) rotateDue(ctx context.Context) {
	now := s.cfg.Now()
	for _, t := range s.tsas {
		c := t.cur.Load().Cert
		if c.NotAfter.Sub(now) > c.NotAfter.Sub(c.NotBefore)/3 {
			continue
		}
		if err := s.rotate(ctx, t); err != nil {
			s.log.ErrorContext(ctx, "time-stamping key rotation failed", "ca", t.name, "error", err)
		}
	}
}

// Stampers returns the stampers in service by issuing CA name (for reports and
// tests; callers must not modify them).
func (s *Server) Stampers() map[string]*Stamper {
	out := make(map[string]*Stamper, len(s.tsas))
	for _, t := range s.tsas {
		out[t.name] = t.cur.Load()
	}
	return out
}

// Answer is the service's answer to one request.
type Answer struct {
	// DER is the TimeStampResp.
	DER []byte
	// Result is the outcome for metrics: granted, rejected, error.
	Result string
	// CA names the issuing CA whose TSA answered ("" when none was chosen).
	CA string
}

// Stamp answers the DER TimeStampReq der for the TSA of the issuing CA caName, or,
// when caName is "", for the TSA of the requested policy (OIDPolicyGOST: the GOST
// CA's, OIDPolicySHA256 or none: the first other one). Every answer is a
// TimeStampResp: a request the service refuses gets a rejection naming why (RFC 3161
// failure bits), an unknown caName or policy included.
func (s *Server) Stamp(ctx context.Context, caName string, der []byte) Answer {
	start := time.Now()
	req, err := ParseRequest(der)
	if err != nil {
		return s.reject(caName, err)
	}
	t, err := s.choose(caName, req.Policy)
	if err != nil {
		return s.reject(caName, err)
	}
	st := t.cur.Load()
	now := s.cfg.Now()
	if now.Before(st.Cert.NotBefore) || now.After(st.Cert.NotAfter) {
		// Rotation failed for a whole third of the validity: refuse rather than
		// sign tokens no verifier would accept.
		s.log.ErrorContext(ctx, "time-stamping certificate not valid now", "ca", t.name, "not_after", st.Cert.NotAfter)
		return s.reject(t.name, refuse(FailSystemFailure, "the time-stamping certificate is not valid now"))
	}
	serial, err := s.serial()
	if err != nil {
		s.log.ErrorContext(ctx, "time-stamp serial", "error", err)
		return s.reject(t.name, refuse(FailSystemFailure, "internal error"))
	}
	token, err := st.Stamp(req, serial, now, s.cfg.Rand)
	if err == nil {
		var resp []byte
		if resp, err = grantedResponse(token); err == nil {
			s.m.observeSign(t.name, time.Since(start))
			s.m.request(t.name, "granted")
			return Answer{DER: resp, Result: "granted", CA: t.name}
		}
	}
	s.log.ErrorContext(ctx, "time-stamp signing failed", "ca", t.name, "error", err)
	s.m.request(t.name, "error")
	return Answer{DER: RejectionResponse(FailSystemFailure, "internal error"), Result: "error", CA: t.name}
}

func (s *Server) reject(caName string, err error) Answer {
	var re *RequestError
	if !errors.As(err, &re) {
		re = &RequestError{Fail: FailSystemFailure, Text: "internal error"}
	}
	s.m.request(caName, "rejected")
	return Answer{DER: RejectionResponse(re.Fail, re.Text), Result: "rejected", CA: caName}
}

// choose returns the TSA for a request to caName with policy.
func (s *Server) choose(caName string, policy asn1.ObjectIdentifier) (*tsaState, error) {
	if caName != "" {
		t, ok := s.byName[caName]
		if !ok {
			return nil, refuse(FailBadRequest, "no time-stamping authority for CA %q", caName)
		}
		if policy != nil && !policy.Equal(t.policy) {
			return nil, refuse(FailUnacceptedPolicy, "the time-stamping authority of %s stamps under policy %s, not %s", caName, t.policy, policy)
		}
		return t, nil
	}
	want := OIDPolicySHA256
	if policy != nil {
		want = policy
	}
	for _, t := range s.tsas {
		if t.policy.Equal(want) {
			return t, nil
		}
	}
	return nil, refuse(FailUnacceptedPolicy, "policy %s is not supported; use %s (GOST) or %s (SHA-256)", want, OIDPolicyGOST, OIDPolicySHA256)
}

// serial draws a token serial: 20 random bytes, positive, unique with overwhelming
// probability (RFC 3161 §2.4.2 asks for uniqueness per TSA).
func (s *Server) serial() (*big.Int, error) {
	b := make([]byte, 20)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x7f | 0x40
	return new(big.Int).SetBytes(b), nil
}
