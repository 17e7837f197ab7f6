package keyfile

import (
	"errors"
)

// maxBERDepth bounds the nesting of BER elements the converter follows.
const maxBERDepth = 64

var errBER = errors.New("malformed BER encoding")

// berToDER rewrites one BER element in the definite-length form that the DER parser
// (cryptobyte) accepts: indefinite lengths become definite, lengths become minimal and
// constructed OCTET STRINGs (and the other byte-string types) become primitive. PKCS#12
// files written by Windows and by some Java tools use these BER forms. It does not sort
// SET OF members; the parser does not need it. The second result is what follows the
// element in data.
func berToDER(data []byte) (der, rest []byte, err error) {
	return berElement(data, 0)
}

// berStringTag reports whether a universal tag number is a string type whose
// constructed form is the concatenation of its primitive parts.
func berStringTag(n byte) bool {
	switch n {
	case 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30: // OCTET STRING and character strings
		return true
	}
	return false
}

func berElement(in []byte, depth int) (out, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, errBER
	}
	if len(in) < 2 {
		return nil, nil, errBER
	}
	// Identifier octets.
	idLen := 1
	if in[0]&0x1f == 0x1f {
		for {
			if idLen >= len(in) || idLen > 4 {
				return nil, nil, errBER
			}
			b := in[idLen]
			idLen++
			if b&0x80 == 0 {
				break
			}
		}
	}
	ident := in[:idLen]
	constructed := in[0]&0x20 != 0
	universal := in[0]&0xc0 == 0
	tagNumber := in[0] & 0x1f
	p := in[idLen:]
	if len(p) < 1 {
		return nil, nil, errBER
	}
	// Length octets.
	lb := p[0]
	p = p[1:]
	indefinite := false
	length := 0
	switch {
	case lb == 0x80:
		if !constructed {
			return nil, nil, errBER
		}
		indefinite = true
	case lb < 0x80:
		length = int(lb)
	default:
		n := int(lb & 0x7f)
		if n > 4 || n > len(p) {
			return nil, nil, errBER
		}
		for i := 0; i < n; i++ {
			length = length<<8 | int(p[i])
		}
		p = p[n:]
	}
	if length < 0 || (!indefinite && length > len(p)) {
		return nil, nil, errBER
	}

	if !constructed {
		return appendElement(nil, ident, p[:length]), p[length:], nil
	}

	var body []byte
	var children [][]byte
	if indefinite {
		for {
			if len(p) >= 2 && p[0] == 0 && p[1] == 0 {
				p = p[2:]
				break
			}
			if len(p) == 0 {
				return nil, nil, errBER
			}
			var child []byte
			child, p, err = berElement(p, depth+1)
			if err != nil {
				return nil, nil, err
			}
			children = append(children, child)
		}
		rest = p
	} else {
		content := p[:length]
		rest = p[length:]
		for len(content) > 0 {
			var child []byte
			child, content, err = berElement(content, depth+1)
			if err != nil {
				return nil, nil, err
			}
			children = append(children, child)
		}
	}

	if universal && tagNumber == 3 {
		return nil, nil, errBER // constructed BIT STRING: not used by PKCS#12
	}
	if universal && berStringTag(tagNumber) {
		// Concatenate the contents of the (already converted, hence primitive) parts.
		for _, c := range children {
			if c[0]&0x20 != 0 {
				return nil, nil, errBER
			}
			_, contents, ok := splitDER(c)
			if !ok {
				return nil, nil, errBER
			}
			body = append(body, contents...)
		}
		return appendElement(nil, []byte{in[0] &^ 0x20}, body), rest, nil
	}
	for _, c := range children {
		body = append(body, c...)
	}
	return appendElement(nil, ident, body), rest, nil
}

// appendElement appends identifier, minimal definite length and contents to dst.
func appendElement(dst, ident, contents []byte) []byte {
	dst = append(dst, ident...)
	n := len(contents)
	switch {
	case n < 0x80:
		dst = append(dst, byte(n))
	case n <= 0xff:
		dst = append(dst, 0x81, byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		dst = append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, contents...)
}

// splitDER splits a converted (definite, minimal-length) element into its identifier
// and contents.
func splitDER(e []byte) (ident, contents []byte, ok bool) {
	if len(e) < 2 {
		return nil, nil, false
	}
	idLen := 1
	if e[0]&0x1f == 0x1f {
		for idLen < len(e) && e[idLen]&0x80 != 0 {
			idLen++
		}
		idLen++
	}
	if idLen >= len(e) {
		return nil, nil, false
	}
	lb := e[idLen]
	p := e[idLen+1:]
	length := 0
	if lb < 0x80 {
		length = int(lb)
	} else {
		n := int(lb & 0x7f)
		if n > 4 || n > len(p) {
			return nil, nil, false
		}
		for i := 0; i < n; i++ {
			length = length<<8 | int(p[i])
		}
		p = p[n:]
	}
	if length < 0 || length != len(p) {
		return nil, nil, false
	}
	return e[:idLen], p, true
}
