package keyfile

import (
	"hash"
	"unicode/utf16"
)

// PKCS#12 key derivation purposes (RFC 7292 appendix B.3).
const (
	kdfKey byte = 1
	kdfIV  byte = 2
	kdfMAC byte = 3
)

// bmpPassword encodes password as the PKCS#12 KDF wants it (RFC 7292 appendix B.1):
// big-endian UTF-16 followed by two zero bytes. Characters outside the Basic
// Multilingual Plane become surrogate pairs, as OpenSSL does.
func bmpPassword(password string) []byte {
	u := utf16.Encode([]rune(password))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return append(out, 0, 0)
}

// pkcs12KDF derives size bytes for purpose id from the BMP-encoded password and salt
// with iterations rounds of the hash h (RFC 7292 appendix B.2). v is the hash's block
// size in bytes.
func pkcs12KDF(h func() hash.Hash, v int, password, salt []byte, id byte, iterations, size int) []byte {
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		n := v * ((len(src) + v - 1) / v)
		out := make([]byte, n)
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	ib := append(fill(salt), fill(password)...)

	hh := h()
	u := hh.Size()
	out := make([]byte, 0, size+u)
	a := make([]byte, 0, u)
	b := make([]byte, v)
	for len(out) < size {
		hh.Reset()
		hh.Write(d)
		hh.Write(ib)
		a = hh.Sum(a[:0])
		for i := 1; i < iterations; i++ {
			hh.Reset()
			hh.Write(a)
			a = hh.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		for i := range b {
			b[i] = a[i%u]
		}
		// I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I.
		for j := 0; j < len(ib); j += v {
			carry := uint16(1)
			blk := ib[j : j+v]
			for k := v - 1; k >= 0; k-- {
				x := uint16(blk[k]) + uint16(b[k]) + carry
				blk[k] = byte(x)
				carry = x >> 8
			}
		}
	}
	return out[:size]
}
