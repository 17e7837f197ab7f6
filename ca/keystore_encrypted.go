package ca

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/opennca/nca/keyfile"
)

// EncryptedFileKeyStore keeps each key in Dir/<name>.key as an encrypted PKCS#8 PEM
// file ("ENCRYPTED PRIVATE KEY", mode 0600): PBES2 with PBKDF2-HMAC-SHA-256 and
// AES-256-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes and reads. The
// password comes from the operator (a file or an environment variable, see
// ReadSecret); it is never logged and never appears in errors.
type EncryptedFileKeyStore struct {
	Dir      string
	Password []byte
	// Iterations of PBKDF2 for new files; 0 means 600000.
	Iterations int
	// Rand is the source of salts and IVs; nil = crypto/rand.Reader.
	Rand io.Reader
	// Codec converts keys to and from PKCS#8; nil means keyfile.DefaultCodec().
	Codec keyfile.KeyCodec
}

var _ KeyStore = EncryptedFileKeyStore{}

func (s EncryptedFileKeyStore) codec() keyfile.KeyCodec {
	if s.Codec == nil {
		return keyfile.DefaultCodec()
	}
	return s.Codec
}

// Load implements KeyStore.
func (s EncryptedFileKeyStore) Load(name string) (crypto.Signer, error) {
	enc, err := readKeyPEM(s.Dir, name, "ENCRYPTED PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	der, err := decryptPKCS8(enc, s.Password)
	if err != nil {
		return nil, fmt.Errorf("ca: load key %s: %w", name, err)
	}
	signer, err := s.codec().ParsePKCS8(der)
	if err != nil {
		return nil, fmt.Errorf("ca: load key %s: %w", name, err)
	}
	return signer, nil
}

// Create implements KeyStore, writing like FileKeyStore.Create.
func (s EncryptedFileKeyStore) Create(name string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	if len(s.Password) == 0 {
		return nil, fmt.Errorf("ca: create key %s: the key store password is empty", name)
	}
	p, err := FileKeyStore{Dir: s.Dir}.path(name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err == nil {
		return nil, fmt.Errorf("ca: create key %s: %w", name, fs.ErrExist)
	}
	signer, err := gen()
	if err != nil {
		return nil, fmt.Errorf("ca: create key %s: generate: %w", name, err)
	}
	der, err := s.codec().MarshalPKCS8(signer)
	if err != nil {
		return nil, fmt.Errorf("ca: create key %s: encode: %w", name, err)
	}
	iter := s.Iterations
	if iter == 0 {
		iter = 600000
	}
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	enc, err := encryptPKCS8(rnd, der, s.Password, iter)
	if err != nil {
		return nil, fmt.Errorf("ca: create key %s: %w", name, err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc})
	if err := writeFileExcl(p, data, 0o600); err != nil {
		return nil, fmt.Errorf("ca: create key %s: %w", name, err)
	}
	return signer, nil
}

// ReadSecret returns a secret (a key store password or an HSM PIN) from the file
// named file (trailing newlines dropped) or else from the environment variable env.
// Errors name where it looked, never the secret.
func ReadSecret(file, env string, getenv func(string) string) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("ca: read secret file: %w", err)
		}
		for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
			b = b[:len(b)-1]
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("ca: secret file %s is empty", file)
		}
		return b, nil
	}
	if env != "" {
		if v := getenv(env); v != "" {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("ca: the environment variable %s is not set", env)
	}
	return nil, errors.New("ca: no secret file or environment variable is configured")
}

var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KDF pkix.AlgorithmIdentifier
	Enc pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// encryptPKCS8 wraps a PKCS#8 PrivateKeyInfo into an EncryptedPrivateKeyInfo.
func encryptPKCS8(rnd io.Reader, der, password []byte, iter int) ([]byte, error) {
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return nil, fmt.Errorf("salt: %w", err)
	}
	if _, err := io.ReadFull(rnd, iv); err != nil {
		return nil, fmt.Errorf("iv: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, string(password), salt, iter, 32)
	if err != nil {
		return nil, fmt.Errorf("pbkdf2: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(der)%aes.BlockSize
	ct := make([]byte, len(der)+pad)
	copy(ct, der)
	for i := len(der); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	kdf, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: iter,
		PRF: pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256, Parameters: asn1.NullRawValue}})
	if err != nil {
		return nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KDF: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		Enc: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
		Data:      ct,
	})
}

// errWrongPassword hides why decryption failed: a wrong password and a damaged file
// look alike.
var errWrongPassword = errors.New("the key file cannot be decrypted: wrong password or damaged file")

// decryptPKCS8 unwraps an EncryptedPrivateKeyInfo of PBES2 / PBKDF2-HMAC-SHA-256 /
// AES-256-CBC.
func decryptPKCS8(der, password []byte) ([]byte, error) {
	var epki encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &epki); err != nil || len(rest) != 0 {
		return nil, errors.New("not an EncryptedPrivateKeyInfo")
	}
	if !epki.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("encryption %v is not PBES2", epki.Algorithm.Algorithm)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(epki.Algorithm.Parameters.FullBytes, &p); err != nil {
		return nil, errors.New("bad PBES2 parameters")
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) || !p.Enc.Algorithm.Equal(oidAES256CBC) {
		return nil, errors.New("only PBKDF2 with AES-256-CBC is supported")
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, errors.New("bad PBKDF2 parameters")
	}
	if !kp.PRF.Algorithm.Equal(oidHMACWithSHA256) {
		return nil, errors.New("only the PBKDF2 PRF HMAC-SHA-256 is supported")
	}
	if kp.Iterations < 1 || kp.Iterations > 10_000_000 || (kp.KeyLength != 0 && kp.KeyLength != 32) {
		return nil, errors.New("unreasonable PBKDF2 parameters")
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Enc.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errors.New("bad AES-CBC IV")
	}
	if len(epki.Data) == 0 || len(epki.Data)%aes.BlockSize != 0 {
		return nil, errWrongPassword
	}
	key, err := pbkdf2.Key(sha256.New, string(password), kp.Salt, kp.Iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("pbkdf2: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(epki.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, epki.Data)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, errWrongPassword
	}
	want := make([]byte, pad)
	for i := range want {
		want[i] = byte(pad)
	}
	if subtle.ConstantTimeCompare(pt[len(pt)-pad:], want) != 1 {
		return nil, errWrongPassword
	}
	return pt[:len(pt)-pad], nil
}
