package e2e

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
)

// GOST end to end with the real binaries: a legal entity's first head makes a GOST
// 2015-512 signing key and an RSA authentication key (eds keygen --alg gost2015),
// applies, is identified and approved; the SIGN certificate comes from the GOST
// issuing CA and the AUTH certificate from the RSA one; eds fetch installs them; eds
// sign makes a CMS with both keys and eds verify accepts it against the authority's
// roots with CRL checking; gost-engine independently accepts the GOST certificate,
// the GOST CA certificates and the GOST CRL; after revocation at the desk eds verify
// reports the signer revoked.
func TestGOSTEndToEnd(t *testing.T) {
	gostengine.Require(t)
	w := newWorld(t)
	for _, want := range []string{"root-gost", "nca-gost"} {
		if !strings.Contains(w.s.output(), want) {
			t.Errorf("the start-up report lacks %q:\n%s", want, w.s.output())
		}
	}
	keys := filepath.Join(w.dir, "gost-head")
	must(t, w.b, citizenPW, "keygen", "--dir", keys, "--alg", "gost2015")
	signP12 := keyFile(t, keys, "GOSTKNCA_*.p12")
	authP12 := keyFile(t, keys, "AUTH_RSA256_*.p12")

	head := w.demo("legal_entity", "first_head", "")
	out := must(t, w.b, citizenPW, w.applyArgs(head, keys)...)
	number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	w.identify(number)
	st := w.status(number)
	if st.State != core.StateIssued || len(st.Certificates) != 2 {
		t.Fatalf("after approve: %+v", st)
	}
	var issued wire.CertificatesResponse
	if err := json.Unmarshal(get(t, w.s.url+"/api/v1/applications/"+number+"/certificates"), &issued); err != nil {
		t.Fatal(err)
	}
	for _, ic := range issued.Certificates {
		want := "nca-rsa"
		if ic.Type == core.CertSign {
			want = "nca-gost"
		}
		if ic.Issuer != want {
			t.Errorf("%s certificate issued by %s, want %s", ic.Type, ic.Issuer, want)
		}
	}
	must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", keys, number)

	// The SIGN certificate: GOST, from nca-gost, national encoding; the AUTH one: RSA
	// from nca-rsa, verified by openssl.
	info := must(t, w.b, citizenPW, "info", "--json", signP12)
	var parsed struct {
		Certificate struct {
			Type, BIN, Issuer string
			SigAlg            string `json:"signature_algorithm"`
			Key               struct{ Algorithm string }
		}
	}
	if err := json.Unmarshal([]byte(info), &parsed); err != nil {
		t.Fatalf("eds info --json: %v\n%s", err, info)
	}
	c := parsed.Certificate
	if c.Type != "SIGN" || c.BIN != head.BIN || !strings.Contains(c.Issuer, "NCA (GOST)") ||
		!strings.HasPrefix(c.Key.Algorithm, "GOST 34.10-2015 512-bit") || !strings.Contains(c.SigAlg, "1.2.398.3.10.1.1.2.3.2") {
		t.Fatalf("GOST SIGN certificate: %+v", c)
	}
	authLeaf := w.leafOf(authP12)
	w.verify(authLeaf)

	gostRoot := mustParse(t, get(t, w.s.url+"/ca/root-gost.cer"))
	gostSub := mustParse(t, get(t, w.s.url+"/ca/nca-gost.cer"))
	subKey, err := pki.PublicKeyOf(gostSub)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, _ := pki.PublicKeyOf(gostRoot)
	signLeafDER := leafOfGOST(t, signP12)
	for name, c := range map[string]struct {
		der []byte
		key any
	}{
		"root-gost certificate":     {gostRoot.Raw, rootKey},
		"nca-gost certificate":      {gostSub.Raw, rootKey},
		"the GOST SIGN certificate": {signLeafDER, subKey},
		"the nca-gost CRL":          {get(t, w.s.url+"/crl/nca-gost.crl"), subKey},
	} {
		if ok, out := gostengine.VerifySigned(t, c.der, c.key.(*gost.PublicKey)); !ok {
			t.Errorf("gost-engine refuses %s: %s", name, out)
		}
	}

	// Sign with both keys; verify against the authority's roots, with CRLs.
	doc := filepath.Join(w.dir, "contract.txt")
	os.WriteFile(doc, []byte("Договор поставки №7\n"), 0o600)
	sig := filepath.Join(w.dir, "contract.p7s")
	must(t, w.b, citizenPW, "sign", "--key", signP12, "--key", authP12, "--detached", "--out", sig, doc)
	out = must(t, w.b, "", "verify", "--server", w.s.url, "--content", doc, sig)
	for _, want := range []string{"signer 1: valid", "signer 2: valid", "kz-gost2015-512-with-streebog512", "sha256WithRSAEncryption",
		// Both signers' status comes from OCSP: the GOST CA's responder signs with
		// GOST 2015, which eds reads (pki.ParseOCSPResponse).
		"revocation: good (OCSP " + w.s.url + "/ocsp/nca-gost", "revocation: good (OCSP " + w.s.url + "/ocsp/nca-rsa", "bin: " + head.BIN, "type: SIGN", "type: AUTH"} {
		if !strings.Contains(out, want) {
			t.Errorf("eds verify lacks %q:\n%s", want, out)
		}
	}

	// The same signatures time-stamped by the authority (CAdES-T): the GOST signer's
	// by the GOST TSA, the RSA signer's by the RSA one.
	sigTS := filepath.Join(w.dir, "contract-t.p7s")
	must(t, w.b, citizenPW, "sign", "--key", signP12, "--key", authP12, "--detached", "--tsa", w.s.url+"/tsp", "--out", sigTS, doc)
	out = must(t, w.b, "", "verify", "--server", w.s.url, "--content", doc, sigTS)
	if strings.Count(out, "checked as of: the time stamp") != 2 || !strings.Contains(out, "policy GOST") || !strings.Contains(out, "policy SHA-256") ||
		strings.Count(out, "TIME-STAMPING AUTHORITY") != 2 || strings.Count(out, "TSA certificate good") != 2 || !strings.Contains(out, "signer 1: valid") || !strings.Contains(out, "signer 2: valid") {
		t.Fatalf("eds verify of the time-stamped signatures:\n%s", out)
	}
	// A revocation in a later second than the time stamps (they state whole seconds).
	time.Sleep(1100 * time.Millisecond)

	// Revoke the GOST SIGN certificate: eds verify reports it revoked.
	leaf := mustParse(t, signLeafDER)
	w.desk("revoke", leaf.SerialNumber.Text(16), "--reason", "key_compromise", "--detail", "the token was lost")
	r := eds(t, w.b, "", "verify", "--server", w.s.url, "--content", doc, sig)
	if r.code == 0 || !strings.Contains(r.stdout, "signer 1: INVALID") || !strings.Contains(r.stdout, "revocation: REVOKED at") ||
		!strings.Contains(r.stdout, "/ocsp/nca-gost") || !strings.Contains(r.stdout, "signer 2: valid") {
		t.Fatalf("eds verify after revocation: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The time-stamped signature was made before the revocation: it stays valid.
	out = must(t, w.b, "", "verify", "--server", w.s.url, "--content", doc, sigTS)
	if !strings.Contains(out, "signer 1: valid") || !strings.Contains(out, "revocation: good at the time stamp; REVOKED at") {
		t.Fatalf("eds verify of the time-stamped signature after the revocation:\n%s", out)
	}
	// With --at, an OCSP answer (which speaks of now) is not used: the RSA signer's
	// status comes from its CRL.
	r = eds(t, w.b, "", "verify", "--server", w.s.url, "--at", time.Now().UTC().Format(time.RFC3339), "--content", doc, sig)
	if !strings.Contains(r.stdout, "revocation: good ("+w.s.url+"/crl/nca-rsa.crl") {
		t.Errorf("eds verify --at does not use the RSA CRL:\n%s%s", r.stdout, r.stderr)
	}
	// Revoke the RSA AUTH certificate too: the OCSP answer says so at once.
	authCert := mustParsePEMFile(t, authLeaf)
	w.desk("revoke", authCert.SerialNumber.Text(16), "--reason", "key_compromise", "--detail", "the token was lost")
	r = eds(t, w.b, "", "verify", "--server", w.s.url, "--content", doc, sig)
	if r.code == 0 || !strings.Contains(r.stdout, "signer 2: INVALID") || !strings.Contains(r.stdout, "/ocsp/nca-rsa") ||
		strings.Count(r.stdout, "revocation: REVOKED at") != 2 {
		t.Fatalf("eds verify after revoking the AUTH certificate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The CRL that says so verifies with gost-engine too.
	if ok, out := gostengine.VerifySigned(t, get(t, w.s.url+"/crl/nca-gost.crl"), subKey.(*gost.PublicKey)); !ok {
		t.Errorf("gost-engine refuses the nca-gost CRL after revocation: %s", out)
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// leafOfGOST reads the certificate installed in a GOST key file (openssl cannot open a
// PKCS#12 with the national GOST key OIDs; keyfile can).
func leafOfGOST(t *testing.T, p12 string) []byte {
	t.Helper()
	b, err := os.ReadFile(p12)
	if err != nil {
		t.Fatal(err)
	}
	c, err := keyfile.Decode(b, citizenPW)
	if err != nil {
		t.Fatalf("%s: %v", p12, err)
	}
	if c.Leaf() == nil {
		t.Fatalf("%s holds no certificate", p12)
	}
	return c.Leaf().Raw
}

func mustParsePEMFile(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(readFile(t, path)))
	if block == nil {
		t.Fatalf("%s holds no PEM block", path)
	}
	return mustParse(t, block.Bytes)
}
