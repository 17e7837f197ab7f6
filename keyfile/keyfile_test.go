package keyfile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testIterations keeps the tests fast; the format is the same at any count.
const testIterations = 64

var fast = &Options{Iterations: testIterations}

// fixture is one CA and one RSA-2048 end-entity key and certificate, made once.
type fixture struct {
	caKey   *ecdsa.PrivateKey
	ca      *x509.Certificate
	key     *rsa.PrivateKey
	leaf    *x509.Certificate
	ecKey   *ecdsa.PrivateKey
	ecLeaf  *x509.Certificate
	unusedC *x509.Certificate // a certificate for some other key
}

var (
	fixOnce sync.Once
	fix     fixture
)

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		var err error
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		fix.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		caTmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "TEST CA", Country: []string{"KZ"}},
			NotBefore:             now,
			NotAfter:              now.AddDate(5, 0, 0),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, fix.caKey.Public(), fix.caKey)
		must(err)
		fix.ca, err = x509.ParseCertificate(der)
		must(err)
		fix.key, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		fix.leaf = issue(fix.ca, fix.caKey, fix.key.Public(), "ТЕСТОВ ТЕСТ", 2)
		fix.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		fix.ecLeaf = issue(fix.ca, fix.caKey, fix.ecKey.Public(), "EC LEAF", 3)
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		fix.unusedC = issue(fix.ca, fix.caKey, other.Public(), "OTHER", 4)
	})
	return &fix
}

