package gost

import (
	"crypto"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// SignatureLayout is the byte layout of a GOST R 34.10 signature value. It is always an
// explicit parameter: this package never guesses it. Use LookupOID to learn the layout
// that goes with a signature-algorithm OID.
type SignatureLayout int

const (
	// LayoutRFC4491 is s_BE ‖ r_BE: s then r, each a big-endian integer of Curve.Size()
	// bytes (RFC 4491, RFC 9215; the Russian OIDs).
	LayoutRFC4491 SignatureLayout = iota + 1
	// LayoutKazakh is r_LE ‖ s_LE: r then s, each a little-endian integer of Curve.Size()
	// bytes — exactly the byte reversal of LayoutRFC4491. Used in Kazakh certificates,
	// CRLs, OCSP responses and CMS.
	LayoutKazakh
)

// String returns "rfc4491" or "kazakh".
func (l SignatureLayout) String() string {
	switch l {
	case LayoutRFC4491:
		return "rfc4491"
	case LayoutKazakh:
		return "kazakh"
	}
	return fmt.Sprintf("SignatureLayout(%d)", int(l))
}

func (l SignatureLayout) valid() bool { return l == LayoutRFC4491 || l == LayoutKazakh }

// SignerOpts are the options of PrivateKey.Sign. A *SignerOpts with a valid Layout is
// required: Sign refuses other crypto.SignerOpts rather than guess a layout.
type SignerOpts struct {
	// Layout of the returned signature value.
	Layout SignatureLayout
}

// HashFunc returns 0: the GOST hash functions have no crypto.Hash value, and Sign takes
// an already computed digest.
func (o *SignerOpts) HashFunc() crypto.Hash { return 0 }

// PublicKey is a GOST R 34.10-2001/2012 public key: a point of the order-q subgroup of
// its curve. Create it with ParsePublicKey or PrivateKey.PublicKey.
type PublicKey struct {
	curve *Curve
	xy    []byte // x_LE ‖ y_LE, validated
	pt    any    // the decoded point, as the curve's backend wants it
}

// ParsePublicKey decodes a public key from x_LE ‖ y_LE (2·c.Size() bytes: the content
// of the OCTET STRING inside a GOST SubjectPublicKeyInfo, Russian and Kazakh alike). It
// refuses coordinates ≥ p, points that are not on the curve and, on the cofactor-4
// curves, points outside the subgroup of order q. The input is copied.
func ParsePublicKey(c *Curve, xy []byte) (*PublicKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil curve", ErrInvalidPublicKey)
	}
	if len(xy) != 2*c.Size() {
		return nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrInvalidPublicKey, c.name, len(xy), 2*c.Size())
	}
	pt, err := c.impl().parsePublic(xy)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidPublicKey, c.name, err)
	}
	return &PublicKey{curve: c, xy: append([]byte(nil), xy...), pt: pt}, nil
}

// Curve returns the key's curve.
func (k *PublicKey) Curve() *Curve { return k.curve }

// Bytes returns the encoding x_LE ‖ y_LE (2·Curve().Size() bytes, a new slice).
func (k *PublicKey) Bytes() []byte { return append([]byte(nil), k.xy...) }

// X returns the affine x coordinate.
func (k *PublicKey) X() *big.Int { return leToBig(k.xy[:k.curve.Size()]) }

// Y returns the affine y coordinate.
func (k *PublicKey) Y() *big.Int { return leToBig(k.xy[k.curve.Size():]) }

// Equal reports whether x is a *PublicKey with the same point on a curve with the same
// parameters.
func (k *PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*PublicKey)
	return ok && k.curve.SameGroup(o.curve) && subtle.ConstantTimeCompare(k.xy, o.xy) == 1
}

