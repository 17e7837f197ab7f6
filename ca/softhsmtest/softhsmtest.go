// Package softhsmtest gives tests a fresh SoftHSM2 token (Debian package softhsm2),
// so the PKCS#11 key store and the key ceremony are tested against a real PKCS#11
// module.
package softhsmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Token is an initialised SoftHSM2 token.
type Token struct {
	Module string // the PKCS#11 library
	Label  string
	PIN    string // user PIN
	SOPIN  string // security officer PIN
	Conf   string // the SOFTHSM2_CONF file of the token's directory
}

// modules are where Debian and others install the SoftHSM2 library.
var modules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// Module returns the SoftHSM2 library path, "" when it is not installed.
func Module() string {
	for _, m := range modules {
		if _, err := os.Stat(m); err == nil {
			return m
		}
	}
	return ""
}

// New initialises a token labelled label in a directory of t.TempDir() and points
// SOFTHSM2_CONF at it for the rest of the test (t.Setenv: the test must not be
// parallel). Without SoftHSM2 the test fails under CI (.ci/run installs it) and is
// skipped elsewhere.
func New(t testing.TB, label string) Token {
	t.Helper()
	mod := Module()
	util, err := exec.LookPath("softhsm2-util")
	if mod == "" || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("SoftHSM2 is not installed (apt-get install softhsm2); .ci/run installs it")
		}
		t.Skip("SoftHSM2 is not installed (apt-get install softhsm2)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	body := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	tok := Token{Module: mod, Label: label, PIN: "7351-user", SOPIN: "9402-officer", Conf: conf}
	cmd := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", tok.PIN, "--so-pin", tok.SOPIN)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return tok
}
