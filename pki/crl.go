package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRL and CRL entry extension OIDs (RFC 5280 §5.2, §5.3).
var (
	OIDExtAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	OIDExtCRLNumber         = asn1.ObjectIdentifier{2, 5, 29, 20}
	OIDExtDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	OIDExtFreshestCRL       = asn1.ObjectIdentifier{2, 5, 29, 46}
	OIDExtReasonCode        = asn1.ObjectIdentifier{2, 5, 29, 21}
	OIDExtInvalidityDate    = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// TBSSigner signs a to-be-signed DER structure. *Signer implements it; so can a
// hardware key's adapter.
type TBSSigner interface {
	AlgorithmIdentifier() pkix.AlgorithmIdentifier
	Sign(tbs []byte) ([]byte, error)
}

var _ TBSSigner = (*Signer)(nil)

// CRLHeader is everything of a v2 CRL (RFC 5280 §5.1) except its entries.
type CRLHeader struct {
	// Issuer is the DER Name of the CA (its certificate's RawSubject).
	Issuer []byte
	// AuthorityKeyID is the CA's subject key identifier; required (RFC 5280 §5.2.1).
	AuthorityKeyID []byte
	// Number is the CRL number (≥ 0), shared by the CA's full and delta CRLs.
	Number int64
	// ThisUpdate and NextUpdate are written to the second, UTCTime up to 2049 and
	// GeneralizedTime after (RFC 5280 §5.1.2.4).
	ThisUpdate, NextUpdate time.Time
	// BaseNumber > 0 makes the CRL a delta CRL: the critical Delta CRL Indicator
	// names the full CRL it updates (RFC 5280 §5.2.4). It must be below Number.
	BaseNumber int64
	// FreshestCRL lists the URLs of the delta CRL (RFC 5280 §5.2.6); full CRLs only.
	FreshestCRL []string
}

// CRLEntry is one revoked certificate. The writer copies what it needs: the caller
// may reuse Serial's array for the next entry.
type CRLEntry struct {
	// Serial is the serial number as an unsigned big-endian magnitude (leading zero
	// bytes allowed; the writer strips them).
	Serial []byte
	// RevokedAt is the revocation date.
	RevokedAt time.Time
	// Reason is the RFC 5280 CRLReason; 0 (unspecified) writes no reasonCode
	// extension, as RFC 5280 §5.3.1 asks.
	Reason int
	// InvalidityDate, when set, writes the invalidityDate extension.
	InvalidityDate *time.Time
}

// ErrCRL is wrapped by every error about a bad CRL header or entry.
var ErrCRL = errors.New("invalid CRL content")

// crlReserve is the room left before the entries for the headers of the TBSCertList
// and the CertificateList, so that finishing a CRL never copies its entries.
const crlReserve = 4096

// CRLWriter encodes a CRL as its entries stream in: each entry is DER-encoded into
// one growing buffer at once and nothing per entry is kept besides its bytes, so a
// CRL of n entries costs about n × 40 bytes of memory. It is not safe for
// concurrent use.
type CRLWriter struct {
	h       CRLHeader
	buf     []byte // crlReserve bytes of room, then the encoded entries
	entries int
	done    bool
}

// NewCRLWriter checks h and returns a writer for its entries. sizeHint is the
// expected number of entries (0 if unknown); it only pre-sizes the buffer.
func NewCRLWriter(h CRLHeader, sizeHint int) (*CRLWriter, error) {
	switch {
	case len(h.Issuer) == 0:
		return nil, fmt.Errorf("pki: CRL: empty issuer name: %w", ErrCRL)
	case len(h.AuthorityKeyID) == 0:
		return nil, fmt.Errorf("pki: CRL: no authority key identifier: %w", ErrCRL)
	case h.Number < 0:
		return nil, fmt.Errorf("pki: CRL: number %d is negative: %w", h.Number, ErrCRL)
	case h.BaseNumber < 0 || (h.BaseNumber > 0 && h.BaseNumber >= h.Number):
		return nil, fmt.Errorf("pki: CRL: delta base %d must be positive and below the CRL number %d: %w", h.BaseNumber, h.Number, ErrCRL)
	case h.BaseNumber > 0 && len(h.FreshestCRL) > 0:
		return nil, fmt.Errorf("pki: CRL: a delta CRL carries no Freshest CRL extension: %w", ErrCRL)
	case !h.NextUpdate.Truncate(time.Second).After(h.ThisUpdate.Truncate(time.Second)):
		return nil, fmt.Errorf("pki: CRL: nextUpdate must be after thisUpdate: %w", ErrCRL)
	}
	if err := checkTime(h.ThisUpdate); err != nil {
		return nil, err
	}
	if err := checkTime(h.NextUpdate); err != nil {
		return nil, err
	}
	if sizeHint < 0 || sizeHint > 1<<26 {
		sizeHint = 0
	}
	return &CRLWriter{h: h, buf: make([]byte, crlReserve, crlReserve+64+sizeHint*48)}, nil
}

// Len returns the number of entries added.
func (w *CRLWriter) Len() int { return w.entries }

// Size returns the number of entry bytes encoded so far.
func (w *CRLWriter) Size() int { return len(w.buf) - crlReserve }

// Add encodes one entry. Errors wrap ErrCRL (zero serial, reason code not in RFC
// 5280, a time outside years 1–9999) and leave the writer usable.
func (w *CRLWriter) Add(e CRLEntry) error {
	if w.done {
		return fmt.Errorf("pki: CRL: Add after Finish: %w", ErrCRL)
	}
	serial := e.Serial
	for len(serial) > 0 && serial[0] == 0 {
		serial = serial[1:]
	}
	if len(serial) == 0 {
		return fmt.Errorf("pki: CRL: serial number zero: %w", ErrCRL)
	}
	if len(serial) > 126 {
		return fmt.Errorf("pki: CRL: serial number of %d bytes: %w", len(serial), ErrCRL)
	}
	if !ValidReason(e.Reason) {
		return fmt.Errorf("pki: CRL: reason code %d is not an RFC 5280 CRLReason: %w", e.Reason, ErrCRL)
	}
	if err := checkTime(e.RevokedAt); err != nil {
		return err
	}
	if e.InvalidityDate != nil {
		if err := checkTime(*e.InvalidityDate); err != nil {
			return err
		}
	}
	pad := 0
	if serial[0]&0x80 != 0 {
		pad = 1
	}
	intLen := 2 + pad + len(serial)
	timeLen := 2 + timeBodyLen(e.RevokedAt)
	// Extensions: reasonCode is 30 0a 06 03 55 1d 15 04 03 0a 01 rr (12 bytes);
	// invalidityDate is 30 18 06 03 55 1d 18 04 11 18 0f YYYYMMDDHHMMSSZ (26 bytes).
	extLen := 0
	if e.Reason != 0 {
		extLen += 12
	}
	if e.InvalidityDate != nil {
		extLen += 26
	}
	body := intLen + timeLen
	if extLen > 0 {
		body += 2 + extLen // extLen < 128
	}
	b := w.buf
	b = appendHeader(b, 0x30, body)
	b = append(b, 0x02, byte(pad+len(serial)))
	if pad == 1 {
		b = append(b, 0)
	}
	b = append(b, serial...)
	b = appendTime(b, e.RevokedAt)
	if extLen > 0 {
		b = append(b, 0x30, byte(extLen))
		if e.Reason != 0 {
			b = append(b, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, byte(e.Reason))
		}
		if e.InvalidityDate != nil {
			b = append(b, 0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11)
			b = appendGeneralizedTime(b, *e.InvalidityDate)
		}
	}
	w.buf = b
	w.entries++
	return nil
}

// tbsHeader returns what goes before the entries in the TBSCertList (its SEQUENCE
// header through the revokedCertificates header) and what comes after them (the
// crlExtensions), for signature algorithm alg.
func (w *CRLWriter) tbsHeader(alg pkix.AlgorithmIdentifier) (head, trailer []byte, err error) {
	algDER, err := asn1.Marshal(alg)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: CRL: signature algorithm: %w", err)
	}
	var ext cryptobyte.Builder
	ext.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addExtension(b, OIDExtAuthorityKeyID, false, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					// keyIdentifier [0] IMPLICIT OCTET STRING
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(w.h.AuthorityKeyID) })
				})
			})
			addExtension(b, OIDExtCRLNumber, false, func(b *cryptobyte.Builder) { b.AddASN1Int64(w.h.Number) })
			if w.h.BaseNumber > 0 {
				addExtension(b, OIDExtDeltaCRLIndicator, true, func(b *cryptobyte.Builder) { b.AddASN1Int64(w.h.BaseNumber) })
			}
			if len(w.h.FreshestCRL) > 0 {
				addExtension(b, OIDExtFreshestCRL, false, func(b *cryptobyte.Builder) {
					AddDistributionPoints(b, w.h.FreshestCRL)
				})
			}
		})
	})
	trailer, err = ext.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("pki: CRL: extensions: %w", err)
	}

	entriesLen := len(w.buf) - crlReserve
	var pre []byte
	pre = append(pre, 0x02, 0x01, 0x01) // version v2
	pre = append(pre, algDER...)
	pre = append(pre, w.h.Issuer...)
	pre = appendTime(pre, w.h.ThisUpdate)
	pre = appendTime(pre, w.h.NextUpdate)
	if w.entries > 0 {
		pre = appendHeader(pre, 0x30, entriesLen)
	}
	tbsLen := len(pre) + entriesLen + len(trailer)
	head = appendHeader(nil, 0x30, tbsLen)
	head = append(head, pre...)
	return head, trailer, nil
}

