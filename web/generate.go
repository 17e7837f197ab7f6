package web

// The portal's WebAssembly module and the Go runtime glue it needs, rebuilt from
// web/wasm and the Go installation (docs/portal-crypto.md); the outputs are committed.
//go:generate go run ./internal/genwasm -pkg ./wasm -out static/wasm
