package ocsp

import (
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/openssltest"
)

func writePEMFile(t *testing.T, path string, ders ...[]byte) string {
	t.Helper()
	var b strings.Builder
	for _, d := range ders {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d}))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenSSL checks that openssl ocsp agrees with the responder over POST (with
// and without a nonce) and GET, for good, revoked and never-issued serials.
func TestOpenSSL(t *testing.T) {
	bin := openssltest.Bin(t)
	e := newEnv(t)
	e.revoke(t, e.bad, core.ReasonKeyCompromise)
	mux := http.NewServeMux()
	e.r.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	issuer := writePEMFile(t, filepath.Join(dir, "issuer.pem"), e.issuer.Raw)
	trust := writePEMFile(t, filepath.Join(dir, "trust.pem"), e.root.Raw, e.issuer.Raw)
	good := writePEMFile(t, filepath.Join(dir, "good.pem"), e.good.Raw)
	bad := writePEMFile(t, filepath.Join(dir, "bad.pem"), e.bad.Raw)
	// The test clock is fixed: openssl verifies the responder certificate as of
	// that time (-attime) and allows the distance from its own clock to the
	// response's thisUpdate (-validity_period).
	validity := []string{"-attime", strconv.FormatInt(start.Add(time.Minute).Unix(), 10), "-validity_period", "100000000"}

	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(append([]string{"ocsp"}, args...), validity...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl ocsp %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if !strings.Contains(string(out), "Response verify OK") {
			t.Fatalf("openssl ocsp %s: response not verified\n%s", strings.Join(args, " "), out)
		}
		return string(out)
	}
	targets := []struct {
		name string
		args []string
		want []string
	}{
		{"good", []string{"-cert", good}, []string{": good"}},
		{"revoked", []string{"-cert", bad}, []string{": revoked", "Reason: keyCompromise"}},
		{"never issued", []string{"-serial", "0x0badc0ffee"}, []string{": revoked", "Reason: certificateHold", "Revocation Time: Jan  1 00:00:00 1970 GMT"}},
	}
	// Several certificates in one request (RFC 6960 §4.1.1): openssl asks about all
	// three at once (each CertID with its own hash), verifies the one response,
	// finds each certificate's SingleResponse by its CertID and prints its status.
	multi := []string{"-sha256", "-cert", good, "-sha1", "-cert", bad, "-sha256", "-serial", "0x0badc0ffee"}
	multiWant := []struct {
		name string
		want []string
	}{
		{good, []string{": good"}},
		{bad, []string{": revoked", "Reason: keyCompromise"}},
		{"0x0badc0ffee", []string{": revoked", "Reason: certificateHold", "Revocation Time: Jan  1 00:00:00 1970 GMT"}},
	}
	checkMulti := func(how, out string) {
		t.Helper()
		if strings.Contains(out, "No Status found") {
			t.Errorf("%s: a certificate has no SingleResponse\n%s", how, out)
		}
		for _, w := range multiWant {
			block := statusBlock(out, w.name)
			for _, s := range w.want {
				if !strings.Contains(block, s) {
					t.Errorf("%s: %s: no %q in\n%s", how, w.name, s, out)
				}
			}
		}
	}
	for _, nonce := range []string{"-nonce", "-no_nonce"} {
		out := run(append([]string{"-issuer", issuer, "-url", srv.URL + "/ocsp/" + ca.IssuingRSA, "-CAfile", trust, nonce}, multi...)...)
		checkMulti("POST several "+nonce, out)
		if nonce == "-nonce" && strings.Contains(out, "WARNING: no nonce in response") {
			t.Errorf("POST several: nonce not echoed\n%s", out)
		}
	}
	multiReq, multiResp := filepath.Join(dir, "several.req"), filepath.Join(dir, "several.resp")
	if out, err := exec.Command(bin, append([]string{"ocsp", "-issuer", issuer, "-no_nonce", "-reqout", multiReq}, multi...)...).CombinedOutput(); err != nil {
		t.Fatalf("openssl ocsp -reqout: %v\n%s", err, out)
	}
	multiDER, err := os.ReadFile(multiReq)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/ocsp/" + ca.IssuingRSA + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(multiDER)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET several: Cache-Control %q, want no-store", cc)
	}
	if err := os.WriteFile(multiResp, body, 0o644); err != nil {
		t.Fatal(err)
	}
	checkMulti("GET several", run(append([]string{"-issuer", issuer, "-respin", multiResp, "-CAfile", trust}, multi...)...))

	for _, tc := range targets {
		for _, nonce := range []string{"-nonce", "-no_nonce"} {
			for _, digest := range []string{"-sha1", "-sha256"} {
				args := append([]string{"-issuer", issuer, "-url", srv.URL + "/ocsp/" + ca.IssuingRSA, "-CAfile", trust, digest, nonce}, tc.args...)
				out := run(args...)
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("POST %s %s %s: no %q in\n%s", tc.name, nonce, digest, w, out)
					}
				}
				if nonce == "-nonce" && strings.Contains(out, "WARNING: no nonce in response") {
					t.Errorf("POST %s: nonce not echoed\n%s", tc.name, out)
				}
			}
		}
		// GET: openssl writes the request, the GET URL carries it, openssl reads the
		// answer back.
		reqFile, respFile := filepath.Join(dir, tc.name+".req"), filepath.Join(dir, tc.name+".resp")
		args := append([]string{"-issuer", issuer, "-no_nonce", "-reqout", reqFile}, tc.args...)
		if out, err := exec.Command(bin, append([]string{"ocsp"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("openssl ocsp -reqout: %v\n%s", err, out)
		}
		der, err := os.ReadFile(reqFile)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/ocsp/" + ca.IssuingRSA + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(der)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := os.WriteFile(respFile, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out := run(append([]string{"-issuer", issuer, "-respin", respFile, "-CAfile", trust}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("GET %s: no %q in\n%s", tc.name, w, out)
			}
		}
	}
}

// statusBlock returns the part of openssl ocsp's output about name: its status line
// and the indented lines after it ("" when name has none).
func statusBlock(out, name string) string {
	i := strings.Index(out, name+": ")
	if i < 0 {
		return ""
	}
	lines := strings.SplitAfter(out[i:], "\n")
	block := lines[0]
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "\t") {
			break
		}
		block += l
	}
	return block
}
