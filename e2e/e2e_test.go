// Package e2e runs the real authority and the real client: it builds cmd/nca and
// cmd/eds, starts the server on a free loopback port with a fresh data folder, drives
// the eds commands a citizen, an organisation head and an operator would type, and
// checks the results with openssl.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store/storetest"
)

// bins holds the binaries built once for the package's tests.
type bins struct{ nca, eds string }

func build(t *testing.T) bins {
	t.Helper()
	dir := t.TempDir()
	b := bins{nca: filepath.Join(dir, "nca"), eds: filepath.Join(dir, "eds")}
	for out, pkg := range map[string]string{b.nca: "../cmd/nca", b.eds: "../cmd/eds"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b
}

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not installed; .ci/run must install it")
		}
		t.Skip("openssl is not installed (CI installs it)")
	}
}

// server is a running `nca serve`.
type server struct {
	t       *testing.T
	cmd     *exec.Cmd
	url     string
	data    string
	opPass  string
	mu      sync.Mutex
	out     []string
	exited  chan struct{}
	exitErr error
}

// start runs `nca serve` on a free loopback port with data folder dir and waits
// until it has printed its start-up report.
func start(t *testing.T, b bins, dir string, extra ...string) *server {
	t.Helper()
	s := &server{t: t, data: dir, exited: make(chan struct{})}
	s.cmd = exec.Command(b.nca, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--ca-rsa-bits", "2048", "--log-level", "warn"}, extra...)...)
	s.cmd.Env = cleanEnv(databaseEnv(t, dir)...)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out = append(s.out, line)
			s.mu.Unlock()
			if m := regexp.MustCompile(`serving on (http://\S+)`).FindStringSubmatch(line); m != nil {
				s.url = m[1]
			}
			if m := regexp.MustCompile(`password \(shown once, stored nowhere\): (\S+)`).FindStringSubmatch(line); m != nil {
				s.opPass = m[1]
			}
			if strings.HasPrefix(line, "nca: try:") {
				once.Do(func() { close(ready) })
			}
		}
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
	case <-s.exited:
		t.Fatalf("nca serve exited before it was ready: %v\nstdout:\n%s\nstderr:\n%s", s.exitErr, s.output(), stderr.String())
	case <-time.After(120 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Fatalf("nca serve was not ready within 120 s\nstdout:\n%s\nstderr:\n%s", s.output(), stderr.String())
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
	return s
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.out, "\n")
}

// stop sends Ctrl-C and requires a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatal("nca serve did not stop within 30 s of Ctrl-C")
	}
	if s.exitErr != nil {
		s.t.Fatalf("nca serve exited with %v after Ctrl-C", s.exitErr)
	}
	if !strings.Contains(s.output(), "nca: stopped") {
		s.t.Fatalf("no clean stop message:\n%s", s.output())
	}
}

// databaseEnv returns, when the suite runs against PostgreSQL (NCA_TEST_DATABASE_URL),
// the NCA_DATABASE_URL of the data folder dir: a schema of its own, created at the
// first start, remembered in dir for restarts and `nca staff add`, dropped when t
// ends. With SQLite it returns nothing (the database is in dir).
func databaseEnv(t *testing.T, dir string) []string {
	t.Helper()
	u := storetest.DatabaseURL()
	if u == "" {
		return nil
	}
	file := filepath.Join(dir, "test-database-url")
	if b, err := os.ReadFile(file); err == nil {
		return []string{"NCA_DATABASE_URL=" + string(b)}
	}
	dsn := storetest.PostgresSchema(t, u)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(dsn), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"NCA_DATABASE_URL=" + dsn}
}

// cleanEnv is the test process's environment without NCA_ and EDS_ variables.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NCA_") || strings.HasPrefix(kv, "EDS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

type result struct {
	stdout, stderr string
	code           int
}

// eds runs the client with password pw (EDS_PASSWORD) and returns what it printed.
func eds(t *testing.T, b bins, pw string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.eds, args...)
	cmd.Env = cleanEnv("EDS_PASSWORD=" + pw)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("eds %v: %v", args, err)
	}
	return r
}

