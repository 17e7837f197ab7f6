// Package auth signs actors in. An actor proves possession of an authentication (AUTH)
// certificate issued by this authority by signing a fresh, one-time server challenge
// with its key; the server checks the chain, validity, revocation status, key usage
// and the signature, and returns a short-lived bearer token carrying the actor's IIN,
// BIN and roles (read from the certificate's role OIDs). There is no other way in.
//
// Tokens are stateless (HMAC-SHA-256 with a server secret shared by all nodes), but
// every use checks again that the certificate is still good, so a revocation takes
// effect at once.
package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// Issuers lists the CAs whose AUTH certificates may sign in.
type Issuers interface {
	Issuers() []*ca.Issuer
}

// Config assembles a Service. Store, Issuers and a Secret of at least 32 bytes are
// required.
type Config struct {
	Store   store.Store
	Issuers Issuers
	Secret  []byte
	Now     func() time.Time
	Rand    io.Reader
	// ChallengeTTL (default 2 minutes) and TokenTTL (default 15 minutes).
	ChallengeTTL time.Duration
	TokenTTL     time.Duration
}

// Service issues challenges and tokens. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns a Service; it fails when the secret is too short.
func New(cfg Config) (*Service, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("auth: the token secret must be at least 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.ChallengeTTL <= 0 {
		cfg.ChallengeTTL = 2 * time.Minute
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 15 * time.Minute
	}
	return &Service{cfg: cfg}, nil
}

// Principal is who a token speaks for.
type Principal struct {
	IIN     string    `json:"iin"`
	BIN     string    `json:"bin,omitempty"`
	Name    string    `json:"name"`
	Roles   []string  `json:"roles"`
	Serial  string    `json:"serial"`
	Issuer  string    `json:"issuer"`
	Expires time.Time `json:"exp"`
}

// ChallengeBytes returns the exact bytes a client signs for challenge c.
func ChallengeBytes(c store.Challenge) []byte {
	return []byte("nca-auth-v1|" + c.ID + "|" + hex.EncodeToString(c.Nonce) + "|" + strconv.FormatInt(c.ExpiresAt.Unix(), 10))
}

// Challenge creates and stores a one-time challenge.
func (s *Service) Challenge(ctx context.Context) (store.Challenge, error) {
	var b [48]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return store.Challenge{}, fmt.Errorf("auth: challenge: %w", err)
	}
	now := s.cfg.Now().UTC()
	c := store.Challenge{
		ID:        base64.RawURLEncoding.EncodeToString(b[:16]),
		Nonce:     b[16:],
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.ChallengeTTL),
	}
	if err := s.cfg.Store.Tx(ctx, func(tx store.Tx) error { return tx.PutChallenge(ctx, c) }); err != nil {
		return store.Challenge{}, fmt.Errorf("auth: challenge: %w", err)
	}
	return c, nil
}

// SignIn checks a signed challenge and returns a token for the certificate's holder.
// Every failure is a *core.Error of kind KindUnauthorized (or KindInvalid for
// malformed input) saying what was wrong.
func (s *Service) SignIn(ctx context.Context, challengeID string, certDER, sig []byte, address string) (string, Principal, error) {
	if challengeID == "" || len(certDER) == 0 || len(sig) == 0 {
		return "", Principal{}, core.Errorf(core.KindInvalid, "challenge_id, certificate and signature are all required")
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return "", Principal{}, core.Wrap(core.KindInvalid, err, "certificate: not a DER X.509 certificate")
	}
	now := s.cfg.Now()
	var p Principal
	err = s.cfg.Store.Tx(ctx, func(tx store.Tx) error {
		c, err := tx.TakeChallenge(ctx, challengeID)
		if errors.Is(err, core.ErrNotFound) {
			return core.Errorf(core.KindUnauthorized, "unknown or already used challenge: ask for a new one")
		}
		if err != nil {
			return err
		}
		if !now.Before(c.ExpiresAt) {
			return core.Errorf(core.KindUnauthorized, "the challenge expired: ask for a new one")
		}
		iss, err := s.checkCertificate(ctx, tx, cert, now)
		if err != nil {
			return err
		}
		pub, err := pki.PublicKeyOf(cert)
		if err != nil {
			return core.Wrap(core.KindUnauthorized, err, "the certificate's key is not supported")
		}
		if err := verifySignature(pub, ChallengeBytes(c), sig); err != nil {
			return core.Wrap(core.KindUnauthorized, err, "the signature of the challenge does not verify with the certificate's key")
		}
		p, err = principal(cert, iss)
		if err != nil {
			return err
		}
		p.Expires = now.Add(s.cfg.TokenTTL).UTC().Truncate(time.Second)
		return tx.AppendAudit(ctx, &core.AuditRecord{At: now.UTC(), Actor: "subscriber:" + p.IIN, Action: "auth.sign_in", Object: "cert:" + iss + "/" + p.Serial, Address: address, Detail: strings.Join(p.Roles, ",")})
	})
	if err != nil {
		return "", Principal{}, err
	}
	tok, err := s.mint(p)
	return tok, p, err
}

