//go:build cgo

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/ca/softhsmtest"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	xocsp "golang.org/x/crypto/ocsp"
)

// TestKeyCeremonySoftHSM initialises a SoftHSM2 token, runs the key ceremony into it,
// starts the authority on the ceremony's outputs (which issues the operator's
// certificate and publishes CRLs, all signed in the token), then restarts it and signs
// again with the same keys; a second ceremony finds everything and says so.
func TestKeyCeremonySoftHSM(t *testing.T) {
	tok := softhsmtest.New(t, "nca-ceremony")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "ceremony.yaml")
	body := "data: " + data + "\norg: Ceremony Test NCA\nbase_url: http://nca.test\nkey_algorithm: rsa-2048\n" +
		"operator: Key Custodian A\nparticipants: [Witness B, Auditor C]\n" +
		"key_store:\n  type: pkcs11\n  module: " + tok.Module + "\n  token_label: " + tok.Label + "\n  pin_env: NCA_HSM_PIN\n" +
		"  software_cas: [root-gost, nca-gost]\n  password_env: NCA_CA_KEY_PASSWORD\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NCA_HSM_PIN": tok.PIN, "NCA_CA_KEY_PASSWORD": "ceremony key-file passphrase"}
	getenv := func(k string) string { return env[k] }
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ceremony := func() (ca.CeremonyRecord, string) {
		t.Helper()
		var out, errb bytes.Buffer
		clock = clock.Add(time.Minute)
		now := clock
		if err := initCeremony(context.Background(), []string{"--config", cfg}, &out, &errb, getenv, func() time.Time { return now }); err != nil {
			t.Fatalf("nca init: %v\n%s", err, errb.String())
		}
		if strings.Contains(out.String()+errb.String(), tok.PIN) {
			t.Fatal("nca init printed the PIN")
		}
		recs, _ := filepath.Glob(filepath.Join(data, "ceremony", "*.json"))
		if len(recs) == 0 {
			t.Fatal("no ceremony record")
		}
		b, err := os.ReadFile(recs[len(recs)-1])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), tok.PIN) {
			t.Fatal("the ceremony record holds the PIN")
		}
		var rec ca.CeremonyRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		return rec, out.String()
	}

	rec, out := ceremony()
	if rec.Operator != "Key Custodian A" || len(rec.Participants) != 2 || !strings.Contains(rec.KeyStore, "PKCS#11") {
		t.Fatalf("record header: %+v", rec)
	}
	if len(rec.CAs) != 4 {
		t.Fatalf("record CAs: %+v", rec.CAs)
	}
	for _, c := range rec.CAs {
		rsaCA := c.Name == ca.RootRSA || c.Name == ca.IssuingRSA
		if c.Key != "generated" || c.Certificate != "created" || (rsaCA && c.KeyAlgorithm != "RSA-2048") ||
			(!rsaCA && !strings.HasPrefix(c.KeyAlgorithm, "GOST-")) {
			t.Errorf("first ceremony, %s: key %s, certificate %s, %s", c.Name, c.Key, c.Certificate, c.KeyAlgorithm)
		}
		der, err := os.ReadFile(c.CertificateFile)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(der); hex.EncodeToString(sum[:]) != c.SHA256 || !strings.Contains(out, c.SHA256) {
			t.Errorf("%s: recorded fingerprint %s does not match the file", c.Name, c.SHA256)
		}
	}
	// Only the GOST CAs have key files, and they are encrypted.
	keys, _ := filepath.Glob(filepath.Join(data, "ca", "*.key"))
	if len(keys) != 2 {
		t.Fatalf("key files: %v, want the two GOST CAs'", keys)
	}
	for _, k := range keys {
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(filepath.Base(k), "root-gost") && !strings.HasPrefix(filepath.Base(k), "nca-gost") ||
			!bytes.HasPrefix(b, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
			t.Fatalf("%s is not an encrypted GOST CA key file", k)
		}
	}

	// The ceremony is repeatable: a second run finds the keys in the token.
	again, _ := ceremony()
	for i, c := range again.CAs {
		if c.Key != "found" || c.Certificate != "found" || c.SHA256 != rec.CAs[i].SHA256 {
			t.Errorf("second ceremony, %s: key %s, certificate %s, fingerprint changed: %v", c.Name, c.Key, c.Certificate, c.SHA256 != rec.CAs[i].SHA256)
		}
	}

	issuing := readCert(t, filepath.Join(data, "ca", ca.IssuingRSA+".cer"))
	c, err := parse(t, env, "--data", data, "--key-store", cfg, "--base-url", "http://nca.test")
	if err != nil {
		t.Fatal(err)
	}
	c.getenv = getenv
	log := slog.New(slog.DiscardHandler)
	var crlNumbers []int64
	var operator *x509.Certificate
	for start := 0; start < 2; start++ {
		a, err := assemble(context.Background(), c, log)
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		if start == 0 {
			// The operator's credential was issued by the HSM key.
			p12, err := os.ReadFile(a.operatorFile)
			if err != nil {
				t.Fatal(err)
			}
			cont, err := keyfile.Decode(p12, a.operatorPassword)
			if err != nil {
				t.Fatal(err)
			}
			if err := cont.Leaf().CheckSignatureFrom(issuing); err != nil {
				t.Fatalf("operator certificate: %v", err)
			}
			operator = cont.Leaf()
		}
		// The OCSP responder signs with its key in the token.
		req, err := xocsp.CreateRequest(operator, issuing, nil)
		if err != nil {
			t.Fatal(err)
		}
		ans := a.ocsp.Respond(context.Background(), ca.IssuingRSA, req)
		if resp, err := xocsp.ParseResponse(ans.DER, issuing); err != nil || resp.Status != xocsp.Good {
			t.Fatalf("start %d: OCSP answer about the operator (%s): %+v, %v", start, ans.Result, resp, err)
		}
		// The time-stamping and OCSP keys of the RSA CA are made in the token (one
		// more at each start), the GOST CA's in software; the token's TSA key signs
		// what its certificate verifies.
		for _, service := range []string{"tsa", "ocsp"} {
			if labels, err := a.keys.hsm.ServiceKeyLabels(service); err != nil || len(labels) != start+1 {
				t.Fatalf("start %d: %s keys in the token: %v, %v", start, service, labels, err)
			}
		}
		stampers := a.tsp.Stampers()
		if _, inToken := stampers[ca.IssuingRSA].Key.(interface{ Delete() error }); !inToken {
			t.Fatalf("start %d: the RSA TSA key is a %T, not a token key", start, stampers[ca.IssuingRSA].Key)
		}
		if _, soft := stampers[ca.IssuingGOST].Key.(*gost.PrivateKey); !soft {
			t.Fatalf("start %d: the GOST TSA key is a %T", start, stampers[ca.IssuingGOST].Key)
		}
		digest := sha256.Sum256([]byte("stamped"))
		sig, err := stampers[ca.IssuingRSA].Key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil || rsa.VerifyPKCS1v15(stampers[ca.IssuingRSA].Cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig) != nil {
			t.Fatalf("start %d: the token's TSA key and its certificate do not match: %v", start, err)
		}
		rr := httptest.NewRecorder()
		a.api.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/crl/"+ca.IssuingRSA+".crl", nil))
		if rr.Code != http.StatusOK {
			t.Fatalf("start %d: GET CRL: %d %s", start, rr.Code, rr.Body)
		}
		crl, err := x509.ParseRevocationList(rr.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(issuing); err != nil {
			t.Fatalf("start %d: CRL signature: %v", start, err)
		}
		crlNumbers = append(crlNumbers, crl.Number.Int64())
		a.close()
	}
	if crlNumbers[1] <= crlNumbers[0] {
		t.Fatalf("CRL numbers across the restart: %v", crlNumbers)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	der, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKeyCeremonyFailureIsRecorded: a ceremony that stops after generating keys (here:
// the GOST CAs, which no HSM holds, are not listed under software_cas) still writes
// its record, naming the keys it generated and why it stopped.
func TestKeyCeremonyFailureIsRecorded(t *testing.T) {
	tok := softhsmtest.New(t, "nca-failed")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "ceremony.yaml")
	body := "data: " + data + "\norg: Ceremony Test NCA\nbase_url: http://nca.test\nkey_algorithm: rsa-2048\noperator: Key Custodian A\n" +
		"key_store:\n  type: pkcs11\n  module: " + tok.Module + "\n  token_label: " + tok.Label + "\n  pin_env: NCA_HSM_PIN\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"NCA_HSM_PIN": tok.PIN}[k] }
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	var out, errb bytes.Buffer
	if err := initCeremony(context.Background(), []string{"--config", cfg}, &out, &errb, getenv, now); err == nil {
		t.Fatal("a ceremony putting GOST CA keys into the HSM succeeded")
	}
	recs, _ := filepath.Glob(filepath.Join(data, "ceremony", "*.json"))
	if len(recs) != 1 {
		t.Fatalf("records after the failed ceremony: %v", recs)
	}
	b, err := os.ReadFile(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec ca.CeremonyRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	steps := strings.Join(rec.Steps, "\n")
	if rec.Error == "" || !strings.Contains(steps, ca.RootRSA+": key generated") || !strings.Contains(steps, ca.IssuingRSA+": key generated") ||
		strings.Contains(string(b), tok.PIN) {
		t.Fatalf("record of the failed ceremony:\n%s", b)
	}
}
