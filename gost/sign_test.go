package gost

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// ---- a slow, obviously-correct reference: affine arithmetic with math/big ----

type refPoint struct{ x, y *big.Int } // nil x: the identity

func refAdd(p *CurveParams, a, b refPoint) refPoint {
	if a.x == nil {
		return b
	}
	if b.x == nil {
		return a
	}
	var l *big.Int
	if a.x.Cmp(b.x) == 0 {
		if new(big.Int).Mod(new(big.Int).Add(a.y, b.y), p.P).Sign() == 0 {
			return refPoint{}
		}
		num := new(big.Int).Mul(a.x, a.x)
		num.Mul(num, big.NewInt(3)).Add(num, p.A)
		den := new(big.Int).Lsh(a.y, 1)
		l = num.Mul(num, den.ModInverse(den.Mod(den, p.P), p.P))
	} else {
		num := new(big.Int).Sub(b.y, a.y)
		den := new(big.Int).Sub(b.x, a.x)
		l = num.Mul(num, den.ModInverse(den.Mod(den, p.P), p.P))
	}
	l.Mod(l, p.P)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, a.x).Sub(x, b.x).Mod(x, p.P)
	y := new(big.Int).Sub(a.x, x)
	y.Mul(y, l).Sub(y, a.y).Mod(y, p.P)
	return refPoint{x, y}
}

func refMul(p *CurveParams, k *big.Int, a refPoint) refPoint {
	r := refPoint{}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = refAdd(p, r, r)
		if k.Bit(i) == 1 {
			r = refAdd(p, r, a)
		}
	}
	return r
}

func refOnCurve(p *CurveParams, x, y *big.Int) bool {
	l := new(big.Int).Mul(y, y)
	r := new(big.Int).Mul(x, x)
	r.Add(r, p.A).Mul(r, x).Add(r, p.B)
	return l.Sub(l, r).Mod(l, p.P).Sign() == 0
}

func bigFromHex(t testing.TB, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

// ---- curve constants ----

func TestCurveConstants(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Curves() {
		p := c.Params()
		if seen[c.Name()] {
			t.Errorf("duplicate curve %s", c.Name())
		}
		seen[c.Name()] = true
		if !p.P.ProbablyPrime(32) || !p.Q.ProbablyPrime(32) {
			t.Errorf("%s: p or q not prime", c)
		}
		if p.P.BitLen() > p.BitSize || p.BitSize != 8*c.Size() || p.BitSize != c.BitSize() {
			t.Errorf("%s: sizes", c)
		}
		if !refOnCurve(p, p.X, p.Y) {
			t.Errorf("%s: base point not on the curve (big.Int check)", c)
		}
		if err := c.checkGroup(); err != nil { // fixed-limb arithmetic: G on curve, q·G = O
			t.Error(err)
		}
		if got := refMul(p, p.Q, refPoint{p.X, p.Y}); got.x != nil {
			t.Errorf("%s: q·G ≠ O (big.Int check)", c)
		}
		// Hasse: the group order h·q lies within p + 1 ± 2√p.
		n := new(big.Int).Mul(p.Q, big.NewInt(int64(p.Cofactor)))
		d := new(big.Int).Sub(n, new(big.Int).Add(p.P, big.NewInt(1)))
		d.Mul(d, d)
		if d.Cmp(new(big.Int).Lsh(p.P, 2)) > 0 {
			t.Errorf("%s: h·q outside the Hasse interval", c)
		}
		if got, ok := CurveByOID(c.OID()); !ok || got != c {
			t.Errorf("CurveByOID(%v) = %v", c.OID(), got)
		}
		if kz := c.KazakhOID(); kz != nil {
			if got, ok := CurveByOID(kz); !ok || got != c {
				t.Errorf("CurveByOID(%v) = %v", kz, got)
			}
		}
		if got, ok := CurveByName(c.Name()); !ok || got != c {
			t.Errorf("CurveByName(%s)", c.Name())
		}
	}
	if len(seen) != 14 {
		t.Errorf("%d curves, want 14", len(seen))
	}
	for _, pair := range [][2]*Curve{
		{CurveCryptoProA(), CurveCryptoProXchA()}, {CurveCryptoProA(), Curve256B()},
		{CurveCryptoProB(), Curve256C()}, {CurveCryptoProC(), CurveCryptoProXchB()}, {CurveCryptoProC(), Curve256D()},
	} {
		if !pair[0].SameGroup(pair[1]) {
			t.Errorf("%s and %s should share parameters", pair[0], pair[1])
		}
	}
	if CurveCryptoProA().SameGroup(Curve256A()) || Curve512A().SameGroup(Curve512C()) {
		t.Error("different curves report the same group")
	}
	if Curve256A().Params().Cofactor != 4 || Curve512C().Params().Cofactor != 4 {
		t.Error("twisted Edwards curves must have cofactor 4")
	}
	// Params returns copies.
	Curve512A().Params().P.SetInt64(5)
	if Curve512A().Params().P.Int64() == 5 {
		t.Error("Params is not a copy")
	}
}

// ---- field and point arithmetic against math/big ----

func TestFieldArithmetic(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	randBelow := func(m *big.Int) *big.Int {
		b := make([]byte, (m.BitLen()+7)/8+8)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), m)
	}
	for _, c := range []*Curve{CurveTest256(), CurveCryptoProA(), Curve256A(), CurveTest512(), Curve512A(), Curve512C()} {
		p := c.Params()
		for _, m := range []*big.Int{p.P, p.Q} {
			edge := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(m, big.NewInt(1)), new(big.Int).Sub(m, big.NewInt(2))}
			check := func(x, y *big.Int) {
				switch c.BitSize() {
				case 256:
					checkField4(t, newField4(m), m, x, y)
				case 512:
					checkField8(t, newField8(m), m, x, y)
				}
			}
			for _, x := range edge {
				for _, y := range edge {
					check(x, y)
				}
			}
			for i := 0; i < 50; i++ {
				check(randBelow(m), randBelow(m))
			}
		}
	}
}

