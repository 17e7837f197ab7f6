package ca

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
)

// russianTwin re-emits cert under the Russian OIDs OpenSSL's gost-engine knows: the
// signature algorithm id-tc26-signwithdigest-gost3410-12-512 (no parameters) inside and
// outside the TBSCertificate, the subject key under id-tc26-gost3410-12-512 with its
// curve, and a signature by signer in the RFC 4491 layout. Everything else — names,
// validity, extensions — is the certificate's own bytes.
func russianTwin(t *testing.T, cert *x509.Certificate, signer *gost.PrivateKey) []byte {
	t.Helper()
	pub, err := pki.PublicKeyOf(cert)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := pki.MarshalPublicKeyRussian(pub.(*gost.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	var ab cryptobyte.Builder
	ab.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(gost.OIDGost2012Signature512) })
	algID := ab.BytesOrPanic()
	in := cryptobyte.String(cert.RawTBSCertificate)
	var body cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) {
		t.Fatal("TBSCertificate")
	}
	var fields [][]byte
	for !body.Empty() {
		var f cryptobyte.String
		if !body.ReadAnyASN1Element(&f, nil) {
			t.Fatal("TBSCertificate field")
		}
		fields = append(fields, f)
	}
	fields[2], fields[6] = algID, spki // [0] version, serial, signature, issuer, validity, subject, spki
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, f := range fields {
			b.AddBytes(f)
		}
	})
	tbs := tb.BytesOrPanic()
	digest := gost.SumStreebog512(tbs)
	sig, err := signer.SignDigest(nil, digest[:], gost.LayoutRFC4491)
	if err != nil {
		t.Fatal(err)
	}
	var cb cryptobyte.Builder
	cb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddBytes(algID)
		b.AddASN1BitString(sig)
	})
	return cb.BytesOrPanic()
}

// OpenSSL with gost-engine verifies the chain of Russian-OID twins of our GOST root,
// issuing CA and end-entity certificates (every profile issued with a GOST 2015-512
// key): its X.509 code accepts our names, validity and extensions on GOST
// certificates, and builds the chain with our key identifiers.
func TestOpenSSLVerifiesGOSTTwins(t *testing.T) {
	gostengine.Require(t)
	a := sharedAuthority(t)
	root, _ := a.issuer(RootGOST)
	sub, _ := a.issuer(IssuingGOST)
	rootKey, subKey := root.signer.(*gost.PrivateKey), sub.signer.(*gost.PrivateKey)
	dir := t.TempDir()
	write := func(name string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootPEM := write("root.pem", russianTwin(t, root.Cert, rootKey))
	subPEM := write("sub.pem", russianTwin(t, sub.Cert, rootKey))
	at := fmt.Sprint(testNow.Add(time.Hour).Unix())
	n := 0
	for name, cert := range issueAllGOST(t, a) {
		if !strings.HasSuffix(name, "/gost2015") {
			continue // gost-engine's GOST 2001 keys hash with the CryptoPro S-box, not the Kazakh one
		}
		leaf := write(strings.ReplaceAll(name, "/", "_")+".pem", russianTwin(t, cert, subKey))
		out, err := exec.Command("openssl", "verify", "-engine", "gost", "-attime", at, "-CAfile", rootPEM, "-untrusted", subPEM, leaf).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Errorf("%s: openssl verify -engine gost: %v\n%s", name, err, out)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no GOST 2015 certificate checked")
	}
	// A twin signed by the wrong CA key is refused: the check can fail.
	k2015, _ := gostSubjectKeys()
	for name, cert := range issueAllGOST(t, a) {
		leaf := write("wrong.pem", russianTwin(t, cert, k2015))
		out, err := exec.Command("openssl", "verify", "-engine", "gost", "-attime", at, "-CAfile", rootPEM, "-untrusted", subPEM, leaf).CombinedOutput()
		if err == nil {
			t.Fatalf("%s signed by another key: openssl accepted it:\n%s", name, out)
		}
		break
	}
}
