package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestServeMakesNoKeysOutsideTheCeremony: with --key-store, a missing CA key is an
// error pointing to nca init, not a key generated without a ceremony record; after
// the ceremony the same configuration opens.
func TestServeMakesNoKeysOutsideTheCeremony(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "ceremony.yaml")
	body := "data: " + data + "\norg: Key Store Test NCA\nbase_url: http://nca.test\nkey_algorithm: ecdsa-p256\nkey_store:\n  type: file\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	sc := &serveConfig{data: data, org: "Key Store Test NCA", baseURL: "http://nca.test", caBits: 2048, keyStore: cfg,
		getenv: func(string) string { return "" }}
	log := slog.New(slog.DiscardHandler)
	if _, _, _, err := openAuthority(sc, log); err == nil || !strings.Contains(err.Error(), "nca init") {
		t.Fatalf("serve before the ceremony: %v, want an error pointing to nca init", err)
	}
	if keys, _ := filepath.Glob(filepath.Join(data, "ca", "*.key")); len(keys) != 0 {
		t.Fatalf("keys made outside the ceremony: %v", keys)
	}
	var out, errb bytes.Buffer
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	if err := initCeremony(context.Background(), []string{"--config", cfg}, &out, &errb, sc.getenv, now); err != nil {
		t.Fatalf("nca init: %v\n%s", err, errb.String())
	}
	a, created, keys, err := openAuthority(sc, log)
	if err != nil {
		t.Fatalf("serve after the ceremony: %v", err)
	}
	defer keys.close()
	if len(created) != 0 || len(a.Issuers()) != 4 {
		t.Fatalf("after the ceremony: created %v, %d CAs", created, len(a.Issuers()))
	}
}
