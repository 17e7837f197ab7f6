package keyfile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the encryption and MAC algorithms.
var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}

	oidPBEWithSHAAnd128BitRC4        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 1}
	oidPBEWithSHAAnd40BitRC4         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 2}
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBEWithSHAAnd128BitRC2CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHAAnd40BitRC2CBC      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
)

// errDecrypt means the padding of a decrypted block was wrong: almost always a wrong
// password. Callers turn it into ErrWrongPassword.
var errDecrypt = errors.New("decryption failed")

// algorithmIdentifier is an X.509 AlgorithmIdentifier; params is the complete DER of
// the parameters element, or nil when absent.
type algorithmIdentifier struct {
	oid    asn1.ObjectIdentifier
	params cryptobyte.String
}

func readAlgorithmIdentifier(s *cryptobyte.String, out *algorithmIdentifier) bool {
	var ai cryptobyte.String
	if !s.ReadASN1(&ai, cbasn1.SEQUENCE) || !ai.ReadASN1ObjectIdentifier(&out.oid) {
		return false
	}
	out.params = nil
	if !ai.Empty() {
		var params cryptobyte.String
		var tag cbasn1.Tag
		if !ai.ReadAnyASN1Element(&params, &tag) || !ai.Empty() {
			return false
		}
		out.params = params
	}
	return true
}

// digestByOID returns the hash for a digest OID and its block size (the v of the
// PKCS#12 KDF).
func digestByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, int, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return sha1.New, 64, true
	case oid.Equal(oidSHA224):
		return sha256.New224, 64, true
	case oid.Equal(oidSHA256):
		return sha256.New, 64, true
	case oid.Equal(oidSHA384):
		return sha512.New384, 128, true
	case oid.Equal(oidSHA512):
		return sha512.New, 128, true
	}
	return nil, 0, false
}

// prfByOID returns the hash of an HMAC algorithm OID used as the PBKDF2 PRF.
func prfByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case oid.Equal(oidHMACWithSHA1):
		return sha1.New, true
	case oid.Equal(oidHMACWithSHA224):
		return sha256.New224, true
	case oid.Equal(oidHMACWithSHA256):
		return sha256.New, true
	case oid.Equal(oidHMACWithSHA384):
		return sha512.New384, true
	case oid.Equal(oidHMACWithSHA512):
		return sha512.New, true
	}
	return nil, false
}

// passwords holds the two encodings of one password: UTF-8 for PBES2 (as OpenSSL and
// RFC 8018 use it) and BMP with terminator for the PKCS#12 KDF.
type passwords struct {
	utf8 string
	bmp  []byte
}

func checkIterations(n int64) (int, error) {
	if n < 1 || n > MaxIterations {
		return 0, fmt.Errorf("%w: iteration count %d outside 1..%d", ErrUnsupported, n, MaxIterations)
	}
	return int(n), nil
}

// decrypt decrypts ciphertext encrypted under alg with the password.
func decrypt(alg algorithmIdentifier, pw passwords, ciphertext []byte) ([]byte, error) {
	switch {
	case alg.oid.Equal(oidPBES2):
		return decryptPBES2(alg.params, pw.utf8, ciphertext)
	case alg.oid.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC),
		alg.oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC),
		alg.oid.Equal(oidPBEWithSHAAnd128BitRC2CBC),
		alg.oid.Equal(oidPBEWithSHAAnd40BitRC2CBC),
		alg.oid.Equal(oidPBEWithSHAAnd128BitRC4),
		alg.oid.Equal(oidPBEWithSHAAnd40BitRC4):
		return decryptPKCS12PBE(alg, pw.bmp, ciphertext)
	}
	return nil, fmt.Errorf("%w: encryption algorithm %v", ErrUnsupported, alg.oid)
}

