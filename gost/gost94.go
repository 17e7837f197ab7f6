package gost

import (
	"encoding/binary"
	"hash"
	"math/bits"
	"sync"
)

// GOST R 34.11-94 (RFC 5831) and its Kazakh twin GOST 34.311-95, with H0 = 0 and a
// selectable GOST 28147-89 substitution box.
//
// Byte conventions: the message is consumed as a byte stream, each 32-byte block read as
// a little-endian 256-bit integer; the digest is the final 256-bit state written
// little-endian (the "byte-stream" output of GOST.md and OpenSSL's gost-engine; RFC 5831
// prints the same digests byte-reversed).

const (
	// GOST94Size is the size of a GOST R 34.11-94 / GOST 34.311-95 digest in bytes.
	GOST94Size = 32
	// GOST94BlockSize is the block size of GOST R 34.11-94 in bytes.
	GOST94BlockSize = 32
)

// SBox is a GOST 28147-89 substitution box: eight rows k1 … k8 of sixteen 4-bit values.
// Row k1 substitutes the least significant nibble of a 32-bit word, k8 the most
// significant one (the order in which GOST.md and RFC 4357 list them).
type SBox [8][16]byte

// SBoxTest returns the "test" parameter set of GOST R 34.11-94
// (id-GostR3411-94-TestParamSet, 1.2.643.2.2.30.0), which is the S-box of the Kazakh
// GOST 34.311-95 (parameter set 1.2.398.3.10.1.3.1.1.0).
func SBoxTest() SBox {
	return SBox{
		{4, 10, 9, 2, 13, 8, 0, 14, 6, 11, 1, 12, 7, 15, 5, 3},
		{14, 11, 4, 12, 6, 13, 15, 10, 2, 3, 8, 1, 0, 7, 5, 9},
		{5, 8, 1, 13, 10, 3, 4, 2, 14, 15, 12, 7, 6, 0, 9, 11},
		{7, 13, 10, 1, 0, 8, 9, 15, 14, 4, 6, 12, 11, 2, 5, 3},
		{6, 12, 7, 1, 5, 15, 13, 8, 4, 10, 9, 14, 0, 3, 11, 2},
		{4, 11, 10, 0, 7, 2, 1, 13, 3, 6, 8, 5, 9, 12, 15, 14},
		{13, 11, 4, 1, 3, 15, 5, 9, 0, 10, 14, 7, 6, 8, 2, 12},
		{1, 15, 13, 0, 5, 7, 10, 4, 9, 2, 3, 14, 6, 11, 8, 12},
	}
}

// SBoxCryptoPro returns the CryptoPro parameter set of GOST R 34.11-94
// (id-GostR3411-94-CryptoProParamSet, 1.2.643.2.2.30.1, RFC 4357 §11.2).
func SBoxCryptoPro() SBox {
	return SBox{
		{10, 4, 5, 6, 8, 1, 3, 7, 13, 12, 14, 0, 9, 2, 11, 15},
		{5, 15, 4, 0, 2, 13, 11, 9, 1, 7, 6, 3, 12, 14, 10, 8},
		{7, 15, 12, 14, 9, 4, 1, 0, 3, 11, 5, 2, 6, 10, 8, 13},
		{4, 10, 7, 12, 0, 15, 2, 8, 14, 1, 6, 5, 13, 11, 9, 3},
		{7, 6, 4, 11, 9, 12, 2, 10, 1, 8, 0, 14, 15, 13, 3, 5},
		{7, 6, 2, 4, 13, 9, 15, 0, 10, 1, 5, 11, 8, 14, 12, 3},
		{13, 14, 4, 1, 7, 0, 5, 10, 3, 12, 8, 15, 6, 2, 9, 11},
		{1, 3, 10, 9, 5, 11, 4, 15, 8, 6, 7, 14, 13, 0, 2, 12},
	}
}

// gost89Tables combines substitution and the 11-bit left rotation of the GOST 28147-89
// round function: f(x) = t[0][x&0xff] ^ t[1][x>>8&0xff] ^ t[2][x>>16&0xff] ^ t[3][x>>24].
type gost89Tables [4][256]uint32

func newGost89Tables(s *SBox) *gost89Tables {
	t := new(gost89Tables)
	for b := 0; b < 4; b++ {
		lo, hi := &s[2*b], &s[2*b+1]
		for x := 0; x < 256; x++ {
			v := uint32(lo[x&15]) | uint32(hi[x>>4])<<4
			t[b][x] = bits.RotateLeft32(v<<(8*uint(b)), 11)
		}
	}
	return t
}