func checkField4(t *testing.T, f *field4, m, x, y *big.Int) {
	t.Helper()
	xp, yp := fe4FromBig(x), fe4FromBig(y)
	var xm, ym, z, out fe4
	f.toMont(&xm, &xp)
	f.toMont(&ym, &yp)
	want := func(op string, w *big.Int) {
		f.fromMont(&out, &z)
		if out.big().Cmp(w.Mod(w, m)) != 0 {
			t.Fatalf("%s(%x, %x) mod %x = %x, want %x", op, x, y, m, out.big(), w)
		}
	}
	f.mul(&z, &xm, &ym)
	want("mul", new(big.Int).Mul(x, y))
	f.sqr(&z, &xm)
	want("sqr", new(big.Int).Mul(x, x))
	f.add(&z, &xm, &ym)
	want("add", new(big.Int).Add(x, y))
	f.sub(&z, &xm, &ym)
	want("sub", new(big.Int).Sub(x, y))
	f.neg(&z, &xm)
	want("neg", new(big.Int).Neg(x))
	if x.Sign() != 0 {
		f.inv(&z, &xm)
		want("inv", new(big.Int).ModInverse(x, m))
	}
	// reduceWide of (x + y·2^256).
	f.reduceWide(&z, &xp, &yp)
	want("wide", new(big.Int).Add(x, new(big.Int).Lsh(y, 256)))
}

func checkField8(t *testing.T, f *field8, m, x, y *big.Int) {
	t.Helper()
	xp, yp := fe8FromBig(x), fe8FromBig(y)
	var xm, ym, z, out fe8
	f.toMont(&xm, &xp)
	f.toMont(&ym, &yp)
	want := func(op string, w *big.Int) {
		f.fromMont(&out, &z)
		if out.big().Cmp(w.Mod(w, m)) != 0 {
			t.Fatalf("%s(%x, %x) mod %x = %x, want %x", op, x, y, m, out.big(), w)
		}
	}
	f.mul(&z, &xm, &ym)
	want("mul", new(big.Int).Mul(x, y))
	f.sqr(&z, &xm)
	want("sqr", new(big.Int).Mul(x, x))
	f.add(&z, &xm, &ym)
	want("add", new(big.Int).Add(x, y))
	f.sub(&z, &xm, &ym)
	want("sub", new(big.Int).Sub(x, y))
	f.neg(&z, &xm)
	want("neg", new(big.Int).Neg(x))
	if x.Sign() != 0 {
		f.inv(&z, &xm)
		want("inv", new(big.Int).ModInverse(x, m))
	}
	f.reduceWide(&z, &xp, &yp)
	want("wide", new(big.Int).Add(x, new(big.Int).Lsh(y, 512)))
}

