// Package keyfile reads and writes the subscriber's key containers: password-protected
// PKCS#12 files (RFC 7292) such as the national RSA256_<id>.p12, GOSTKNCA_<id>.p12
// (GOST keys, see GOSTCodec) and AUTH_RSA256_<id>.p12.
//
// Files written by Encode have the layout OpenSSL 3 writes by default, with a higher
// iteration count:
//
//	PFX (version 3)
//	  authSafe: data → AuthenticatedSafe
//	    [only when there are certificates] encryptedData, PBES2 → SafeContents
//	        certBag x509Certificate (the leaf first, with localKeyId [+ friendlyName]),
//	        then the other certificates (the chain) in the order given
//	    data → SafeContents
//	        pkcs8ShroudedKeyBag: EncryptedPrivateKeyInfo, PBES2 → PKCS#8 PrivateKeyInfo
//	        (localKeyId [+ friendlyName])
//	  macData: HMAC-SHA-256, key from the PKCS#12 KDF (RFC 7292 appendix B, ID 3) with
//	    SHA-256, 16-byte salt, Options.Iterations rounds
//
// PBES2 is PBKDF2 with HMAC-SHA-256 (16-byte salt, Options.Iterations rounds, the UTF-8
// password) and AES-256-CBC (random IV). localKeyId is the SHA-1 of the leaf
// certificate's DER (OpenSSL's habit), or of the key's SubjectPublicKeyInfo when there
// is no certificate yet.
//
// Decode also reads what OpenSSL 1.x/3.x and other tools write: PBES2 with PBKDF2
// (HMAC-SHA-1/224/256/384/512) and AES-128/192/256-CBC or DES-EDE3-CBC; the legacy
// pbeWithSHAAnd3-KeyTripleDES-CBC, 2-KeyTripleDES-CBC, 128/40BitRC2-CBC and 128/40BitRC4;
// MACs with SHA-1/224/256/384/512; BER encodings (indefinite lengths, chunked octet
// strings) as Windows writes them. Not supported: public-key privacy/integrity modes
// (envelopedData, signedData authSafe) and PBMAC1 (RFC 9579).
package keyfile

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// DefaultIterations is the PBKDF2 and MAC iteration count Encode uses. OpenSSL 3's
// default is 2048; the file is the only protection of the key once copied (to a phone,
// a USB stick), so we spend about 50 times more: 100 000 rounds cost roughly 0.05 s
// per derivation on a laptop, three derivations per file.
const DefaultIterations = 100_000

// MaxIterations bounds the iteration counts Decode accepts, so that a hostile file
// cannot make it spin for hours.
const MaxIterations = 10_000_000

// Errors of Encode and Decode; they are wrapped with detail, test with errors.Is.
var (
	// ErrWrongPassword: the MAC does not verify (or, in a file without a MAC, the key
	// does not decrypt) with the password given.
	ErrWrongPassword = errors.New("keyfile: wrong password")
	// ErrFormat: the data is not a well-formed PKCS#12 file (garbage, truncated).
	ErrFormat = errors.New("keyfile: not a valid PKCS#12 file")
	// ErrUnsupported: a well-formed file uses an algorithm or mode this package does
	// not implement.
	ErrUnsupported = errors.New("keyfile: unsupported PKCS#12 feature")
	// ErrEmptyPassword: Encode refuses to protect a key with an empty password.
	ErrEmptyPassword = errors.New("keyfile: empty password")
	// ErrKeyMismatch: Encode was given certificates none of which certifies the key.
	ErrKeyMismatch = errors.New("keyfile: no certificate matches the private key")
)

// Object identifiers of PKCS#7 content types, PKCS#12 bags and attributes.
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}

	oidKeyBag           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidSafeContentsBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidCertTypeX509     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidAttrFriendlyName = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidAttrLocalKeyID   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
)

