// Command gen generates the fixed-size field and curve arithmetic of package gost
// (ec4_gen.go for 256-bit curves, ec8_gen.go for 512-bit curves) from ec.go.tmpl.
//
// Run it from the gost directory: go generate (see gost/generate.go).
package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"log"
	"os"
	"strings"
	"text/template"
)

//go:embed ec.go.tmpl
var ecTemplate string

type params struct {
	N       int    // number of 64-bit limbs
	Bits    int    // 64·N
	Windows int    // number of 5-bit signed windows of the fixed-base table
	MulBody string // unrolled Montgomery multiplication
	AddBody string // unrolled modular addition
	SubBody string // unrolled modular subtraction
}

func main() {
	for _, n := range []int{4, 8} {
		src, err := generate(n)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(fileName(n), src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func fileName(n int) string { return fmt.Sprintf("ec%d_gen.go", n) }

// generate returns the gofmt-ed source for n limbs.
func generate(n int) ([]byte, error) {
	tmpl, err := template.New("ec").Parse(ecTemplate)
	if err != nil {
		return nil, err
	}
	p := params{N: n, Bits: 64 * n, Windows: (64*n + 1 + 4) / 5,
		MulBody: montMulBody(n), AddBody: addBody(n), SubBody: subBody(n)}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return nil, err
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt %s: %w", fileName(n), err)
	}
	return src, nil
}

// montMulBody emits an unrolled CIOS Montgomery multiplication z = x·y·2^(-64n) mod m,
// with a constant-time final subtraction. Inputs: x < 2^(64n), y < m; output < m.
func montMulBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	var ts, hs, ls []string
	for i := 0; i <= n+1; i++ {
		ts = append(ts, fmt.Sprintf("t%d", i))
	}
	for i := 0; i < n; i++ {
		hs = append(hs, fmt.Sprintf("h%d", i))
		ls = append(ls, fmt.Sprintf("l%d", i))
	}
	w("var %s uint64", strings.Join(ts, ", "))
	w("var %s uint64", strings.Join(hs, ", "))
	w("var %s uint64", strings.Join(ls, ", "))
	w("var c, mm uint64")
	// macc emits t += v·(words) with the low halves and the high halves of the
	// products added in two separate carry chains (ADD/ADC sequences).
	macc := func(v, words string, dropT0 bool) {
		for j := 0; j < n; j++ {
			w("h%d, l%d = bits.Mul64(%s[%d], %s)", j, j, words, j, v)
		}
		if dropT0 { // t0 + l0 ≡ 0 mod 2^64 by the choice of mm; only the carry matters
			w("_, c = bits.Add64(t0, l0, 0)")
		} else {
			w("t0, c = bits.Add64(t0, l0, 0)")
		}
		for j := 1; j < n; j++ {
			w("t%d, c = bits.Add64(t%d, l%d, c)", j, j, j)
		}
		w("t%d, c = bits.Add64(t%d, 0, c)", n, n)
		w("t%d += c", n+1)
		w("t1, c = bits.Add64(t1, h0, 0)")
		for j := 1; j < n; j++ {
			w("t%d, c = bits.Add64(t%d, h%d, c)", j+1, j+1, j)
		}
		w("t%d += c", n+1)
	}
	// The outer loop is kept as a loop: fully unrolled, the Go scheduler hoists all
	// n² independent products to the top and spills them.
	w("for i := 0; i < %d; i++ {", n)
	w("yi := y[i]")
	macc("yi", "x", false)
	w("mm = t0 * m0")
	macc("mm", "m", true)
	w("// t0 is now 0: shift t down one word")
	for j := 0; j <= n; j++ {
		w("t%d = t%d", j, j+1)
	}
	w("t%d = 0", n+1)
	w("}")
	w("// final conditional subtraction, without branches")
	var rs []string
	for i := 0; i < n; i++ {
		rs = append(rs, fmt.Sprintf("r%d", i))
	}
	w("var %s, bb uint64", strings.Join(rs, ", "))
	for i := 0; i < n; i++ {
		w("r%d, bb = bits.Sub64(t%d, m[%d], bb)", i, i, i)
	}
	w("_, bb = bits.Sub64(t%d, 0, bb)", n)
	w("keep := -bb // all ones iff t < m")
	for i := 0; i < n; i++ {
		w("z[%d] = t%d&keep | r%d&^keep", i, i, i)
	}
	return b.String()
}

// addBody emits z = x + y mod m (x, y < m) with a masked final subtraction.
func addBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("var c, b uint64")
	for i := 0; i < n; i++ {
		if i == 0 {
			w("t0, c := bits.Add64(x[0], y[0], 0)")
		} else {
			w("t%d, c := bits.Add64(x[%d], y[%d], c)", i, i, i)
		}
	}
	for i := 0; i < n; i++ {
		if i == 0 {
			w("r0, b := bits.Sub64(t0, f.m[0], 0)")
		} else {
			w("r%d, b := bits.Sub64(t%d, f.m[%d], b)", i, i, i)
		}
	}
	w("_, b = bits.Sub64(c, 0, b)")
	w("keep := -b // all ones iff x + y < m")
	for i := 0; i < n; i++ {
		w("z[%d] = t%d&keep | r%d&^keep", i, i, i)
	}
	return b.String()
}

// subBody emits z = x - y mod m (x, y < m), adding m back under a mask.
func subBody(n int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("var b, c uint64")
	for i := 0; i < n; i++ {
		if i == 0 {
			w("t0, b := bits.Sub64(x[0], y[0], 0)")
		} else {
			w("t%d, b := bits.Sub64(x[%d], y[%d], b)", i, i, i)
		}
	}
	w("mask := -b // all ones iff x < y")
	for i := 0; i < n; i++ {
		if i == 0 {
			w("z[0], c = bits.Add64(t0, f.m[0]&mask, 0)")
		} else {
			w("z[%d], c = bits.Add64(t%d, f.m[%d]&mask, c)", i, i, i)
		}
	}
	w("_ = c")
	return b.String()
}