// The constant-time fixed-base multiplication (complete projective formulas, signed
// windows) agrees with the big.Int reference, including the scalars where the window
// recoding carries.
func TestScalarBaseMultReference(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	for _, c := range Curves() {
		if c.SameGroup(CurveCryptoProXchA()) && c != CurveCryptoProA() || c == CurveCryptoProXchB() || c == Curve256C() || c == Curve256D() {
			continue // aliases
		}
		p := c.Params()
		g := refPoint{p.X, p.Y}
		one := big.NewInt(1)
		scalars := []*big.Int{one, big.NewInt(2), big.NewInt(15), big.NewInt(16), big.NewInt(17), big.NewInt(31),
			big.NewInt(32), big.NewInt(33), big.NewInt(0x3ff), new(big.Int).Sub(p.Q, one), new(big.Int).Sub(p.Q, big.NewInt(2)),
			new(big.Int).Rsh(p.Q, 1), new(big.Int).Sub(new(big.Int).Lsh(one, uint(p.Q.BitLen()-1)), one)}
		for i := 0; i < 3; i++ {
			b := make([]byte, c.Size()+8)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			scalars = append(scalars, new(big.Int).Mod(new(big.Int).SetBytes(b), p.Q))
		}
		for _, k := range scalars {
			if k.Sign() == 0 {
				continue
			}
			key, err := ParsePrivateKey(c, bigToLE(k, c.Size()))
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			want := refMul(p, k, g)
			if key.PublicKey().X().Cmp(want.x) != 0 || key.PublicKey().Y().Cmp(want.y) != 0 {
				t.Fatalf("%s: %x·G differs from the reference", c, k)
			}
		}
	}
}

// ---- RFC 7091 examples ----