// Verify checks a signature over digest, the hash function's output byte stream
// (Curve().Size() bytes: GOST 34.311-95 or Streebog-256 for 256-bit keys,
// Streebog-512 for 512-bit keys), which is read as a little-endian integer e
// (GOST.md). sig is 2·Curve().Size() bytes in the given layout. It returns nil if the
// signature is valid and an error wrapping ErrInvalidSignature (or ErrInvalidLayout)
// otherwise; r or s equal to 0 or ≥ q is invalid. Verify runs in variable time (all of
// its inputs are public).
func (k *PublicKey) Verify(digest, sig []byte, layout SignatureLayout) error {
	c := k.curve
	if !layout.valid() {
		return fmt.Errorf("gost: verify: %w %d", ErrInvalidLayout, int(layout))
	}
	if len(digest) != c.Size() {
		return fmt.Errorf("%w: %s: digest is %d bytes, want %d", ErrInvalidSignature, c.name, len(digest), c.Size())
	}
	if len(sig) != 2*c.Size() {
		return fmt.Errorf("%w: %s: signature is %d bytes, want %d", ErrInvalidSignature, c.name, len(sig), 2*c.Size())
	}
	r, s := splitSignature(sig, c.Size(), layout)
	if !c.impl().verify(k.pt, digest, r, s) {
		return fmt.Errorf("%w: %s", ErrInvalidSignature, c.name)
	}
	return nil
}

// PrivateKey is a GOST R 34.10-2001/2012 private key. It implements crypto.Signer.
type PrivateKey struct {
	pub *PublicKey
	d   []byte // little-endian, Curve().Size() bytes, 1 ≤ d < q
}

// GenerateKey generates a key pair on c. The private scalar is
// (2·c.Size() bytes from rand, read as a little-endian integer) mod q, which is uniform
// up to a bias below 2^-256; a zero result is redrawn. rand nil means crypto/rand.Reader.
// The public key is computed in constant time.
func GenerateKey(c *Curve, random io.Reader) (*PrivateKey, error) {
	if c == nil {
		return nil, errors.New("gost: generate key: nil curve")
	}
	if random == nil {
		random = rand.Reader
	}
	impl := c.impl()
	buf := make([]byte, 2*c.Size())
	defer clear(buf)
	for i := 0; i < 100; i++ {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("gost: generate key on %s: reading randomness: %w", c.name, err)
		}
		d := impl.reduceScalar(buf)
		if impl.scalarInRange(d) {
			return newPrivateKey(c, d), nil
		}
		clear(d)
	}
	return nil, fmt.Errorf("gost: generate key on %s: random source keeps returning zero scalars", c.name)
}

// ParsePrivateKey returns the private key with scalar d, given as a little-endian
// integer of exactly c.Size() bytes (the byte order of GOST private keys in PKCS#8 as
// written by OpenSSL's gost-engine and CryptoPro), which must satisfy 1 ≤ d < q. The
// input is copied.
func ParsePrivateKey(c *Curve, d []byte) (*PrivateKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil curve", ErrInvalidPrivateKey)
	}
	if len(d) != c.Size() {
		return nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrInvalidPrivateKey, c.name, len(d), c.Size())
	}
	if !c.impl().scalarInRange(d) {
		return nil, fmt.Errorf("%w: %s: scalar not in [1, q-1]", ErrInvalidPrivateKey, c.name)
	}
	return newPrivateKey(c, append([]byte(nil), d...)), nil
}

func newPrivateKey(c *Curve, d []byte) *PrivateKey {
	xy := c.impl().publicKey(d)
	pt, err := c.impl().parsePublic(xy)
	if err != nil {
		// d·P for 1 ≤ d < q is always a valid point; anything else is a bug.
		panic("gost: computed public key is invalid: " + err.Error())
	}
	return &PrivateKey{pub: &PublicKey{curve: c, xy: xy, pt: pt}, d: d}
}

// Curve returns the key's curve.
func (k *PrivateKey) Curve() *Curve { return k.pub.curve }

