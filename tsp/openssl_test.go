package tsp_test

import (
	"bytes"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/tsp"
)

// opensslBin returns the openssl binary: required in CI, else the test is skipped.
func opensslBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not found")
	}
	return p
}

// TestOpenSSL has openssl ts make the request (SHA-256 imprint, nonce, certReq)
// and verify the RSA TSA's answer against the root: signature, ESS
// signing-certificate-v2, the critical timeStamping EKU, imprint, nonce and the
// TSA name.
func TestOpenSSL(t *testing.T) {
	bin := opensslBin(t)
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