func TestRFC7091Examples(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		curve                 *Curve
		d, qx, qy, e, k, r, s string
	}{
		{"example 1 (256)", CurveTest256(),
			"7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28",
			"7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B",
			"26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA",
			"2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5",
			"77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3",
			"41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493",
			"01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40"},
		{"example 2 (512)", CurveTest512(),
			"0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
			"115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
			"37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
			"3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C5917184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
			"0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
			"2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD35492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
			"1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, size := tc.curve, tc.curve.Size()
			le := func(s string) []byte { return bigToLE(bigFromHex(t, s), size) }
			key, err := ParsePrivateKey(c, le(tc.d))
			if err != nil {
				t.Fatal(err)
			}
			pub := key.PublicKey()
			if pub.X().Cmp(bigFromHex(t, tc.qx)) != 0 || pub.Y().Cmp(bigFromHex(t, tc.qy)) != 0 {
				t.Fatalf("public key (%x, %x)", pub.X(), pub.Y())
			}
			// The example gives e; as a digest it is e's little-endian bytes.
			digest := le(tc.e)
			sig, err := key.signWithNonce(le(tc.k), digest, LayoutRFC4491)
			if err != nil {
				t.Fatal(err)
			}
			want := append(bigFromHex(t, tc.s).FillBytes(make([]byte, size)), bigFromHex(t, tc.r).FillBytes(make([]byte, size))...)
			if !bytes.Equal(sig, want) {
				t.Fatalf("signature %x\nwant      %x", sig, want)
			}
			if err := pub.Verify(digest, sig, LayoutRFC4491); err != nil {
				t.Fatal(err)
			}
			kz, _ := ConvertSignature(sig, LayoutRFC4491, LayoutKazakh)
			if err := pub.Verify(digest, kz, LayoutKazakh); err != nil {
				t.Fatal(err)
			}
			r, s, err := ParseSignature(c, sig, LayoutRFC4491)
			if err != nil || r.Cmp(bigFromHex(t, tc.r)) != 0 || s.Cmp(bigFromHex(t, tc.s)) != 0 {
				t.Fatalf("ParseSignature: %x %x %v", r, s, err)
			}
			// A public key parsed from x_LE ‖ y_LE verifies too.
			pub2, err := ParsePublicKey(c, append(le(tc.qx), le(tc.qy)...))
			if err != nil || !pub2.Equal(pub) {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if err := pub2.Verify(digest, sig, LayoutRFC4491); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// ---- round trips and negative cases on every curve ----

func flipBit(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i/8] ^= 1 << (i % 8)
	return out
}

func TestSignVerifyAllCurves(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(5, 6))
	for _, c := range Curves() {
		t.Run(c.Name(), func(t *testing.T) {
			key, err := GenerateKey(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			pub := key.PublicKey()
			digest := make([]byte, c.Size())
			for i := range digest {
				digest[i] = byte(rng.Uint32())
			}
			for _, layout := range []SignatureLayout{LayoutRFC4491, LayoutKazakh} {
				sig, err := key.SignDigest(nil, digest, layout)
				if err != nil {
					t.Fatal(err)
				}
				if len(sig) != 2*c.Size() {
					t.Fatalf("signature length %d", len(sig))
				}
				if err := pub.Verify(digest, sig, layout); err != nil {
					t.Fatalf("%v: %v", layout, err)
				}
				// A flipped bit anywhere in the digest or the signature fails.
				for _, i := range []int{0, 7, 8*c.Size() - 1, rng.IntN(8 * c.Size())} {
					if err := pub.Verify(flipBit(digest, i), sig, layout); !errors.Is(err, ErrInvalidSignature) {
						t.Errorf("digest bit %d flipped: %v", i, err)
					}
				}
				for _, i := range []int{0, 8*c.Size() - 1, 8 * c.Size(), 16*c.Size() - 1, rng.IntN(16 * c.Size())} {
					if err := pub.Verify(digest, flipBit(sig, i), layout); !errors.Is(err, ErrInvalidSignature) {
						t.Errorf("signature bit %d flipped: %v", i, err)
					}
				}
			}
			sig, _ := key.SignDigest(rand.Reader, digest, LayoutKazakh)
			// Another key fails; a key with a flipped bit is refused or fails.
			other, _ := GenerateKey(c, nil)
			if err := other.PublicKey().Verify(digest, sig, LayoutKazakh); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("other key: %v", err)
			}
			for _, i := range []int{0, 100, 8*c.Size() + 3} {
				if bad, err := ParsePublicKey(c, flipBit(pub.Bytes(), i)); err == nil {
					if bad.Verify(digest, sig, LayoutKazakh) == nil {
						t.Errorf("public key bit %d flipped: verified", i)
					}
				} else if !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("public key bit %d flipped: %v", i, err)
				}
			}
			// Two signatures of one digest differ (fresh randomness in the nonce).
			sig2, _ := key.SignDigest(nil, digest, LayoutKazakh)
			if bytes.Equal(sig, sig2) {
				t.Error("two signatures are identical")
			}
			// crypto.Signer.
			var signer crypto.Signer = key
			sig3, err := signer.Sign(rand.Reader, digest, &SignerOpts{Layout: LayoutKazakh})
			if err != nil || pub.Verify(digest, sig3, LayoutKazakh) != nil {
				t.Errorf("crypto.Signer: %v", err)
			}
			if !signer.Public().(*PublicKey).Equal(pub) {
				t.Error("Public() differs")
			}
			// Private key encoding round trip.
			key2, err := ParsePrivateKey(c, key.Bytes())
			if err != nil || !key2.Equal(key) || !key2.PublicKey().Equal(pub) {
				t.Errorf("private key round trip: %v", err)
			}
		})
	}
}

func TestSignatureRange(t *testing.T) {
	for _, c := range []*Curve{CurveCryptoProA(), Curve256A(), Curve512A(), Curve512C()} {
		key, _ := GenerateKey(c, nil)
		pub := key.PublicKey()
		digest := bytes.Repeat([]byte{0x5a}, c.Size())
		sig, _ := key.SignDigest(nil, digest, LayoutKazakh)
		r, s, err := ParseSignature(c, sig, LayoutKazakh)
		if err != nil {
			t.Fatal(err)
		}
		q := c.Params().Q
		zero, one := big.NewInt(0), big.NewInt(1)
		for _, bad := range [][2]*big.Int{
			{zero, s}, {r, zero}, {q, s}, {r, q}, {new(big.Int).Add(q, r), s}, {r, new(big.Int).Add(q, s)},
			{new(big.Int).Add(q, one), s}, {new(big.Int).Sub(new(big.Int).Lsh(one, uint(c.BitSize())), one), s},
		} {
			if bad[0].BitLen() > c.BitSize() || bad[1].BitLen() > c.BitSize() {
				continue // does not fit in the encoding
			}
			raw := joinSignature(bigToLE(bad[0], c.Size()), bigToLE(bad[1], c.Size()), LayoutKazakh)
			if err := pub.Verify(digest, raw, LayoutKazakh); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("%s: r=%x s=%x accepted: %v", c, bad[0], bad[1], err)
			}
			if _, _, err := ParseSignature(c, raw, LayoutKazakh); err == nil {
				t.Errorf("%s: ParseSignature accepted r=%x s=%x", c, bad[0], bad[1])
			}
			if _, err := MarshalSignature(c, bad[0], bad[1], LayoutKazakh); err == nil {
				t.Errorf("%s: MarshalSignature accepted r=%x s=%x", c, bad[0], bad[1])
			}
		}
		// MarshalSignature inverts ParseSignature in both layouts.
		for _, l := range []SignatureLayout{LayoutKazakh, LayoutRFC4491} {
			m, err := MarshalSignature(c, r, s, l)
			if err != nil || pub.Verify(digest, m, l) != nil {
				t.Errorf("%s: MarshalSignature %v: %v", c, l, err)
			}
		}
		// Wrong lengths.
		for _, n := range []int{0, 1, len(sig) - 1, len(sig) + 1} {
			if err := pub.Verify(digest, make([]byte, n), LayoutKazakh); err == nil {
				t.Errorf("%s: %d-byte signature accepted", c, n)
			}
		}
		if err := pub.Verify(digest[1:], sig, LayoutKazakh); err == nil {
			t.Errorf("%s: short digest accepted", c)
		}
	}
}

