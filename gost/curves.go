package gost

import (
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
)

// backend is the fixed-size arithmetic of one group (curve parameters), implemented by
// curve4 (256-bit) and curve8 (512-bit) in the generated files. All byte strings are
// little-endian integers of byteLen bytes (points: x ‖ y).
type backend interface {
	byteLen() int
	publicKey(d []byte) []byte
	sign(d, k, digest []byte) (r, s []byte, ok bool)
	parsePublic(b []byte) (any, error)
	verify(pk any, digest, r, s []byte) bool
	reduceScalar(b []byte) []byte
	scalarInRange(k []byte) bool
	generatorOrderCheck() bool
}

// group holds the mathematical parameters of a curve; curves that are aliases of one
// another (CryptoPro-A, XchA and tc26-256-B, for example) share one group, and so one
// precomputed table.
type group struct {
	p, q, a, b, x, y *big.Int
	cofactor         int64
	bitSize          int

	once sync.Once
	impl backend
}

func (g *group) backend() backend {
	g.once.Do(func() {
		if g.bitSize == 256 {
			g.impl = newCurve4(g.p, g.q, g.a, g.b, g.x, g.y, g.cofactor)
		} else {
			g.impl = newCurve8(g.p, g.q, g.a, g.b, g.x, g.y, g.cofactor)
		}
	})
	return g.impl
}

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("gost: bad curve constant " + s)
	}
	return v
}

func newGroup(bitSize int, p, q, a, b, x, y string, cofactor int64) *group {
	g := &group{p: hexInt(p), q: hexInt(q), a: hexInt(a), b: hexInt(b), x: hexInt(x), y: hexInt(y),
		cofactor: cofactor, bitSize: bitSize}
	return g
}

// The groups. Sources: RFC 4357 §11.4 (CryptoPro), RFC 5832 / RFC 7091 (test curves),
// RFC 7836 appendix A and R 1323565.1.024-2019 (tc26). The Weierstrass forms of the
// twisted-Edwards-derived tc26-256-A and tc26-512-C were recomputed from their (e, d, u, v)
// form and agree with the published values; the tests check that every G is on its curve
// and that q·G = O.
var (
	groupTest256 = newGroup(256,
		"8000000000000000000000000000000000000000000000000000000000000431",
		"8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
		"7",
		"5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
		"2",
		"08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8", 1)
	groupCryptoProA = newGroup(256,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
		"A6",
		"1",
		"8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14", 1)
	groupCryptoProB = newGroup(256,
		"8000000000000000000000000000000000000000000000000000000000000C99",
		"800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
		"8000000000000000000000000000000000000000000000000000000000000C96",
		"3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
		"1",
		"3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC", 1)
	groupCryptoProC = newGroup(256,
		"9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
		"9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
		"9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
		"805A",
		"0",
		"41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67", 1)
	groupTC26256A = newGroup(256,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
		"400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
		"C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
		"295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
		"91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
		"32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C", 4)
	groupTest512 = newGroup(512,
		"4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
		"4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
		"7",
		"1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
		"24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
		"2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E", 1)
	groupTC26512A = newGroup(512,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
		"E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
		"3",
		"7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4", 1)
	groupTC26512B = newGroup(512,
		"8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F",
		"800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
		"8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C",
		"687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
		"2",
		"1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD", 1)
	groupTC26512C = newGroup(512,
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
		"3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
		"DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
		"B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
		"E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
		"F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F", 4)
)

// Curve is a named GOST R 34.10 parameter set: a short Weierstrass curve
// y² = x³ + ax + b over F_p with a base point P of prime order q, together with its
// Russian object identifier and, where one exists, its Kazakh one. Values are created by
// this package only (use the Curve… functions, CurveByOID or Curves) and are safe for
// concurrent use. Curves that are aliases of one another (same parameters, different
// OIDs) are distinct values that share their arithmetic; see SameGroup.
type Curve struct {
	name  string
	oid   asn1.ObjectIdentifier
	kzOID asn1.ObjectIdentifier
	g     *group
}

// CurveParams are the parameters of a curve as big integers (a fresh copy per call).
type CurveParams struct {
	Name     string
	P        *big.Int // the field prime p
	Q        *big.Int // the prime order q of the base point
	A, B     *big.Int // the coefficients of y² = x³ + ax + b
	X, Y     *big.Int // the base point P
	Cofactor int      // #E(F_p) / q: 1, or 4 for tc26-256-A and tc26-512-C
	BitSize  int      // 256 or 512: the size of keys, digests and signature halves
}

