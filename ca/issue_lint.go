package ca

import (
	"context"
	"crypto/rand"
	"crypto/x509"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// lintAndSign lints t (under a mirror of is, signed by a throwaway key) and signs it
// with is's key at the same time, on two goroutines: the lint (about 2 ms) runs while
// the CA key signs (6 ms for RSA-4096), so issuance costs about one signature instead
// of lint plus signature. Nothing signed leaves this function unless the lint passed:
// when the lint refuses, the signed bytes are wiped and only the lint error is
// returned (and logged, without key material). The lint's throwaway signature uses
// crypto/rand (its bytes are discarded), so Options.Rand is only read by this
// goroutine.
func (a *Authority) lintAndSign(ctx context.Context, t *x509.Certificate, is *issuer) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ps, err := pki.NewSigner(is.signer, a.opts.Rand)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "issue: CA key")
	}
	lintErr := make(chan error, 1)
	go func() { lintErr <- a.lint.check(rand.Reader, t, is.Cert, t.PublicKey, is.signer.Public()) }()
	der, signErr := pki.CreateCertificate(a.opts.Rand, t, is.Cert, t.PublicKey, ps)
	if err := <-lintErr; err != nil {
		clear(der)
		a.opts.Logger.Error("issuance refused by lint", "ca", is.Name, "subject", profile.DN(t.RawSubject), "error", err)
		return nil, err
	}
	if signErr != nil {
		return nil, core.Wrap(core.KindInternal, signErr, "issue: signing failed")
	}
	if err := ctx.Err(); err != nil {
		clear(der)
		return nil, err
	}
	return der, nil
}
