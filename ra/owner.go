package ra

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// SignatureWindow is how far the signing time of a signed request may be from the
// server's clock, either way. Together with the one-use nonce it refuses replays: a
// request is accepted once, and only while it is fresh.
const SignatureWindow = 5 * time.Minute

// SignedRequest is an owner's request proven by signature (package ownersig): the
// exact payload bytes, the signature over them, the DER AlgorithmIdentifier of the
// signature algorithm and the DER of the signer's certificate.
type SignedRequest struct {
	Payload     []byte
	Signature   []byte
	Algorithm   []byte
	Certificate []byte
}

// verified is a signed request whose signature, signer and freshness were checked.
type verified struct {
	req   ownersig.Request
	cert  *core.Certificate // the signer's certificate as the store keeps it
	id    *profile.Identity
	actor Actor // the signer, with the roles of the signing certificate
	alg   string
}

// verifySigned checks a signed request inside tx: the payload's form, action and
// object; its time within SignatureWindow; that the certificate was issued by this
// authority, is good, valid now and of type want; the signature with pki.VerifySignature
// (so every algorithm pki handles, GOST included, works unchanged); and that the
// signer is the signed-in actor. The nonce is consumed by record.
func (s *Service) verifySigned(ctx context.Context, tx store.Tx, actor Actor, in SignedRequest, action, object string, want core.CertType) (*verified, error) {
	if len(in.Payload) == 0 || len(in.Signature) == 0 || len(in.Algorithm) == 0 || len(in.Certificate) == 0 {
		return nil, core.Errorf(core.KindInvalid, "a signed request needs payload, signature, algorithm and certificate")
	}
	req, err := ownersig.Parse(in.Payload)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "payload: "+err.Error())
	}
	if req.Action != action {
		return nil, core.Errorf(core.KindInvalid, "the signed request is for action %q, not %q", req.Action, action)
	}
	if req.Object != object {
		return nil, core.Errorf(core.KindInvalid, "the signed request is for %q, not %q", req.Object, object)
	}
	now := s.now()
	if d := now.Sub(req.Time); d > SignatureWindow || d < -SignatureWindow {
		return nil, core.Errorf(core.KindUnauthorized, "the request was signed at %s, more than %s from the authority's time %s: sign it again (check the computer's clock)",
			req.Time.Format(time.RFC3339), SignatureWindow, now.UTC().Format(time.RFC3339))
	}
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(in.Algorithm, &alg); err != nil || len(rest) > 0 {
		return nil, core.Errorf(core.KindInvalid, "algorithm: not a DER AlgorithmIdentifier")
	}
	x, err := x509.ParseCertificate(in.Certificate)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "certificate: not a DER X.509 certificate")
	}
	stored, err := s.ourCertificate(ctx, tx, x)
	if err != nil {
		return nil, err
	}
	if req.Signer != ownersig.CertificateDigest(in.Certificate) {
		return nil, core.Errorf(core.KindInvalid, "the payload's signer line is not the SHA-256 of the certificate sent")
	}
	switch {
	case stored.Status != core.CertGood:
		return nil, core.Errorf(core.KindForbidden, "certificate %s is revoked (%s): a revoked certificate cannot sign requests; apply again at a registration centre", stored.Serial, stored.RevokedAt.UTC().Format(time.DateOnly))
	case now.After(stored.NotAfter):
		return nil, core.Errorf(core.KindForbidden, "certificate %s expired on %s: an expired certificate cannot sign requests; apply again at a registration centre", stored.Serial, stored.NotAfter.UTC().Format(time.DateOnly))
	case now.Before(stored.NotBefore):
		return nil, core.Errorf(core.KindForbidden, "certificate %s is not valid yet", stored.Serial)
	case stored.Type != want:
		return nil, core.Errorf(core.KindForbidden, "this request must be signed with the %s certificate, not the %s one (%s)", want, stored.Type, stored.Serial)
	}
	pub, err := pki.ParsePublicKey(x.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, core.Wrap(core.KindUnauthorized, err, "the certificate's public key cannot be used")
	}
	if err := pki.VerifySignature(pub, alg, in.Payload, in.Signature); err != nil {
		return nil, core.Wrap(core.KindUnauthorized, err, "the signature does not verify with the certificate's key")
	}
	id, err := profile.Parse(x)
	if err != nil {
		return nil, core.Wrap(core.KindUnauthorized, err, "the certificate's subject cannot be read")
	}
	if id.IIN == "" || id.IIN != stored.IIN {
		return nil, core.Errorf(core.KindUnauthorized, "the certificate carries no IIN of its owner")
	}
	if actor.IIN != id.IIN {
		return nil, core.Errorf(core.KindForbidden, "the request is signed by another person than the one signed in: nobody may act in another's name")
	}
	v := &verified{req: req, cert: stored, id: id, alg: alg.Algorithm.String(), actor: certActor(id, actor.Address)}
	return v, nil
}

