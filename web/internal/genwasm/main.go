// Command genwasm builds the portal's WebAssembly module and copies the Go runtime
// glue beside it: `go generate ./web/...` runs it from the web directory.
//
//	go run ./internal/genwasm -pkg ./wasm -out static/wasm
//
// writes OUT/nca.wasm, built with GOOS=js GOARCH=wasm CGO_ENABLED=0 and
// `go build -trimpath -buildvcs=false -ldflags='-s -w'` (reproducible: the same
// sources and Go version give the same bytes), and OUT/wasm_exec.js from
// $(go env GOROOT)/lib/wasm. Files whose content is unchanged are not rewritten.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "./wasm", "the `package` of the module (js/wasm main)")
	out := flag.String("out", "static/wasm", "output `directory`")
	flag.Parse()
	if err := Generate(context.Background(), *pkg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genwasm:", err)
		os.Exit(1)
	}
}

// Files names the outputs in the output directory.
const (
	ModuleName = "nca.wasm"
	GlueName   = "wasm_exec.js"
)

// Generate builds pkg into dir/ModuleName and copies the glue to dir/GlueName.
func Generate(ctx context.Context, pkg, dir string) error {
	wasm, err := Build(ctx, pkg)
	if err != nil {
		return err
	}
	glue, err := Glue(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeIfChanged(filepath.Join(dir, ModuleName), wasm); err != nil {
		return err
	}
	return writeIfChanged(filepath.Join(dir, GlueName), glue)
}

// Build compiles pkg for js/wasm and returns the module's bytes.
func Build(ctx context.Context, pkg string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "genwasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	target := filepath.Join(tmp, ModuleName)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", target, pkg)
	// The environment fixes everything that changes the bytes but the sources and Go.
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOWASM=", "CGO_ENABLED=0", "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building %s for js/wasm: %w", pkg, err)
	}
	return os.ReadFile(target)
}

// Glue returns the wasm_exec.js of the Go installation that builds the module.
func Glue(ctx context.Context) ([]byte, error) {
	root, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	path := filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", GlueName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the Go wasm glue: %w", err)
	}
	return data, nil
}

// writeIfChanged replaces path with data unless it already holds exactly data.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
