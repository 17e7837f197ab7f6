package webkeys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/pki"
)

// SignChallenge signs sign-in challenge bytes as the server verifies them: RSA keys
// with RSASSA-PKCS1-v1_5 over SHA-256, ECDSA keys with an ASN.1 ECDSA signature over
// SHA-256, Ed25519 keys over the bytes themselves, GOST keys with their national
// algorithm (pki.NewSigner: GOST 2015-512 over Streebog-512 or GOST 34.310-2004 over
// GOST 34.311-95, r_LE‖s_LE).
func SignChallenge(random io.Reader, key crypto.Signer, challenge []byte) ([]byte, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
		sum := sha256.Sum256(challenge)
		return key.Sign(random, sum[:], crypto.SHA256)
	case ed25519.PublicKey:
		return key.Sign(random, challenge, crypto.Hash(0))
	case *gost.PublicKey:
		s, err := pki.NewSigner(key, random)
		if err != nil {
			return nil, err
		}
		return s.Sign(challenge)
	}
	return nil, fmt.Errorf("cannot sign a challenge with a %T key", key.Public())
}

// Sign makes a signed owner request (docs/owner.md): it fills the nonce (from random),
// the time (now, to the second) and the signer line of r, and signs the canonical
// payload with key under the algorithm pki picks for the key (RSA, ECDSA, GOST). cert
// is the key's SIGN certificate issued by the authority.
func Sign(key crypto.Signer, cert *x509.Certificate, random io.Reader, now time.Time, r ownersig.Request) (*wire.SignedRequest, error) {
	if key == nil || cert == nil {
		return nil, errors.New("a signed request needs the signing key and its certificate")
	}
	nonce, err := ownersig.NewNonce(random)
	if err != nil {
		return nil, err
	}
	r.Nonce, r.Time, r.Signer = nonce, now.UTC().Truncate(time.Second), ownersig.CertificateDigest(cert.Raw)
	s, err := pki.NewSigner(key, random)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	payload := r.Bytes()
	sig, err := s.Sign(payload)
	if err != nil {
		return nil, fmt.Errorf("signing the request: %w", err)
	}
	return &wire.SignedRequest{Payload: payload, Signature: sig, Algorithm: s.AlgorithmIdentifierDER(), Certificate: cert.Raw}, nil
}

// CleanSerial writes a certificate serial as the API names it: lower-case hex without
// "0x", colons or leading zeros.
func CleanSerial(serial string) string {
	return strings.TrimLeft(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(serial), "0x"), ":", "")), "0")
}

// RevokeRequest is the unsigned revocation request of certificate serial for reason.
func RevokeRequest(serial, reason string) ownersig.Request {
	return ownersig.Request{Action: ownersig.ActionRevoke, Object: serial, Fields: map[string]string{ownersig.FieldReason: reason}}
}

// HeadDecision is the unsigned confirmation (reason empty) or rejection of
// application a as the head list shows it: it carries the digest of a's content.
func HeadDecision(a *core.Application, confirm bool, reason string) ownersig.Request {
	r := ownersig.Request{Action: ownersig.ActionHeadConfirm, Object: a.Number, Fields: map[string]string{ownersig.FieldContent: ownersig.ApplicationDigest(a)}}
	if !confirm {
		r.Action, r.Fields[ownersig.FieldReason] = ownersig.ActionHeadReject, reason
	}
	return r
}

// RenewalRequest is the unsigned renewal of the signing certificate with serial, for
// the new key requests reqs.
func RenewalRequest(serial string, reqs []wire.KeyRequest, revokeOld bool) ownersig.Request {
	ks := make([]core.KeyRequest, len(reqs))
	for i, k := range reqs {
		ks[i] = core.KeyRequest{Type: k.Type, CSR: k.CSR}
	}
	old := "false"
	if revokeOld {
		old = "true"
	}
	return ownersig.Request{Action: ownersig.ActionRenew, Object: serial, Fields: map[string]string{
		ownersig.FieldRequests: ownersig.RenewalRequests(ks), ownersig.FieldRevokeOld: old,
	}}
}

// openCertified decodes a key file that must hold a key with its certificate, of
// type want when the certificate tells its type.
func openCertified(data []byte, password string, want core.CertType) (*keyfile.Container, *x509.Certificate, error) {
	c, err := Decode(data, password)
	if err != nil {
		return nil, nil, err
	}
	if c.Key == nil {
		return nil, nil, ErrNoKey
	}
	leaf := c.Leaf()
	if leaf == nil {
		return nil, nil, ErrNoCertificate
	}
	switch typ := Describe(leaf).Type; {
	case want == core.CertAuth && typ == core.CertSign:
		return nil, nil, ErrNeedAuthFile
	case want == core.CertSign && typ == core.CertAuth:
		return nil, nil, ErrNeedSignFile
	}
	return c, leaf, nil
}

