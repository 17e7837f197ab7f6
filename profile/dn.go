package profile

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// attrName returns the short name used by DN for the attributes national certificates
// carry.
func attrName(oid asn1.ObjectIdentifier) string {
	switch oid.String() {
	case "2.5.4.3":
		return "CN"
	case "2.5.4.4":
		return "SURNAME"
	case "2.5.4.5":
		return "SERIALNUMBER"
	case "2.5.4.6":
		return "C"
	case "2.5.4.7":
		return "L"
	case "2.5.4.8":
		return "S"
	case "2.5.4.10":
		return "O"
	case "2.5.4.11":
		return "OU"
	case "2.5.4.42":
		return "G"
	case "2.5.4.15":
		return "businessCategory"
	case "0.9.2342.19200300.100.1.25":
		return "DC"
	case "1.2.840.113549.1.9.1":
		return "E"
	}
	return oid.String()
}

// dnEscaper escapes the characters RFC 4514 escapes in attribute values. It is built
// once: a strings.Replacer is immutable after construction and safe for concurrent
// use, and building one costs tens of kilobytes of allocation.
var dnEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `+`, `\+`, `"`, `\"`, `;`, `\;`, `<`, `\<`, `>`, `\>`)

// DN renders a DER-encoded Name (e.g. cert.RawSubject) for people and logs: the
// attributes in encoded order, short names (CN, SURNAME, SERIALNUMBER, C, L, S, O, OU,
// G, E, businessCategory, DC; dotted OIDs for others), values as UTF-8 text, separated
// by ", ". Unlike pkix.Name.String it keeps the national order and names SURNAME and G.
// Undecodable input is rendered as "<undecodable name: …>".
func DN(raw []byte) string {
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(raw, &rdns)
	if err != nil || len(rest) != 0 {
		return fmt.Sprintf("<undecodable name: %d bytes>", len(raw))
	}
	var parts []string
	for _, rdn := range rdns {
		for _, atv := range rdn {
			v := fmt.Sprint(atv.Value)
			v = dnEscaper.Replace(v)
			parts = append(parts, attrName(atv.Type)+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}