// ASN.1 tags used beyond the universal ones of cryptobyte/asn1.
const (
	tagBMPString          = cbasn1.Tag(30)
	tagExplicit0          = cbasn1.Tag(0) | 0x20 | 0x80 // [0] constructed
	tagImplicit0Primitive = cbasn1.Tag(0) | 0x80        // [0] primitive
)

// maxSafeContentsNest bounds nested safeContentsBags.
const maxSafeContentsNest = 4

// Options tune Encode and Decode. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// Iterations is the PBKDF2 and MAC iteration count for Encode; 0 means
	// DefaultIterations. Tests use small values to run fast.
	Iterations int
	// FriendlyName, if set, is stored as the friendlyName attribute of the key and of
	// its certificate.
	FriendlyName string
	// Keys converts private keys to and from PKCS#8; nil means DefaultCodec (GOST,
	// RSA, ECDSA, Ed25519).
	Keys KeyCodec
}

func (o *Options) codec() KeyCodec {
	if o == nil || o.Keys == nil {
		return DefaultCodec()
	}
	return o.Keys
}

// Container is the content of a decoded key file.
type Container struct {
	// Key is the private key; nil when the file holds certificates only.
	Key crypto.Signer
	// Certs are the certificates in the file, in file order (none in a key-only file
	// made before issuance).
	Certs []*x509.Certificate
	// FriendlyName and LocalKeyID are the key bag's attributes, if present.
	FriendlyName string
	LocalKeyID   []byte

	codec KeyCodec
}

// Leaf returns the certificate whose public key is Key's, or nil when there is none
// (a key-only file, or a file with CA certificates only).
func (c *Container) Leaf() *x509.Certificate {
	if c == nil || c.Key == nil {
		return nil
	}
	codec := c.codec
	if codec == nil {
		codec = DefaultCodec()
	}
	for _, cert := range c.Certs {
		if matches(codec, c.Key.Public(), cert) {
			return cert
		}
	}
	return nil
}

// Chain returns the certificates other than the leaf, in file order.
func (c *Container) Chain() []*x509.Certificate {
	leaf := c.Leaf()
	var out []*x509.Certificate
	for _, cert := range c.Certs {
		if cert != leaf {
			out = append(out, cert)
		}
	}
	return out
}

// Encode writes key and certs as a PKCS#12 file protected by password, with the
// default Options. See Options.Encode.
func Encode(rand io.Reader, key crypto.PrivateKey, certs []*x509.Certificate, password string) ([]byte, error) {
	return (*Options)(nil).Encode(rand, key, certs, password)
}

// Decode reads a PKCS#12 file with the default Options. See Options.Decode.
func Decode(data []byte, password string) (*Container, error) {
	return (*Options)(nil).Decode(data, password)
}