func issue(ca *x509.Certificate, caKey crypto.Signer, pub crypto.PublicKey, cn string, serial int64) *x509.Certificate {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, SerialNumber: "IIN871008401427", Country: []string{"KZ"}},
		NotBefore:    now,
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	f := getFixture(t)
	cases := []struct {
		name     string
		key      crypto.Signer
		certs    []*x509.Certificate
		leaf     *x509.Certificate
		password string
		friendly string
	}{
		{"rsa key only", f.key, nil, nil, "secret", ""},
		{"rsa with chain, chain given first", f.key, []*x509.Certificate{f.ca, f.leaf}, f.leaf, "пароль-Ω", "RSA256"},
		{"ecdsa leaf only", f.ecKey, []*x509.Certificate{f.ecLeaf}, f.ecLeaf, "x", ""},
		{"password outside the BMP", f.ecKey, nil, nil, "ключ🔑", "имя"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := &Options{Iterations: testIterations, FriendlyName: tc.friendly}
			data, err := opts.Encode(rand.Reader, tc.key, tc.certs, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Decode(data, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.key.Public()) {
				t.Error("decoded key differs")
			}
			if len(c.Certs) != len(tc.certs) {
				t.Fatalf("got %d certs, want %d", len(c.Certs), len(tc.certs))
			}
			if got := c.Leaf(); tc.leaf == nil && got != nil || tc.leaf != nil && (got == nil || !got.Equal(tc.leaf)) {
				t.Errorf("Leaf() = %v, want %v", got, tc.leaf)
			}
			if tc.leaf != nil {
				if !c.Certs[0].Equal(tc.leaf) {
					t.Error("leaf is not written first")
				}
				sum := sha1.Sum(tc.leaf.Raw)
				if !bytes.Equal(c.LocalKeyID, sum[:]) {
					t.Errorf("localKeyId %x, want SHA-1 of the leaf %x", c.LocalKeyID, sum)
				}
				if len(c.Chain()) != len(tc.certs)-1 {
					t.Errorf("Chain() has %d certificates", len(c.Chain()))
				}
			}
			if c.FriendlyName != tc.friendly {
				t.Errorf("friendlyName %q, want %q", c.FriendlyName, tc.friendly)
			}
			if _, err := Decode(data, tc.password+"x"); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("wrong password: got %v, want ErrWrongPassword", err)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	f := getFixture(t)
	if _, err := fast.Encode(rand.Reader, f.key, nil, ""); !errors.Is(err, ErrEmptyPassword) {
		t.Errorf("empty password: %v", err)
	}
	if _, err := fast.Encode(rand.Reader, f.key, []*x509.Certificate{f.ecLeaf}, "x"); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("foreign certificate: %v", err)
	}
	if _, err := fast.Encode(rand.Reader, "not a key", nil, "x"); err == nil {
		t.Error("a string was accepted as a key")
	}
}

func TestDefaultIterations(t *testing.T) {
	f := getFixture(t)
	data, err := Encode(rand.Reader, f.ecKey, []*x509.Certificate{f.ecLeaf}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	// The MAC iteration count is the last INTEGER of the file.
	want := []byte{0x02, 0x03, 0x01, 0x86, 0xa0} // 100000
	if !bytes.HasSuffix(data, want) {
		t.Errorf("file does not end with the MAC iteration count 100000: % x", data[len(data)-8:])
	}
	if _, err := Decode(data, "pw"); err != nil {
		t.Fatal(err)
	}
}

func TestGarbage(t *testing.T) {
	f := getFixture(t)
	data, err := fast.Encode(rand.Reader, f.key, []*x509.Certificate{f.leaf, f.ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"nil":          nil,
		"empty":        {},
		"text":         []byte("-----BEGIN CERTIFICATE-----\nnot at all\n"),
		"certificate":  f.leaf.Raw,
		"one byte":     {0x30},
		"huge length":  {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00},
		"deep nesting": bytes.Repeat([]byte{0x30, 0x80}, 200),
		"trailing":     append(append([]byte{}, data...), 0),
	}
	for _, n := range []int{1, 2, 10, 100, len(data) / 2, len(data) - 1} {
		inputs["truncated to "+itoa(n)] = data[:n]
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			c, err := Decode(in, "pw")
			if err == nil {
				t.Fatalf("no error, container %+v", c)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v is not ErrFormat", err)
			}
		})
	}
	// A flipped byte inside the authenticated content fails the MAC.
	bad := append([]byte{}, data...)
	bad[len(bad)/2] ^= 1
	if _, err := Decode(bad, "pw"); err == nil {
		t.Error("corrupted file decoded")
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestPKCS12KDFVectors(t *testing.T) {
	// Vectors from the tests of golang.org/x/crypto/pkcs12 (derived with OpenSSL).
	key := pkcs12KDF(sha1.New, 64, bmpPassword("sesame"), []byte("\xff\xff\xff\xff\xff\xff\xff\xff"), kdfKey, 2048, 24)
	if want := "7cd9fd3e2b3be7691a44e3bef0f9ea0fb9b897d4e325d9d1"; hex.EncodeToString(key) != want {
		t.Errorf("long key: %x, want %s", key, want)
	}
	key = pkcs12KDF(sha1.New, 64, []byte{0, 0}, []byte("\xf3\x7e\x05\xb5\x18\x32\x4b\x4b"), kdfKey, 2048, 24)
	if want := "00f759ff47d14dd03665d5943cb3c4a39a2555c02aed66e1"; hex.EncodeToString(key) != want {
		t.Errorf("leading zeros: %x, want %s", key, want)
	}
}

func TestRC2Vectors(t *testing.T) {
	// RFC 2268 §5.
	vectors := []struct {
		key, plain, cipher string
		bits               int
	}{
		{"0000000000000000", "0000000000000000", "ebb773f993278eff", 63},
		{"ffffffffffffffff", "ffffffffffffffff", "278b27e42e2f0d49", 64},
		{"3000000000000000", "1000000000000001", "30649edf9be7d2c2", 64},
		{"88", "0000000000000000", "61a8a244adacccf0", 64},
		{"88bca90e90875a", "0000000000000000", "6ccf4308974c267f", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "1a807d272bbe5db1", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "2269552ab0f85ca6", 128},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", "0000000000000000", "5b78d3a43dfff1f1", 129},
	}
	for _, v := range vectors {
		k, _ := hex.DecodeString(v.key)
		p, _ := hex.DecodeString(v.plain)
		b, err := newRC2(k, v.bits)
		if err != nil {
			t.Fatal(err)
		}
		var ct, pt [8]byte
		b.Encrypt(ct[:], p)
		if hex.EncodeToString(ct[:]) != v.cipher {
			t.Errorf("key %s: encrypt %x, want %s", v.key, ct, v.cipher)
		}
		b.Decrypt(pt[:], ct[:])
		if !bytes.Equal(pt[:], p) {
			t.Errorf("key %s: decrypt %x, want %x", v.key, pt, p)
		}
	}
}

// toBER re-encodes DER with indefinite lengths for every constructed element and
// splits OCTET STRINGs (and [0] IMPLICIT OCTET STRINGs) into chunks, as Windows does.
func toBER(t *testing.T, der []byte) []byte {
	t.Helper()
	var out []byte
	for len(der) > 0 {
		ident, contents, rest := splitFirst(t, der)
		der = rest
		switch {
		case ident == 0x04 || ident == 0x80: // OCTET STRING, [0] IMPLICIT OCTET STRING
			if len(contents) <= 16 {
				out = appendElement(out, []byte{ident}, contents)
				continue
			}
			out = append(out, ident|0x20, 0x80)
			for len(contents) > 0 {
				n := min(16, len(contents))
				out = appendElement(out, []byte{0x04}, contents[:n])
				contents = contents[n:]
			}
			out = append(out, 0, 0)
		case ident&0x20 != 0:
			out = append(out, ident, 0x80)
			out = append(out, toBER(t, contents)...)
			out = append(out, 0, 0)
		default:
			out = appendElement(out, []byte{ident}, contents)
		}
	}
	return out
}

func splitFirst(t *testing.T, der []byte) (ident byte, contents, rest []byte) {
	t.Helper()
	if len(der) < 2 {
		t.Fatalf("short element")
	}
	l := int(der[1])
	p := der[2:]
	if l >= 0x80 {
		n := l & 0x7f
		l = 0
		for i := 0; i < n; i++ {
			l = l<<8 | int(p[i])
		}
		p = p[n:]
	}
	return der[0], p[:l], p[l:]
}

func TestDecodeBER(t *testing.T) {
	f := getFixture(t)
	data, err := fast.Encode(rand.Reader, f.key, []*x509.Certificate{f.leaf, f.ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	ber := toBER(t, data)
	if bytes.Equal(ber, data) {
		t.Fatal("toBER changed nothing")
	}
	c, err := Decode(ber, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf() == nil || len(c.Certs) != 2 {
		t.Errorf("BER file: leaf %v, %d certs", c.Leaf(), len(c.Certs))
	}
	der, rest, err := berToDER(ber)
	if err != nil || len(rest) != 0 || !bytes.Equal(der, data) {
		t.Errorf("berToDER does not give back the DER: err %v", err)
	}
}

// Interoperability with OpenSSL.

func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI: ", err)
		}
		t.Skip("openssl not installed; skipping the interoperability test")
	}
	return path
}

func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(needOpenSSL(t), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenSSLReadsOurFiles(t *testing.T) {
	f := getFixture(t)
	needOpenSSL(t)
	dir := t.TempDir()
	cases := []struct {
		name     string
		certs    []*x509.Certificate
		password string
	}{
		{"key only", nil, "secret"},
		{"leaf and CA", []*x509.Certificate{f.leaf, f.ca}, "secret"},
		{"cyrillic password", []*x509.Certificate{f.leaf}, "пароль"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := (&Options{Iterations: 2048, FriendlyName: "RSA256"}).Encode(rand.Reader, f.key, tc.certs, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "f"+itoa(i)+".p12")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := openssl(t, "pkcs12", "-in", p, "-passin", "pass:"+tc.password, "-nodes", "-info")
			if err != nil {
				t.Fatalf("openssl failed: %v\n%s", err, out)
			}
			for _, want := range []string{
				"MAC: sha256, Iteration 2048",
				"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
				"-----BEGIN PRIVATE KEY-----",
				"friendlyName: RSA256",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("openssl output lacks %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "-----BEGIN CERTIFICATE-----"); n != len(tc.certs) {
				t.Errorf("openssl shows %d certificates, want %d", n, len(tc.certs))
			}
			if len(tc.certs) > 0 && !strings.Contains(out, "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC") {
				t.Errorf("certificates are not PBES2-encrypted:\n%s", out)
			}
			if out, err := openssl(t, "pkcs12", "-in", p, "-passin", "pass:wrong", "-nodes"); err == nil {
				t.Errorf("openssl accepted a wrong password:\n%s", out)
			}
		})
	}
}

func TestWeReadOpenSSLFiles(t *testing.T) {
	f := getFixture(t)
	needOpenSSL(t)
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(f.key)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := writePEM(t, dir, "key.pem", "PRIVATE KEY", keyDER)
	leafPath := writePEM(t, dir, "leaf.pem", "CERTIFICATE", f.leaf.Raw)
	caPath := writePEM(t, dir, "ca.pem", "CERTIFICATE", f.ca.Raw)

	cases := []struct {
		name     string
		args     []string
		password string
		certs    int
		optional bool // skip when this OpenSSL build lacks the algorithms
	}{
		{"default", nil, "secret", 2, false},
		{"legacy", []string{"-legacy"}, "secret", 2, true},
		{"3DES key, RC2-40 certs, SHA-1 MAC", []string{"-legacy", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-RC2-40", "-macalg", "sha1"}, "secret", 2, true},
		{"RC4-128 key, RC2-128 certs", []string{"-provider", "legacy", "-provider", "default", "-keypbe", "PBE-SHA1-RC4-128", "-certpbe", "PBE-SHA1-RC2-128"}, "secret", 2, true},
		{"2-key 3DES key", []string{"-keypbe", "PBE-SHA1-2DES"}, "secret", 2, true},
		{"3DES everywhere", []string{"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"}, "secret", 2, false},
		{"AES-128, SHA-512 MAC", []string{"-keypbe", "AES-128-CBC", "-certpbe", "AES-128-CBC", "-macalg", "sha512"}, "secret", 2, false},
		{"plain certificates", []string{"-certpbe", "NONE"}, "secret", 2, false},
		{"no MAC", []string{"-nomac"}, "secret", 2, false},
		{"cyrillic password", nil, "пароль", 2, false},
		{"empty password", nil, "", 2, false},
		{"key only", []string{"-nocerts"}, "secret", 0, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "o"+itoa(i)+".p12")
			args := []string{"pkcs12", "-export", "-inkey", keyPath, "-out", p, "-passout", "pass:" + tc.password, "-name", "openssl"}
			if tc.certs > 0 {
				args = append(args, "-in", leafPath, "-certfile", caPath)
			}
			out, err := openssl(t, append(args, tc.args...)...)
			if err != nil {
				if tc.optional {
					t.Skipf("this openssl cannot write it: %v\n%s", err, out)
				}
				t.Fatalf("openssl failed: %v\n%s", err, out)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Decode(data, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Key.Public().(*rsa.PublicKey).Equal(f.key.Public()) {
				t.Error("key differs")
			}
			if len(c.Certs) != tc.certs {
				t.Fatalf("%d certificates, want %d", len(c.Certs), tc.certs)
			}
			if tc.certs > 0 && (c.Leaf() == nil || !c.Leaf().Equal(f.leaf)) {
				t.Error("leaf not found")
			}
			if c.FriendlyName != "openssl" {
				t.Errorf("friendlyName %q", c.FriendlyName)
			}
			if _, err := Decode(data, tc.password+"x"); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("wrong password gave %v", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	fx := getFixture(f)
	for _, certs := range [][]*x509.Certificate{nil, {fx.ecLeaf, fx.ca}} {
		data, err := (&Options{Iterations: 1}).Encode(rand.Reader, fx.ecKey, certs, "pw")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data, "pw")
		if err == nil && c == nil {
			t.Fatal("nil container without error")
		}
		if err == nil {
			c.Leaf()
			c.Chain()
		}
	})
}
