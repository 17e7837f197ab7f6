package client

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/pki"
)

// Sign makes a signed request (docs/owner.md): it fills the nonce (from random), the
// time (now) and the signer line of r, and signs the canonical payload with key under
// the algorithm pki picks for the key (RSA, ECDSA, GOST). cert is the key's SIGN
// certificate issued by the authority.
func Sign(key crypto.Signer, cert *x509.Certificate, random io.Reader, now time.Time, r ownersig.Request) (*wire.SignedRequest, error) {
	if key == nil || cert == nil {
		return nil, errors.New("client: a signed request needs the signing key and its certificate")
	}
	nonce, err := ownersig.NewNonce(random)
	if err != nil {
		return nil, err
	}
	r.Nonce, r.Time, r.Signer = nonce, now.UTC().Truncate(time.Second), ownersig.CertificateDigest(cert.Raw)
	s, err := pki.NewSigner(key, random)
	if err != nil {
		return nil, fmt.Errorf("client: signing key: %w", err)
	}
	payload := r.Bytes()
	sig, err := s.Sign(payload)
	if err != nil {
		return nil, fmt.Errorf("client: signing the request: %w", err)
	}
	return &wire.SignedRequest{Payload: payload, Signature: sig, Algorithm: s.AlgorithmIdentifierDER(), Certificate: cert.Raw}, nil
}

// RevokeRequest is the unsigned revocation request of certificate serial for reason.
func RevokeRequest(serial, reason string) ownersig.Request {
	return ownersig.Request{Action: ownersig.ActionRevoke, Object: serial, Fields: map[string]string{ownersig.FieldReason: reason}}
}

// HeadDecision is the unsigned confirmation (reason empty) or rejection of
// application a as listed by HeadList: it carries the digest of a's content.
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

// Cabinet returns the signed-in owner's cabinet (GET /api/v1/owner/cabinet).
func (c *Client) Cabinet(ctx context.Context) (*wire.Cabinet, error) {
	var out wire.Cabinet
	if err := c.do(ctx, http.MethodGet, wire.PathOwner+"cabinet", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OwnerRevoke revokes certificate serial online by a request signed by its owner (or
// the organisation's first head).
func (c *Client) OwnerRevoke(ctx context.Context, serial string, req *wire.SignedRequest) (*wire.RevokeResponse, error) {
	var out wire.RevokeResponse
	if err := c.do(ctx, http.MethodPost, wire.PathOwner+"certificates/"+url.PathEscape(serial)+"/revoke", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Renew sends a renewal (POST /api/v1/owner/renewals).
func (c *Client) Renew(ctx context.Context, req *wire.RenewRequest) (*wire.RenewResponse, error) {
	var out wire.RenewResponse
	if err := c.do(ctx, http.MethodPost, wire.PathOwner+"renewals", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
