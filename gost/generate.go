package gost

// The fixed-size field and curve arithmetic (ec4_gen.go for 256-bit curves, ec8_gen.go
// for 512-bit curves) is generated from internal/gen/ec.go.tmpl, so that both sizes are
// the same code, with the Montgomery multiplication's inner loops unrolled. A test in
// internal/gen fails if the generated files are stale.

//go:generate go run ./internal/gen
