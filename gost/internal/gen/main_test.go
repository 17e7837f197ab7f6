package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The checked-in generated files must match the template.
func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, n := range []int{4, 8} {
		want, err := generate(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", fileName(n)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./gost", fileName(n))
		}
	}
}