// Encode writes a PKCS#12 file (layout in the package documentation). key must be a
// crypto.Signer the codec can marshal; certs may be empty (a key-only file before
// issuance); when not empty, one of them must certify key (ErrKeyMismatch otherwise)
// and it is written first. password must not be empty (ErrEmptyPassword). rnd
// supplies salts and IVs; nil means crypto/rand.
func (o *Options) Encode(rnd io.Reader, key crypto.PrivateKey, certs []*x509.Certificate, password string) ([]byte, error) {
	if password == "" {
		return nil, ErrEmptyPassword
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	signer, ok := key.(crypto.Signer)
	if !ok || signer == nil {
		return nil, fmt.Errorf("keyfile: the private key (%T) is not a crypto.Signer", key)
	}
	iterations := DefaultIterations
	friendly := ""
	if o != nil {
		if o.Iterations > 0 {
			iterations = o.Iterations
		}
		friendly = o.FriendlyName
	}
	if iterations > MaxIterations {
		return nil, fmt.Errorf("keyfile: %d iterations exceed MaxIterations", iterations)
	}
	codec := o.codec()
	pkcs8, err := codec.MarshalPKCS8(key)
	if err != nil {
		return nil, fmt.Errorf("keyfile: encoding the private key: %w", err)
	}

	// Put the leaf first and derive the localKeyId.
	ordered := make([]*x509.Certificate, 0, len(certs))
	var localKeyID []byte
	for i, c := range certs {
		if c == nil {
			return nil, fmt.Errorf("keyfile: certificate %d is nil", i)
		}
		if localKeyID == nil && matches(codec, signer.Public(), c) {
			sum := sha1.Sum(c.Raw)
			localKeyID = sum[:]
			ordered = append([]*x509.Certificate{c}, ordered...)
			continue
		}
		ordered = append(ordered, c)
	}
	if len(certs) > 0 && localKeyID == nil {
		return nil, ErrKeyMismatch
	}
	if localKeyID == nil {
		if spki, err := codec.MarshalPublicKey(signer.Public()); err == nil {
			sum := sha1.Sum(spki)
			localKeyID = sum[:]
		}
	}
	attrs := bagAttributes(localKeyID, friendly)

	// The key: a pkcs8ShroudedKeyBag in a plain data SafeContents.
	keyAlg, keyCT, err := encryptPBES2(rnd, password, iterations, pkcs8)
	if err != nil {
		return nil, fmt.Errorf("keyfile: encrypting the private key: %w", err)
	}
	var keySC cryptobyte.Builder
	keySC.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidShroudedKeyBag)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(keyAlg)
					b.AddASN1OctetString(keyCT)
				})
			})
			b.AddBytes(attrs)
		})
	})
	keySafe, err := keySC.Bytes()
	if err != nil {
		return nil, fmt.Errorf("keyfile: encoding the key bag: %w", err)
	}

	// The certificates: certBags in an encrypted SafeContents.
	var certInfo []byte
	if len(ordered) > 0 {
		var sc cryptobyte.Builder
		sc.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i, c := range ordered {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidCertBag)
					b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidCertTypeX509)
							b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
								b.AddASN1OctetString(c.Raw)
							})
						})
					})
					if i == 0 {
						b.AddBytes(attrs)
					}
				})
			}
		})
		plain, err := sc.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keyfile: encoding the certificate bags: %w", err)
		}
		alg, ct, err := encryptPBES2(rnd, password, iterations, plain)
		if err != nil {
			return nil, fmt.Errorf("keyfile: encrypting the certificates: %w", err)
		}
		var ci cryptobyte.Builder
		ci.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
			b.AddASN1ObjectIdentifier(oidEncryptedData)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncryptedData
					b.AddASN1Int64(0)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncryptedContentInfo
						b.AddASN1ObjectIdentifier(oidData)
						b.AddBytes(alg)
						b.AddASN1(tagImplicit0Primitive, func(b *cryptobyte.Builder) {
							b.AddBytes(ct)
						})
					})
				})
			})
		})
		if certInfo, err = ci.Bytes(); err != nil {
			return nil, fmt.Errorf("keyfile: encoding the certificates: %w", err)
		}
	}

	var as cryptobyte.Builder
	as.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(certInfo)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(keySafe)
			})
		})
	})
	authSafe, err := as.Bytes()
	if err != nil {
		return nil, fmt.Errorf("keyfile: encoding the authenticated safe: %w", err)
	}

	macSalt := make([]byte, 16)
	if _, err := io.ReadFull(rnd, macSalt); err != nil {
		return nil, fmt.Errorf("keyfile: reading random MAC salt: %w", err)
	}
	macKey := pkcs12KDF(sha256.New, 64, bmpPassword(password), macSalt, kdfMAC, iterations, sha256.Size)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(authSafe)

	var pfx cryptobyte.Builder
	pfx.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(authSafe)
			})
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // MacData
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DigestInfo
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidSHA256)
					b.AddASN1NULL()
				})
				b.AddASN1OctetString(mac.Sum(nil))
			})
			b.AddASN1OctetString(macSalt)
			b.AddASN1Int64(int64(iterations))
		})
	})
	out, err := pfx.Bytes()
	if err != nil {
		return nil, fmt.Errorf("keyfile: encoding the PFX: %w", err)
	}
	return out, nil
}

