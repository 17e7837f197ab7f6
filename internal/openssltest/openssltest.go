// Package openssltest finds the openssl binary for tests that check the
// authority's output with OpenSSL.
package openssltest

import (
	"os"
	"os/exec"
	"testing"
)

// Bin returns the path of the openssl binary. Without one the test is skipped,
// except in CI (CI=true), where .ci/run installs OpenSSL and its absence fails the
// test.
func Bin(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI (apt-get install openssl)")
		}
		t.Skip("openssl not found")
	}
	return p
}