// Bytes returns the private scalar d as a little-endian integer of Curve().Size()
// bytes (a new slice; see ParsePrivateKey).
func (k *PrivateKey) Bytes() []byte { return append([]byte(nil), k.d...) }

// Public returns the public key, a *PublicKey (crypto.Signer).
func (k *PrivateKey) Public() crypto.PublicKey { return k.pub }

// PublicKey returns the public key.
func (k *PrivateKey) PublicKey() *PublicKey { return k.pub }

// Equal reports whether x is a *PrivateKey with the same scalar on a curve with the
// same parameters (constant-time comparison of the scalars).
func (k *PrivateKey) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*PrivateKey)
	return ok && k.pub.curve.SameGroup(o.pub.curve) && subtle.ConstantTimeCompare(k.d, o.d) == 1
}

// Sign signs digest (crypto.Signer). digest is the hash function's output byte stream
// (Curve().Size() bytes), read as a little-endian integer e per GOST.md; opts must be a
// *SignerOpts giving the layout of the result. See SignDigest for the nonce.
func (k *PrivateKey) Sign(random io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	o, ok := opts.(*SignerOpts)
	if !ok || o == nil {
		return nil, fmt.Errorf("gost: sign: opts must be a *gost.SignerOpts naming the signature layout, got %T", opts)
	}
	return k.SignDigest(random, digest, o.Layout)
}

// SignDigest signs digest, the hash function's output byte stream (Curve().Size()
// bytes; GOST 34.311-95 or Streebog-256 for 256-bit keys, Streebog-512 for 512-bit
// keys), read as a little-endian integer e (e mod q, or 1 if that is 0). The result is
// 2·Curve().Size() bytes in the given layout.
//
// The nonce k is hedged, RFC 6979 style: 2·Curve().Size() bytes of
// HMAC-SHA512 keyed with the private scalar over a label, the curve name, a counter,
// 64 fresh bytes from random and the digest, reduced modulo q (bias below 2^-256; zero
// is redrawn). A broken random source therefore cannot make two different digests share
// a nonce, and the fresh input makes signatures non-deterministic. random nil means
// crypto/rand.Reader; a read error is returned, never ignored. k·P and s are computed
// in constant time (fixed-window table scan over fixed-limb Montgomery arithmetic).
func (k *PrivateKey) SignDigest(random io.Reader, digest []byte, layout SignatureLayout) ([]byte, error) {
	c := k.pub.curve
	if !layout.valid() {
		return nil, fmt.Errorf("gost: sign: %w %d", ErrInvalidLayout, int(layout))
	}
	if len(digest) != c.Size() {
		return nil, fmt.Errorf("gost: sign on %s: digest is %d bytes, want %d", c.name, len(digest), c.Size())
	}
	if random == nil {
		random = rand.Reader
	}
	entropy := make([]byte, 64)
	if _, err := io.ReadFull(random, entropy); err != nil {
		return nil, fmt.Errorf("gost: sign on %s: reading randomness: %w", c.name, err)
	}
	ns := newNonceSource(k.d, entropy, digest, c.name)
	impl := c.impl()
	buf := make([]byte, 2*c.Size())
	defer clear(buf)
	for i := 0; i < 100; i++ {
		ns.next(buf)
		nonce := impl.reduceScalar(buf)
		if !impl.scalarInRange(nonce) {
			continue
		}
		r, s, ok := impl.sign(k.d, nonce, digest)
		clear(nonce)
		if ok {
			return joinSignature(r, s, layout), nil
		}
	}
	return nil, fmt.Errorf("gost: sign on %s: could not find a valid nonce", c.name)
}

// signWithNonce signs with a given nonce (little-endian, 1 ≤ k < q). For the RFC 7091
// test vectors only.
func (k *PrivateKey) signWithNonce(nonce, digest []byte, layout SignatureLayout) ([]byte, error) {
	impl := k.pub.curve.impl()
	if len(digest) != k.pub.curve.Size() || !impl.scalarInRange(nonce) || !layout.valid() {
		return nil, errors.New("gost: signWithNonce: bad input")
	}
	r, s, ok := impl.sign(k.d, nonce, digest)
	if !ok {
		return nil, errors.New("gost: signWithNonce: r or s is zero")
	}
	return joinSignature(r, s, layout), nil
}