// bagAttributes encodes the SET OF PKCS12Attribute for the key and leaf bags, members
// sorted as DER requires. It returns nil when there is nothing to say.
func bagAttributes(localKeyID []byte, friendly string) []byte {
	var members [][]byte
	if localKeyID != nil {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidAttrLocalKeyID)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(localKeyID)
			})
		})
		members = append(members, b.BytesOrPanic())
	}
	if friendly != "" {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidAttrFriendlyName)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(tagBMPString, func(b *cryptobyte.Builder) {
					bmp := bmpPassword(friendly)
					b.AddBytes(bmp[:len(bmp)-2]) // no terminator in a BMPString
				})
			})
		})
		members = append(members, b.BytesOrPanic())
	}
	if len(members) == 0 {
		return nil
	}
	sort.Slice(members, func(i, j int) bool { return string(members[i]) < string(members[j]) })
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, m := range members {
			b.AddBytes(m)
		}
	})
	return b.BytesOrPanic()
}

// Decode reads a PKCS#12 file (see the package documentation for the algorithms) and
// verifies its MAC with password. It returns ErrWrongPassword (wrapped) when the MAC
// does not verify, ErrFormat for data that is not a well-formed PKCS#12 file and
// ErrUnsupported for algorithms it does not implement; it never panics. Files without
// a MAC are read too; the password is then checked by decrypting the key. When a file
// holds several private keys, the first is returned.
func (o *Options) Decode(data []byte, password string) (*Container, error) {
	der, rest, err := berToDER(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes of trailing data", ErrFormat, len(rest))
	}
	in := cryptobyte.String(der)
	var pfx, authSafeCI cryptobyte.String
	var version int64
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&pfx, cbasn1.SEQUENCE) ||
		!pfx.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!pfx.ReadASN1(&authSafeCI, cbasn1.SEQUENCE) ||
		!authSafeCI.ReadASN1ObjectIdentifier(&ctype) {
		return nil, fmt.Errorf("%w: no PFX structure", ErrFormat)
	}
	if version != 3 {
		return nil, fmt.Errorf("%w: PFX version %d", ErrUnsupported, version)
	}
	if !ctype.Equal(oidData) {
		return nil, fmt.Errorf("%w: authSafe of content type %v (public-key integrity mode)", ErrUnsupported, ctype)
	}
	var explicit cryptobyte.String
	var authSafe []byte
	if !authSafeCI.ReadASN1(&explicit, tagExplicit0) || !explicit.ReadASN1Bytes(&authSafe, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: bad authSafe content", ErrFormat)
	}

	pw := passwords{utf8: password, bmp: bmpPassword(password)}
	macVerified := false
	if !pfx.Empty() {
		if pw, err = verifyMAC(&pfx, authSafe, password); err != nil {
			return nil, err
		}
		macVerified = true
	}

	// The AuthenticatedSafe may itself be BER inside the octet string.
	asDER, rest, err := berToDER(authSafe)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: bad AuthenticatedSafe encoding", ErrFormat)
	}
	d := &decoder{codec: o.codec(), pw: pw, macVerified: macVerified, c: &Container{codec: o.codec()}}
	as := cryptobyte.String(asDER)
	var infos cryptobyte.String
	if !as.ReadASN1(&infos, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad AuthenticatedSafe", ErrFormat)
	}
	for !infos.Empty() {
		var ci cryptobyte.String
		var ct asn1.ObjectIdentifier
		if !infos.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
			return nil, fmt.Errorf("%w: bad ContentInfo", ErrFormat)
		}
		var content cryptobyte.String
		if !ci.ReadASN1(&content, tagExplicit0) {
			return nil, fmt.Errorf("%w: ContentInfo without content", ErrFormat)
		}
		var safe []byte
		switch {
		case ct.Equal(oidData):
			if !content.ReadASN1Bytes(&safe, cbasn1.OCTET_STRING) {
				return nil, fmt.Errorf("%w: bad data content", ErrFormat)
			}
		case ct.Equal(oidEncryptedData):
			if safe, err = d.decryptData(content); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: SafeContents in a %v (public-key privacy mode)", ErrUnsupported, ct)
		}
		if err := d.safeContents(safe, 0); err != nil {
			return nil, err
		}
	}
	return d.c, nil
}