// certActor is the subscriber a certificate's identity id names, acting from address.
func certActor(id *profile.Identity, address string) Actor {
	a := Actor{Kind: "subscriber", IIN: id.IIN, BIN: id.BIN, Name: strings.TrimSpace(id.Surname + " " + id.Name + " " + id.Patronymic), Address: address}
	for _, r := range id.Roles {
		a.Roles = append(a.Roles, r.Name)
	}
	return a
}

// ourCertificate returns the stored record of x when this authority issued x: the
// issuer is found by name and the stored DER must be x's, byte for byte (so any key
// algorithm works without a signature check of the certificate itself).
func (s *Service) ourCertificate(ctx context.Context, tx store.Tx, x *x509.Certificate) (*core.Certificate, error) {
	foreign := core.Errorf(core.KindUnauthorized, "the certificate was not issued by this authority")
	for _, iss := range s.signer.Issuers() {
		if iss.Root || !bytes.Equal(iss.Cert.RawSubject, x.RawIssuer) {
			continue
		}
		c, err := tx.GetCertificate(ctx, iss.Name, x.SerialNumber.Text(16))
		if errors.Is(err, core.ErrNotFound) {
			return nil, foreign
		}
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(c.DER, x.Raw) {
			return nil, foreign
		}
		return c, nil
	}
	return nil, foreign
}

// record stores the verified request as evidence and consumes its nonce: a nonce
// seen before is a replay.
func (s *Service) record(ctx context.Context, tx store.Tx, v *verified, in SignedRequest, owner, result string) error {
	err := tx.InsertSignedRequest(ctx, &store.SignedRequest{
		Nonce: v.req.Nonce, Action: v.req.Action, Object: v.req.Object,
		SignerIIN: v.actor.IIN, SignerBIN: v.actor.BIN, OwnerIIN: owner,
		Issuer: v.cert.Issuer, Serial: v.cert.Serial,
		Payload: in.Payload, Signature: in.Signature, Algorithm: v.alg,
		At: s.now().UTC(), Result: result,
	})
	if errors.Is(err, core.ErrDuplicate) {
		return core.Errorf(core.KindConflict, "this signed request was already used (nonce %s): a signed request is accepted once; sign a new one", v.req.Nonce)
	}
	return err
}

// requireSubscriber allows a signed-in person.
func requireSubscriber(actor Actor) error {
	if actor.IIN == "" || (actor.Kind != "subscriber" && actor.Kind != "staff") {
		return core.Errorf(core.KindUnauthorized, "sign in with your AUTH certificate first")
	}
	return nil
}

// NormalizeSerial returns a hex serial as the store keeps it: lower case, without
// colons, a 0x prefix or leading zeros.
func NormalizeSerial(serial string) (string, error) {
	s := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(serial), ":", ""), "0x"))
	if s == "" || len(s) > 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return "", core.Errorf(core.KindInvalid, "%q is not a hexadecimal serial number", serial)
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	return s, nil
}

// Cabinet is what an owner sees of their own: certificates, applications with their
// history, and the signed requests they made or that concern them.
type Cabinet struct {
	IIN          string
	Certificates []*core.Certificate
	// Employees are the certificates issued on the organisation's BIN to other people;
	// only an organisation's first head sees them.
	Employees    []*core.Certificate
	Applications []*StatusView
	Requests     []store.SignedRequest
}

