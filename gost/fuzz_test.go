package gost

import (
	"bytes"
	"encoding/binary"
	"math/big"
	"math/bits"
	"testing"
)

// ---- slow, simple reference implementations, written from the standards' notation ----
//
// They share only the published constants (π, A, C, the S-boxes) with the fast code:
// messages and counters are big integers, the transforms work on byte arrays and single
// bits, and the GOST 28147-89 round substitutes nibble by nibble.

var two512 = new(big.Int).Lsh(big.NewInt(1), 512)

// leBytes writes x (< 2^(8n)) little-endian into n bytes.
func leBytes(x *big.Int, n int) []byte {
	return bigToLE(new(big.Int).Mod(x, new(big.Int).Lsh(big.NewInt(1), uint(8*n))), n)
}

// refStreebogLPS applies S, then P, then L to a 64-byte little-endian vector.
func refStreebogLPS(a [64]byte) [64]byte {
	var s, p, l [64]byte
	for i := range a {
		s[i] = streebogPi[a[i]]
	}
	for i := range p { // P: byte i takes byte τ(i) = 8·(i mod 8) + ⌊i/8⌋
		p[i] = s[8*(i%8)+i/8]
	}
	for w := 0; w < 8; w++ { // L: ℓ on each 64-bit word, bit i selecting row A[63-i]
		var acc uint64
		for bit := 0; bit < 64; bit++ {
			if p[8*w+bit/8]>>(bit%8)&1 == 1 {
				acc ^= streebogA[63-bit]
			}
		}
		for j := 0; j < 8; j++ {
			l[8*w+j] = byte(acc >> (8 * j))
		}
	}
	return l
}

func refXor64(a, b [64]byte) (r [64]byte) {
	for i := range r {
		r[i] = a[i] ^ b[i]
	}
	return r
}

func refStreebogG(n, h, m [64]byte) [64]byte {
	k := refStreebogLPS(refXor64(h, n))
	state := m
	for i := 0; i < 12; i++ {
		state = refStreebogLPS(refXor64(state, k))
		var c [64]byte
		for j := 0; j < 8; j++ {
			binary.LittleEndian.PutUint64(c[8*j:], streebogC[i][j])
		}
		k = refStreebogLPS(refXor64(k, c))
	}
	return refXor64(refXor64(refXor64(state, k), h), m)
}

func to64(x *big.Int) (r [64]byte) { copy(r[:], leBytes(x, 64)); return r }

// refStreebog follows RFC 6986 §8: M is the message read as a little-endian integer of
// 8·len(msg) bits; 512-bit pieces are taken from its least significant end.
func refStreebog(msg []byte, size int) []byte {
	var h [64]byte
	if size == 32 {
		for i := range h {
			h[i] = 1
		}
	}
	M := leToBig(msg)
	bitLen := 8 * len(msg)
	N, Sigma := new(big.Int), new(big.Int)
	for bitLen >= 512 {
		m := new(big.Int).Mod(M, two512)
		h = refStreebogG(to64(N), h, to64(m))
		N.Add(N, big.NewInt(512)).Mod(N, two512)
		Sigma.Add(Sigma, m).Mod(Sigma, two512)
		M.Rsh(M, 512)
		bitLen -= 512
	}
	m := new(big.Int).Add(M, new(big.Int).Lsh(big.NewInt(1), uint(bitLen))) // 0…01 ‖ M
	h = refStreebogG(to64(N), h, to64(m))
	N.Add(N, big.NewInt(int64(bitLen))).Mod(N, two512)
	Sigma.Add(Sigma, m).Mod(Sigma, two512)
	var zero [64]byte
	h = refStreebogG(zero, h, to64(N))
	h = refStreebogG(zero, h, to64(Sigma))
	if size == 32 {
		return append([]byte(nil), h[32:]...)
	}
	return append([]byte(nil), h[:]...)
}

var two256 = new(big.Int).Lsh(big.NewInt(1), 256)

// refGost89Encrypt is GOST 28147-89 ECB encryption written from the standard: N1 the
// low half, N2 the high half, 32 rounds with keys K0…K7 ×3, K7…K0, and the S-box
// applied nibble by nibble (row k1 to the low nibble).
func refGost89Encrypt(sbox *SBox, key [8]uint32, block uint64) uint64 {
	n1, n2 := uint32(block), uint32(block>>32)
	order := make([]int, 0, 32)
	for r := 0; r < 3; r++ {
		for i := 0; i < 8; i++ {
			order = append(order, i)
		}
	}
	for i := 7; i >= 0; i-- {
		order = append(order, i)
	}
	for round, ki := range order {
		t := n1 + key[ki]
		var s uint32
		for nib := 0; nib < 8; nib++ {
			s |= uint32(sbox[nib][t>>(4*nib)&15]) << (4 * nib)
		}
		t = bits.RotateLeft32(s, 11) ^ n2
		if round < 31 {
			n1, n2 = t, n1
		} else {
			n2 = t
		}
	}
	return uint64(n1) | uint64(n2)<<32
}

