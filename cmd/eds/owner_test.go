package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPairPaths(t *testing.T) {
	dir := t.TempDir()
	id := "0123456789abcdef"
	sign, auth := keyPaths(dir, id)
	for _, p := range []string{sign, auth} {
		s, a, err := pairPaths(p)
		if err != nil || s != sign || a != auth {
			t.Errorf("pairPaths(%s) = %s, %s, %v", p, s, a, err)
		}
	}
	if _, _, err := pairPaths(filepath.Join(dir, "operator.p12")); err == nil {
		t.Error("a file outside the naming scheme was paired")
	}
}

func TestOwnerCommandUsage(t *testing.T) {
	ta := newTestApp(t, map[string]string{"EDS_PASSWORD": testPassword})
	key := filepath.Join(t.TempDir(), "RSA256_0123456789abcdef.p12")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"revoke", "--server", "http://x", "--key", key, "--reason", "owner_request"}, "missing SERIAL"},
		{[]string{"revoke", "--server", "http://x", "--key", key, "1a2b"}, "--reason is required"},
		{[]string{"renew", "--server", "http://x", "--key", key, "--alg", "dsa"}, "unknown --alg"},
		{[]string{"cabinet", "--server", "http://x"}, "--key FILE is required"},
		{[]string{"login", "--key", key}, "--server URL is required"},
		{[]string{"login", "--server", "http://x", "--key", "/tmp/operator.p12"}, "not named like a key file of a pair"},
		{[]string{"cabinet", "--server", "http://x", "--key", key, "extra"}, "unexpected argument"},
	} {
		ta.errb.Reset()
		if code := ta.run(t, tc.args...); code != exitUsage || !strings.Contains(ta.errb.String(), tc.want) {
			t.Errorf("eds %v: exit %d, stderr %q; want %d and %q", tc.args, code, ta.errb.String(), exitUsage, tc.want)
		}
	}
	// A missing key file is an error (exit 1), not a usage error.
	ta.errb.Reset()
	if code := ta.run(t, "cabinet", "--server", "http://x", "--key", key); code != exitError || !strings.Contains(ta.errb.String(), "AUTH_RSA256_0123456789abcdef.p12") {
		t.Errorf("missing pair: exit %d, %q", code, ta.errb.String())
	}
}