// verifyMAC checks MacData against authSafe and returns the password encodings that
// verified. For an empty password both OpenSSL encodings (two zero bytes, and none)
// are tried; for a non-ASCII one also the byte-per-character form of old tools.
func verifyMAC(s *cryptobyte.String, authSafe []byte, password string) (passwords, error) {
	var digestInfo []byte
	var md cryptobyte.String
	var alg algorithmIdentifier
	var salt []byte
	iter := int64(1)
	if !s.ReadASN1(&md, cbasn1.SEQUENCE) {
		return passwords{}, fmt.Errorf("%w: bad MacData", ErrFormat)
	}
	var di cryptobyte.String
	if !md.ReadASN1(&di, cbasn1.SEQUENCE) ||
		!readAlgorithmIdentifier(&di, &alg) ||
		!di.ReadASN1Bytes(&digestInfo, cbasn1.OCTET_STRING) ||
		!md.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) {
		return passwords{}, fmt.Errorf("%w: bad MacData", ErrFormat)
	}
	if !md.Empty() && !md.ReadASN1Int64WithTag(&iter, cbasn1.INTEGER) {
		return passwords{}, fmt.Errorf("%w: bad MAC iteration count", ErrFormat)
	}
	n, err := checkIterations(iter)
	if err != nil {
		return passwords{}, err
	}
	h, v, ok := digestByOID(alg.oid)
	if !ok {
		return passwords{}, fmt.Errorf("%w: MAC algorithm %v", ErrUnsupported, alg.oid)
	}
	candidates := [][]byte{bmpPassword(password)}
	if password == "" {
		candidates = append(candidates, nil)
	}
	if !isASCII(password) && utf8.ValidString(password) {
		latin := make([]byte, 0, 2*len(password)+2)
		for i := 0; i < len(password); i++ {
			latin = append(latin, 0, password[i])
		}
		candidates = append(candidates, append(latin, 0, 0))
	}
	for _, bmp := range candidates {
		key := pkcs12KDF(h, v, bmp, salt, kdfMAC, n, h().Size())
		m := hmac.New(h, key)
		m.Write(authSafe)
		if hmac.Equal(m.Sum(nil), digestInfo) {
			return passwords{utf8: password, bmp: bmp}, nil
		}
	}
	return passwords{}, fmt.Errorf("%w (the integrity check with this password failed)", ErrWrongPassword)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

type decoder struct {
	codec       KeyCodec
	pw          passwords
	macVerified bool
	c           *Container
}

