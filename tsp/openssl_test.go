package tsp_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/internal/openssltest"
	"github.com/opennca/nca/tsp"
)

// TestOpenSSL has openssl ts make the request (SHA-256 imprint, nonce, certReq)
// and verify the RSA TSA's answer against the root: signature, ESS
// signing-certificate-v2, the critical timeStamping EKU, imprint, nonce and the
// TSA name.
func TestOpenSSL(t *testing.T) {
	bin := openssltest.Bin(t)
	e := newEnv(t)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if err := os.WriteFile(path("data.txt"), []byte("a document to stamp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	iss, err := e.ca.Issuer(ca.IssuingRSA)
	if err != nil {
		t.Fatal(err)
	}
	writePEM := func(name string, ders ...[]byte) {
		var b bytes.Buffer
		for _, d := range ders {
			pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d})
		}
		if err := os.WriteFile(path(name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writePEM("root.pem", iss.Chain[len(iss.Chain)-1].Raw)
	writePEM("issuing.pem", iss.Cert.Raw)

	run("ts", "-query", "-data", path("data.txt"), "-sha256", "-cert", "-out", path("req.tsq"))
	query, err := os.ReadFile(path("req.tsq"))
	if err != nil {
		t.Fatal(err)
	}
	code, reply := e.post(t, "/tsp", "application/timestamp-query", query)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	if resp, err := tsp.ParseResponse(reply); err != nil || resp.Status != tsp.StatusGranted {
		t.Fatalf("%+v %v", resp, err)
	}
	if err := os.WriteFile(path("reply.tsr"), reply, 0o644); err != nil {
		t.Fatal(err)
	}
	text := run("ts", "-reply", "-in", path("reply.tsr"), "-text")
	for _, want := range []string{"Status: Granted", "Policy OID: 1.2.398.3.3.2.6.2", "Hash Algorithm: sha256", "TSA: DirName:"} {
		if !strings.Contains(text, want) {
			t.Errorf("openssl ts -reply -text lacks %q:\n%s", want, text)
		}
	}
	out := run("ts", "-verify", "-queryfile", path("req.tsq"), "-in", path("reply.tsr"),
		"-CAfile", path("root.pem"), "-untrusted", path("issuing.pem"))
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify (query): %s", out)
	}
	out = run("ts", "-verify", "-data", path("data.txt"), "-in", path("reply.tsr"),
		"-CAfile", path("root.pem"), "-untrusted", path("issuing.pem"))
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify (data): %s", out)
	}
	// Other data must not verify.
	if err := os.WriteFile(path("other.txt"), []byte("another document\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "ts", "-verify", "-data", path("other.txt"), "-in", path("reply.tsr"),
		"-CAfile", path("root.pem"), "-untrusted", path("issuing.pem")).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified the token over other data:\n%s", out)
	}
}

// TestVerifyOpenSSLToken reads and verifies a token OpenSSL's own TSA makes: genTime
// with milliseconds, an accuracy, ordering, the SHA-1 signing-certificate (v1), and
// the request built by NewRequest (SHA-512 imprint, nonce, certReq).
func TestVerifyOpenSSLToken(t *testing.T) {
	bin := openssltest.Bin(t)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("tsa.key"), "-out", path("tsa.pem"),
		"-subj", "/CN=OpenSSL TSA", "-addext", "extendedKeyUsage=critical,timeStamping", "-days", "2")
	conf := `[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = ` + path("serial") + `
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha1, sha256, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha1
`
	// OpenSSL stamps with the serial after the one in the file.
	for name, body := range map[string]string{"ts.cnf": conf, "serial": "2A\n"} {
		if err := os.WriteFile(path(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := []byte("stamped by OpenSSL")
	digest, _ := tsp.HashData(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, data)
	nonce := big.NewInt(0x5eed)
	req, err := tsp.NewRequest(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, digest, nil, nonce, true)
	if err != nil {
		t.Fatal(err)
	}
	query, _ := req.Marshal()
	if err := os.WriteFile(path("req.tsq"), query, 0o644); err != nil {
		t.Fatal(err)
	}
	run("ts", "-reply", "-config", path("ts.cnf"), "-queryfile", path("req.tsq"), "-signer", path("tsa.pem"),
		"-inkey", path("tsa.key"), "-out", path("resp.tsr"))
	der, err := os.ReadFile(path("resp.tsr"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tsp.ParseResponse(der)
	if err != nil || resp.Status != tsp.StatusGranted {
		t.Fatalf("%+v %v", resp, err)
	}
	tok, err := tsp.ParseToken(resp.Token)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tok.Verify(tsp.VerifyOptions{Data: data, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	in := tok.Info
	if cert.Subject.CommonName != "OpenSSL TSA" || !tok.SignedData.Signers[0].SigningCertificate ||
		in.SerialNumber.Int64() != 0x2b || !in.Ordering || in.Accuracy != 1500100*time.Microsecond ||
		!in.Policy.Equal(asn1.ObjectIdentifier{1, 2, 3, 4, 1}) || time.Since(in.GenTime).Abs() > time.Minute {
		t.Errorf("token by %s: %+v", cert.Subject, in)
	}
	if _, err := tok.Verify(tsp.VerifyOptions{Data: []byte("other")}); err == nil {
		t.Error("OpenSSL's token verified over other data")
	}
}
