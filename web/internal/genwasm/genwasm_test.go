package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedModuleIsCurrent rebuilds the portal's WebAssembly module and checks
// that the committed web/static/wasm files are exactly what `go generate ./web/...`
// makes now: a change to webkeys or web/wasm must come with the regenerated module.
func TestCommittedModuleIsCurrent(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join("..", "..", "static", "wasm")
	want, err := Build(ctx, "../../wasm")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, ModuleName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("web/static/wasm/%s (%d bytes) differs from a fresh build (%d bytes): run go generate ./web/... and commit", ModuleName, len(got), len(want))
	}
	glue, err := Glue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err = os.ReadFile(filepath.Join(dir, GlueName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, glue) {
		t.Errorf("web/static/wasm/%s differs from the Go installation's: run go generate ./web/... and commit", GlueName)
	}
}

// TestWriteIfChanged checks that writeIfChanged leaves unchanged outputs alone.
func TestWriteIfChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := writeIfChanged(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(path)
	if err := os.Chtimes(path, st1.ModTime().Add(-3600e9), st1.ModTime().Add(-3600e9)); err != nil {
		t.Fatal(err)
	}
	st1, _ = os.Stat(path)
	if err := writeIfChanged(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(path)
	if !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("an unchanged file was rewritten")
	}
	if err := writeIfChanged(path, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "b" {
		t.Errorf("content %q, want b", b)
	}
}