// decryptData decrypts an EncryptedData content into SafeContents DER.
func (d *decoder) decryptData(content cryptobyte.String) ([]byte, error) {
	var ed, eci cryptobyte.String
	var version int64
	var ct asn1.ObjectIdentifier
	var alg algorithmIdentifier
	if !content.ReadASN1(&ed, cbasn1.SEQUENCE) ||
		!ed.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!ed.ReadASN1(&eci, cbasn1.SEQUENCE) ||
		!eci.ReadASN1ObjectIdentifier(&ct) ||
		!readAlgorithmIdentifier(&eci, &alg) {
		return nil, fmt.Errorf("%w: bad EncryptedData", ErrFormat)
	}
	// encryptedContent [0] IMPLICIT OCTET STRING: primitive, or constructed from
	// OCTET STRING chunks (BER).
	var ciphertext []byte
	switch {
	case eci.PeekASN1Tag(tagImplicit0Primitive):
		var v cryptobyte.String
		if !eci.ReadASN1(&v, tagImplicit0Primitive) {
			return nil, fmt.Errorf("%w: bad encrypted content", ErrFormat)
		}
		ciphertext = v
	case eci.PeekASN1Tag(tagExplicit0):
		var v cryptobyte.String
		if !eci.ReadASN1(&v, tagExplicit0) {
			return nil, fmt.Errorf("%w: bad encrypted content", ErrFormat)
		}
		for !v.Empty() {
			var chunk []byte
			if !v.ReadASN1Bytes(&chunk, cbasn1.OCTET_STRING) {
				return nil, fmt.Errorf("%w: bad encrypted content chunk", ErrFormat)
			}
			ciphertext = append(ciphertext, chunk...)
		}
	default:
		return nil, nil // no content: an empty SafeContents
	}
	plain, err := decrypt(alg, d.pw, ciphertext)
	if errors.Is(err, errDecrypt) {
		return nil, fmt.Errorf("%w (the certificates do not decrypt)", ErrWrongPassword)
	}
	if err != nil {
		return nil, fmt.Errorf("keyfile: decrypting the certificates: %w", err)
	}
	der, rest, err := berToDER(plain)
	if err != nil || len(rest) != 0 {
		if !d.macVerified {
			return nil, fmt.Errorf("%w (the certificates do not decrypt)", ErrWrongPassword)
		}
		return nil, fmt.Errorf("%w: bad encrypted SafeContents", ErrFormat)
	}
	return der, nil
}

// safeContents walks one SafeContents.
func (d *decoder) safeContents(der []byte, depth int) error {
	if der == nil {
		return nil
	}
	if depth > maxSafeContentsNest {
		return fmt.Errorf("%w: SafeContents nested too deep", ErrFormat)
	}
	norm, rest, err := berToDER(der)
	if err != nil || len(rest) != 0 {
		return fmt.Errorf("%w: bad SafeContents encoding", ErrFormat)
	}
	s := cryptobyte.String(norm)
	var bags cryptobyte.String
	if !s.ReadASN1(&bags, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad SafeContents", ErrFormat)
	}
	for !bags.Empty() {
		var bag, value cryptobyte.String
		var id asn1.ObjectIdentifier
		if !bags.ReadASN1(&bag, cbasn1.SEQUENCE) ||
			!bag.ReadASN1ObjectIdentifier(&id) ||
			!bag.ReadASN1(&value, tagExplicit0) {
			return fmt.Errorf("%w: bad SafeBag", ErrFormat)
		}
		localKeyID, friendly, err := readAttributes(bag)
		if err != nil {
			return err
		}
		switch {
		case id.Equal(oidShroudedKeyBag), id.Equal(oidKeyBag):
			if d.c.Key != nil {
				continue // only the first key is kept
			}
			if err := d.key(id, value); err != nil {
				return err
			}
			d.c.LocalKeyID, d.c.FriendlyName = localKeyID, friendly
		case id.Equal(oidCertBag):
			if err := d.cert(value); err != nil {
				return err
			}
		case id.Equal(oidSafeContentsBag):
			var inner cryptobyte.String
			var tag cbasn1.Tag
			if !value.ReadAnyASN1Element(&inner, &tag) {
				return fmt.Errorf("%w: bad safeContentsBag", ErrFormat)
			}
			if err := d.safeContents(inner, depth+1); err != nil {
				return err
			}
		default:
			// crlBag, secretBag, unknown bags: ignored.
		}
	}
	return nil
}

