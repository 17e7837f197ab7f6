// Package pdftext reads the text of a PDF with poppler's pdftotext, for tests that
// check what a generated document says (forms, receipts). It is a test helper: it
// takes a testing.TB and fails or skips the test itself.
package pdftext

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Need fails the test under CI (CI set) when pdftotext is missing, and skips it
// otherwise. It returns the path of pdftotext.
func Need(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pdftotext is required under CI (Debian package poppler-utils, which .ci/run installs): %v", err)
		}
		t.Skipf("pdftotext is not installed (apt-get install poppler-utils): %v", err)
	}
	return bin
}

// Text returns the text pdftotext finds in pdf, with runs of white space made one
// space (pdftotext breaks long lines). The document is written to dir under name
// (a temporary directory when dir is empty), so that a failing test leaves it to
// look at. It fails the test when pdf is not a PDF or pdftotext refuses it.
func Text(t testing.TB, dir, name string, pdf []byte) string {
	t.Helper()
	bin := Need(t)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF: %q", name, pdf[:min(len(pdf), 200)])
	}
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", p, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", name, err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