var (
	curveTest256   = &Curve{"id-GostR3410-2001-TestParamSet", cloneOID(OIDCurveTest256), nil, groupTest256}
	curveCryptoA   = &Curve{"id-GostR3410-2001-CryptoPro-A-ParamSet", cloneOID(OIDCurveCryptoProA), cloneOID(OIDKZGost2004ParamSet), groupCryptoProA}
	curveCryptoB   = &Curve{"id-GostR3410-2001-CryptoPro-B-ParamSet", cloneOID(OIDCurveCryptoProB), nil, groupCryptoProB}
	curveCryptoC   = &Curve{"id-GostR3410-2001-CryptoPro-C-ParamSet", cloneOID(OIDCurveCryptoProC), nil, groupCryptoProC}
	curveCryptoXA  = &Curve{"id-GostR3410-2001-CryptoPro-XchA-ParamSet", cloneOID(OIDCurveCryptoProXchA), nil, groupCryptoProA}
	curveCryptoXB  = &Curve{"id-GostR3410-2001-CryptoPro-XchB-ParamSet", cloneOID(OIDCurveCryptoProXchB), nil, groupCryptoProC}
	curveTC26256A  = &Curve{"id-tc26-gost-3410-2012-256-paramSetA", cloneOID(OIDCurve256A), cloneOID(OIDKZGost2015ParamSet256), groupTC26256A}
	curveTC26256B  = &Curve{"id-tc26-gost-3410-2012-256-paramSetB", cloneOID(OIDCurve256B), nil, groupCryptoProA}
	curveTC26256C  = &Curve{"id-tc26-gost-3410-2012-256-paramSetC", cloneOID(OIDCurve256C), nil, groupCryptoProB}
	curveTC26256D  = &Curve{"id-tc26-gost-3410-2012-256-paramSetD", cloneOID(OIDCurve256D), nil, groupCryptoProC}
	curveTest512   = &Curve{"id-tc26-gost-3410-2012-512-paramSetTest", cloneOID(OIDCurve512Test), nil, groupTest512}
	curveTC26512A  = &Curve{"id-tc26-gost-3410-12-512-paramSetA", cloneOID(OIDCurve512A), cloneOID(OIDKZGost2015ParamSet512), groupTC26512A}
	curveTC26512B  = &Curve{"id-tc26-gost-3410-12-512-paramSetB", cloneOID(OIDCurve512B), nil, groupTC26512B}
	curveTC26512C  = &Curve{"id-tc26-gost-3410-2012-512-paramSetC", cloneOID(OIDCurve512C), nil, groupTC26512C}
	allCurvesOrder = []*Curve{curveTest256, curveCryptoA, curveCryptoB, curveCryptoC, curveCryptoXA,
		curveCryptoXB, curveTC26256A, curveTC26256B, curveTC26256C, curveTC26256D, curveTest512,
		curveTC26512A, curveTC26512B, curveTC26512C}
)

// CurveTest256 returns id-GostR3410-2001-TestParamSet (1.2.643.2.2.35.0), the 256-bit
// test curve of RFC 5832 and RFC 7091 example 1 (p = 2^255 + 0x431, a = 7). For tests only.
func CurveTest256() *Curve { return curveTest256 }

// CurveCryptoProA returns id-GostR3410-2001-CryptoPro-A-ParamSet (1.2.643.2.2.35.1), the
// curve of Kazakh GOST 34.310-2004 keys (Kazakh OID 1.2.398.3.10.1.1.1.1.1).
func CurveCryptoProA() *Curve { return curveCryptoA }

// CurveCryptoProB returns id-GostR3410-2001-CryptoPro-B-ParamSet (1.2.643.2.2.35.2).
func CurveCryptoProB() *Curve { return curveCryptoB }

// CurveCryptoProC returns id-GostR3410-2001-CryptoPro-C-ParamSet (1.2.643.2.2.35.3).
func CurveCryptoProC() *Curve { return curveCryptoC }

// CurveCryptoProXchA returns id-GostR3410-2001-CryptoPro-XchA-ParamSet (1.2.643.2.2.36.0),
// the same group as CryptoPro-A.
func CurveCryptoProXchA() *Curve { return curveCryptoXA }

// CurveCryptoProXchB returns id-GostR3410-2001-CryptoPro-XchB-ParamSet (1.2.643.2.2.36.1),
// the same group as CryptoPro-C.
func CurveCryptoProXchB() *Curve { return curveCryptoXB }

// Curve256A returns id-tc26-gost-3410-2012-256-paramSetA (1.2.643.7.1.2.1.1.1), a
// 256-bit curve with a twisted Edwards form and cofactor 4, in its Weierstrass form
// (general a). The Kazakh GOST 2015 256-bit parameter set 1.2.398.3.10.1.1.2.1.1 maps to
// it (unconfirmed in public material; see docs/gost.md).
func Curve256A() *Curve { return curveTC26256A }

