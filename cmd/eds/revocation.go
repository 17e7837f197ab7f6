package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/pki"
)

// Revocation is what a revocation check learned about one certificate.
type Revocation struct {
	// Status is "good", "revoked" or "unknown" (no source answered).
	Status string
	// Source is "OCSP <url>" or "CRL <url>[ + delta <url>]".
	Source    string
	RevokedAt time.Time
	// Reason is the RFC 5280 reason name, empty when not given.
	Reason     string
	ThisUpdate time.Time
	NextUpdate time.Time
	// Errors lists what failed before the answer was found (e.g. OCSP before the
	// CRL fallback).
	Errors []string
}

// maxStatusBody bounds a CRL or OCSP download (a national full CRL is tens of MB).
const maxStatusBody = 256 << 20

// CheckRevocation finds the revocation status of cert, issued by issuer: first by
// OCSP (the certificate's AIA URLs, POST with a nonce, the answer's signature
// checked against issuer or its delegated responder, the nonce compared), then, if
// no OCSP answer could be used, by CRL (the CRL distribution points, the full CRL's
// Freshest CRL delta when there is one; signatures checked against issuer, the
// times against now). The error is non-nil only when no source gave an answer;
// Revocation.Errors keeps the failures of sources tried before the answer.
func CheckRevocation(ctx context.Context, hc *http.Client, cert, issuer *x509.Certificate, now time.Time) (*Revocation, error) {
	var errs []string
	for _, u := range cert.OCSPServer {
		r, err := checkOCSP(ctx, hc, u, cert, issuer)
		if err == nil {
			r.Errors = errs
			return r, nil
		}
		errs = append(errs, fmt.Sprintf("OCSP %s: %v", u, err))
	}
	for _, u := range cert.CRLDistributionPoints {
		r, err := checkCRL(ctx, hc, u, cert, issuer, now)
		if err == nil {
			r.Errors = append(errs, r.Errors...)
			return r, nil
		}
		errs = append(errs, fmt.Sprintf("CRL %s: %v", u, err))
	}
	if len(errs) == 0 {
		errs = append(errs, "the certificate names no OCSP responder and no CRL")
	}
	return &Revocation{Status: "unknown", Errors: errs}, errors.New(strings.Join(errs, "; "))
}

// reasonNames are the RFC 5280 CRLReason names.
var reasonNames = map[int]string{0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"}

func checkOCSP(ctx context.Context, hc *http.Client, url string, cert, issuer *x509.Certificate) (*Revocation, error) {
	der, nonce, err := ocspRequest(cert, issuer)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(der))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	body, err := fetchBody(hc, req)
	if err != nil {
		return nil, err
	}
	// pki reads every signature algorithm of the national responders (RSA, GOST
	// 34.310-2004, GOST 2015), signed by the issuer or its delegated responder.
	ans, err := pki.ParseOCSPResponse(body, issuer)
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	resp, err := ans.For(cert, issuer)
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	if !bytes.Equal(ans.Nonce, nonce) {
		return nil, errors.New("answer: the nonce was not echoed")
	}
	r := &Revocation{Source: "OCSP " + url, ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate}
	switch resp.Status {
	case pki.OCSPGood:
		r.Status = "good"
	case pki.OCSPRevoked:
		r.Status, r.RevokedAt, r.Reason = "revoked", resp.RevokedAt, reasonNames[resp.Reason]
	default:
		return nil, errors.New("answer: unknown")
	}
	return r, nil
}

// ocspRequest builds a SHA-256 OCSP request with a 16-byte nonce and returns it with
// the nonce's extnValue (to find in the answer).
func ocspRequest(cert, issuer *x509.Certificate) (der, nonceExt []byte, err error) {
	nameHash, keyHash, err := pki.OCSPIssuerHashes(issuer, crypto.SHA256)
	if err != nil {
		return nil, nil, err
	}
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return nil, nil, err
	}
	nonceExt, _ = asn1.Marshal(n)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(pki.OIDSHA256)
							b.AddASN1NULL()
						})
						b.AddASN1OctetString(nameHash)
						b.AddASN1OctetString(keyHash)
						b.AddASN1BigInt(cert.SerialNumber)
					})
				})
			})
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(pki.OIDOCSPNonce)
						b.AddASN1OctetString(nonceExt)
					})
				})
			})
		})
	})
	der, err = b.Bytes()
	return der, nonceExt, err
}

func fetchBody(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStatusBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxStatusBody {
		return nil, errors.New("answer too large")
	}
	return body, nil
}

