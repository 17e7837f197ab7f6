package gost

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// The real objects of the Kazakh national CA's test environment (copied from
// shared/fixtures/kz-test-pki into testdata/), parsed with just enough encoding/asn1.

type kzAlgID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type kzSignedObject struct { // Certificate, CertificateList, BasicOCSPResponse (prefix)
	TBS    asn1.RawValue
	SigAlg kzAlgID
	Sig    asn1.BitString
}

type kzSPKI struct {
	Algorithm kzAlgID
	PublicKey asn1.BitString
}

type kzTBSCert struct {
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     *big.Int
	SigAlg     kzAlgID
	Issuer     asn1.RawValue
	Validity   asn1.RawValue
	Subject    asn1.RawValue
	SPKI       kzSPKI
	IssuerUID  asn1.BitString `asn1:"optional,tag:1"`
	SubjectUID asn1.BitString `asn1:"optional,tag:2"`
	Extensions asn1.RawValue  `asn1:"optional,explicit,tag:3"`
}

type kzCert struct {
	raw    []byte
	signed kzSignedObject
	tbs    kzTBSCert
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseKZCert(t testing.TB, der []byte) *kzCert {
	t.Helper()
	if blk, _ := pem.Decode(der); blk != nil {
		der = blk.Bytes
	}
	c := &kzCert{raw: der}
	if rest, err := asn1.Unmarshal(der, &c.signed); err != nil || len(rest) != 0 {
		t.Fatalf("certificate: %v (rest %d)", err, len(rest))
	}
	if rest, err := asn1.Unmarshal(c.signed.TBS.FullBytes, &c.tbs); err != nil || len(rest) != 0 {
		t.Fatalf("tbsCertificate: %v (rest %d)", err, len(rest))
	}
	return c
}

// publicKey decodes a GOST SubjectPublicKeyInfo: parameters SEQUENCE { curve OID,
// digest OID }, key BIT STRING holding an OCTET STRING with x_LE ‖ y_LE.
func (c *kzCert) publicKey(t testing.TB) *PublicKey {
	t.Helper()
	var params []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(c.tbs.SPKI.Algorithm.Parameters.FullBytes, &params); err != nil || len(params) == 0 {
		t.Fatalf("public key parameters: %v", err)
	}
	curve, ok := CurveByOID(params[0])
	if !ok {
		t.Fatalf("unknown curve OID %v", params[0])
	}
	var xy []byte
	if _, err := asn1.Unmarshal(c.tbs.SPKI.PublicKey.RightAlign(), &xy); err != nil {
		t.Fatalf("public key octet string: %v", err)
	}
	pub, err := ParsePublicKey(curve, xy)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// verifySignedObject hashes tbs with the hash named by the signature OID and verifies
// sig with the layout that LookupOID gives for that OID.
func verifySignedObject(t *testing.T, pub *PublicKey, sigAlg asn1.ObjectIdentifier, tbs, sig []byte) []byte {
	t.Helper()
	info, ok := LookupOID(sigAlg)
	if !ok || info.Kind != KindSignature {
		t.Fatalf("signature algorithm %v unknown", sigAlg)
	}
	if info.Layout != LayoutKazakh || !info.Kazakh {
		t.Fatalf("%v: layout %v kazakh %v", sigAlg, info.Layout, info.Kazakh)
	}
	h := info.Hash.New()
	h.Write(tbs)
	digest := h.Sum(nil)
	if err := pub.Verify(digest, sig, info.Layout); err != nil {
		t.Fatalf("verify (%s on %s): %v", info.Name, pub.Curve().Name(), err)
	}
	// The same signature in the RFC 4491 layout is the byte reversal…
	rfc, err := ConvertSignature(sig, LayoutKazakh, LayoutRFC4491)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify(digest, rfc, LayoutRFC4491); err != nil {
		t.Fatalf("verify converted: %v", err)
	}
	// …and the layout is never guessed: the Kazakh bytes read as RFC 4491 fail.
	if err := pub.Verify(digest, sig, LayoutRFC4491); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("Kazakh signature accepted as RFC 4491: %v", err)
	}
	bad := append([]byte(nil), digest...)
	bad[0] ^= 1
	if err := pub.Verify(bad, sig, info.Layout); err == nil {
		t.Fatal("verified with a changed digest")
	}
	return digest
}

func TestKazakhCRLGost2015(t *testing.T) {
	ca := parseKZCert(t, readTestdata(t, "ca_nca_gost2015_test.cer"))
	pub := ca.publicKey(t)
	if pub.Curve() != Curve512A() {
		t.Fatalf("CA curve %s, want tc26-512-A", pub.Curve())
	}
	var crl kzSignedObject
	if _, err := asn1.Unmarshal(readTestdata(t, "crl_nca_gost2022_test.crl"), &crl); err != nil {
		t.Fatal(err)
	}
	if !crl.SigAlg.Algorithm.Equal(OIDKZGost2015Signature512) {
		t.Fatalf("CRL signature algorithm %v", crl.SigAlg.Algorithm)
	}
	sig := crl.Sig.RightAlign()
	digest := verifySignedObject(t, pub, crl.SigAlg.Algorithm, crl.TBS.FullBytes, sig)
	// GOST.md: Streebog-512(tbsCertList) = 13f34f96…790e6e4a; r = 4FB0F8E9…4E7FB2E6,
	// s = C22299D2…A23E1430 (big-endian), stored r_LE ‖ s_LE.
	hd := hex.EncodeToString(digest)
	if hd[:8] != "13f34f96" || hd[len(hd)-8:] != "790e6e4a" {
		t.Fatalf("tbsCertList digest %s", hd)
	}
	r, s, err := ParseSignature(pub.Curve(), sig, LayoutKazakh)
	if err != nil {
		t.Fatal(err)
	}
	rh, sh := hex.EncodeToString(r.Bytes()), hex.EncodeToString(s.Bytes())
	if rh[:8] != "4fb0f8e9" || rh[len(rh)-8:] != "4e7fb2e6" || sh[:8] != "c22299d2" || sh[len(sh)-8:] != "a23e1430" {
		t.Fatalf("r = %s, s = %s", rh, sh)
	}
}

func TestKazakhCRLGost2004(t *testing.T) {
	ca := parseKZCert(t, readTestdata(t, "ca_nca_gost_test.crt"))
	pub := ca.publicKey(t)
	if pub.Curve() != CurveCryptoProA() {
		t.Fatalf("CA curve %s, want CryptoPro-A", pub.Curve())
	}
	if !ca.tbs.SPKI.Algorithm.Algorithm.Equal(OIDKZGost2004PublicKey) {
		t.Fatalf("CA key algorithm %v", ca.tbs.SPKI.Algorithm.Algorithm)
	}
	var crl kzSignedObject
	if _, err := asn1.Unmarshal(readTestdata(t, "crl_nca_gost_test.crl"), &crl); err != nil {
		t.Fatal(err)
	}
	if !crl.SigAlg.Algorithm.Equal(OIDKZGost2004Signature) {
		t.Fatalf("CRL signature algorithm %v", crl.SigAlg.Algorithm)
	}
	sig := crl.Sig.RightAlign()
	if h := hex.EncodeToString(sig); h[:8] != "05b5423d" || h[len(h)-8:] != "881d8135" {
		t.Fatalf("stored signature %s", h)
	}
	digest := verifySignedObject(t, pub, crl.SigAlg.Algorithm, crl.TBS.FullBytes, sig)
	if got := hex.EncodeToString(digest); got != "cd754c63546e5faf5814d2a0d540436186df4cbd7bf4ec7b30daccad96d34cfe" {
		t.Fatalf("GOST 34.311-95 digest %s", got)
	}
	// The legacy vendor OID names the same algorithm.
	verifySignedObject(t, pub, OIDLegacyGost2004Signature, crl.TBS.FullBytes, sig)
}

func TestKazakhCertificates(t *testing.T) {
	for _, tc := range []struct{ leaf, issuer string }{
		{"certs_ceo_valid_sign_2004_gost.cer", "ca_nca_gost_test.crt"},
		{"cms-leaf_gost2015_test.der", "ca_nca_gost2015_test.cer"},
	} {
		t.Run(tc.leaf, func(t *testing.T) {
			leaf := parseKZCert(t, readTestdata(t, tc.leaf))
			ca := parseKZCert(t, readTestdata(t, tc.issuer))
			verifySignedObject(t, ca.publicKey(t), leaf.signed.SigAlg.Algorithm, leaf.signed.TBS.FullBytes, leaf.signed.Sig.RightAlign())
			leaf.publicKey(t) // the leaf's own key parses and is on its curve
		})
	}
}

// OCSP responses signed by GOST responders (the responder certificate is inside).
type kzBasicOCSP struct {
	TBS    asn1.RawValue
	SigAlg kzAlgID
	Sig    asn1.BitString
	Certs  []asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

func TestKazakhOCSPResponses(t *testing.T) {
	for _, name := range []string{"ocsp_ocsp_response_ceo_sign_2004_revoked.bin", "ocsp_ocsp_response_ceo_2015_revoked.bin"} {
		t.Run(name, func(t *testing.T) {
			var resp struct {
				Status asn1.Enumerated
				Bytes  struct {
					Type     asn1.ObjectIdentifier
					Response []byte
				} `asn1:"explicit,tag:0"`
			}
			if _, err := asn1.Unmarshal(readTestdata(t, name), &resp); err != nil {
				t.Fatal(err)
			}
			var basic kzBasicOCSP
			if _, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil {
				t.Fatal(err)
			}
			if len(basic.Certs) == 0 {
				t.Fatal("no responder certificate")
			}
			responder := parseKZCert(t, basic.Certs[0].FullBytes)
			verifySignedObject(t, responder.publicKey(t), basic.SigAlg.Algorithm, basic.TBS.FullBytes, basic.Sig.RightAlign())
		})
	}
}

type kzContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type kzSignerInfo struct {
	Version       int
	SID           asn1.RawValue
	DigestAlg     kzAlgID
	SignedAttrs   asn1.RawValue `asn1:"optional,tag:0"`
	SigAlg        kzAlgID
	Signature     []byte
	UnsignedAttrs asn1.RawValue `asn1:"optional,tag:1"`
}

type kzSignedData struct {
	Version    int
	DigestAlgs asn1.RawValue
	Encap      struct {
		ContentType asn1.ObjectIdentifier
		Content     []byte `asn1:"explicit,optional,tag:0"`
	}
	Certificates asn1.RawValue  `asn1:"optional,tag:0"`
	CRLs         asn1.RawValue  `asn1:"optional,tag:1"`
	SignerInfos  []kzSignerInfo `asn1:"set"`
}

type kzAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // SET OF
}

func TestKazakhCMSGost2015(t *testing.T) {
	der, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(readTestdata(t, "cms_signed_gost2015_test.b64"))))
	if err != nil {
		t.Fatal(err)
	}
	var ci kzContentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatal(err)
	}
	var sd kzSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		t.Fatal(err)
	}
	if string(sd.Encap.Content) != "test123" {
		t.Fatalf("content %q", sd.Encap.Content)
	}
	// The certificates inside the CMS.
	var certs []*kzCert
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			t.Fatal(err)
		}
		certs = append(certs, parseKZCert(t, raw.FullBytes))
	}
	verified := 0
	for _, si := range sd.SignerInfos {
		if !si.DigestAlg.Algorithm.Equal(OIDKZStreebog512) {
			continue // the RSA signer
		}
		var sid struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if _, err := asn1.Unmarshal(si.SID.FullBytes, &sid); err != nil {
			t.Fatal(err)
		}
		var leaf *kzCert
		for _, c := range certs {
			if c.tbs.Serial.Cmp(sid.Serial) == 0 && bytes.Equal(c.tbs.Issuer.FullBytes, sid.Issuer.FullBytes) {
				leaf = c
			}
		}
		if leaf == nil {
			t.Fatal("signer certificate not in the CMS")
		}
		if !bytes.Equal(leaf.raw, readTestdata(t, "cms-leaf_gost2015_test.der")) {
			t.Fatal("the CMS signer is not cms-leaf_gost2015_test.der")
		}
		// messageDigest = Streebog-512(content), raw output bytes in stream order.
		var attrs []kzAttribute
		if _, err := asn1.UnmarshalWithParams(si.SignedAttrs.FullBytes, &attrs, "tag:0,set"); err != nil {
			t.Fatalf("signed attributes: %v", err)
		}
		want := SumStreebog512(sd.Encap.Content)
		found := false
		for _, a := range attrs {
			if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}) {
				var md []byte
				if _, err := asn1.Unmarshal(a.Values.Bytes, &md); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(md, want[:]) {
					t.Fatalf("messageDigest %x, want %x", md, want)
				}
				found = true
			}
		}
		if !found {
			t.Fatal("no messageDigest attribute")
		}
		// The signature covers the signed attributes re-encoded as a SET (tag 0x31).
		setBytes := append([]byte(nil), si.SignedAttrs.FullBytes...)
		setBytes[0] = 0x31
		verifySignedObject(t, leaf.publicKey(t), si.SigAlg.Algorithm, setBytes, si.Signature)
		verified++
	}
	if verified != 1 {
		t.Fatalf("verified %d GOST signers, want 1", verified)
	}
}