// Finish signs the CRL with s and returns its DER. The writer cannot be used
// afterwards; the returned slice shares the writer's buffer (no copy of the entries).
func (w *CRLWriter) Finish(s TBSSigner) ([]byte, error) {
	if w.done {
		return nil, fmt.Errorf("pki: CRL: Finish called twice: %w", ErrCRL)
	}
	w.done = true
	alg := s.AlgorithmIdentifier()
	head, trailer, err := w.tbsHeader(alg)
	if err != nil {
		return nil, err
	}
	const outerMax = 6 // tag + up to 5 length bytes
	start := crlReserve - len(head)
	buf := w.buf
	if start < outerMax {
		// An issuer name of several kilobytes: make room once.
		grown := make([]byte, len(head)+outerMax+len(buf)-crlReserve, cap(buf)+len(head)+outerMax)
		copy(grown[len(head)+outerMax:], buf[crlReserve:])
		buf, start = grown, outerMax
	}
	copy(buf[start:], head)
	buf = append(buf, trailer...)
	tbs := buf[start:]
	sig, err := s.Sign(tbs)
	if err != nil {
		return nil, fmt.Errorf("pki: CRL: %w", err)
	}
	algDER, err := asn1.Marshal(alg)
	if err != nil {
		return nil, fmt.Errorf("pki: CRL: signature algorithm: %w", err)
	}
	tbsLen := len(tbs)
	buf = append(buf, algDER...)
	buf = appendHeader(buf, 0x03, len(sig)+1)
	buf = append(buf, 0)
	buf = append(buf, sig...)
	outer := appendHeader(make([]byte, 0, outerMax), 0x30, tbsLen+len(algDER)+headerLen(len(sig)+1)+len(sig)+1)
	start -= len(outer)
	copy(buf[start:], outer)
	w.buf = nil
	return buf[start:], nil
}

