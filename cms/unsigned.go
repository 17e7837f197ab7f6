package cms

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OIDSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161 Appendix A,
// CAdES-T): an unsigned attribute holding a time-stamp token over a signer's
// signature value.
var OIDSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// parseUnsignedAttributes reads a SignerInfo's unsignedAttrs (the contents of the
// [1] IMPLICIT SET OF Attribute) and keeps the signature time-stamp tokens; other
// unsigned attributes are ignored (they are not signed and say nothing Verify
// checks).
func (si *SignerInfo) parseUnsignedAttributes(attrs cryptobyte.String) error {
	return eachAttribute(attrs, "unsigned attribute", func(oid asn1.ObjectIdentifier, values cryptobyte.String) error {
		if !oid.Equal(OIDSignatureTimeStampToken) {
			return nil
		}
		for !values.Empty() {
			var tok cryptobyte.String
			if !values.ReadASN1Element(&tok, cbasn1.SEQUENCE) {
				return fmt.Errorf("%w: signature time-stamp token", ErrFormat)
			}
			si.TimeStampTokens = append(si.TimeStampTokens, slices.Clone([]byte(tok)))
		}
		return nil
	})
}

// AddSignatureTimeStamp returns der (a DER ContentInfo holding a SignedData, as Sign
// makes it) with token, a DER time-stamp token over the signature value of signer
// (counted from 0), added to that signer's unsigned attributes as
// id-aa-signatureTimeStampToken (CAdES-T). Nothing signed changes: every
// signature still verifies. The token is not checked here (see tsp.Token.Verify).
func AddSignatureTimeStamp(der []byte, signer int, token []byte) ([]byte, error) {
	if len(token) == 0 || token[0] != 0x30 {
		return nil, errors.New("cms: the time-stamp token is not a DER ContentInfo")
	}
	s := cryptobyte.String(der)
	var ci, sdEx, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() || !ci.ReadASN1ObjectIdentifier(&ct) || !ct.Equal(OIDSignedData) ||
		!ci.ReadASN1(&sdEx, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!sdEx.ReadASN1(&sd, cbasn1.SEQUENCE) || !sdEx.Empty() {
		return nil, fmt.Errorf("%w: malformed ContentInfo", ErrFormat)
	}
	// SignedData: everything up to the signerInfos is kept as it is.
	var head []byte
	rest := sd
	for !rest.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !rest.ReadAnyASN1Element(&el, &tag) {
			return nil, fmt.Errorf("%w: malformed SignedData", ErrFormat)
		}
		if tag == cbasn1.SET && rest.Empty() {
			infos, err := addToSigner(el, signer, token)
			if err != nil {
				return nil, err
			}
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(OIDSignedData)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddBytes(head)
						b.AddBytes(infos)
					})
				})
			})
			return b.Bytes()
		}
		head = append(head, el...)
	}
	return nil, fmt.Errorf("%w: no signerInfos", ErrFormat)
}

// addToSigner returns the DER SET OF SignerInfo infosEl with token added to the
// unsigned attributes of signer n. The SignerInfos keep their order (a DER SET OF
// is sorted, but signers are read in the order written and Sign writes them
// sorted already; reordering would renumber them).
func addToSigner(infosEl cryptobyte.String, n int, token []byte) ([]byte, error) {
	var infos cryptobyte.String
	if !infosEl.ReadASN1(&infos, cbasn1.SET) {
		return nil, fmt.Errorf("%w: malformed signerInfos", ErrFormat)
	}
	var out [][]byte
	found := false
	for i := 0; !infos.Empty(); i++ {
		var el cryptobyte.String
		if !infos.ReadASN1Element(&el, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: malformed SignerInfo", ErrFormat)
		}
		if i != n {
			out = append(out, el)
			continue
		}
		found = true
		info, err := withTimeStamp(el, token)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	if !found {
		return nil, fmt.Errorf("cms: no signer %d", n+1)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, e := range out {
			b.AddBytes(e)
		}
	})
	return b.Bytes()
}

// withTimeStamp returns the DER SignerInfo el with token added to its unsigned
// attributes: to an existing signatureTimeStampToken attribute's values, or as a new
// attribute, the SET OF kept in DER order.
func withTimeStamp(el cryptobyte.String, token []byte) ([]byte, error) {
	var info cryptobyte.String
	if !el.ReadASN1(&info, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: malformed SignerInfo", ErrFormat)
	}
	unsignedTag := cbasn1.Tag(1).Constructed().ContextSpecific()
	var fields [][]byte
	var unsigned cryptobyte.String
	for !info.Empty() {
		var f cryptobyte.String
		var tag cbasn1.Tag
		if !info.ReadAnyASN1Element(&f, &tag) {
			return nil, fmt.Errorf("%w: malformed SignerInfo", ErrFormat)
		}
		if tag == unsignedTag && info.Empty() {
			if !f.ReadASN1(&unsigned, unsignedTag) {
				return nil, fmt.Errorf("%w: malformed unsignedAttrs", ErrFormat)
			}
			break
		}
		fields = append(fields, f)
	}
	var attrs [][]byte
	added := false
	for !unsigned.Empty() {
		var a cryptobyte.String
		if !unsigned.ReadASN1Element(&a, cbasn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: malformed unsigned attribute", ErrFormat)
		}
		attr := a // read from a copy of the header: a stays the whole element
		var body, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attr.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&oid) || !body.ReadASN1(&values, cbasn1.SET) {
			return nil, fmt.Errorf("%w: malformed unsigned attribute", ErrFormat)
		}
		if oid.Equal(OIDSignatureTimeStampToken) && !added {
			var vals [][]byte
			for !values.Empty() {
				var v cryptobyte.String
				if !values.ReadAnyASN1Element(&v, nil) {
					return nil, fmt.Errorf("%w: malformed attribute value", ErrFormat)
				}
				vals = append(vals, v)
			}
			vals = append(vals, token)
			a = attributeDER(OIDSignatureTimeStampToken, vals)
			added = true
		}
		attrs = append(attrs, a)
	}
	if !added {
		attrs = append(attrs, attributeDER(OIDSignatureTimeStampToken, [][]byte{token}))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, f := range fields {
			b.AddBytes(f)
		}
		addSet(b, unsignedTag, attrs)
	})
	return b.Bytes()
}

// attributeDER encodes Attribute { oid, SET OF values } (values sorted).
func attributeDER(oid asn1.ObjectIdentifier, values [][]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		addSet(b, cbasn1.SET, values)
	})
	return b.BytesOrPanic()
}