// must runs eds and fails the test unless it exits 0.
func must(t *testing.T, b bins, pw string, args ...string) string {
	t.Helper()
	r := eds(t, b, pw, args...)
	if r.code != 0 {
		t.Fatalf("eds %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

func writePEM(t *testing.T, path, typ string, der []byte) string {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// world is one running authority with its demo registry and CA files in PEM.
type world struct {
	t        *testing.T
	b        bins
	s        *server
	reg      *registry.File
	dir      string
	rootPEM  string
	interPEM string
}

func (w *world) demo(template, role, note string) registry.DemoCase {
	w.t.Helper()
	for _, d := range registry.DemoCases(w.reg) {
		if d.Template == template && (role == "" || d.Role == role) && (note == "" || strings.Contains(d.Note, note)) {
			return d
		}
	}
	w.t.Fatalf("no demo case %s/%s/%s", template, role, note)
	return registry.DemoCase{}
}

// applyArgs are the eds apply flags for demo person d.
func (w *world) applyArgs(d registry.DemoCase, keys string) []string {
	w.t.Helper()
	p, err := w.reg.Person(context.Background(), d.IIN)
	if err != nil {
		w.t.Fatal(err)
	}
	args := []string{"apply", "--server", w.s.url, "--dir", keys, "--template", d.Template,
		"--iin", p.IIN, "--surname", p.Surname, "--name", p.Name, "--patronymic", p.Patronymic,
		"--region", "Астана", "--city", "Астана", "--email", "citizen@example.kz", "--phone", "+77011234567", "--agree"}
	if d.BIN != "" {
		o, err := w.reg.Organization(context.Background(), d.BIN)
		if err != nil {
			w.t.Fatal(err)
		}
		args = append(args, "--bin", d.BIN, "--org", o.Name, "--role", d.Role)
	}
	return args
}

const citizenPW = "correct horse battery staple"

// desk runs an operator command.
func (w *world) desk(args ...string) string {
	w.t.Helper()
	full := append([]string{"desk", args[0], "--server", w.s.url, "--key", filepath.Join(w.s.data, "operator.p12")}, args[1:]...)
	return must(w.t, w.b, w.s.opPass, full...)
}

// identify accepts (with every required document) and approves an application.
func (w *world) identify(number string) {
	w.t.Helper()
	var show wire.DeskApplication
	if err := json.Unmarshal([]byte(w.desk("show", "--json", number)), &show); err != nil {
		w.t.Fatalf("desk show --json: %v", err)
	}
	if show.Registry.Person == nil || show.Application.Number != number {
		w.t.Fatalf("desk show: %+v", show)
	}
	args := []string{"accept", number}
	for _, d := range show.Checklist {
		if d.Required {
			args = append(args, "--doc", d.ID)
		}
	}
	out := w.desk(args...)
	if !strings.Contains(strings.ToLower(out), "receipt") {
		w.t.Fatalf("desk accept printed no receipt:\n%s", out)
	}
	w.desk("approve", number)
}

func (w *world) status(number string) wire.Status {
	w.t.Helper()
	var st wire.Status
	out := must(w.t, w.b, "", "status", "--server", w.s.url, "--json", number)
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		w.t.Fatalf("status --json: %v\n%s", err, out)
	}
	return st
}

// keyFile returns the path of the one file in dir matching pattern.
func keyFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s in %s: %v %v", pattern, dir, m, err)
	}
	return m[0]
}

// leafOf extracts the certificate from a key file with openssl and checks the key
// file opens with the password.
func (w *world) leafOf(p12 string) string {
	w.t.Helper()
	leaf := p12 + ".leaf.pem"
	if out, err := openssl(w.t, "pkcs12", "-in", p12, "-passin", "pass:"+citizenPW, "-nokeys", "-clcerts", "-out", leaf); err != nil {
		w.t.Fatalf("openssl pkcs12 cannot read the certificate in %s: %v\n%s", p12, err, out)
	}
	if out, err := openssl(w.t, "pkcs12", "-in", p12, "-passin", "pass:"+citizenPW, "-nocerts", "-nodes", "-out", p12+".key.pem"); err != nil || !strings.Contains(readFile(w.t, p12+".key.pem"), "PRIVATE KEY") {
		w.t.Fatalf("openssl pkcs12 cannot read the key in %s: %v\n%s", p12, err, out)
	}
	return leaf
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (w *world) verify(leaf string, extra ...string) {
	w.t.Helper()
	args := append([]string{"verify", "-CAfile", w.rootPEM, "-untrusted", w.interPEM}, extra...)
	args = append(args, leaf)
	out, err := openssl(w.t, args...)
	if err != nil || !strings.Contains(out, ": OK") {
		w.t.Fatalf("openssl verify %s: %v\n%s", leaf, err, out)
	}
}

// ocsp asks the authority's OCSP responder about leaf with openssl ocsp (POST),
// checks that openssl verifies the response (signed by the delegated responder
// under the issuing CA) and that it reports want ("good" or "revoked").
func (w *world) ocsp(leaf, want string, extra ...string) {
	w.t.Helper()
	trust := filepath.Join(w.dir, "ocsp-trust.pem")
	if err := os.WriteFile(trust, []byte(readFile(w.t, w.rootPEM)+readFile(w.t, w.interPEM)), 0o644); err != nil {
		w.t.Fatal(err)
	}
	args := append([]string{"ocsp", "-issuer", w.interPEM, "-cert", leaf, "-url", w.s.url + "/ocsp/nca-rsa", "-CAfile", trust}, extra...)
	out, err := openssl(w.t, args...)
	if err != nil || !strings.Contains(out, "Response verify OK") || !strings.Contains(out, ": "+want) {
		w.t.Fatalf("openssl %s: %v, want %s\n%s", strings.Join(args, " "), err, want, out)
	}
}

func newWorld(t *testing.T, serveArgs ...string) *world {
	needOpenSSL(t)
	b := build(t)
	dir := t.TempDir()
	s := start(t, b, filepath.Join(dir, "data"), serveArgs...)
	if s.url == "" || s.opPass == "" {
		t.Fatalf("start-up report lacks the URL or the operator password:\n%s", s.output())
	}
	reg, err := registry.LoadFile(filepath.Join(s.data, "registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, b: b, s: s, reg: reg, dir: dir}
	w.rootPEM = writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", get(t, s.url+"/ca/root-rsa.cer"))
	w.interPEM = writePEM(t, filepath.Join(dir, "issuing.pem"), "CERTIFICATE", get(t, s.url+"/ca/nca-rsa.cer"))
	return w
}

func TestEndToEnd(t *testing.T) {
	w := newWorld(t)
	for _, want := range []string{"created on this start", "CA root-rsa", "CA nca-rsa", "demo state registry", "operator credential", "individual"} {
		if !strings.Contains(w.s.output(), want) {
			t.Errorf("the start-up report lacks %q:\n%s", want, w.s.output())
		}
	}

	t.Run("individual: apply, identify, issue, fetch, verify, revoke, CRL", func(t *testing.T) {
		w.t = t
		keys := filepath.Join(w.dir, "citizen")
		must(t, w.b, citizenPW, "keygen", "--dir", keys)
		signP12 := keyFile(t, keys, "RSA256_*.p12")
		authP12 := keyFile(t, keys, "AUTH_RSA256_*.p12")

		d := w.demo("individual", "", "")
		out := must(t, w.b, citizenPW, w.applyArgs(d, keys)...)
		number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		if st := w.status(number); st.State != core.StateAwaitingIdentification {
			t.Fatalf("after apply: %s", st.State)
		}
		if list := w.desk("list", "--json"); !strings.Contains(list, number) {
			t.Fatalf("desk list does not show %s:\n%s", number, list)
		}
		// Fetching before issuance is refused with the state.
		if r := eds(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", keys, number); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "awaiting_identification") {
			t.Fatalf("fetch before issuance: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		w.identify(number)
		st := w.status(number)
		if st.State != core.StateIssued || len(st.Certificates) != 2 {
			t.Fatalf("after approve: %+v", st)
		}
		must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", keys, number)

		signLeaf := w.leafOf(signP12)
		authLeaf := w.leafOf(authP12)
		w.verify(signLeaf)
		w.verify(authLeaf, "-purpose", "sslclient")
		info := must(t, w.b, citizenPW, "info", signP12)
		for _, want := range []string{d.IIN, "SIGN"} {
			if !strings.Contains(info, want) {
				t.Errorf("eds info lacks %q:\n%s", want, info)
			}
		}

		// Revoke the signing certificate at the desk: the delta CRL published at once
		// shows it with its reason, without a restart; openssl, given the full CRL
		// (published before) and the delta, finds the certificate revoked.
		serial := certSerial(t, signLeaf)
		crl := writePEM(t, filepath.Join(w.dir, "nca-rsa.crl.pem"), "X509 CRL", get(t, w.s.url+"/crl/nca-rsa.crl"))
		w.ocsp(signLeaf, "good")
		w.desk("revoke", serial, "--reason", "key_compromise", "--detail", "the token was lost")
		// The OCSP answer changes at once, with and without a nonce (the cached
		// answer without one was dropped by the revocation).
		w.ocsp(signLeaf, "revoked", "-no_nonce")
		w.ocsp(signLeaf, "revoked")
		w.ocsp(authLeaf, "good", "-no_nonce")
		// eds finds the same: by OCSP, by the CRLs (full + delta), and per certificate
		// of the application.
		if out := must(t, w.b, "", "ocsp", signLeaf); !strings.Contains(out, "status: revoked") || !strings.Contains(out, "reason: keyCompromise") {
			t.Fatalf("eds ocsp of the revoked certificate:\n%s", out)
		}
		if out := must(t, w.b, "", "ocsp", "--issuer", w.interPEM, authLeaf); !strings.Contains(out, "status: good") || !strings.Contains(out, "source: OCSP ") {
			t.Fatalf("eds ocsp of the good certificate:\n%s", out)
		}
		out = must(t, w.b, "", "crl", "--issuer", w.interPEM, "--entries", w.s.url+"/crl/nca-rsa-delta.crl")
		if !strings.Contains(out, "kind: delta") || !strings.Contains(out, "signature: ok") || !strings.Contains(strings.ToLower(out), strings.ToLower(strings.TrimLeft(serial, "0"))+" ") {
			t.Fatalf("eds crl of the delta CRL:\n%s", out)
		}
		out = must(t, w.b, "", "status", "--server", w.s.url, "--revocation", number)
		if strings.Count(out, "revocation: ") != 2 || !strings.Contains(out, " revoked ") || !strings.Contains(out, " good (OCSP ") {
			t.Fatalf("eds status --revocation:\n%s", out)
		}
		delta := writePEM(t, filepath.Join(w.dir, "nca-rsa-delta.crl.pem"), "X509 CRL", get(t, w.s.url+"/crl/nca-rsa-delta.crl"))
		text, err := openssl(t, "crl", "-in", delta, "-noout", "-text")
		if err != nil {
			t.Fatalf("openssl crl: %v\n%s", err, text)
		}
		if !strings.Contains(strings.ToUpper(text), strings.ToUpper(serial)) || !strings.Contains(text, "Key Compromise") || !strings.Contains(text, "Delta CRL Indicator") {
			t.Fatalf("the delta CRL lacks serial %s with reason Key Compromise:\n%s", serial, text)
		}
		rootCRL := writePEM(t, filepath.Join(w.dir, "root.crl.pem"), "X509 CRL", get(t, w.s.url+"/crl/root-rsa.crl"))
		out, err = openssl(t, "verify", "-crl_check_all", "-use_deltas", "-CAfile", w.rootPEM, "-untrusted", w.interPEM, "-CRLfile", crl, "-CRLfile", delta, "-CRLfile", rootCRL, signLeaf)
		if err == nil || !strings.Contains(out, "certificate revoked") {
			t.Fatalf("openssl verify -crl_check_all -use_deltas of the revoked certificate: %v\n%s", err, out)
		}
		out, err = openssl(t, "verify", "-crl_check", "-use_deltas", "-CAfile", w.rootPEM, "-untrusted", w.interPEM, "-CRLfile", crl, "-CRLfile", delta, signLeaf)
		if err == nil || !strings.Contains(out, "certificate revoked") {
			t.Fatalf("openssl verify -crl_check -use_deltas of the revoked certificate: %v\n%s", err, out)
		}
		// The full CRL from before the revocation alone does not know it yet.
		w.verify(signLeaf, "-crl_check_all", "-CRLfile", crl, "-CRLfile", rootCRL)
		w.verify(authLeaf, "-crl_check_all", "-use_deltas", "-CRLfile", crl, "-CRLfile", delta, "-CRLfile", rootCRL)
		w.verify(authLeaf, "-crl_check_all", "-CRLfile", crl, "-CRLfile", rootCRL)
	})

	t.Run("employee: the first head confirms, then the desk", func(t *testing.T) {
		w.t = t
		headKeys := filepath.Join(w.dir, "head")
		must(t, w.b, citizenPW, "keygen", "--dir", headKeys)
		head := w.demo("legal_entity", "first_head", "")
		out := must(t, w.b, citizenPW, w.applyArgs(head, headKeys)...)
		headNumber := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		w.identify(headNumber)
		must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", headKeys, headNumber)
		headAuth := keyFile(t, headKeys, "AUTH_RSA256_*.p12")

		empKeys := filepath.Join(w.dir, "employee")
		must(t, w.b, citizenPW, "keygen", "--dir", empKeys)
		emp := w.demo("legal_entity", "employee", "")
		if emp.BIN != head.BIN {
			t.Fatalf("demo employee BIN %s, head BIN %s", emp.BIN, head.BIN)
		}
		out = must(t, w.b, citizenPW, w.applyArgs(emp, empKeys)...)
		number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		if st := w.status(number); st.State != core.StateAwaitingHead {
			t.Fatalf("employee application: %s", st.State)
		}
		// The desk cannot accept it before the head confirms.
		r := eds(t, w.b, w.s.opPass, "desk", "accept", "--server", w.s.url, "--key", filepath.Join(w.s.data, "operator.p12"), number, "--doc", "identity_document")
		if r.code == 0 {
			t.Fatal("the desk accepted an application the head has not confirmed")
		}
		// The employee's own AUTH key cannot confirm.
		must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", headKeys, headNumber)
		headArgs := []string{"--server", w.s.url, "--key", headAuth}
		if list := must(t, w.b, citizenPW, append([]string{"head", "list"}, headArgs...)...); !strings.Contains(list, number) {
			t.Fatalf("head list lacks %s:\n%s", number, list)
		}
		must(t, w.b, citizenPW, append([]string{"head", "confirm"}, append(headArgs, number)...)...)
		if st := w.status(number); st.State != core.StateAwaitingIdentification {
			t.Fatalf("after the head's confirmation: %s", st.State)
		}
		w.identify(number)
		must(t, w.b, citizenPW, "fetch", "--server", w.s.url, "--dir", empKeys, number)
		leaf := w.leafOf(keyFile(t, empKeys, "RSA256_*.p12"))
		w.verify(leaf)
		info := must(t, w.b, citizenPW, "info", keyFile(t, empKeys, "RSA256_*.p12"))
		for _, want := range []string{emp.IIN, emp.BIN, "employee"} {
			if !strings.Contains(info, want) {
				t.Errorf("eds info of the employee's key lacks %q:\n%s", want, info)
			}
		}
	})

	t.Run("SSL: one PKCS#10 with the domains", func(t *testing.T) {
		w.t = t
		dir := filepath.Join(w.dir, "ssl")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		d := w.demo("ssl_individual", "", "")
		csr := filepath.Join(dir, "site.csr")
		if out, err := openssl(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "site.key"), "-out", csr,
			"-subj", "/CN=nca-demo.kz", "-addext", "subjectAltName=DNS:nca-demo.kz,DNS:www.nca-demo.kz"); err != nil {
			t.Fatalf("openssl req: %v\n%s", err, out)
		}
		args := w.applyArgs(d, dir)
		args = append(args, "--domain", "nca-demo.kz", "--extra-domain", "www.nca-demo.kz", "--csr", csr)
		out := must(t, w.b, "", args...)
		number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		w.identify(number)
		must(t, w.b, "", "fetch", "--server", w.s.url, "--dir", dir, number)
		st := w.status(number)
		if len(st.Certificates) != 1 {
			t.Fatalf("SSL application issued %d certificates", len(st.Certificates))
		}
		leaf := keyFile(t, dir, st.Certificates[0]+".pem")
		w.verify(leaf, "-purpose", "sslserver")
		text, err := openssl(t, "x509", "-in", leaf, "-noout", "-ext", "subjectAltName")
		if err != nil || !strings.Contains(text, "DNS:nca-demo.kz") || !strings.Contains(text, "DNS:www.nca-demo.kz") {
			t.Fatalf("SAN of the SSL certificate: %v\n%s", err, text)
		}
	})

	t.Run("under 16 on the decision day: refused with the reason", func(t *testing.T) {
		w.t = t
		keys := filepath.Join(w.dir, "minor")
		must(t, w.b, citizenPW, "keygen", "--dir", keys)
		d := w.demo("individual", "", "under 16")
		out := must(t, w.b, citizenPW, w.applyArgs(d, keys)...)
		number := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		w.identify(number)
		st := w.status(number)
		if st.State != core.StateRefused || st.RefusalReason != core.RefusalUnder16 || len(st.Certificates) != 0 {
			t.Fatalf("under-16 applicant: %+v", st)
		}
		text := must(t, w.b, "", "status", "--server", w.s.url, number)
		if !strings.Contains(text, "refused") || !strings.Contains(text, "under_16") {
			t.Fatalf("eds status does not say refused / under_16:\n%s", text)
		}
	})

	t.Run("time stamp: openssl ts against the authority, the TSA certificate good by OCSP", func(t *testing.T) {
		w.t = t
		data := filepath.Join(w.dir, "stamped.txt")
		if err := os.WriteFile(data, []byte("a contract of 23 November\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		query := filepath.Join(w.dir, "stamp.tsq")
		if out, err := openssl(t, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query); err != nil {
			t.Fatalf("openssl ts -query: %v\n%s", err, out)
		}
		body, err := os.ReadFile(query)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(w.s.url+"/tsp", "application/timestamp-query", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
			t.Fatalf("POST /tsp: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		tsr := filepath.Join(w.dir, "stamp.tsr")
		if err := os.WriteFile(tsr, reply, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := openssl(t, "ts", "-verify", "-data", data, "-in", tsr, "-CAfile", w.rootPEM, "-untrusted", w.interPEM); err != nil || !strings.Contains(out, "Verification: OK") {
			t.Fatalf("openssl ts -verify: %v\n%s", err, out)
		}
		// The TSA certificate, taken from the token, is known to the OCSP responder
		// (an unknown serial would be answered revoked).
		token := filepath.Join(w.dir, "stamp.token")
		if out, err := openssl(t, "ts", "-reply", "-in", tsr, "-token_out", "-out", token); err != nil {
			t.Fatalf("openssl ts -reply -token_out: %v\n%s", err, out)
		}
		certs, err := openssl(t, "pkcs7", "-inform", "DER", "-in", token, "-print_certs")
		if err != nil {
			t.Fatalf("openssl pkcs7: %v\n%s", err, certs)
		}
		var tsaDER []byte
		for rest := []byte(certs); ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			if c, err := x509.ParseCertificate(block.Bytes); err == nil && c.Subject.CommonName == "TIME-STAMPING AUTHORITY" {
				tsaDER = block.Bytes
			}
		}
		if tsaDER == nil {
			t.Fatalf("no TSA certificate in the token:\n%s", certs)
		}
		w.ocsp(writePEM(t, filepath.Join(w.dir, "tsa.pem"), "CERTIFICATE", tsaDER), "good")
	})

	t.Run("nca staff add enrols another operator while the server runs", func(t *testing.T) {
		w.t = t
		out := filepath.Join(w.dir, "operator2.p12")
		args := []string{"staff", "add", "--data", w.s.data, "--base-url", w.s.url, "--role", "operator",
			"--iin", "871008401427", "--surname", "Сейтқали", "--name", "Әйгерім", "--out", out}
		cmd := exec.Command(w.b.nca, args...)
		cmd.Env = cleanEnv(databaseEnv(t, w.s.data)...)
		text, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nca staff add: %v\n%s", err, text)
		}
		m := regexp.MustCompile(`password \(shown once, stored nowhere\): (\S+)`).FindStringSubmatch(string(text))
		if m == nil {
			t.Fatalf("nca staff add printed no password:\n%s", text)
		}
		list := must(t, w.b, m[1], "desk", "list", "--server", w.s.url, "--key", out, "--state", "issued")
		if !strings.Contains(list, "individual") {
			t.Fatalf("the new operator's desk list:\n%s", list)
		}
		// The file is never overwritten.
		cmd = exec.Command(w.b.nca, args...)
		cmd.Env = cleanEnv(databaseEnv(t, w.s.data)...)
		if text, err := cmd.CombinedOutput(); err == nil {
			t.Fatalf("nca staff add overwrote %s:\n%s", out, text)
		}
	})

	t.Run("nca staff add --csr certifies a key made on the staff member's machine", func(t *testing.T) {
		w.t = t
		const pw = "staff key password 1"
		keys := filepath.Join(w.dir, "staff-own-keys")
		gen := must(t, w.b, pw, "keygen", "--dir", keys)
		m := regexp.MustCompile(`(?m)^auth: (\S+)$`).FindStringSubmatch(gen)
		if m == nil {
			t.Fatalf("eds keygen printed no auth file:\n%s", gen)
		}
		auth := m[1]
		req := strings.TrimSpace(strings.TrimPrefix(must(t, w.b, pw, "csr", "--key", auth), "request: "))
		out := filepath.Join(w.dir, "operator3.pem")
		args := []string{"staff", "add", "--data", w.s.data, "--base-url", w.s.url, "--role", "operator",
			"--iin", "871008401427", "--surname", "Сейтқали", "--name", "Әйгерім", "--csr", req, "--out", out}
		cmd := exec.Command(w.b.nca, args...)
		cmd.Env = cleanEnv(databaseEnv(t, w.s.data)...)
		if text, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(text), "eds install") {
			t.Fatalf("nca staff add --csr: %v\n%s", err, text)
		}
		if text := readFile(t, out); strings.Contains(text, "PRIVATE KEY") || strings.Count(text, "BEGIN CERTIFICATE") < 2 {
			t.Fatalf("%s should hold the certificate and its chain, no key:\n%s", out, text)
		}
		if got := must(t, w.b, pw, "install", "--dir", keys, out); !strings.HasPrefix(got, "installed: ") || !strings.Contains(got, auth) {
			t.Fatalf("eds install: %s", got)
		}
		if got := must(t, w.b, pw, "install", "--dir", keys, out); !strings.HasPrefix(got, "unchanged: ") {
			t.Fatalf("eds install again: %s", got)
		}
		list := must(t, w.b, pw, "desk", "list", "--server", w.s.url, "--key", auth, "--state", "issued")
		if !strings.Contains(list, "individual") {
			t.Fatalf("the operator enrolled by request, desk list:\n%s", list)
		}
		// One key, one certificate: the same request again is refused, nothing written.
		again := filepath.Join(w.dir, "operator3-again.pem")
		args[len(args)-1] = again
		cmd = exec.Command(w.b.nca, args...)
		cmd.Env = cleanEnv(databaseEnv(t, w.s.data)...)
		if text, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(text), "already certified") {
			t.Fatalf("a second certificate for the same key: %v\n%s", err, text)
		}
		if _, err := os.Stat(again); err == nil {
			t.Fatalf("%s written for a refused request", again)
		}
	})

	t.Run("restart reuses the data folder", func(t *testing.T) {
		w.t = t
		w.s.stop()
		s2 := start(t, w.b, w.s.data)
		if strings.Contains(s2.output(), "created on this start") || s2.opPass != "" {
			t.Fatalf("the second start created things again:\n%s", s2.output())
		}
		if got := get(t, s2.url+"/ca/root-rsa.cer"); !bytes.Equal(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: got}), []byte(readFile(t, w.rootPEM))) {
			t.Fatal("the root CA changed across a restart")
		}
		s2.stop()
	})
}

// certSerial returns the hex serial of a PEM certificate, as openssl prints it.
func certSerial(t *testing.T, pemFile string) string {
	t.Helper()
	out, err := openssl(t, "x509", "-in", pemFile, "-noout", "-serial")
	if err != nil {
		t.Fatalf("openssl x509 -serial: %v\n%s", err, out)
	}
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "serial="))
	if s == "" {
		t.Fatalf("no serial in %q", out)
	}
	return fmt.Sprint(s)
}