var (
	gost94TestTables      = sync.OnceValue(func() *gost89Tables { s := SBoxTest(); return newGost89Tables(&s) })
	gost94CryptoProTables = sync.OnceValue(func() *gost89Tables { s := SBoxCryptoPro(); return newGost89Tables(&s) })
)

func (t *gost89Tables) f(x uint32) uint32 {
	return t[0][byte(x)] ^ t[1][byte(x>>8)] ^ t[2][byte(x>>16)] ^ t[3][x>>24]
}

// encrypt enciphers the 64-bit block (n1 = low word, n2 = high word) with GOST 28147-89
// in ECB mode under the key k (eight 32-bit little-endian words) and returns the
// ciphertext words (low, high).
func (t *gost89Tables) encrypt(k *[8]uint32, n1, n2 uint32) (uint32, uint32) {
	for r := 0; r < 3; r++ {
		n2 ^= t.f(n1 + k[0])
		n1 ^= t.f(n2 + k[1])
		n2 ^= t.f(n1 + k[2])
		n1 ^= t.f(n2 + k[3])
		n2 ^= t.f(n1 + k[4])
		n1 ^= t.f(n2 + k[5])
		n2 ^= t.f(n1 + k[6])
		n1 ^= t.f(n2 + k[7])
	}
	n2 ^= t.f(n1 + k[7])
	n1 ^= t.f(n2 + k[6])
	n2 ^= t.f(n1 + k[5])
	n1 ^= t.f(n2 + k[4])
	n2 ^= t.f(n1 + k[3])
	n1 ^= t.f(n2 + k[2])
	n2 ^= t.f(n1 + k[1])
	n1 ^= t.f(n2 + k[0])
	return n2, n1
}

// gost94C3 is the constant C3 of the key generation, as 32 little-endian bytes.
var gost94C3 = [32]byte{
	0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
	0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00,
	0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0xff,
	0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0xff,
}

// gost94A is the transform A(y4‖y3‖y2‖y1) = (y1⊕y2)‖y4‖y3‖y2 on 64-bit blocks; byte i of
// the slice is byte i of the little-endian 256-bit value.
func gost94A(y *[32]byte) {
	var t [8]byte
	for i := 0; i < 8; i++ {
		t[i] = y[i] ^ y[8+i]
	}
	copy(y[0:24], y[8:32])
	copy(y[24:32], t[:])
}

// gost94P is the byte permutation P: output byte i+4k = input byte 8i+k (i < 4, k < 8).
func gost94P(out, in *[32]byte) {
	for i := 0; i < 4; i++ {
		for k := 0; k < 8; k++ {
			out[i+4*k] = in[8*i+k]
		}
	}
}

// gost94PsiN applies ψ n times to y (sixteen 16-bit words y16‖…‖y1, y1 least
// significant): ψ(Y) = (y1⊕y2⊕y3⊕y4⊕y13⊕y16)‖y16‖…‖y2. The words are unrolled into a
// sequence w with w[i+16] = w[i]⊕w[i+1]⊕w[i+2]⊕w[i+3]⊕w[i+12]⊕w[i+15]; after n steps
// the state is w[n … n+15].
func gost94PsiN(y *[32]byte, n int) {
	var w [16 + 61]uint16
	for i := 0; i < 16; i++ {
		w[i] = binary.LittleEndian.Uint16(y[2*i:])
	}
	for i := 0; i < n; i++ {
		w[i+16] = w[i] ^ w[i+1] ^ w[i+2] ^ w[i+3] ^ w[i+12] ^ w[i+15]
	}
	for i := 0; i < 16; i++ {
		binary.LittleEndian.PutUint16(y[2*i:], w[n+i])
	}
}