func TestPublicKeyParsing(t *testing.T) {
	for _, c := range Curves() {
		p := c.Params()
		size := c.Size()
		g := append(bigToLE(p.X, size), bigToLE(p.Y, size)...)
		if _, err := ParsePublicKey(c, g); err != nil {
			t.Fatalf("%s: G refused: %v", c, err)
		}
		// Off the curve: y+1.
		off := append(bigToLE(p.X, size), bigToLE(new(big.Int).Add(p.Y, big.NewInt(1)), size)...)
		// Coordinates ≥ p: x + p when it still fits, else all ones.
		big1 := new(big.Int).Add(p.X, p.P)
		if big1.BitLen() > 8*size {
			big1 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(8*size)), big.NewInt(1))
		}
		ge := append(bigToLE(big1, size), bigToLE(p.Y, size)...)
		for name, b := range map[string][]byte{
			"off curve": off, "x ≥ p": ge, "zero": make([]byte, 2*size), "short": g[1:], "long": append(g, 0), "nil": nil,
		} {
			if _, err := ParsePublicKey(c, b); !errors.Is(err, ErrInvalidPublicKey) {
				t.Errorf("%s: %s: %v", c, name, err)
			}
		}
	}
	if _, err := ParsePublicKey(nil, nil); err == nil {
		t.Error("nil curve accepted")
	}
}

