package ocsp

import (
	"bytes"
	"crypto"
	"testing"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/opennca/nca/pki"
)

// FuzzRespond: any request body gets an OCSP answer — a signed response that parses
// (with a SingleResponse per Request when it asks about several certificates) or
// one of the unsigned error answers — and nothing panics.
func FuzzRespond(f *testing.F) {
	e := newEnv(f)
	f.Add([]byte{})
	f.Add([]byte("junk"))
	f.Add(request(f, e.good, e.issuer, crypto.SHA256))
	f.Add(request(f, e.good, e.issuer, crypto.SHA1))
	f.Add(request(f, e.issuer, e.root, crypto.SHA256))
	good, bad := mustCertID(f, request(f, e.good, e.issuer, crypto.SHA256)), mustCertID(f, request(f, e.bad, e.issuer, crypto.SHA1))
	f.Add(several(f, nil, good, bad))
	f.Add(several(f, []byte("nonce"), bad, good, good))
	f.Add(several(f, nil, good, mustCertID(f, request(f, e.issuer, e.root, crypto.SHA256))))
	f.Fuzz(func(t *testing.T, der []byte) {
		ans := e.r.Respond(e.ctx, "", der)
		switch ans.Result {
		case "malformed":
			if !bytes.Equal(ans.DER, pki.OCSPErrorResponse(pki.OCSPMalformedRequest)) {
				t.Fatalf("malformed answer %x", ans.DER)
			}
		case "unauthorized":
			if !bytes.Equal(ans.DER, pki.OCSPErrorResponse(pki.OCSPUnauthorized)) {
				t.Fatalf("unauthorized answer %x", ans.DER)
			}
		case "signed", "cached", "live":
			if _, err := xocsp.ParseResponse(ans.DER, e.issuer); err != nil {
				t.Fatalf("signed answer does not parse: %v", err)
			}
		case "multi":
			req, err := pki.ParseOCSPRequest(der)
			if err != nil || len(req.Requests) < 2 {
				t.Fatalf("answer about several certificates to %x (%v)", der, err)
			}
			a, err := pki.ParseOCSPResponse(ans.DER, e.issuer)
			if err != nil {
				t.Fatalf("signed answer about several certificates does not parse: %v", err)
			}
			if len(a.Responses) != len(req.Requests) {
				t.Fatalf("%d SingleResponses for %d Requests", len(a.Responses), len(req.Requests))
			}
		default:
			t.Fatalf("result %q for %x", ans.Result, der)
		}
	})
}