// gost94Step computes the step function H = f(H, M).
func gost94Step(t *gost89Tables, h *[32]byte, m *[32]byte) {
	var u, v, w, key [32]byte
	var s [32]byte
	u, v = *h, *m
	for j := 0; j < 4; j++ {
		if j > 0 {
			gost94A(&u)
			if j == 2 {
				for i := range u {
					u[i] ^= gost94C3[i]
				}
			}
			gost94A(&v)
			gost94A(&v)
		}
		for i := range w {
			w[i] = u[i] ^ v[i]
		}
		gost94P(&key, &w)
		var kw [8]uint32
		for i := range kw {
			kw[i] = binary.LittleEndian.Uint32(key[4*i:])
		}
		lo, hi := t.encrypt(&kw, binary.LittleEndian.Uint32(h[8*j:]), binary.LittleEndian.Uint32(h[8*j+4:]))
		binary.LittleEndian.PutUint32(s[8*j:], lo)
		binary.LittleEndian.PutUint32(s[8*j+4:], hi)
	}
	// H' = ψ^61(H ⊕ ψ(M ⊕ ψ^12(S)))
	gost94PsiN(&s, 12)
	for i := range s {
		s[i] ^= m[i]
	}
	gost94PsiN(&s, 1)
	for i := range s {
		s[i] ^= h[i]
	}
	gost94PsiN(&s, 61)
	*h = s
}

// gost94 is the hash.Hash state.
type gost94 struct {
	t      *gost89Tables
	h      [32]byte
	sigma  [32]byte // Σ, the sum of the blocks mod 2^256 (little-endian)
	length uint64   // message length in bytes so far
	buf    [GOST94BlockSize]byte
	nbuf   int
}

// NewGOST34311 returns a hash.Hash computing GOST 34.311-95 as used in Kazakhstan:
// GOST R 34.11-94 with H0 = 0 and the "test" S-box (SBoxTest). Sum appends the
// 32-byte digest in byte-stream order.
func NewGOST34311() hash.Hash { return &gost94{t: gost94TestTables()} }

// NewGOSTR341194CryptoPro returns a hash.Hash computing GOST R 34.11-94 with H0 = 0 and
// the CryptoPro S-box (SBoxCryptoPro), as used with Russian GOST R 34.10-2001 keys.
func NewGOSTR341194CryptoPro() hash.Hash { return &gost94{t: gost94CryptoProTables()} }

// NewGOSTR341194 returns a hash.Hash computing GOST R 34.11-94 with H0 = 0 and the given
// S-box. The S-box is copied.
func NewGOSTR341194(sbox SBox) hash.Hash { return &gost94{t: newGost89Tables(&sbox)} }

// SumGOST34311 returns the GOST 34.311-95 (test S-box) digest of data in byte-stream
// order.
func SumGOST34311(data []byte) [GOST94Size]byte {
	d := &gost94{t: gost94TestTables()}
	d.Write(data)
	var out [GOST94Size]byte
	d.checkSum(out[:])
	return out
}

func (d *gost94) Size() int      { return GOST94Size }
func (d *gost94) BlockSize() int { return GOST94BlockSize }

func (d *gost94) Reset() {
	d.h = [32]byte{}
	d.sigma = [32]byte{}
	d.length = 0
	d.nbuf = 0
}

func (d *gost94) block(p []byte) {
	var m [32]byte
	copy(m[:], p)
	gost94Step(d.t, &d.h, &m)
	var c uint16
	for i := range d.sigma {
		c += uint16(d.sigma[i]) + uint16(m[i])
		d.sigma[i] = byte(c)
		c >>= 8
	}
}

func (d *gost94) Write(p []byte) (int, error) {
	n := len(p)
	d.length += uint64(n)
	if d.nbuf > 0 {
		k := copy(d.buf[d.nbuf:], p)
		d.nbuf += k
		p = p[k:]
		if d.nbuf < GOST94BlockSize {
			return n, nil
		}
		d.block(d.buf[:])
		d.nbuf = 0
	}
	for len(p) >= GOST94BlockSize {
		d.block(p[:GOST94BlockSize])
		p = p[GOST94BlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

func (d *gost94) Sum(in []byte) []byte {
	d0 := *d
	var out [GOST94Size]byte
	d0.checkSum(out[:])
	return append(in, out[:]...)
}

func (d *gost94) checkSum(out []byte) {
	if d.nbuf > 0 {
		var last [GOST94BlockSize]byte
		copy(last[:], d.buf[:d.nbuf])
		d.block(last[:])
		d.nbuf = 0
	}
	var l [32]byte
	bitLen := d.length << 3
	binary.LittleEndian.PutUint64(l[:], bitLen)
	binary.LittleEndian.PutUint64(l[8:], d.length>>61)
	gost94Step(d.t, &d.h, &l)
	gost94Step(d.t, &d.h, &d.sigma)
	copy(out, d.h[:])
}