// loadCRL reads a CRL from a URL (http/https) or a file, DER or PEM.
func loadCRL(ctx context.Context, hc *http.Client, src string) (*x509.RevocationList, error) {
	var der []byte
	var err error
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		der, err = fetchBody(hc, req)
		if err != nil {
			return nil, err
		}
	} else if der, err = os.ReadFile(src); err != nil {
		return nil, err
	}
	if b := pemBlock(der, "X509 CRL"); b != nil {
		der = b
	}
	return x509.ParseRevocationList(der)
}

// crlInfo is what the CRL extensions this package reads say.
type crlInfo struct {
	deltaBase *big.Int // Delta CRL Indicator; nil for a full CRL
	freshest  []string // Freshest CRL URLs
}

func crlExtensions(l *x509.RevocationList) crlInfo {
	var info crlInfo
	for _, e := range l.Extensions {
		switch {
		case e.Id.Equal(pki.OIDExtDeltaCRLIndicator):
			var n *big.Int
			if _, err := asn1.Unmarshal(e.Value, &n); err == nil {
				info.deltaBase = n
			}
		case e.Id.Equal(pki.OIDExtFreshestCRL):
			info.freshest = distributionPointURLs(e.Value)
		}
	}
	return info
}

// distributionPointURLs returns the fullName URIs of a CRLDistributionPoints value.
func distributionPointURLs(v []byte) []string {
	var out []string
	in := cryptobyte.String(v)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil
	}
	for !seq.Empty() {
		var dp, name, full cryptobyte.String
		var has bool
		if !seq.ReadASN1(&dp, cbasn1.SEQUENCE) ||
			!dp.ReadOptionalASN1(&name, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) || !has ||
			!name.ReadASN1(&full, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return out
		}
		for !full.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !full.ReadAnyASN1(&gn, &tag) {
				return out
			}
			if tag == cbasn1.Tag(6).ContextSpecific() {
				out = append(out, string(gn))
			}
		}
	}
	return out
}

// checkCRLTime checks a CRL's signature (RSA, ECDSA or GOST, through pki) and that
// now is within its validity.
func checkCRLTime(l *x509.RevocationList, issuer *x509.Certificate, now time.Time) error {
	key, err := pki.PublicKeyOf(issuer)
	if err != nil {
		return fmt.Errorf("issuer key: %w", err)
	}
	if _, err := pki.VerifySigned(l.Raw, key); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if now.Before(l.ThisUpdate) || (!l.NextUpdate.IsZero() && now.After(l.NextUpdate)) {
		return fmt.Errorf("not current: %s – %s", l.ThisUpdate.UTC().Format(time.RFC3339), l.NextUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

func checkCRL(ctx context.Context, hc *http.Client, url string, cert, issuer *x509.Certificate, now time.Time) (*Revocation, error) {
	full, err := loadCRL(ctx, hc, url)
	if err != nil {
		return nil, err
	}
	if err := checkCRLTime(full, issuer, now); err != nil {
		return nil, err
	}
	info := crlExtensions(full)
	if info.deltaBase != nil {
		return nil, errors.New("the distribution point serves a delta CRL")
	}
	r := &Revocation{Status: "good", Source: "CRL " + url, ThisUpdate: full.ThisUpdate, NextUpdate: full.NextUpdate}
	lists := []*x509.RevocationList{full}
	for _, du := range info.freshest {
		delta, err := loadCRL(ctx, hc, du)
		if err == nil {
			err = checkCRLTime(delta, issuer, now)
		}
		if err == nil {
			di := crlExtensions(delta)
			switch {
			case di.deltaBase == nil:
				err = errors.New("not a delta CRL")
			case full.Number == nil || di.deltaBase.Cmp(full.Number) > 0 || delta.Number.Cmp(full.Number) <= 0:
				err = fmt.Errorf("delta base %v does not fit the full CRL %v", di.deltaBase, full.Number)
			}
		}
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("delta CRL %s: %v", du, err))
			continue
		}
		lists = append(lists, delta)
		r.Source += " + delta " + du
		r.ThisUpdate, r.NextUpdate = delta.ThisUpdate, delta.NextUpdate
		break
	}
	for _, l := range lists {
		for _, e := range l.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				if e.ReasonCode == 8 { // removeFromCRL in a delta: released from hold
					r.Status, r.Reason, r.RevokedAt = "good", "", time.Time{}
					continue
				}
				r.Status, r.RevokedAt = "revoked", e.RevocationTime
				if e.ReasonCode != 0 {
					r.Reason = reasonNames[e.ReasonCode]
				}
			}
		}
	}
	return r, nil
}
