package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/webkeys"
)

func TestParseInterspersed(t *testing.T) {
	ta := newTestApp(t, nil)
	cases := []struct {
		args     []string
		docs     []string
		pos      []string
		wantFail bool
	}{
		{[]string{"N1", "--doc", "a", "--doc", "b"}, []string{"a", "b"}, []string{"N1"}, false},
		{[]string{"--doc", "a", "N1", "--doc=b"}, []string{"a", "b"}, []string{"N1"}, false},
		{[]string{"--doc", "a", "--", "--N1"}, []string{"a"}, []string{"--N1"}, false},
		{[]string{"N1", "N2"}, nil, []string{"N1", "N2"}, false},
		{[]string{"--nope"}, nil, nil, true},
		{[]string{"N1", "--doc"}, nil, nil, true},
	}
	for _, tc := range cases {
		fs := ta.flags("x", "eds x", "")
		var docs stringList
		fs.Var(&docs, "doc", "")
		pos, err := fs.parse(tc.args)
		if tc.wantFail {
			if _, ok := err.(*usageError); !ok {
				t.Errorf("%v: got %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual([]string(docs), tc.docs) || !reflect.DeepEqual(pos, tc.pos) {
			t.Errorf("%v: docs %v pos %v err %v", tc.args, docs, pos, err)
		}
	}
}

func TestUsageAndExitCodes(t *testing.T) {
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	cases := []struct {
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{nil, exitUsage, "", "usage: eds COMMAND"},
		{[]string{"help"}, exitOK, "keygen", ""},
		{[]string{"help", "apply"}, exitOK, "usage: eds apply", ""},
		{[]string{"help", "nope"}, exitUsage, "", `unknown command "nope"`},
		{[]string{"nope"}, exitUsage, "", `unknown command "nope"`},
		{[]string{"keygen", "-h"}, exitOK, "RSA256_<id>.p12", ""},
		{[]string{"keygen"}, exitUsage, "", "--dir KEYS is required"},
		{[]string{"keygen", "--dir", t.TempDir(), "--alg", "dsa"}, exitUsage, "", `unknown --alg "dsa"`},
		{[]string{"keygen", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{[]string{"status", "--server", "http://127.0.0.1:1"}, exitUsage, "", "missing NUMBER"},
		{[]string{"status", "N1"}, exitUsage, "", "--server URL is required"},
		{[]string{"status", "--server", "ftp://x", "N1"}, exitUsage, "", "want http:// or https://"},
		{[]string{"apply", "--server", "http://127.0.0.1:1", "--template", "nope"}, exitUsage, "", `unknown template "nope"`},
		{[]string{"apply", "--server", "http://127.0.0.1:1", "--template", "individual", "--agree"}, exitUsage, "", "--dir KEYS is required"},
		{[]string{"desk"}, exitUsage, "", "missing subcommand"},
		{[]string{"desk", "-h"}, exitOK, "refuse-documents", ""},
		{[]string{"desk", "fly"}, exitUsage, "", `unknown subcommand "fly"`},
		{[]string{"desk", "refuse", "--server", "http://x", "--key", "k.p12", "N1", "--reason", "dislike"}, exitUsage, "", "--reason must be one of"},
		{[]string{"desk", "revoke", "--server", "http://x", "--key", "k.p12", "1a", "--reason", "boredom"}, exitUsage, "", "--reason must be one of"},
		{[]string{"desk", "accept", "--server", "http://x", "--key", "k.p12", "N1"}, exitUsage, "", "--doc ID"},
		{[]string{"desk", "list", "--server", "http://x"}, exitUsage, "", "--key FILE is required"},
		{[]string{"head", "reject", "--server", "http://x", "--key", "k.p12", "N1"}, exitUsage, "", "--reason is required"},
		{[]string{"info"}, exitUsage, "", "missing FILE"},
		{[]string{"info", filepath.Join(t.TempDir(), "missing.p12")}, exitError, "", "no such file"},
		{[]string{"status", "--server", "http://127.0.0.1:1", "N1"}, exitError, "", "eds status: cannot reach the server"},
	}
	for _, tc := range cases {
		code := ta.run(t, tc.args...)
		if code != tc.code {
			t.Errorf("eds %v: exit %d, want %d", tc.args, code, tc.code)
		}
		if !strings.Contains(ta.out.String(), tc.stdout) {
			t.Errorf("eds %v: stdout lacks %q", tc.args, tc.stdout)
		}
		if !strings.Contains(ta.errb.String(), tc.stderr) {
			t.Errorf("eds %v: stderr lacks %q", tc.args, tc.stderr)
		}
	}
}

func TestKeyNaming(t *testing.T) {
	k := testKey(t, 0)
	id, err := webkeys.KeyID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if want := spkiID(t, k.Public()); id != want || len(id) != 16 {
		t.Fatalf("keyID %q, want %q", id, want)
	}
	sign, auth := keyPaths("KEYS", id)
	if sign != filepath.Join("KEYS", "RSA256_"+id+".p12") || auth != filepath.Join("KEYS", "AUTH_RSA256_"+id+".p12") {
		t.Errorf("paths %s %s", sign, auth)
	}

	dir := t.TempDir()
	if _, err := pickPair(dir, ""); err == nil || !strings.Contains(err.Error(), "eds keygen") {
		t.Errorf("empty dir: %v", err)
	}
	for _, n := range []string{
		"RSA256_0123456789abcdef.p12", "AUTH_RSA256_0123456789abcdef.p12", // a pair
		"RSA256_fedcba9876543210.p12", "AUTH_RSA256_fedcba9876543210.p12", // another pair
		"RSA256_1111111111111111.p12",       // no AUTH half
		"RSA256_0123456789ABCDEF.p12",       // upper case: not ours
		"AUTH_RSA256_0123.p12", "notes.txt", // noise
	} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := keyPairs(dir)
	if err != nil || !reflect.DeepEqual(ids, []string{"0123456789abcdef", "fedcba9876543210"}) {
		t.Fatalf("keyPairs %v %v", ids, err)
	}
	if _, err := pickPair(dir, ""); err == nil || !strings.Contains(err.Error(), "0123456789abcdef, fedcba9876543210") {
		t.Errorf("two pairs without --id: %v", err)
	}
	if id, err := pickPair(dir, "fedcba9876543210"); err != nil || id != "fedcba9876543210" {
		t.Errorf("--id: %s %v", id, err)
	}
	if _, err := pickPair(dir, "1111111111111111"); err == nil {
		t.Error("half a pair was picked")
	}
	if safeName("../a/b c") != ".._a_b_c" || safeName("..") != "_" {
		t.Errorf("safeName: %q", safeName("../a/b c"))
	}
}

func TestKeygen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	if code := ta.run(t, "keygen", "--dir", dir); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(ta.out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id: ") {
		t.Fatalf("output %q", lines)
	}
	id := strings.TrimPrefix(lines[0], "id: ")
	signPath, authPath := keyPaths(dir, id)
	if lines[1] != "sign: "+signPath || lines[2] != "auth: "+authPath {
		t.Errorf("output %q", lines)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v %v", st.Mode(), err)
	}
	sign, auth := decodeFile(t, signPath), decodeFile(t, authPath)
	for _, p := range []string{signPath, authPath} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v %v", p, st.Mode(), err)
		}
	}
	if len(sign.Certs) != 0 || len(auth.Certs) != 0 || sign.Leaf() != nil {
		t.Error("key files should hold no certificate yet")
	}
	if got := spkiID(t, sign.Key.Public()); got != id {
		t.Errorf("id %s is not the signing key's %s", id, got)
	}
	if sign.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(auth.Key.Public()) {
		t.Error("signing and authentication keys are the same")
	}
	if strings.Contains(ta.out.String()+ta.errb.String(), testPassword) {
		t.Error("the password was printed")
	}
}

func TestKeygenPasswords(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	emptyFile := filepath.Join(dir, "empty")
	_ = os.WriteFile(pwFile, []byte(testPassword+"\nignored second line\n"), 0o600)
	_ = os.WriteFile(emptyFile, []byte("\n"), 0o600)

	t.Run("no source, no terminal", func(t *testing.T) {
		ta := newTestApp(t, nil)
		if code := ta.run(t, "keygen", "--dir", filepath.Join(dir, "a")); code != exitError {
			t.Fatalf("exit %d", code)
		}
		if !strings.Contains(ta.errb.String(), "--password-file") {
			t.Error("the message does not say where a password can come from")
		}
	})
	t.Run("empty password file", func(t *testing.T) {
		ta := newTestApp(t, nil)
		if code := ta.run(t, "keygen", "--dir", filepath.Join(dir, "b"), "--password-file", emptyFile); code != exitError || !strings.Contains(ta.errb.String(), "empty") {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("empty at the prompt", func(t *testing.T) {
		ta := newTestApp(t, nil)
		ta.readPassword = func(string) (string, error) { return "", nil }
		if code := ta.run(t, "keygen", "--dir", filepath.Join(dir, "c")); code != exitError || !strings.Contains(ta.errb.String(), "must not be empty") {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("prompt twice, different", func(t *testing.T) {
		ta := newTestApp(t, nil)
		answers := []string{"one password", "another one"}
		ta.readPassword = func(string) (string, error) { a := answers[0]; answers = answers[1:]; return a, nil }
		if code := ta.run(t, "keygen", "--dir", filepath.Join(dir, "d")); code != exitError || !strings.Contains(ta.errb.String(), "differ") {
			t.Fatalf("exit %d", code)
		}
		if _, err := os.Stat(filepath.Join(dir, "d")); err == nil {
			entries, _ := os.ReadDir(filepath.Join(dir, "d"))
			if len(entries) > 0 {
				t.Error("files written after a password mismatch")
			}
		}
	})
	t.Run("password file wins over the environment", func(t *testing.T) {
		ta := newTestApp(t, map[string]string{"EDS_PASSWORD": "not this one"})
		kd := filepath.Join(dir, "e")
		if code := ta.run(t, "keygen", "--dir", kd, "--password-file", pwFile); code != exitOK {
			t.Fatalf("exit %d", code)
		}
		ids, _ := keyPairs(kd)
		sign, _ := keyPaths(kd, ids[0])
		decodeFile(t, sign) // decodes with testPassword
	})
}

// applyArgs are the flags of an individual's application.
func applyArgs(server, dir string) []string {
	return []string{"apply", "--server", server, "--dir", dir, "--template", "individual",
		"--iin", "871008401427", "--surname", "Иванова", "--name", "Айгерім", "--patronymic", "Серікқызы",
		"--region", "Almaty", "--city", "Almaty", "--email", "a@example.kz", "--phone", "+77010000000", "--lang", "kk"}
}

func TestApplyStatusFetch(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	id := writePair(t, dir, 0, 1)
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})

	// Without --agree nothing is sent.
	if code := ta.run(t, applyArgs(f.srv.URL, dir)...); code != exitError {
		t.Fatalf("apply without --agree: exit %d", code)
	}
	for _, want := range []string{"--agree", "certificate policy", "user agreement", "personal data", "e-mail"} {
		if !strings.Contains(ta.errb.String(), want) {
			t.Errorf("refusal lacks %q", want)
		}
	}
	if f.count("POST /api/v1/applications") != 0 {
		t.Fatal("an application was sent without --agree")
	}

	if code := ta.run(t, append(applyArgs(f.srv.URL, dir), "--agree")...); code != exitOK {
		t.Fatalf("apply: exit %d", code)
	}
	out := strings.Split(ta.out.String(), "\n")
	if out[0] != testNumber {
		t.Errorf("first line %q, want the number alone", out[0])
	}
	for _, want := range []string{
		"state: awaiting_identification",
		"deadline: 2026-02-04T09:30:00Z",
		"next steps: Visit a registration centre within 30 days with your identity document.",
		"documents:",
		"  - identity_document: Identity document (required)",
		"saved: " + filepath.Join(dir, "application-"+testNumber+".json"),
	} {
		if !strings.Contains(ta.out.String(), want+"\n") {
			t.Errorf("apply output lacks %q", want)
		}
	}
	var saved wire.SubmitResponse
	data, err := os.ReadFile(filepath.Join(dir, "application-"+testNumber+".json"))
	if err != nil || json.Unmarshal(data, &saved) != nil || saved.Number != testNumber {
		t.Errorf("saved answer: %v %s", err, data)
	}

	// What the server received.
	req := f.lastSubmitted()
	if req.Template != "individual" || req.Consents != (wire.Consents{Policy: true, Agreement: true, PersonalData: true, Notifications: true}) {
		t.Errorf("template/consents %+v", req)
	}
	wantAp := core.Applicant{IIN: "871008401427", Surname: "Иванова", Name: "Айгерім", Patronymic: "Серікқызы", Region: "Almaty",
		City: "Almaty", Email: "a@example.kz", Phone: "+77010000000", Language: "kk"}
	if !reflect.DeepEqual(req.Applicant, wantAp) {
		t.Errorf("applicant %+v, want %+v", req.Applicant, wantAp)
	}
	if len(req.Requests) != 2 || req.Requests[0].Type != core.CertSign || req.Requests[1].Type != core.CertAuth {
		t.Fatalf("requests %+v", req.Requests)
	}
	signPath, authPath := keyPaths(dir, id)
	for i, path := range []string{signPath, authPath} {
		csr, err := x509.ParseCertificateRequest(req.Requests[i].CSR)
		if err != nil {
			t.Fatal(err)
		}
		if err := csr.CheckSignature(); err != nil {
			t.Errorf("request %d: signature: %v", i, err)
		}
		if csr.SignatureAlgorithm != x509.SHA256WithRSA {
			t.Errorf("request %d: %v", i, csr.SignatureAlgorithm)
		}
		key := decodeFile(t, path).Key
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(csr.PublicKey) {
			t.Errorf("request %d does not carry the key of %s", i, path)
		}
		if cn := csr.Subject.CommonName; cn != "ИВАНОВА АЙГЕРІМ" || csr.Subject.SerialNumber != "IIN871008401427" {
			t.Errorf("request %d subject %v", i, csr.Subject)
		}
	}

	// Status, text and JSON.
	if code := ta.run(t, "status", "--server", f.srv.URL, testNumber); code != exitOK {
		t.Fatalf("status: exit %d", code)
	}
	for _, want := range []string{"number: " + testNumber, "state: awaiting_identification", "deadline: 2026-02-04T09:30:00Z",
		"history:", "  2026-01-05T09:30:00Z submit - -> awaiting_identification by applicant"} {
		if !strings.Contains(ta.out.String(), want+"\n") {
			t.Errorf("status output lacks %q", want)
		}
	}
	if code := ta.run(t, "status", "--server", f.srv.URL, "--json", testNumber); code != exitOK {
		t.Fatalf("status --json: exit %d", code)
	}
	var st wire.Status
	if err := json.Unmarshal(ta.out.Bytes(), &st); err != nil || st.Number != testNumber {
		t.Errorf("status --json: %v", err)
	}
	if code := ta.run(t, "status", "--server", f.srv.URL, "NOPE"); code != exitError || !strings.Contains(ta.errb.String(), "no application NOPE") {
		t.Errorf("unknown number: exit %d", code)
	}

	// Fetch before issuance is refused with the state.
	if code := ta.run(t, "fetch", "--server", f.srv.URL, "--dir", dir, testNumber); code != exitError {
		t.Fatalf("fetch before issuance: exit %d", code)
	}
	if !strings.Contains(ta.errb.String(), "not issued (state: awaiting_identification)") {
		t.Errorf("fetch refusal: %q", ta.errb.String())
	}

	// Issue, then fetch installs each certificate into its key file.
	f.issueAll(t)
	issued := f.issuedCerts()
	if code := ta.run(t, "fetch", "--server", f.srv.URL, "--dir", dir, testNumber); code != exitOK {
		t.Fatalf("fetch: exit %d", code)
	}
	for i, path := range []string{signPath, authPath} {
		ic := issued[i]
		want := "installed: " + ic.Serial + " " + string(ic.Type) + " " + path + "\n"
		if !strings.Contains(ta.out.String(), want) {
			t.Errorf("fetch output lacks %q", want)
		}
		c := decodeFile(t, path)
		leaf := c.Leaf()
		if leaf == nil || !reflect.DeepEqual(leaf.Raw, ic.DER) {
			t.Fatalf("%s: Leaf() is not the issued certificate", path)
		}
		if chain := c.Chain(); len(chain) != 1 || !chain[0].Equal(f.ca.cert) {
			t.Errorf("%s: chain %v", path, chain)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v after install", path, st.Mode())
		}
	}
	// A second fetch changes nothing.
	if code := ta.run(t, "fetch", "--server", f.srv.URL, "--dir", dir, testNumber); code != exitOK || strings.Count(ta.out.String(), "unchanged: ") != 2 {
		t.Errorf("second fetch: exit %d", code)
	}
	// status now lists the serials.
	ta.run(t, "status", "--server", f.srv.URL, testNumber)
	if !strings.Contains(ta.out.String(), "certificate: "+issued[0].Serial+"\n") {
		t.Error("status lacks the issued serial")
	}

	// info on the installed signing key file.
	if code := ta.run(t, "info", signPath); code != exitOK {
		t.Fatalf("info: exit %d", code)
	}
	for _, want := range []string{"kind: pkcs12", "type: SIGN", "iin: 871008401427", "surname: ИВАНОВА", "name: АЙГЕРІМ",
		"role: individual (1.2.398.3.3.4.1.1)", "serial: " + issued[0].Serial, "key: RSA 2048", "chain: C=KZ, CN=TEST NCA (RSA) (1)", "subject: CN=ИВАНОВА АЙГЕРІМ, SURNAME=ИВАНОВА, SERIALNUMBER=IIN871008401427, C=KZ"} {
		if !strings.Contains(ta.out.String(), want+"\n") {
			t.Errorf("info lacks %q", want)
		}
	}
	if code := ta.run(t, "info", "--json", authPath); code != exitOK {
		t.Fatalf("info --json: exit %d", code)
	}
	var info infoOut
	if err := json.Unmarshal(ta.out.Bytes(), &info); err != nil || info.Certificate == nil || info.Certificate.Type != "AUTH" || !info.Certificate.IINValid {
		t.Errorf("info --json: %v %+v", err, info.Certificate)
	}
}

func TestApplyRefusedByServer(t *testing.T) {
	f := newFakeServer(t)
	f.with(func() {
		f.override["POST /api/v1/applications"] = wire.Problem{Status: 422, Detail: "the applicant is under 16", Missing: []string{"birth_certificate"}}
	})
	dir := t.TempDir()
	writePair(t, dir, 0, 1)
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	if code := ta.run(t, append(applyArgs(f.srv.URL, dir), "--agree")...); code != exitError {
		t.Fatalf("exit %d", code)
	}
	want := "eds apply: the server refused the application: the applicant is under 16; missing: birth_certificate (HTTP 422)\n"
	if ta.errb.String() != want {
		t.Errorf("stderr %q, want %q", ta.errb.String(), want)
	}
	if ta.out.Len() != 0 {
		t.Errorf("stdout %q", ta.out.String())
	}
}

func TestApplyKeyChoiceAndPassword(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	writePair(t, dir, 0, 1)
	id2 := writePair(t, dir, 2, 3)
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	if code := ta.run(t, append(applyArgs(f.srv.URL, dir), "--agree")...); code != exitError || !strings.Contains(ta.errb.String(), "choose one with --id") {
		t.Fatalf("two pairs: exit %d", code)
	}
	if code := ta.run(t, append(applyArgs(f.srv.URL, dir), "--agree", "--id", id2)...); code != exitOK {
		t.Fatalf("--id: exit %d", code)
	}
	csr, _ := x509.ParseCertificateRequest(f.lastSubmitted().Requests[0].CSR)
	if spkiID(t, csr.PublicKey) != id2 {
		t.Error("--id did not pick the pair")
	}
	ta.envm["EDS_PASSWORD"] = "wrong"
	if code := ta.run(t, append(applyArgs(f.srv.URL, dir), "--agree", "--id", id2)...); code != exitError || !strings.Contains(ta.errb.String(), "wrong password") {
		t.Fatalf("wrong password: exit %d", code)
	}
}

func TestApplySSLAndFetchPEM(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "shop.example.kz"}, DNSNames: []string{"shop.example.kz", "www.shop.example.kz"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csrPath := filepath.Join(dir, "server.csr")
	_ = os.WriteFile(csrPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o644)
	ta := newTestApp(t, nil) // no password needed
	args := []string{"apply", "--server", f.srv.URL, "--template", "ssl_individual", "--csr", csrPath,
		"--iin", "871008401427", "--surname", "Иванова", "--name", "Айгерім", "--email", "a@example.kz", "--phone", "+77010000000",
		"--domain", "shop.example.kz", "--extra-domain", "www.shop.example.kz", "--agree"}
	if code := ta.run(t, args...); code != exitOK {
		t.Fatalf("apply ssl: exit %d", code)
	}
	req := f.lastSubmitted()
	if len(req.Requests) != 1 || req.Requests[0].Type != core.CertSSL || string(req.Requests[0].CSR) != string(der) {
		t.Errorf("requests %+v", req.Requests)
	}
	if req.Applicant.Domain != "shop.example.kz" || !reflect.DeepEqual(req.Applicant.ExtraDomains, []string{"www.shop.example.kz"}) {
		t.Errorf("domains %+v", req.Applicant)
	}
	if _, err := os.Stat(filepath.Join(dir, "application-"+testNumber+".json")); err != nil {
		t.Errorf("answer not saved beside the CSR: %v", err)
	}

	f.issueAll(t)
	issued := f.issuedCerts()
	if code := ta.run(t, "fetch", "--server", f.srv.URL, "--dir", dir, testNumber); code != exitOK {
		t.Fatalf("fetch: exit %d", code)
	}
	serial := issued[0].Serial
	pemPath := filepath.Join(dir, serial+".pem")
	if !strings.Contains(ta.out.String(), "written: "+serial+" SSL "+pemPath+"\n") {
		t.Errorf("fetch output %q", ta.out.String())
	}
	data, err := os.ReadFile(pemPath)
	if err != nil {
		t.Fatal(err)
	}
	b, rest := pem.Decode(data)
	c2, _ := pem.Decode(rest)
	if b == nil || c2 == nil || string(b.Bytes) != string(issued[0].DER) || string(c2.Bytes) != string(f.ca.cert.Raw) {
		t.Error("PEM file is not leaf + chain")
	}
	if code := ta.run(t, "info", pemPath); code != exitOK || !strings.Contains(ta.out.String(), "type: SSL\n") || !strings.Contains(ta.out.String(), "key: ECDSA P-256 256\n") {
		t.Errorf("info on the PEM: exit %d", code)
	}

	// A CSR whose signature does not verify is refused locally.
	bad := append([]byte{}, der...)
	bad[len(bad)-3] ^= 0xff
	_ = os.WriteFile(csrPath, bad, 0o644)
	if code := ta.run(t, args...); code != exitError || !strings.Contains(ta.errb.String(), "server.csr") {
		t.Errorf("bad CSR: exit %d", code)
	}
}

func TestFetchRefused(t *testing.T) {
	f := newFakeServer(t)
	f.with(func() { f.state = core.StateRefused })
	ta := newTestApp(t, nil)
	if code := ta.run(t, "fetch", "--server", f.srv.URL, "--dir", t.TempDir(), testNumber); code != exitError {
		t.Fatalf("exit %d", code)
	}
	if want := "not issued (state: refused); refusal reason: under_16: the applicant is 15"; !strings.Contains(ta.errb.String(), want) {
		t.Errorf("stderr %q lacks %q", ta.errb.String(), want)
	}
}

func TestInfoKeyOnlyAndFixture(t *testing.T) {
	dir := t.TempDir()
	id := writePair(t, dir, 0, 1)
	sign, _ := keyPaths(dir, id)
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	if code := ta.run(t, "info", sign); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if want := "file: " + sign + "\nkind: pkcs12\ncertificate: none installed yet\nkey: RSA 2048\n"; ta.out.String() != want {
		t.Errorf("info output %q, want %q", ta.out.String(), want)
	}
	ta.envm["EDS_PASSWORD"] = "wrong"
	if code := ta.run(t, "info", sign); code != exitError || !strings.Contains(ta.errb.String(), "wrong password") {
		t.Errorf("wrong password: exit %d", code)
	}

	fixture := filepath.Join("..", "..", "..", "shared", "fixtures", "kz-test-pki", "certs_individual_valid_sign_2004_rsa.cer")
	if _, err := os.Stat(fixture); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture missing in CI: %v", err)
		}
		t.Skipf("fixture not available: %v", err)
	}
	if code := ta.run(t, "info", fixture); code != exitOK {
		t.Fatalf("fixture: exit %d", code)
	}
	for _, want := range []string{"type: SIGN\n", "iin: 123456789011\n", "key: RSA 2048\n"} {
		if !strings.Contains(ta.out.String(), want) {
			t.Errorf("fixture info lacks %q", want)
		}
	}
	if !strings.Contains(ta.errb.String(), "warning: IIN 123456789011 fails the check digit") {
		t.Errorf("no checksum warning: %q", ta.errb.String())
	}
	gost := filepath.Join(filepath.Dir(fixture), "certs_ceo_valid_sign_2004_gost.cer")
	if code := ta.run(t, "info", gost); code != exitOK {
		t.Fatalf("GOST fixture: exit %d", code)
	}
	for _, want := range []string{"type: SIGN\n", "bin: 123456789021\n", "role: first_head (1.2.398.3.3.4.1.2.1)\n", "key: GOST 34.310-2004 (CryptoPro-A; kz-gost34310-2004 1.2.398.3.10.1.1.1.1)\n", "template: legal_entity\n",
		"signature: kz-gost34310-2004-with-gost34311-95 (1.2.398.3.10.1.1.1.2)\n"} {
		if !strings.Contains(ta.out.String(), want) {
			t.Errorf("GOST fixture info lacks %q", want)
		}
	}
}

func TestInfoPasswordFlag(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, 0, 1)
	m, err := filepath.Glob(filepath.Join(dir, "RSA256_*.p12"))
	if err != nil || len(m) != 1 {
		t.Fatalf("key files: %v %v", m, err)
	}
	ta := newTestApp(t, nil)
	if code := ta.run(t, "info", "--password", testPassword, m[0]); code != 0 || !strings.Contains(ta.out.String(), "certificate: none installed yet") {
		t.Fatalf("info --password: exit %d\n%s", code, ta.out)
	}
	if code := ta.run(t, "info", "--password", "wrong", m[0]); code != 1 {
		t.Fatalf("info with a wrong --password: exit %d", code)
	}
}