// ValidReason reports whether r is an RFC 5280 CRLReason (0–10 without 7).
func ValidReason(r int) bool { return r >= 0 && r <= 10 && r != 7 }

// AddDistributionPoints writes a CRLDistributionPoints value (also the syntax of
// Freshest CRL): one DistributionPoint per URL, each with a fullName URI.
func AddDistributionPoints(b *cryptobyte.Builder, urls []string) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, u := range urls {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
					})
				})
			})
		}
	})
}

// addExtension writes one Extension whose extnValue is what value writes.
func addExtension(b *cryptobyte.Builder, id asn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(id)
		if critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1(cbasn1.OCTET_STRING, value)
	})
}

// headerLen is the size of a tag and DER length for a body of n bytes.
func headerLen(n int) int {
	switch {
	case n < 0x80:
		return 2
	case n < 0x100:
		return 3
	case n < 0x10000:
		return 4
	case n < 0x1000000:
		return 5
	}
	return 6
}

// appendHeader appends tag and the DER length n.
func appendHeader(b []byte, tag byte, n int) []byte {
	b = append(b, tag)
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	case n < 0x10000:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// checkTime rejects times that neither UTCTime nor GeneralizedTime can hold.
func checkTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("pki: CRL: time %s is outside years 1-9999: %w", t, ErrCRL)
	}
	return nil
}

// timeBodyLen is the length of the Time value of t (RFC 5280 §4.1.2.5).
func timeBodyLen(t time.Time) int {
	if y := t.UTC().Year(); y >= 1950 && y < 2050 {
		return 13
	}
	return 15
}

// appendTime appends t as a Time: UTCTime for 1950–2049, else GeneralizedTime.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	if y >= 1950 && y < 2050 {
		b = append(b, 0x17, 13)
		b = append2(b, y%100)
		return appendRest(b, t)
	}
	return appendGeneralizedTime(b, t)
}

// appendGeneralizedTime appends t as a GeneralizedTime (tag 0x18, 15 bytes).
func appendGeneralizedTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	b = append(b, 0x18, 15)
	b = append2(b, y/100)
	b = append2(b, y%100)
	return appendRest(b, t)
}

func appendRest(b []byte, t time.Time) []byte {
	b = append2(b, int(t.Month()))
	b = append2(b, t.Day())
	b = append2(b, t.Hour())
	b = append2(b, t.Minute())
	b = append2(b, t.Second())
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
