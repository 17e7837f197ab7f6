package client

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/webkeys"
)

// Sign makes a signed request (docs/owner.md): it fills the nonce (from random), the
// time (now) and the signer line of r, and signs the canonical payload with key under
// the algorithm pki picks for the key (RSA, ECDSA, GOST). cert is the key's SIGN
// certificate issued by the authority. It is webkeys.Sign, which the portal shares.
func Sign(key crypto.Signer, cert *x509.Certificate, random io.Reader, now time.Time, r ownersig.Request) (*wire.SignedRequest, error) {
	req, err := webkeys.Sign(key, cert, random, now, r)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return req, nil
}

// RevokeRequest is the unsigned revocation request of certificate serial for reason
// (webkeys.RevokeRequest).
func RevokeRequest(serial, reason string) ownersig.Request {
	return webkeys.RevokeRequest(serial, reason)
}

// HeadDecision is the unsigned confirmation (reason empty) or rejection of
// application a as listed by HeadList: it carries the digest of a's content
// (webkeys.HeadDecision).
func HeadDecision(a *core.Application, confirm bool, reason string) ownersig.Request {
	return webkeys.HeadDecision(a, confirm, reason)
}

// RenewalRequest is the unsigned renewal of the signing certificate with serial, for
// the new key requests reqs (webkeys.RenewalRequest).
func RenewalRequest(serial string, reqs []wire.KeyRequest, revokeOld bool) ownersig.Request {
	return webkeys.RenewalRequest(serial, reqs, revokeOld)
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