// ParseSignature splits a signature value of 2·c.Size() bytes in the given layout into
// r and s, and checks 0 < r < q and 0 < s < q.
func ParseSignature(c *Curve, sig []byte, layout SignatureLayout) (r, s *big.Int, err error) {
	if c == nil {
		return nil, nil, errors.New("gost: parse signature: nil curve")
	}
	if !layout.valid() {
		return nil, nil, fmt.Errorf("gost: parse signature: %w %d", ErrInvalidLayout, int(layout))
	}
	if len(sig) != 2*c.Size() {
		return nil, nil, fmt.Errorf("%w: %s: signature is %d bytes, want %d", ErrInvalidSignature, c.name, len(sig), 2*c.Size())
	}
	rb, sb := splitSignature(sig, c.Size(), layout)
	r, s = leToBig(rb), leToBig(sb)
	q := c.g.q
	if r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return nil, nil, fmt.Errorf("%w: %s: r or s out of range", ErrInvalidSignature, c.name)
	}
	return r, s, nil
}

// MarshalSignature encodes r and s (0 < r, s < q) as a signature value of 2·c.Size()
// bytes in the given layout.
func MarshalSignature(c *Curve, r, s *big.Int, layout SignatureLayout) ([]byte, error) {
	if c == nil {
		return nil, errors.New("gost: marshal signature: nil curve")
	}
	if !layout.valid() {
		return nil, fmt.Errorf("gost: marshal signature: %w %d", ErrInvalidLayout, int(layout))
	}
	q := c.g.q
	if r == nil || s == nil || r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return nil, fmt.Errorf("gost: marshal signature on %s: r or s out of range", c.name)
	}
	return joinSignature(bigToLE(r, c.Size()), bigToLE(s, c.Size()), layout), nil
}

// ConvertSignature converts a signature value between layouts. The two layouts are byte
// reversals of each other, so this works for any curve size; sig must have an even,
// non-zero length.
func ConvertSignature(sig []byte, from, to SignatureLayout) ([]byte, error) {
	if !from.valid() || !to.valid() {
		return nil, fmt.Errorf("gost: convert signature: %w", ErrInvalidLayout)
	}
	if len(sig) == 0 || len(sig)%2 != 0 {
		return nil, fmt.Errorf("gost: convert signature: bad length %d", len(sig))
	}
	out := append([]byte(nil), sig...)
	if from != to {
		reverse(out)
	}
	return out, nil
}

// splitSignature returns r and s little-endian.
func splitSignature(sig []byte, size int, layout SignatureLayout) (r, s []byte) {
	if layout == LayoutKazakh {
		return append([]byte(nil), sig[:size]...), append([]byte(nil), sig[size:]...)
	}
	// s_BE ‖ r_BE
	s = append([]byte(nil), sig[:size]...)
	r = append([]byte(nil), sig[size:]...)
	reverse(s)
	reverse(r)
	return r, s
}

// joinSignature encodes little-endian r and s.
func joinSignature(r, s []byte, layout SignatureLayout) []byte {
	out := make([]byte, 0, len(r)+len(s))
	out = append(out, r...)
	out = append(out, s...)
	if layout == LayoutRFC4491 {
		reverse(out) // r_LE ‖ s_LE reversed is s_BE ‖ r_BE
	}
	return out
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

func leToBig(b []byte) *big.Int {
	be := append([]byte(nil), b...)
	reverse(be)
	return new(big.Int).SetBytes(be)
}

func bigToLE(x *big.Int, size int) []byte {
	b := x.FillBytes(make([]byte, size))
	reverse(b)
	return b
}