// Cabinet returns the signed-in owner's cabinet. Everything is selected by the
// actor's own IIN (and, for a first head, BIN); nothing is selected by input.
func (s *Service) Cabinet(ctx context.Context, actor Actor) (*Cabinet, error) {
	if err := requireSubscriber(actor); err != nil {
		return nil, err
	}
	if _, err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	c := &Cabinet{IIN: actor.IIN}
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var err error
		if c.Certificates, err = tx.CertificatesByIIN(ctx, actor.IIN); err != nil {
			return err
		}
		if actor.BIN != "" && actor.HasRole(profile.RoleFirstHead) {
			all, err := tx.CertificatesByBIN(ctx, actor.BIN)
			if err != nil {
				return err
			}
			for _, x := range all {
				if x.IIN != actor.IIN {
					c.Employees = append(c.Employees, x)
				}
			}
		}
		apps, err := tx.ListApplications(ctx, store.ApplicationFilter{IIN: actor.IIN, Limit: 1000})
		if err != nil {
			return err
		}
		for i := len(apps) - 1; i >= 0; i-- { // newest first
			v := &StatusView{Application: apps[i]}
			if v.History, err = tx.Events(ctx, apps[i].Number); err != nil {
				return err
			}
			if v.Certificates, err = tx.CertificatesByApplication(ctx, apps[i].Number); err != nil {
				return err
			}
			c.Applications = append(c.Applications, v)
		}
		c.Requests, err = tx.SignedRequests(ctx, store.SignedRequestFilter{IIN: actor.IIN, Limit: 1000})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ownerReasons are the grounds an owner gives online; a first head may also
// revoke an employee's certificate for dismissal.
var ownerReasons = []string{"owner_request", "key_compromise"}

// OwnerRevoke revokes a certificate on a request signed with a valid SIGN certificate
// of its owner, or of the first head of the organisation whose employee the owner is.
// It takes effect at once through the same path as a revocation at the desk (the
// issuer's CRL is published before it returns) and is kept in the cabinet.
func (s *Service) OwnerRevoke(ctx context.Context, actor Actor, serial string, in SignedRequest) (*core.Certificate, error) {
	if err := requireSubscriber(actor); err != nil {
		return nil, err
	}
	n, err := NormalizeSerial(serial)
	if err != nil {
		return nil, err
	}
	req, err := ownersig.Parse(in.Payload)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "payload: "+err.Error())
	}
	reason := req.Fields[ownersig.FieldReason]
	// A first head revoking an employee's certificate must still be the head in the
	// state registry. The registry is asked before the revocation's transaction (with
	// a transaction open a slow registry would hold the database), and only when the
	// signer claims the role for a certificate of the same organisation that is not
	// the signer's own.
	var registryHead *bool
	ask := func(ctx context.Context, c *core.Certificate) (err error) {
		registryHead, err = s.headOfCertificate(ctx, in.Certificate, c)
		return err
	}
	return s.revoke(ctx, actor, n, reason, "online request signed by the owner", ask, func(tx store.Tx, c *core.Certificate) (Actor, error) {
		v, err := s.verifySigned(ctx, tx, actor, in, ownersig.ActionRevoke, n, core.CertSign)
		if err != nil {
			return Actor{}, err
		}
		own := c.IIN != "" && c.IIN == v.actor.IIN
		head := c.BIN != "" && c.BIN == v.actor.BIN && v.actor.HasRole(profile.RoleFirstHead)
		if head && !own {
			// verifySigned read the same certificate as above: the registry's
			// answer is about this signer.
			head = registryHead != nil && *registryHead
		}
		switch {
		case !own && !head:
			return Actor{}, core.Errorf(core.KindForbidden, "certificate %s is not yours: only its owner or the first head of its organisation may revoke it online", n)
		case !own && reason != "dismissal" && !contains(ownerReasons, reason):
			return Actor{}, core.Errorf(core.KindInvalid, "revocation reason %q: use owner_request, key_compromise or dismissal", reason)
		case own && !contains(ownerReasons, reason):
			return Actor{}, core.Errorf(core.KindInvalid, "revocation reason %q: online, use owner_request or key_compromise (other grounds are handled at a registration centre)", reason)
		}
		return v.actor, s.record(ctx, tx, v, in, c.IIN, "revoked: "+reason)
	})
}

// headOfCertificate answers, for OwnerRevoke, whether the state registry names the
// owner of signer (a DER certificate) as the first head of the organisation of
// certificate c: nil when the question does not arise (the signer does not claim the
// role, c is the signer's own or of another organisation, or the signer's
// certificate cannot be read: OwnerRevoke's checks then answer).
func (s *Service) headOfCertificate(ctx context.Context, signer []byte, c *core.Certificate) (*bool, error) {
	x, err := x509.ParseCertificate(signer)
	if err != nil {
		return nil, nil
	}
	id, err := profile.Parse(x)
	if err != nil {
		return nil, nil
	}
	head := certActor(id, "")
	if head.BIN == "" || !head.HasRole(profile.RoleFirstHead) {
		return nil, nil
	}
	if c.BIN != head.BIN || c.IIN == head.IIN {
		return nil, nil
	}
	ok, err := s.isCurrentHead(ctx, head)
	if err != nil {
		return nil, err
	}
	return &ok, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