// refGost94Step is the step function of GOST R 34.11-94 on 256-bit integers.
func refGost94Step(sbox *SBox, H, M *big.Int) *big.Int {
	mask64 := new(big.Int).SetUint64(^uint64(0))
	word := func(Y *big.Int, i int) *big.Int { // y_{i+1}, 64-bit, i = 0 least significant
		return new(big.Int).And(new(big.Int).Rsh(Y, uint(64*i)), mask64)
	}
	A := func(Y *big.Int) *big.Int { // (y1 ⊕ y2) ‖ y4 ‖ y3 ‖ y2
		r := new(big.Int).Xor(word(Y, 0), word(Y, 1))
		r.Lsh(r, 192)
		r.Or(r, new(big.Int).Lsh(word(Y, 3), 128))
		r.Or(r, new(big.Int).Lsh(word(Y, 2), 64))
		return r.Or(r, word(Y, 1))
	}
	P := func(Y *big.Int) [32]byte { // φ(i + 1 + 4(k-1)) = 8i + k, 1-based byte numbers
		y := leBytes(Y, 32)
		var out [32]byte
		for i := 0; i <= 3; i++ {
			for k := 1; k <= 8; k++ {
				out[i+1+4*(k-1)-1] = y[8*i+k-1]
			}
		}
		return out
	}
	psi := func(Y *big.Int) *big.Int { // (y1⊕y2⊕y3⊕y4⊕y13⊕y16) ‖ y16 ‖ … ‖ y2, 16-bit words
		w := func(i int) uint64 { return new(big.Int).Rsh(Y, uint(16*(i-1))).Uint64() & 0xffff }
		top := w(1) ^ w(2) ^ w(3) ^ w(4) ^ w(13) ^ w(16)
		r := new(big.Int).Rsh(Y, 16)
		return r.Or(r, new(big.Int).Lsh(new(big.Int).SetUint64(top), 240))
	}
	C3 := new(big.Int)
	C3.SetString("ff00ffff000000ffff0000ff00ffff0000ff00ff00ff00ffff00ff00ff00ff00", 16)
	U, V := new(big.Int).Set(H), new(big.Int).Set(M)
	S := new(big.Int)
	for j := 0; j < 4; j++ {
		if j > 0 {
			U = A(U)
			if j == 2 {
				U.Xor(U, C3)
			}
			V = A(A(V))
		}
		kb := P(new(big.Int).Xor(U, V))
		var key [8]uint32
		for i := range key {
			key[i] = binary.LittleEndian.Uint32(kb[4*i:])
		}
		s := refGost89Encrypt(sbox, key, word(H, j).Uint64())
		S.Or(S, new(big.Int).Lsh(new(big.Int).SetUint64(s), uint(64*j)))
	}
	for i := 0; i < 12; i++ {
		S = psi(S)
	}
	S = psi(S.Xor(S, M))
	S.Xor(S, H)
	for i := 0; i < 61; i++ {
		S = psi(S)
	}
	return S
}

func refGost94(sbox SBox, msg []byte) []byte {
	H, Sigma := new(big.Int), new(big.Int)
	M := leToBig(msg)
	for rest := len(msg); rest > 0; rest -= 32 {
		m := new(big.Int).Mod(M, two256) // the last (possibly short) block is zero-padded
		H = refGost94Step(&sbox, H, m)
		Sigma.Add(Sigma, m).Mod(Sigma, two256)
		M.Rsh(M, 256)
	}
	H = refGost94Step(&sbox, H, big.NewInt(int64(8*len(msg))))
	H = refGost94Step(&sbox, H, Sigma)
	return leBytes(H, 32)
}