// Curve256B returns id-tc26-gost-3410-2012-256-paramSetB (1.2.643.7.1.2.1.1.2), the
// same group as CryptoPro-A.
func Curve256B() *Curve { return curveTC26256B }

// Curve256C returns id-tc26-gost-3410-2012-256-paramSetC (1.2.643.7.1.2.1.1.3), the
// same group as CryptoPro-B.
func Curve256C() *Curve { return curveTC26256C }

// Curve256D returns id-tc26-gost-3410-2012-256-paramSetD (1.2.643.7.1.2.1.1.4), the
// same group as CryptoPro-C.
func Curve256D() *Curve { return curveTC26256D }

// CurveTest512 returns id-tc26-gost-3410-2012-512-paramSetTest (1.2.643.7.1.2.1.2.0),
// the 512-bit test curve of RFC 7091 example 2. For tests only.
func CurveTest512() *Curve { return curveTest512 }

// Curve512A returns id-tc26-gost-3410-12-512-paramSetA (1.2.643.7.1.2.1.2.1), the curve
// of Kazakh GOST 2015 512-bit keys (Kazakh OID 1.2.398.3.10.1.1.2.2.1).
func Curve512A() *Curve { return curveTC26512A }

// Curve512B returns id-tc26-gost-3410-12-512-paramSetB (1.2.643.7.1.2.1.2.2).
func Curve512B() *Curve { return curveTC26512B }

// Curve512C returns id-tc26-gost-3410-2012-512-paramSetC (1.2.643.7.1.2.1.2.3), a
// 512-bit curve with a twisted Edwards form and cofactor 4, in its Weierstrass form.
func Curve512C() *Curve { return curveTC26512C }

// Curves returns every curve this package knows, in a fixed order (a new slice).
func Curves() []*Curve { return append([]*Curve(nil), allCurvesOrder...) }

// CurveByOID returns the curve named by a Russian or Kazakh parameter-set OID.
func CurveByOID(oid asn1.ObjectIdentifier) (*Curve, bool) {
	for _, c := range allCurvesOrder {
		if c.oid.Equal(oid) || (c.kzOID != nil && c.kzOID.Equal(oid)) {
			return c, true
		}
	}
	return nil, false
}

// CurveByName returns the curve with the given RFC name, e.g.
// "id-tc26-gost-3410-12-512-paramSetA".
func CurveByName(name string) (*Curve, bool) {
	for _, c := range allCurvesOrder {
		if c.name == name {
			return c, true
		}
	}
	return nil, false
}

// Name returns the curve's RFC name, e.g. "id-GostR3410-2001-CryptoPro-A-ParamSet".
func (c *Curve) Name() string { return c.name }

// String returns the curve's name.
func (c *Curve) String() string { return c.name }

// OID returns the curve's Russian parameter-set OID (a copy).
func (c *Curve) OID() asn1.ObjectIdentifier { return cloneOID(c.oid) }

// KazakhOID returns the curve's Kazakh parameter-set OID (arc 1.2.398.3.10.1), or nil if
// it has none (a copy).
func (c *Curve) KazakhOID() asn1.ObjectIdentifier { return cloneOID(c.kzOID) }

// Size returns the length in bytes of a private key, of each public-key coordinate and
// of each signature half: 32 for 256-bit curves, 64 for 512-bit curves.
func (c *Curve) Size() int { return c.g.bitSize / 8 }

// BitSize returns 256 or 512.
func (c *Curve) BitSize() int { return c.g.bitSize }

// SameGroup reports whether c and d have identical parameters (for example
// CryptoPro-A, CryptoPro-XchA and tc26-256-B).
func (c *Curve) SameGroup(d *Curve) bool { return c != nil && d != nil && c.g == d.g }

// Params returns a copy of the curve parameters.
func (c *Curve) Params() *CurveParams {
	g := c.g
	cp := func(x *big.Int) *big.Int { return new(big.Int).Set(x) }
	return &CurveParams{Name: c.name, P: cp(g.p), Q: cp(g.q), A: cp(g.a), B: cp(g.b),
		X: cp(g.x), Y: cp(g.y), Cofactor: int(g.cofactor), BitSize: g.bitSize}
}

func (c *Curve) impl() backend { return c.g.backend() }

// checkGroup double-checks the curve constants: G on the curve and q·G = O.
func (c *Curve) checkGroup() error {
	if !c.impl().generatorOrderCheck() {
		return fmt.Errorf("gost: curve %s: base point check failed", c.name)
	}
	return nil
}

func cloneOID(o asn1.ObjectIdentifier) asn1.ObjectIdentifier {
	if o == nil {
		return nil
	}
	return append(asn1.ObjectIdentifier(nil), o...)
}
