package main

import (
	"strings"
	"testing"
)

// TestKeyStoreConfigErrors: a key store configuration that would leave CA keys less
// protected than asked is refused, not silently weakened.
func TestKeyStoreConfigErrors(t *testing.T) {
	getenv := func(string) string { return "a long password" }
	_, err := openKeyStore(keyStoreConfig{Type: "file", PasswordEnv: "NCA_CA_KEY_PASSWORD"}, t.TempDir(), getenv)
	if err == nil || !strings.Contains(err.Error(), "encrypted-file") {
		t.Errorf("type file with a password: %v, want a refusal pointing to encrypted-file", err)
	}
	for _, c := range []struct {
		name string
		k    keyStoreConfig
		want string
	}{
		{"software CAs without a password", keyStoreConfig{Type: "pkcs11", SoftwareCAs: []string{"root-gost", "nca-gost"}}, "needs password_file or password_env"},
		{"unknown CA", keyStoreConfig{Type: "pkcs11", SoftwareCAs: []string{"nca-gots"}, PasswordEnv: "X"}, "is not a CA of the authority"},
	} {
		if err := checkSoftwareCAs(c.k); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if err := checkSoftwareCAs(keyStoreConfig{Type: "pkcs11", SoftwareCAs: []string{"root-gost", "nca-gost"}, PasswordEnv: "X"}); err != nil {
		t.Errorf("GOST CAs in encrypted files: %v", err)
	}
}
