package tsp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"

	"github.com/opennca/nca/cms"
	"github.com/opennca/nca/gost"
)

// MaxResponseBytes bounds a TimeStampResp read by Fetch (a token with its
// certificates is a few kilobytes).
const MaxResponseBytes = 1 << 20

// Fetch asks the time-stamping authority at url (its RFC 3161 HTTP address, e.g.
// https://…/tsp) for a token for req, and returns the token once it has checked
// that it answers req: granted, and the token's signature, imprint and nonce verify
// (Token.Verify; the TSA certificate comes from the token, so req.CertReq must be
// set). Whether the TSA is trusted is the caller's (the certificate's chain).
func Fetch(ctx context.Context, hc *http.Client, url string, req *Request) (*Token, error) {
	if !req.CertReq {
		return nil, fmt.Errorf("tsp: fetch: the request must ask for the TSA's certificate (certReq)")
	}
	body, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tsp: fetch: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hresp, err := hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("tsp: fetch %s: %w", url, err)
	}
	defer hresp.Body.Close()
	der, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tsp: fetch %s: %w", url, err)
	}
	if hresp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tsp: fetch %s: HTTP %s", url, hresp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(hresp.Header.Get("Content-Type")); mt != "application/timestamp-reply" {
		return nil, fmt.Errorf("tsp: fetch %s: answer of type %q, not application/timestamp-reply", url, mt)
	}
	if len(der) > MaxResponseBytes {
		return nil, fmt.Errorf("tsp: fetch %s: answer over %d bytes", url, MaxResponseBytes)
	}
	resp, err := ParseResponse(der)
	if err != nil {
		return nil, fmt.Errorf("tsp: fetch %s: %w", url, err)
	}
	if resp.Token == nil {
		return nil, fmt.Errorf("tsp: fetch %s: refused (status %d, failure %d): %s", url, resp.Status, resp.Fail, resp.StatusText)
	}
	tok, err := ParseToken(resp.Token)
	if err != nil {
		return nil, fmt.Errorf("tsp: fetch %s: %w", url, err)
	}
	if _, err := tok.Verify(VerifyOptions{Digest: req.Imprint.HashedMessage, Nonce: req.Nonce}); err != nil {
		return nil, fmt.Errorf("tsp: fetch %s: %w", url, err)
	}
	if !tok.Info.Imprint.HashAlgorithm.Equal(req.Imprint.HashAlgorithm) {
		return nil, fmt.Errorf("tsp: fetch %s: the token's imprint algorithm is not the request's", url)
	}
	return tok, nil
}

// signatureRequest returns the request for a time stamp over si's signature value:
// the imprint hashed with si's digest algorithm when the service knows it (the GOST
// hash of a GOST signer), SHA-256 otherwise; the national policy of the signer's
// algorithm (OIDPolicyGOST for GOST signers, OIDPolicySHA256 for the others); a
// random 64-bit nonce; certReq.
func signatureRequest(si *cms.SignerInfo, random io.Reader) (*Request, error) {
	alg := si.DigestAlgorithm.Algorithm
	if _, ok := imprintHash(alg); !ok {
		alg = cms.OIDSHA256
	}
	digest, err := HashData(alg, si.Signature())
	if err != nil {
		return nil, err
	}
	policy := OIDPolicySHA256
	if _, ok := gost.LookupOID(si.SignatureAlgorithm.Algorithm); ok {
		policy = OIDPolicyGOST
	}
	nb := make([]byte, 8)
	if _, err := io.ReadFull(random, nb); err != nil {
		return nil, fmt.Errorf("tsp: nonce: %w", err)
	}
	return NewRequest(alg, digest, policy, new(big.Int).SetBytes(nb), true)
}

// StampSignatures returns the CMS SignedData der with a signature time stamp from
// the TSA at url added to every signer (CAdES-T: id-aa-signatureTimeStampToken over
// the signer's signature value; see signatureRequest for the request). Every token
// is checked by Fetch before it is added; nothing signed changes. random draws the
// nonces (nil: crypto/rand).
func StampSignatures(ctx context.Context, hc *http.Client, url string, der []byte, random io.Reader) ([]byte, error) {
	if random == nil {
		random = rand.Reader
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, err
	}
	for i, si := range sd.Signers {
		req, err := signatureRequest(si, random)
		if err != nil {
			return nil, err
		}
		tok, err := Fetch(ctx, hc, url, req)
		if err != nil {
			return nil, fmt.Errorf("signer %d: %w", i+1, err)
		}
		if der, err = cms.AddSignatureTimeStamp(der, i, tok.Raw); err != nil {
			return nil, err
		}
	}
	return der, nil
}

// VerifySignatureTimeStamp checks token, a signature time-stamp token of si
// (cms.SignerInfo.TimeStampTokens): Token.Verify with si's signature value as the
// stamped data, hashed with the token's imprint algorithm. It returns the token and
// the TSA's certificate; whether that chains to a trusted root is the caller's.
func VerifySignatureTimeStamp(si *cms.SignerInfo, token []byte) (*Token, *x509.Certificate, error) {
	tok, err := ParseToken(token)
	if err != nil {
		return nil, nil, err
	}
	cert, err := tok.Verify(VerifyOptions{Data: si.Signature()})
	if err != nil {
		return tok, nil, err
	}
	return tok, cert, nil
}

// PolicyName names the national time-stamping policies ("GOST", "SHA-256") and
// gives any other policy's OID, for reports.
func PolicyName(p asn1.ObjectIdentifier) string {
	switch {
	case p.Equal(OIDPolicyGOST):
		return "GOST"
	case p.Equal(OIDPolicySHA256):
		return "SHA-256"
	}
	return p.String()
}