// decryptPKCS12PBE handles the pbeWithSHAAnd… schemes of RFC 7292 appendix C.
func decryptPKCS12PBE(alg algorithmIdentifier, bmp, ciphertext []byte) ([]byte, error) {
	params := alg.params
	var seq cryptobyte.String
	var salt []byte
	var iter int64
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1Int64WithTag(&iter, cbasn1.INTEGER) {
		return nil, fmt.Errorf("%w: bad PKCS#12 PBE parameters", ErrFormat)
	}
	n, err := checkIterations(iter)
	if err != nil {
		return nil, err
	}
	kdf := func(id byte, size int) []byte {
		return pkcs12KDF(sha1.New, 64, bmp, salt, id, n, size)
	}
	var block cipher.Block
	switch {
	case alg.oid.Equal(oidPBEWithSHAAnd3KeyTripleDESCBC):
		block, err = des.NewTripleDESCipher(kdf(kdfKey, 24))
	case alg.oid.Equal(oidPBEWithSHAAnd2KeyTripleDESCBC):
		k := kdf(kdfKey, 16)
		block, err = des.NewTripleDESCipher(append(k, k[:8]...))
	case alg.oid.Equal(oidPBEWithSHAAnd128BitRC2CBC):
		block, err = newRC2(kdf(kdfKey, 16), 128)
	case alg.oid.Equal(oidPBEWithSHAAnd40BitRC2CBC):
		block, err = newRC2(kdf(kdfKey, 5), 40)
	case alg.oid.Equal(oidPBEWithSHAAnd128BitRC4), alg.oid.Equal(oidPBEWithSHAAnd40BitRC4):
		size := 16
		if alg.oid.Equal(oidPBEWithSHAAnd40BitRC4) {
			size = 5
		}
		c, err := rc4.NewCipher(kdf(kdfKey, size))
		if err != nil {
			return nil, err
		}
		out := make([]byte, len(ciphertext))
		c.XORKeyStream(out, ciphertext)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return cbcDecrypt(block, kdf(kdfIV, block.BlockSize()), ciphertext)
}

// decryptPBES2 handles PBES2 (RFC 8018 §6.2) with PBKDF2 and a CBC cipher.
func decryptPBES2(params cryptobyte.String, password string, ciphertext []byte) ([]byte, error) {
	var seq cryptobyte.String
	var kdfAlg, encAlg algorithmIdentifier
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!readAlgorithmIdentifier(&seq, &kdfAlg) ||
		!readAlgorithmIdentifier(&seq, &encAlg) {
		return nil, fmt.Errorf("%w: bad PBES2 parameters", ErrFormat)
	}
	if !kdfAlg.oid.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("%w: PBES2 key derivation %v", ErrUnsupported, kdfAlg.oid)
	}
	var kp cryptobyte.String
	var salt []byte
	var iter int64
	kdfParams := kdfAlg.params
	if !kdfParams.ReadASN1(&kp, cbasn1.SEQUENCE) ||
		!kp.ReadASN1Bytes(&salt, cbasn1.OCTET_STRING) ||
		!kp.ReadASN1Int64WithTag(&iter, cbasn1.INTEGER) {
		return nil, fmt.Errorf("%w: bad PBKDF2 parameters (a salt of type otherSource is not supported)", ErrFormat)
	}
	n, err := checkIterations(iter)
	if err != nil {
		return nil, err
	}
	keyLen := int64(-1)
	if kp.PeekASN1Tag(cbasn1.INTEGER) {
		if !kp.ReadASN1Int64WithTag(&keyLen, cbasn1.INTEGER) {
			return nil, fmt.Errorf("%w: bad PBKDF2 key length", ErrFormat)
		}
	}
	prf := sha1.New // the DEFAULT of PBKDF2-params
	if !kp.Empty() {
		var prfAlg algorithmIdentifier
		if !readAlgorithmIdentifier(&kp, &prfAlg) {
			return nil, fmt.Errorf("%w: bad PBKDF2 PRF", ErrFormat)
		}
		h, ok := prfByOID(prfAlg.oid)
		if !ok {
			return nil, fmt.Errorf("%w: PBKDF2 PRF %v", ErrUnsupported, prfAlg.oid)
		}
		prf = h
	}

	var size int
	var newBlock func([]byte) (cipher.Block, error)
	switch {
	case encAlg.oid.Equal(oidAES128CBC):
		size, newBlock = 16, aes.NewCipher
	case encAlg.oid.Equal(oidAES192CBC):
		size, newBlock = 24, aes.NewCipher
	case encAlg.oid.Equal(oidAES256CBC):
		size, newBlock = 32, aes.NewCipher
	case encAlg.oid.Equal(oidDESEDE3CBC):
		size, newBlock = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("%w: PBES2 cipher %v", ErrUnsupported, encAlg.oid)
	}
	if keyLen != -1 && keyLen != int64(size) {
		return nil, fmt.Errorf("%w: PBKDF2 key length %d for a %d-byte key", ErrFormat, keyLen, size)
	}
	var iv []byte
	ivParams := encAlg.params
	if !ivParams.ReadASN1Bytes(&iv, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: bad cipher IV", ErrFormat)
	}
	key, err := pbkdf2.Key(prf, password, salt, n, size)
	if err != nil {
		return nil, fmt.Errorf("PBKDF2: %w", err)
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	return cbcDecrypt(block, iv, ciphertext)
}

func cbcDecrypt(block cipher.Block, iv, ciphertext []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, fmt.Errorf("%w: IV of %d bytes for a %d-byte block", ErrFormat, len(iv), bs)
	}
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole blocks", ErrFormat, len(ciphertext))
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, errDecrypt
	}
	bad := byte(0)
	for _, b := range out[len(out)-pad:] {
		bad |= b ^ byte(pad)
	}
	if bad != 0 {
		return nil, errDecrypt
	}
	return out[:len(out)-pad], nil
}

// encryptPBES2 encrypts plaintext with PBES2: PBKDF2-HMAC-SHA256 (16-byte salt,
// iterations rounds) and AES-256-CBC. It returns the DER AlgorithmIdentifier and the
// ciphertext.
func encryptPBES2(rand io.Reader, password string, iterations int, plaintext []byte) (alg, ciphertext []byte, err error) {
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return nil, nil, fmt.Errorf("reading random salt: %w", err)
	}
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, nil, fmt.Errorf("reading random IV: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("PBKDF2: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := make([]byte, len(plaintext)+pad)
	copy(padded, plaintext)
	for i := len(plaintext); i < len(padded); i++ {
		padded[i] = byte(pad)
	}
	ciphertext = make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ciphertext, padded)

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBES2)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PBES2-params
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // keyDerivationFunc
				b.AddASN1ObjectIdentifier(oidPBKDF2)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PBKDF2-params
					b.AddASN1OctetString(salt)
					b.AddASN1Int64(int64(iterations))
					// keyLength omitted, as OpenSSL does: AES-256 fixes it at 32.
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidHMACWithSHA256)
						b.AddASN1NULL()
					})
				})
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // encryptionScheme
				b.AddASN1ObjectIdentifier(oidAES256CBC)
				b.AddASN1OctetString(iv)
			})
		})
	})
	alg, err = b.Bytes()
	if err != nil {
		return nil, nil, err
	}
	return alg, ciphertext, nil
}
