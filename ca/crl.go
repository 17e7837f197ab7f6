package ca

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/opennca/nca/core"
)

// oidInvalidityDate is the CRL entry extension invalidityDate (RFC 5280 §5.3.2).
var oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}

// CRL signs an RFC 5280 v2 CRL of the CA named issuer (roots included) and returns
// its DER: CRL Number number, Authority Key Identifier, thisUpdate and nextUpdate,
// one entry per revoked certificate with its revocation date, a reasonCode
// extension unless the reason is unspecified (RFC 5280 §5.3.1 says to omit it
// then), and an invalidityDate extension when set. The signed CRL is linted (zlint
// CRL lints) before it is returned. Errors: KindNotFound for an
// unknown issuer, KindInvalid for bad arguments (number < 0, nextUpdate not after
// thisUpdate, a serial that is not hex, an unknown reason code), KindInternal when
// signing fails.
func (a *Authority) CRL(ctx context.Context, issuerName string, number int64, thisUpdate, nextUpdate time.Time, entries []core.RevokedEntry) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	is, err := a.issuer(issuerName)
	if err != nil {
		return nil, err
	}
	if number < 0 {
		return nil, core.Errorf(core.KindInvalid, "crl: number %d is negative", number)
	}
	if !nextUpdate.After(thisUpdate) {
		return nil, core.Errorf(core.KindInvalid, "crl: nextUpdate must be after thisUpdate")
	}
	list := &x509.RevocationList{
		Number:     big.NewInt(number),
		ThisUpdate: thisUpdate.UTC().Truncate(time.Second),
		NextUpdate: nextUpdate.UTC().Truncate(time.Second),
	}
	for _, e := range entries {
		serial, ok := new(big.Int).SetString(strings.TrimPrefix(strings.ToLower(e.Serial), "0x"), 16)
		if !ok || serial.Sign() <= 0 {
			return nil, core.Errorf(core.KindInvalid, "crl: serial %q is not a positive hex number", e.Serial)
		}
		if !validReason(e.Reason) {
			return nil, core.Errorf(core.KindInvalid, "crl: serial %s: reason code %d is not an RFC 5280 CRLReason", e.Serial, int(e.Reason))
		}
		entry := x509.RevocationListEntry{
			SerialNumber:   serial,
			RevocationTime: e.RevokedAt.UTC().Truncate(time.Second),
			ReasonCode:     int(e.Reason), // 0 (unspecified) is omitted by x509
		}
		if e.InvalidityDate != nil {
			v, err := asn1.MarshalWithParams(e.InvalidityDate.UTC().Truncate(time.Second), "generalized")
			if err != nil {
				return nil, core.Wrap(core.KindInvalid, err, "crl: invalidity date")
			}
			entry.ExtraExtensions = []pkix.Extension{{Id: oidInvalidityDate, Value: v}}
		}
		list.RevokedCertificateEntries = append(list.RevokedCertificateEntries, entry)
	}
	der, err := x509.CreateRevocationList(a.opts.Rand, list, is.Cert, is.signer)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, fmt.Sprintf("crl: signing the CRL of %s failed", is.Name))
	}
	if err := a.lint.checkCRL(der); err != nil {
		return nil, fmt.Errorf("crl: %s: %w", is.Name, err)
	}
	a.opts.Logger.Info("CRL signed", "ca", is.Name, "number", number, "entries", len(entries),
		"this_update", list.ThisUpdate, "next_update", list.NextUpdate)
	return der, nil
}

// validReason reports whether r is an RFC 5280 CRLReason (7 is unused).
func validReason(r core.RevocationReason) bool {
	return r >= core.ReasonUnspecified && r <= core.ReasonAACompromise && r != 7
}