// SignChallengeFile signs a sign-in challenge with the key of the key file data (the
// AUTH file) and returns the DER of its certificate and the signature, for
// POST /api/v1/auth/token.
func (e *Env) SignChallengeFile(data []byte, password string, challenge []byte) (cert, sig []byte, err error) {
	random, err := e.rand()
	if err != nil {
		return nil, nil, err
	}
	if len(challenge) == 0 {
		return nil, nil, errors.New("the sign-in challenge is empty")
	}
	c, leaf, err := openCertified(data, password, core.CertAuth)
	if err != nil {
		return nil, nil, err
	}
	if sig, err = SignChallenge(random, c.Key, challenge); err != nil {
		return nil, nil, fmt.Errorf("signing the challenge: %w", err)
	}
	return leaf.Raw, sig, nil
}

// signFile signs r with the key and certificate of the key file data (the SIGN file).
func (e *Env) signFile(data []byte, password string, r ownersig.Request) (*wire.SignedRequest, error) {
	random, err := e.rand()
	if err != nil {
		return nil, err
	}
	c, leaf, err := openCertified(data, password, core.CertSign)
	if err != nil {
		return nil, err
	}
	return Sign(c.Key, leaf, random, e.Now, r)
}

// SignRevoke signs the revocation of certificate serial for reason with the key
// file data (the SIGN file of the owner or of the organisation's first head).
func (e *Env) SignRevoke(data []byte, password, serial, reason string) (*wire.SignedRequest, error) {
	n := CleanSerial(serial)
	if n == "" {
		return nil, errors.New("the certificate serial is missing")
	}
	if reason == "" {
		return nil, errors.New("the revocation reason is missing")
	}
	return e.signFile(data, password, RevokeRequest(n, reason))
}

// SignHeadDecision signs a first head's confirmation (confirm) or rejection (with
// reason) of application a, as the head list shows it, with the key file data.
func (e *Env) SignHeadDecision(data []byte, password string, a *core.Application, confirm bool, reason string) (*wire.SignedRequest, error) {
	if a == nil || a.Number == "" {
		return nil, errors.New("the application is missing")
	}
	if !confirm && strings.TrimSpace(reason) == "" {
		return nil, errors.New("a rejection needs a reason")
	}
	return e.signFile(data, password, HeadDecision(a, confirm, reason))
}

// Renewed is a renewal ready to send: the new key files (without certificates yet)
// and the body of POST /api/v1/owner/renewals.
type Renewed struct {
	ID    string
	Files []File
	Body  *wire.RenewRequest
}

// RenewWith makes a new key pair with algorithm alg, its key files under password
// and its requests with the subject of the current signing certificate cert, and
// signs the renewal of cert with its key, as eds renew does.
func (e *Env) RenewWith(key crypto.Signer, cert *x509.Certificate, alg, password string, revokeOld bool) (*Renewed, error) {
	random, err := e.rand()
	if err != nil {
		return nil, err
	}
	if password == "" {
		return nil, ErrEmptyPassword
	}
	p, err := GenerateKeyPair(random, alg)
	if err != nil {
		return nil, err
	}
	reqs, err := p.Requests(random, &x509.CertificateRequest{RawSubject: cert.RawSubject})
	if err != nil {
		return nil, err
	}
	files, err := e.Files(p, password)
	if err != nil {
		return nil, err
	}
	signed, err := Sign(key, cert, random, e.Now, RenewalRequest(cert.SerialNumber.Text(16), reqs, revokeOld))
	if err != nil {
		return nil, err
	}
	return &Renewed{ID: p.ID, Files: files, Body: &wire.RenewRequest{Requests: reqs, Signed: *signed}}, nil
}

// Renew renews the signing certificate of the key file data (serial, when given,
// must be that certificate's): new keys with algorithm alg in files under the same
// password, and the renewal signed with the current signing key.
func (e *Env) Renew(data []byte, password, serial, alg string, revokeOld bool) (*Renewed, error) {
	c, leaf, err := openCertified(data, password, core.CertSign)
	if err != nil {
		return nil, err
	}
	if s := CleanSerial(serial); s != "" && s != leaf.SerialNumber.Text(16) {
		return nil, fmt.Errorf("%w (%s), not certificate %s: choose the signing key file of that certificate", ErrWrongCertificate, leaf.SerialNumber.Text(16), s)
	}
	return e.RenewWith(c.Key, leaf, alg, password, revokeOld)
}
