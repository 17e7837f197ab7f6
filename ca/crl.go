package ca

import (
	"context"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
)

// oidInvalidityDate is the CRL entry extension invalidityDate (RFC 5280 §5.3.2).
var oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}

// CRLRequest describes one CRL to sign.
type CRLRequest struct {
	// Number is the CRL number (≥ 0); full and delta CRLs of a CA share one sequence.
	Number int64
	// ThisUpdate and NextUpdate bound the CRL's validity (NextUpdate after ThisUpdate).
	ThisUpdate, NextUpdate time.Time
	// BaseNumber > 0 makes a delta CRL (Delta CRL Indicator = BaseNumber, below
	// Number). 0 makes a full CRL, which points to the CA's delta CRL (Freshest CRL)
	// when the CA publishes one.
	BaseNumber int64
	// SizeHint is the expected number of entries (0 if unknown); it pre-sizes memory.
	SizeHint int
}

// RevokedSource streams the entries of a CRL: it calls add once per revoked
// certificate and returns add's error (or its own). store.Tx.RevokedEntries has this
// shape once bound to its issuer and time.
type RevokedSource func(add func(core.RevokedEntry) error) error

// crlLintSample is how many entries the linted mirror of a CRL carries.
const crlLintSample = 64

// CRL signs an RFC 5280 v2 CRL of the CA named issuer (roots included) and returns
// its DER: CRL Number, Authority Key Identifier, thisUpdate and nextUpdate, for a
// full CRL the Freshest CRL extension naming the CA's delta CRL, for a delta CRL the
// critical Delta CRL Indicator; then one entry per revoked certificate that entries
// yields, with its revocation date, a reasonCode extension unless the reason is
// unspecified (RFC 5280 §5.3.1 says to omit it then), and an invalidityDate
// extension when set.
//
// Entries are encoded as they stream in (package pki's CRLWriter): memory is about
// 40 bytes per entry and no Go value per entry is kept. Before the CRL is signed, a
// mirror of it (same header, the first 64 entries, a placeholder signature) is
// linted with zlint's CRL lints, so a CRL of any size is checked at a fixed cost.
//
// Errors: KindNotFound for an unknown issuer; KindInvalid for bad arguments
// (number < 0, a bad delta base, nextUpdate not after thisUpdate, a serial that is
// not hex, an unknown reason code); KindInternal when linting or signing fails;
// entries' own error as is; ctx's error when it is done.
func (a *Authority) CRL(ctx context.Context, issuerName string, req CRLRequest, entries RevokedSource) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	is, err := a.issuer(issuerName)
	if err != nil {
		return nil, err
	}
	signer, err := pki.NewSigner(is.signer, a.opts.Rand)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "crl: "+is.Name)
	}
	h := pki.CRLHeader{
		Issuer:         is.Cert.RawSubject,
		AuthorityKeyID: is.Cert.SubjectKeyId,
		Number:         req.Number,
		ThisUpdate:     req.ThisUpdate.UTC().Truncate(time.Second),
		NextUpdate:     req.NextUpdate.UTC().Truncate(time.Second),
		BaseNumber:     req.BaseNumber,
	}
	if req.BaseNumber == 0 {
		h.FreshestCRL = is.Endpoints.DeltaCRL
	}
	w, err := pki.NewCRLWriter(h, req.SizeHint)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "crl: "+is.Name)
	}
	sample, err := pki.NewCRLWriter(h, crlLintSample)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "crl: "+is.Name)
	}
	var serial []byte
	errEntry := errors.New("bad entry")
	var entryErr error
	if entries != nil {
		err = entries(func(e core.RevokedEntry) error {
			if w.Len()%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			serial, err = appendHexSerial(serial[:0], e.Serial)
			if err != nil {
				entryErr = err
				return errEntry
			}
			ce := pki.CRLEntry{Serial: serial, RevokedAt: e.RevokedAt.UTC().Truncate(time.Second), Reason: int(e.Reason)}
			if e.InvalidityDate != nil {
				inv := e.InvalidityDate.UTC().Truncate(time.Second)
				ce.InvalidityDate = &inv
			}
			if err := w.Add(ce); err != nil {
				entryErr = fmt.Errorf("serial %s: %w", e.Serial, err)
				return errEntry
			}
			if sample.Len() < crlLintSample {
				_ = sample.Add(ce) // accepted by w just above
			}
			return nil
		})
	}
	if errors.Is(err, errEntry) {
		return nil, core.Wrap(core.KindInvalid, entryErr, "crl: "+is.Name)
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mirror, err := sample.Finish(placeholderSigner{alg: signer.AlgorithmIdentifier()})
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "crl: "+is.Name+": lint mirror")
	}
	if err := a.lint.checkCRL(mirror); err != nil {
		return nil, fmt.Errorf("crl: %s: %w", is.Name, err)
	}
	n, size := w.Len(), w.Size()
	der, err := w.Finish(signer)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, fmt.Sprintf("crl: signing the CRL of %s failed", is.Name))
	}
	kind := "full"
	if req.BaseNumber > 0 {
		kind = "delta"
	}
	a.opts.Logger.Info("CRL signed", "ca", is.Name, "kind", kind, "number", req.Number, "base", req.BaseNumber,
		"entries", n, "entry_bytes", size, "this_update", h.ThisUpdate, "next_update", h.NextUpdate)
	return der, nil
}

// placeholderSigner stands in for the CA key when a CRL mirror is built only to be
// linted: the lints read the content, not the signature value.
type placeholderSigner struct{ alg pkix.AlgorithmIdentifier }

func (p placeholderSigner) AlgorithmIdentifier() pkix.AlgorithmIdentifier { return p.alg }
func (p placeholderSigner) Sign([]byte) ([]byte, error)                   { return make([]byte, 64), nil }

// appendHexSerial appends the bytes of a hex serial ("0x" prefix and upper case
// accepted, odd length allowed) to dst. Errors are KindInvalid.
func appendHexSerial(dst []byte, s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if h == "" || len(h) > 252 {
		return nil, core.Errorf(core.KindInvalid, "serial %q is not a positive hex number", s)
	}
	odd := len(h)%2 == 1
	var cur byte
	nonzero := false
	for i := 0; i < len(h); i++ {
		v, ok := hexVal(h[i])
		if !ok {
			return nil, core.Errorf(core.KindInvalid, "serial %q is not a positive hex number", s)
		}
		if v != 0 {
			nonzero = true
		}
		if (i%2 == 0) != odd { // high nibble
			cur = v << 4
			continue
		}
		dst = append(dst, cur|v)
		cur = 0
	}
	if !nonzero {
		return nil, core.Errorf(core.KindInvalid, "serial %q is not a positive hex number", s)
	}
	return dst, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
