package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDigest checks eds digest against the vectors of shared/GOST.md.
func TestDigest(t *testing.T) {
	dir := t.TempDir()
	m1 := filepath.Join(dir, "m1.txt")
	if err := os.WriteFile(m1, []byte("012345678901234567890123456789012345678901234567890123456789012"), 0o600); err != nil {
		t.Fatal(err)
	}
	abc := filepath.Join(dir, "abc.txt")
	if err := os.WriteFile(abc, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		alg, file, want string
	}{
		{"streebog512", m1, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"},
		{"streebog256", m1, "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"},
		{"gost34311", abc, "f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d"},
	}
	ta := newTestApp(t, nil)
	for _, c := range cases {
		if code := ta.run(t, "digest", "--alg", c.alg, c.file); code != 0 {
			t.Fatalf("digest %s: exit %d", c.alg, code)
		}
		if got, want := ta.out.String(), c.want+"  "+c.file+"\n"; got != want {
			t.Errorf("digest --alg %s = %q, want %q", c.alg, got, want)
		}
	}
	// Several files, one line each, and standard input.
	ta = newTestApp(t, nil)
	ta.stdin = strings.NewReader("abc")
	if code := ta.run(t, "digest", "--alg", "gost34311", abc, "-"); code != 0 {
		t.Fatal("digest of two inputs failed")
	}
	lines := strings.Split(strings.TrimSpace(ta.out.String()), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[1], "  -") || lines[0][:64] != lines[1][:64] {
		t.Errorf("two inputs: %q", lines)
	}
	if code := ta.run(t, "digest", "--alg", "md5", abc); code != 2 {
		t.Errorf("unknown algorithm: exit %d, want 2", code)
	}
	if code := ta.run(t, "digest"); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
	if code := ta.run(t, "digest", filepath.Join(dir, "missing")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}
