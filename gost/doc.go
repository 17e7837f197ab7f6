// Package gost implements the GOST algorithms used by the Kazakh national certification
// authority and by Russian PKI, with the standard library only:
//
//   - hash functions as hash.Hash: GOST 34.311-95 (Kazakhstan) = GOST R 34.11-94 with
//     the "test" S-box (NewGOST34311), GOST R 34.11-94 with the CryptoPro or any other
//     S-box (NewGOSTR341194CryptoPro, NewGOSTR341194), and Streebog-256/512, GOST R
//     34.11-2012 = СТ РК ГОСТ Р 34.11-2015 (NewStreebog256, NewStreebog512). They work
//     with crypto/hmac (hmac.New(gost.NewStreebog512, key)). NewHashByName maps the
//     names "gost34311", "streebog256", "streebog512" (and aliases) to them;
//   - the signature scheme GOST R 34.10-2001/2012 (= Kazakh GOST 34.310-2004 and
//     СТ РК ГОСТ Р 34.10-2015) on 256- and 512-bit curves: GenerateKey, PrivateKey
//     (a crypto.Signer), PublicKey.Verify, and the encodings of keys and signatures;
//   - the curves CryptoPro A/B/C, XchA/XchB, tc26-256 A–D, tc26-512 A–C and the test
//     curves of RFC 7091 (Curve… functions, CurveByOID), with their Russian and Kazakh
//     OIDs;
//   - OID variables and LookupOID, which maps Kazakh (1.2.398.3.10.1…), legacy vendor
//     (1.3.6.1.4.1.6801.1.2.2) and Russian (1.2.643…) OIDs to curves, hash functions and
//     signature algorithms, including the signature layout that goes with each.
//
// # Byte conventions
//
// Digests are the hash function's output byte stream, as OpenSSL's gost-engine prints
// them (RFC 5831 and RFC 6986 print the same values as big-endian numbers, i.e.
// byte-reversed). For signing and verification the digest is read as a little-endian
// integer e (then e mod q, or 1 if that is 0).
//
// A public key is x_LE ‖ y_LE (2·Size bytes): the content of the OCTET STRING inside a
// GOST SubjectPublicKeyInfo, in Russian and Kazakh certificates alike.
//
// A private key is the scalar d as a little-endian integer of Size bytes
// (ParsePrivateKey, PrivateKey.Bytes).
//
// A signature value has one of two layouts, always passed explicitly as a
// SignatureLayout and never guessed: LayoutRFC4491, s_BE ‖ r_BE (RFC 4491 / RFC 9215,
// Russian OIDs), and LayoutKazakh, r_LE ‖ s_LE (Kazakh certificates, CRLs, OCSP and
// CMS) — each the byte reversal of the other (ConvertSignature). LookupOID tells which
// layout a signature-algorithm OID uses.
//
// # Side channels
//
// Key generation and signing compute k·P with a fixed-base table of the generator
// (signed 5-bit windows) scanned in full with masked selects, complete projective
// addition formulas (Renes–Costello–Batina, for a = −3 and for general a), and
// Montgomery arithmetic on fixed arrays of 64-bit limbs (4 for 256-bit curves, 8 for
// 512-bit curves) built on math/bits, with masked final subtractions: no branch and no
// memory address depends on a secret. The scalar arithmetic s = r·d + k·e mod q uses
// the same field code; math/big never sees a secret. Verification and public-key
// validation are variable time (their inputs are public): Jacobian coordinates, a
// width-5 NAF for the public key and the fixed-base table for the generator.
//
// # Nonces
//
// Signing nonces are hedged, RFC 6979 style: HMAC-SHA512 keyed with the private key over
// the digest and 64 fresh bytes from the caller's io.Reader (crypto/rand.Reader when
// nil), reduced modulo q from twice the key size (see PrivateKey.SignDigest). A
// failing random source makes signing fail; it never silently falls back.
//
// The package keeps no mutable global state: its tables (Streebog's combined S-P-L
// tables, the S-box tables, the curves' fixed-base tables) are computed once, on
// initialisation or first use, and only read afterwards. Everything is safe for
// concurrent use.
package gost