func (d *decoder) key(id asn1.ObjectIdentifier, value cryptobyte.String) error {
	var pkcs8 []byte
	if id.Equal(oidKeyBag) {
		var k cryptobyte.String
		var tag cbasn1.Tag
		if !value.ReadAnyASN1Element(&k, &tag) {
			return fmt.Errorf("%w: bad keyBag", ErrFormat)
		}
		pkcs8 = k
	} else {
		var epki cryptobyte.String
		var alg algorithmIdentifier
		var ct []byte
		if !value.ReadASN1(&epki, cbasn1.SEQUENCE) ||
			!readAlgorithmIdentifier(&epki, &alg) ||
			!epki.ReadASN1Bytes(&ct, cbasn1.OCTET_STRING) {
			return fmt.Errorf("%w: bad EncryptedPrivateKeyInfo", ErrFormat)
		}
		plain, err := decrypt(alg, d.pw, ct)
		if errors.Is(err, errDecrypt) {
			return fmt.Errorf("%w (the private key does not decrypt)", ErrWrongPassword)
		}
		if err != nil {
			return fmt.Errorf("keyfile: decrypting the private key: %w", err)
		}
		pkcs8 = plain
	}
	if _, err := PrivateKeyAlgorithm(pkcs8); err != nil {
		if !d.macVerified {
			return fmt.Errorf("%w (the private key does not decrypt)", ErrWrongPassword)
		}
		return fmt.Errorf("%w: the private key: %v", ErrFormat, err)
	}
	k, err := d.codec.ParsePKCS8(pkcs8)
	if err != nil {
		if errors.Is(err, ErrUnsupportedKey) {
			return fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		return fmt.Errorf("%w: the private key: %v", ErrFormat, err)
	}
	d.c.Key = k
	return nil
}

func (d *decoder) cert(value cryptobyte.String) error {
	var cb, inner cryptobyte.String
	var certType asn1.ObjectIdentifier
	var der []byte
	if !value.ReadASN1(&cb, cbasn1.SEQUENCE) ||
		!cb.ReadASN1ObjectIdentifier(&certType) ||
		!cb.ReadASN1(&inner, tagExplicit0) {
		return fmt.Errorf("%w: bad CertBag", ErrFormat)
	}
	if !certType.Equal(oidCertTypeX509) {
		return nil // sdsiCertificate and others: ignored
	}
	if !inner.ReadASN1Bytes(&der, cbasn1.OCTET_STRING) {
		return fmt.Errorf("%w: bad x509Certificate value", ErrFormat)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: certificate %d: %v", ErrFormat, len(d.c.Certs)+1, err)
	}
	d.c.Certs = append(d.c.Certs, cert)
	return nil
}

// readAttributes reads the optional bagAttributes left in bag.
func readAttributes(bag cryptobyte.String) (localKeyID []byte, friendly string, err error) {
	if bag.Empty() {
		return nil, "", nil
	}
	var set cryptobyte.String
	if !bag.ReadASN1(&set, cbasn1.SET) {
		return nil, "", fmt.Errorf("%w: bad bag attributes", ErrFormat)
	}
	for !set.Empty() {
		var attr, values cryptobyte.String
		var id asn1.ObjectIdentifier
		if !set.ReadASN1(&attr, cbasn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&id) ||
			!attr.ReadASN1(&values, cbasn1.SET) {
			return nil, "", fmt.Errorf("%w: bad bag attribute", ErrFormat)
		}
		switch {
		case id.Equal(oidAttrLocalKeyID):
			var v []byte
			if !values.ReadASN1Bytes(&v, cbasn1.OCTET_STRING) {
				return nil, "", fmt.Errorf("%w: bad localKeyId", ErrFormat)
			}
			localKeyID = v
		case id.Equal(oidAttrFriendlyName):
			var v []byte
			if !values.ReadASN1Bytes(&v, tagBMPString) || len(v)%2 != 0 {
				return nil, "", fmt.Errorf("%w: bad friendlyName", ErrFormat)
			}
			u := make([]uint16, len(v)/2)
			for i := range u {
				u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
			}
			friendly = string(utf16.Decode(u))
		}
	}
	return localKeyID, friendly, nil
}
