package ocsp

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// TestGOSTResponder checks that the GOST issuing CA's answers are signed by its
// GOST delegated responder (a GOST key made by the responder) and verify through pki.
func TestGOSTResponder(t *testing.T) {
	e := newEnv(t)
	iss, err := e.ca.Issuer(ca.IssuingGOST)
	if err != nil {
		t.Fatal("the authority has no GOST issuing CA:", err)
	}
	leaf := &x509.Certificate{SerialNumber: e.good.SerialNumber} // not a GOST CA serial: answered revoked
	der, err := xocspRequest(leaf, iss.Cert)
	if err != nil {
		t.Fatal(err)
	}
	ans := e.r.Respond(e.ctx, ca.IssuingGOST, der)
	if ans.Result != "signed" {
		t.Fatalf("result %s", ans.Result)
	}
	// OCSPResponse → responseBytes → BasicOCSPResponse {tbs, alg, sig, [0] certs}.
	in := cryptobyte.String(ans.DER)
	var resp, rb, basicOct cryptobyte.String
	var status int
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) || status != 0 ||
		!resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) || !rb.ReadASN1(&rb, cbasn1.SEQUENCE) ||
		!rb.ReadASN1ObjectIdentifier(&oid) || !rb.ReadASN1(&basicOct, cbasn1.OCTET_STRING) {
		t.Fatal("not a successful OCSPResponse")
	}
	var basic, tbs, algDER, certs, certSeq, certDER cryptobyte.String
	var sig asn1.BitString
	if !basicOct.ReadASN1(&basic, cbasn1.SEQUENCE) || !basic.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!basic.ReadASN1Element(&algDER, cbasn1.SEQUENCE) || !basic.ReadASN1BitString(&sig) ||
		!basic.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific()) || !certs.ReadASN1(&certSeq, cbasn1.SEQUENCE) ||
		!certSeq.ReadASN1Element(&certDER, cbasn1.SEQUENCE) {
		t.Fatal("not a BasicOCSPResponse with a certificate")
	}
	responder, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	if responder.Subject.CommonName != profile.OCSPResponderCommonName {
		t.Fatalf("responder %s", responder.Subject)
	}
	caKey, _ := pki.PublicKeyOf(iss.Cert)
	if _, err := pki.VerifySigned(certDER, caKey); err != nil {
		t.Fatalf("responder certificate not signed by the GOST CA: %v", err)
	}
	key, err := pki.PublicKeyOf(responder)
	if err != nil {
		t.Fatal(err)
	}
	var alg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(algDER, &alg); err != nil {
		t.Fatal(err)
	}
	if err := pki.VerifySignature(key, alg, tbs, sig.Bytes); err != nil {
		t.Fatalf("GOST answer signature: %v", err)
	}
}

func xocspRequest(leaf, issuer *x509.Certificate) ([]byte, error) {
	name, key, err := pki.OCSPIssuerHashes(issuer, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(pki.OIDSHA256) })
						b.AddASN1OctetString(name)
						b.AddASN1OctetString(key)
						b.AddASN1BigInt(leaf.SerialNumber)
					})
				})
			})
		})
	})
	return b.Bytes()
}
