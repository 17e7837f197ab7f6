package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// lintAndSign encodes the TBSCertificate of t once (pki.TBSCertificate), lints it and
// signs it with is's key at the same time, on two goroutines: the lint (under 1 ms)
// runs while the CA key signs (5–9 ms for RSA-4096), so issuance costs about one
// signature instead of lint plus signature. Nothing signed leaves this function
// unless the lint passed: when the lint refuses, the signed bytes are wiped and only
// the lint error is returned (and logged, without key material).
//
// For RSA and ECDSA issuers and subject keys the lint reads the very TBSCertificate
// that is signed (linter.checkTBS); GOST certificates are linted as a mirror signed by
// a throwaway key (linter.check, with crypto/rand: its bytes are discarded, so
// Options.Rand is only read by this goroutine).
//
// The fresh signature is not verified once more when the CA key is a *rsa.PrivateKey,
// which checks each of its signatures itself (see pki.SignCertificate); the signature
// of any other RSA or ECDSA signer (a hardware module, an ECDSA key) is verified
// against the issuer's key before the certificate is returned, as crypto/x509 does.
func (a *Authority) lintAndSign(ctx context.Context, t *x509.Certificate, is *issuer) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ps, err := pki.NewSigner(is.signer, a.opts.Rand)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "issue: CA key")
	}
	tbs, err := pki.TBSCertificate(a.opts.Rand, t, is.Cert, t.PublicKey, ps)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "issue: cannot encode the certificate")
	}
	issuerPub := is.signer.Public()
	lintErr := make(chan error, 1)
	go func() {
		if n, ok := sigLen(issuerPub); ok && stdKey(t.PublicKey) {
			lintErr <- a.lint.checkTBS(tbs, ps.AlgorithmIdentifierDER(), n)
			return
		}
		lintErr <- a.lint.check(rand.Reader, t, is.Cert, t.PublicKey, issuerPub)
	}()
	der, signErr := pki.SignCertificate(tbs, ps)
	if _, selfChecked := is.signer.(*rsa.PrivateKey); signErr == nil && !selfChecked && stdKey(issuerPub) {
		_, signErr = pki.VerifySigned(der, issuerPub)
	}
	if err := <-lintErr; err != nil {
		clear(der)
		a.opts.Logger.Error("issuance refused by lint", "ca", is.Name, "subject", profile.DN(t.RawSubject), "error", err)
		return nil, err
	}
	if signErr != nil {
		clear(der)
		return nil, core.Wrap(core.KindInternal, signErr, "issue: signing failed")
	}
	if err := ctx.Err(); err != nil {
		clear(der)
		return nil, err
	}
	return der, nil
}

// stdKey reports whether pub is an RSA or ECDSA key (what zcrypto and crypto/x509
// know).
func stdKey(pub crypto.PublicKey) bool {
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
		return true
	}
	return false
}

// sigLen returns the length of a signature value by issuer key pub for the lint's
// stand-in signature (its bytes are never read), and false for keys zcrypto does not
// know.
func sigLen(pub crypto.PublicKey) (int, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.Size(), true
	case *ecdsa.PublicKey:
		return 2*((k.Curve.Params().BitSize+7)/8) + 8, true // about a DER ECDSA-Sig-Value
	}
	return 0, false
}