// checkCertificate checks that cert was issued by one of our issuing CAs, is within
// its validity, is stored and good, and is an authentication certificate. It returns
// the issuer's name.
func (s *Service) checkCertificate(ctx context.Context, tx store.Tx, cert *x509.Certificate, now time.Time) (string, error) {
	var issuer *ca.Issuer
	for _, iss := range s.cfg.Issuers.Issuers() {
		if iss.Root {
			continue
		}
		if pki.CheckCertificateSignature(cert, iss.Cert) == nil {
			issuer = iss
			break
		}
	}
	if issuer == nil {
		return "", core.Errorf(core.KindUnauthorized, "the certificate was not issued by this authority")
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return "", core.Errorf(core.KindUnauthorized, "the certificate is not valid now (valid %s to %s)", cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	stored, err := tx.GetCertificate(ctx, issuer.Name, cert.SerialNumber.Text(16))
	if errors.Is(err, core.ErrNotFound) {
		return "", core.Errorf(core.KindUnauthorized, "the certificate is unknown to this authority")
	}
	if err != nil {
		return "", err
	}
	if string(stored.DER) != string(cert.Raw) {
		return "", core.Errorf(core.KindUnauthorized, "the certificate differs from the one this authority issued with that serial")
	}
	if stored.Status != core.CertGood {
		return "", core.Errorf(core.KindUnauthorized, "the certificate is revoked")
	}
	if !hasClientAuth(cert) || cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 || cert.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		return "", core.Errorf(core.KindUnauthorized, "sign in with the authentication (AUTH) certificate, not the signing one")
	}
	return issuer.Name, nil
}

func hasClientAuth(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth {
			return true
		}
	}
	return false
}

func principal(cert *x509.Certificate, issuer string) (Principal, error) {
	id, err := profile.Parse(cert)
	if err != nil {
		return Principal{}, core.Wrap(core.KindUnauthorized, err, "the certificate's subject cannot be read")
	}
	if id.IIN == "" {
		return Principal{}, core.Errorf(core.KindUnauthorized, "the certificate carries no IIN")
	}
	p := Principal{IIN: id.IIN, BIN: id.BIN, Name: strings.TrimSpace(id.Surname + " " + id.Name + " " + id.Patronymic), Serial: cert.SerialNumber.Text(16), Issuer: issuer}
	for _, r := range id.Roles {
		p.Roles = append(p.Roles, r.Name)
	}
	if id.StaffRole != "" && !contains(p.Roles, id.StaffRole) {
		p.Roles = append(p.Roles, id.StaffRole)
	}
	return p, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// verifySignature checks sig over msg through pki.VerifySignature: RSA PKCS#1 v1.5
// with SHA-256, ECDSA (ASN.1) with SHA-256, and GOST keys under their national
// signature algorithm (pki.SignatureAlgorithm: GOST 2015-512 with Streebog-512, GOST
// 34.310-2004 with GOST 34.311-95; r_LE‖s_LE), as client.SignChallenge signs.
func verifySignature(pub crypto.PublicKey, msg, sig []byte) error {
	var alg pkix.AlgorithmIdentifier
	switch pub.(type) {
	case *rsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: pki.OIDSHA256WithRSA}
	case *ecdsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: pki.OIDECDSAWithSHA256}
	default:
		var err error
		if alg, err = pki.SignatureAlgorithm(pub); err != nil {
			return err
		}
	}
	return pki.VerifySignature(pub, alg, msg, sig)
}

const tokenPrefix = "v1."

func (s *Service) mac(payload string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(tokenPrefix + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) mint(p Principal) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("auth: token: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return tokenPrefix + payload + "." + s.mac(payload), nil
}

// Verify checks a bearer token and that its certificate is still good, and returns
// the principal. Failures are KindUnauthorized.
func (s *Service) Verify(ctx context.Context, token string) (Principal, error) {
	bad := core.Errorf(core.KindUnauthorized, "invalid token: sign in again")
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return Principal{}, bad
	}
	payload, mac, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(payload))) {
		return Principal{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Principal{}, bad
	}
	var p Principal
	if err := json.Unmarshal(b, &p); err != nil {
		return Principal{}, bad
	}
	if !s.cfg.Now().Before(p.Expires) {
		return Principal{}, core.Errorf(core.KindUnauthorized, "the token expired: sign in again")
	}
	err = s.cfg.Store.Read(ctx, func(tx store.Tx) error {
		c, err := tx.GetCertificate(ctx, p.Issuer, p.Serial)
		if err != nil {
			return err
		}
		if c.Status != core.CertGood {
			return core.Errorf(core.KindUnauthorized, "the certificate behind this token was revoked")
		}
		return nil
	})
	if errors.Is(err, core.ErrNotFound) {
		return Principal{}, bad
	}
	if err != nil {
		return Principal{}, err
	}
	return p, nil
}