// On the cofactor-4 curves a point of the curve outside the order-q subgroup is refused.
func TestPublicKeySubgroup(t *testing.T) {
	for _, c := range []*Curve{Curve256A(), Curve512C()} {
		p := c.Params()
		found := 0
		for x := int64(1); found < 3 && x < 1000; x++ {
			bx := big.NewInt(x)
			rhs := new(big.Int).Mul(bx, bx)
			rhs.Add(rhs, p.A).Mul(rhs, bx).Add(rhs, p.B).Mod(rhs, p.P)
			y := new(big.Int).ModSqrt(rhs, p.P)
			if y == nil {
				continue
			}
			pt := refPoint{bx, y}
			inSubgroup := refMul(p, p.Q, pt).x == nil
			_, err := ParsePublicKey(c, append(bigToLE(bx, c.Size()), bigToLE(y, c.Size())...))
			if inSubgroup != (err == nil) {
				t.Errorf("%s: x=%d in subgroup %v, parse error %v", c, x, inSubgroup, err)
			}
			if !inSubgroup {
				found++
				if !errors.Is(err, ErrInvalidPublicKey) {
					t.Errorf("%s: %v", c, err)
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no point outside the subgroup found", c)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestKeyAndSignErrors(t *testing.T) {
	c := CurveCryptoProA()
	if _, err := GenerateKey(c, errReader{}); err == nil {
		t.Error("GenerateKey with a failing reader")
	}
	if _, err := GenerateKey(c, zeroReader{}); err == nil {
		t.Error("GenerateKey accepted an all-zero random source")
	}
	if _, err := GenerateKey(nil, nil); err == nil {
		t.Error("GenerateKey(nil)")
	}
	key, _ := GenerateKey(c, rand.Reader)
	digest := make([]byte, 32)
	if _, err := key.SignDigest(errReader{}, digest, LayoutKazakh); err == nil {
		t.Error("SignDigest with a failing reader")
	}
	// A constant random source still gives valid (and, for different digests, different)
	// signatures: the nonce depends on the key and the digest.
	s1, err1 := key.SignDigest(zeroReader{}, digest, LayoutKazakh)
	digest2 := append([]byte{1}, digest[1:]...)
	s2, err2 := key.SignDigest(zeroReader{}, digest2, LayoutKazakh)
	if err1 != nil || err2 != nil || key.PublicKey().Verify(digest, s1, LayoutKazakh) != nil {
		t.Fatal(err1, err2)
	}
	if bytes.Equal(s1[:32], s2[:32]) {
		t.Error("same r for different digests with a constant random source")
	}
	for _, l := range []SignatureLayout{0, 3, -1} {
		if _, err := key.SignDigest(nil, digest, l); !errors.Is(err, ErrInvalidLayout) {
			t.Errorf("layout %d: %v", l, err)
		}
		if err := key.PublicKey().Verify(digest, s1, l); !errors.Is(err, ErrInvalidLayout) {
			t.Errorf("verify layout %d: %v", l, err)
		}
		if _, _, err := ParseSignature(c, s1, l); !errors.Is(err, ErrInvalidLayout) {
			t.Errorf("parse layout %d: %v", l, err)
		}
	}
	if _, err := key.Sign(rand.Reader, digest, crypto.SHA256); err == nil {
		t.Error("Sign accepted opts that do not name a layout")
	}
	if _, err := key.Sign(rand.Reader, digest, (*SignerOpts)(nil)); err == nil {
		t.Error("Sign accepted nil *SignerOpts")
	}
	if _, err := key.SignDigest(nil, digest[:31], LayoutKazakh); err == nil {
		t.Error("short digest accepted")
	}
	q := c.Params().Q
	for name, d := range map[string][]byte{
		"zero": make([]byte, 32), "q": bigToLE(q, 32), "q+1": bigToLE(new(big.Int).Add(q, big.NewInt(1)), 32),
		"ones": bytes.Repeat([]byte{0xff}, 32), "short": make([]byte, 31), "long": make([]byte, 33),
	} {
		if _, err := ParsePrivateKey(c, d); !errors.Is(err, ErrInvalidPrivateKey) {
			t.Errorf("ParsePrivateKey(%s): %v", name, err)
		}
	}
	if _, err := ParsePrivateKey(c, bigToLE(new(big.Int).Sub(q, big.NewInt(1)), 32)); err != nil {
		t.Errorf("ParsePrivateKey(q-1): %v", err)
	}
	if _, err := ConvertSignature([]byte{1, 2, 3}, LayoutKazakh, LayoutRFC4491); err == nil {
		t.Error("odd-length conversion")
	}
	if key.Equal(crypto.PrivateKey(nil)) || key.PublicKey().Equal(crypto.PublicKey(nil)) {
		t.Error("Equal(nil)")
	}
	if LayoutKazakh.String() != "kazakh" || LayoutRFC4491.String() != "rfc4491" || SignatureLayout(9).String() == "" {
		t.Error("layout names")
	}
}

// Deterministic randomness gives reproducible keys (the reader is the only input).
func TestGenerateKeyReader(t *testing.T) {
	seed := func() io.Reader { return mrand.NewChaCha8([32]byte{7}) }
	for _, c := range []*Curve{CurveCryptoProA(), Curve512A()} {
		k1, err1 := GenerateKey(c, seed())
		k2, err2 := GenerateKey(c, seed())
		if err1 != nil || err2 != nil || !k1.Equal(k2) {
			t.Fatalf("%s: %v %v", c, err1, err2)
		}
		if hex.EncodeToString(k1.Bytes()) == hex.EncodeToString(make([]byte, c.Size())) {
			t.Fatal("zero key")
		}
	}
}

// Keys, curves and hashes are safe for concurrent use (run with -race).
func TestConcurrentUse(t *testing.T) {
	keys := []*PrivateKey{}
	for _, c := range []*Curve{CurveCryptoProA(), Curve512A()} {
		k, err := GenerateKey(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			var err error
			for i := 0; i < 5 && err == nil; i++ {
				k := keys[(g+i)%len(keys)]
				d := SumStreebog512([]byte{byte(g), byte(i)})
				var sig []byte
				if sig, err = k.SignDigest(nil, d[:k.Curve().Size()], LayoutKazakh); err == nil {
					err = k.PublicKey().Verify(d[:k.Curve().Size()], sig, LayoutKazakh)
				}
			}
			done <- err
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