func TestReferenceImplementations(t *testing.T) {
	// The references reproduce the published vectors, so they can judge the fast code.
	m1 := []byte("012345678901234567890123456789012345678901234567890123456789012")
	if got := refStreebog(m1, 64); !bytes.Equal(got, unhex(t, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48")) {
		t.Errorf("reference Streebog-512(M1) = %x", got)
	}
	if got := refStreebog(m1, 32); !bytes.Equal(got, unhex(t, "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500")) {
		t.Errorf("reference Streebog-256(M1) = %x", got)
	}
	if got := refGost94(SBoxTest(), []byte("Suppose the original message has length = 50 bytes")); !bytes.Equal(got, unhex(t, "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208")) {
		t.Errorf("reference GOST34311 = %x", got)
	}
	if got := refGost94(SBoxCryptoPro(), []byte("This is message, length=32 bytes")); !bytes.Equal(got, unhex(t, "2cefc2f7b7bdc514e18ea57fa74ff357e7fa17d652c75f69cb1be7893ede48eb")) {
		t.Errorf("reference GOST R 34.11-94 CryptoPro = %x", got)
	}
}

func writeSplit(h interface{ Write([]byte) (int, error) }, data []byte, split int) {
	if split <= 0 {
		split = 1
	}
	for len(data) > 0 {
		n := min(split, len(data))
		h.Write(data[:n])
		data = data[n:]
	}
}

// FuzzStreebog compares the table-driven Streebog with the reference, both sizes, with
// the input fed in chunks of a fuzzed size.
func FuzzStreebog(f *testing.F) {
	f.Add([]byte{}, uint8(1))
	f.Add([]byte("012345678901234567890123456789012345678901234567890123456789012"), uint8(7))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint8(64))
	f.Add(bytes.Repeat([]byte{0x80}, 65), uint8(13))
	f.Add(bytes.Repeat([]byte{0x01}, 130), uint8(100))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		if len(data) > 1024 {
			data = data[:1024]
		}
		for _, size := range []int{32, 64} {
			h := newStreebog(size)
			writeSplit(h, data, int(split))
			if got, want := h.Sum(nil), refStreebog(data, size); !bytes.Equal(got, want) {
				t.Fatalf("Streebog-%d(%x) = %x, reference %x", 8*size, data, got, want)
			}
		}
	})
}

// FuzzGOST94 compares GOST R 34.11-94 (both S-boxes) with the reference.
func FuzzGOST94(f *testing.F) {
	f.Add([]byte{}, uint8(1), false)
	f.Add([]byte("This is message, length=32 bytes"), uint8(5), true)
	f.Add(bytes.Repeat([]byte{0xff}, 33), uint8(32), false)
	f.Add(bytes.Repeat([]byte{0xa5}, 97), uint8(31), true)
	f.Fuzz(func(t *testing.T, data []byte, split uint8, cryptoPro bool) {
		if len(data) > 512 {
			data = data[:512]
		}
		sbox, h := SBoxTest(), NewGOST34311()
		if cryptoPro {
			sbox, h = SBoxCryptoPro(), NewGOSTR341194CryptoPro()
		}
		writeSplit(h, data, int(split))
		if got, want := h.Sum(nil), refGost94(sbox, data); !bytes.Equal(got, want) {
			t.Fatalf("GOST R 34.11-94(%x) = %x, reference %x", data, got, want)
		}
	})
}

// FuzzParsePublicKey: no panics; an accepted key is on the curve (checked with math/big)
// and re-encodes to the input.
func FuzzParsePublicKey(f *testing.F) {
	for i, c := range Curves() {
		p := c.Params()
		g := append(bigToLE(p.X, c.Size()), bigToLE(p.Y, c.Size())...)
		f.Add(uint8(i), g)
		f.Add(uint8(i), flipBit(g, 5))
	}
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, idx uint8, data []byte) {
		curves := Curves()
		c := curves[int(idx)%len(curves)]
		pub, err := ParsePublicKey(c, data)
		if err != nil {
			return
		}
		if !bytes.Equal(pub.Bytes(), data) {
			t.Fatal("re-encoding differs")
		}
		if !refOnCurve(c.Params(), pub.X(), pub.Y()) {
			t.Fatal("accepted a point off the curve")
		}
	})
}

// FuzzParseSignature: no panics; an accepted signature has 0 < r, s < q, re-encodes to
// the input, and Verify on it does not panic.
func FuzzParseSignature(f *testing.F) {
	key, err := ParsePrivateKey(CurveTest256(), bigToLE(bigFromHex(f, "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28"), 32))
	if err != nil {
		f.Fatal(err)
	}
	digest := bytes.Repeat([]byte{3}, 32)
	sig, _ := key.SignDigest(nil, digest, LayoutRFC4491)
	f.Add(uint8(0), uint8(1), sig)
	f.Add(uint8(0), uint8(2), sig)
	f.Add(uint8(11), uint8(2), make([]byte, 128))
	f.Add(uint8(3), uint8(0), []byte{1, 2})
	f.Fuzz(func(t *testing.T, idx, layout uint8, data []byte) {
		curves := Curves()
		c := curves[int(idx)%len(curves)]
		l := SignatureLayout(layout % 4)
		r, s, err := ParseSignature(c, data, l)
		if c == CurveTest256() {
			_ = key.PublicKey().Verify(digest, data, l) // must not panic
		}
		if err != nil {
			return
		}
		q := c.Params().Q
		if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(q) >= 0 || s.Cmp(q) >= 0 {
			t.Fatal("out-of-range r or s accepted")
		}
		again, err := MarshalSignature(c, r, s, l)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}
