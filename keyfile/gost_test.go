package keyfile

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/internal/gostengine"
	"github.com/opennca/nca/pki"
)

// A GOST key and its certificate go into a PKCS#12 file and come back: the key is the
// same, the certificate is its leaf; the PKCS#8 inside is the national layout.
func TestGOSTRoundTrip(t *testing.T) {
	for _, c := range []*gost.Curve{gost.Curve512A(), gost.CurveCryptoProA()} {
		t.Run(c.Name(), func(t *testing.T) {
			k, err := gost.GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := pki.NewSigner(k, rand.Reader)
			now := time.Now()
			der, err := pki.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1),
				Subject: pkix.Name{CommonName: "x"}, NotBefore: now, NotAfter: now.Add(time.Hour)}, nil, k.Public(), s)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := x509.ParseCertificate(der)
			for _, certs := range [][]*x509.Certificate{nil, {cert}} {
				data, err := fast.Encode(rand.Reader, k, certs, "pw")
				if err != nil {
					t.Fatal(err)
				}
				got, err := fast.Decode(data, "pw")
				if err != nil {
					t.Fatal(err)
				}
				if !k.Equal(got.Key) {
					t.Fatal("decoded key differs")
				}
				if certs != nil && got.Leaf() != nil && !bytes.Equal(got.Leaf().Raw, der) {
					t.Fatal("leaf differs")
				}
				if certs != nil && got.Leaf() == nil {
					t.Fatal("no leaf")
				}
				if _, err := fast.Decode(data, "wrong"); !errors.Is(err, ErrWrongPassword) {
					t.Fatalf("wrong password: %v", err)
				}
			}
			p8, err := GOSTCodec{}.MarshalPKCS8(k)
			if err != nil {
				t.Fatal(err)
			}
			var info struct {
				Version int
				Alg     pkix.AlgorithmIdentifier
				Key     []byte
			}
			if _, err := asn1.Unmarshal(p8, &info); err != nil {
				t.Fatal(err)
			}
			var d []byte
			if _, err := asn1.Unmarshal(info.Key, &d); err != nil || !bytes.Equal(d, k.Bytes()) {
				t.Fatalf("privateKey is not OCTET STRING { d_LE }: %v", err)
			}
			spki, _ := pki.MarshalPublicKey(k.Public())
			var pub struct {
				Alg pkix.AlgorithmIdentifier
				Key asn1.BitString
			}
			asn1.Unmarshal(spki, &pub)
			if !bytes.Equal(info.Alg.Parameters.FullBytes, pub.Alg.Parameters.FullBytes) || !info.Alg.Algorithm.Equal(pub.Alg.Algorithm) {
				t.Fatal("PKCS#8 algorithm differs from the SubjectPublicKeyInfo's")
			}
		})
	}
}

// ParsePKCS8 reads the other encodings of GOST keys: INTEGER d, bare d_LE, Russian OIDs,
// Kazakh OID with NULL parameters; it passes non-GOST keys on.
func TestGOSTParseVariants(t *testing.T) {
	k, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	d := k.Bytes()
	be := make([]byte, len(d))
	for i := range d {
		be[len(d)-1-i] = d[i]
	}
	intDER, _ := asn1.Marshal(new(big.Int).SetBytes(be))
	octDER, _ := asn1.Marshal(d)
	curveParams, _ := asn1.Marshal([]asn1.ObjectIdentifier{gost.OIDCurve512A})
	type p8 struct {
		Version int
		Alg     pkix.AlgorithmIdentifier
		Key     []byte
	}
	for name, v := range map[string]p8{
		"russian, octets":      {0, pkix.AlgorithmIdentifier{Algorithm: gost.OIDGost2012PublicKey512, Parameters: asn1.RawValue{FullBytes: curveParams}}, octDER},
		"kazakh NULL, integer": {0, pkix.AlgorithmIdentifier{Algorithm: gost.OIDKZGost2015PublicKey512, Parameters: asn1.NullRawValue}, intDER},
		"kazakh absent, bare":  {0, pkix.AlgorithmIdentifier{Algorithm: gost.OIDKZGost2015PublicKey512}, d},
	} {
		der, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DefaultCodec().ParsePKCS8(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !k.Equal(got) {
			t.Fatalf("%s: key differs", name)
		}
	}
	// A Russian OID without a curve is refused.
	der, _ := asn1.Marshal(p8{0, pkix.AlgorithmIdentifier{Algorithm: gost.OIDGost2012PublicKey512}, octDER})
	if _, err := (GOSTCodec{}).ParsePKCS8(der); err == nil {
		t.Fatal("Russian key without curve accepted")
	}
	// Non-GOST keys are not GOSTCodec's.
	rsaDER, err := x509.MarshalPKCS8PrivateKey(getFixture(t).key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (GOSTCodec{}).ParsePKCS8(rsaDER); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("RSA key: %v", err)
	}
}

// Every truncation of a GOST PKCS#8 is refused with an error, never a panic.
func TestGOSTPKCS8Truncations(t *testing.T) {
	k, _ := gost.GenerateKey(gost.Curve512A(), rand.Reader)
	der, err := GOSTCodec{}.MarshalPKCS8(k)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(der); i++ {
		if _, err := DefaultCodec().ParsePKCS8(der[:i]); err == nil {
			t.Fatalf("PKCS#8 truncated to %d bytes accepted", i)
		}
	}
}

// Keys and signatures made by OpenSSL's gost-engine (Russian OIDs, RFC 4491 layout)
// are read and verified: its PKCS#8 private key parses with DefaultCodec to the key of
// its public key, and its signature verifies under the Russian signature OID.
func TestReadsGostEngineKeys(t *testing.T) {
	gostengine.Require(t)
	for _, c := range []struct {
		alg, md string
		curve   *gost.Curve
		sigOID  asn1.ObjectIdentifier
	}{
		{"gost2012_512", "-md_gost12_512", gost.Curve512A(), gost.OIDGost2012Signature512},
		{"gost2001", "-md_gost94", gost.CurveCryptoProA(), gost.OIDGostR341194WithGostR341001},
	} {
		dir := t.TempDir()
		keyPEM, pubPEM, msg, sigFile := filepath.Join(dir, "k.pem"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
		os.WriteFile(msg, []byte("документ"), 0o600)
		for _, args := range [][]string{
			{"genpkey", "-engine", "gost", "-algorithm", c.alg, "-pkeyopt", "paramset:A", "-out", keyPEM},
			{"pkey", "-engine", "gost", "-in", keyPEM, "-pubout", "-out", pubPEM},
			{"dgst", "-engine", "gost", c.md, "-sign", keyPEM, "-out", sigFile, msg},
		} {
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, out)
			}
		}
		read := func(p string) []byte {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if blk, _ := pem.Decode(b); blk != nil {
				return blk.Bytes
			}
			return b
		}
		key, err := DefaultCodec().ParsePKCS8(read(keyPEM))
		if err != nil {
			t.Fatalf("%s: gost-engine PKCS#8: %v", c.alg, err)
		}
		gk, ok := key.(*gost.PrivateKey)
		if !ok || !gk.Curve().SameGroup(c.curve) {
			t.Fatalf("%s: key %T", c.alg, key)
		}
		pub, err := pki.ParsePublicKey(read(pubPEM))
		if err != nil {
			t.Fatalf("%s: gost-engine public key: %v", c.alg, err)
		}
		if !gk.PublicKey().Equal(pub) {
			t.Fatalf("%s: the private key read does not match gost-engine's public key", c.alg)
		}
		if err := pki.VerifySignature(pub, pkix.AlgorithmIdentifier{Algorithm: c.sigOID}, []byte("документ"), read(sigFile)); err != nil {
			t.Fatalf("%s: gost-engine signature: %v", c.alg, err)
		}
	}
}

// A gost-engine GOST 2001 key whose bare little-endian bytes happen to begin like a
// DER INTEGER (0x02 0x35 …): it is read as the bare key, by its length, as
// gost-engine itself reads it (this key made 1 in about 100 gost-engine keys fail).
func TestGostEngineBareKeyLikeInteger(t *testing.T) {
	der, _ := hex.DecodeString("3043020100301c06062a8503020213301206072a85030202230106072a850302021e01" +
		"042002359c08ced1d2da24f0bc756b583ecc90f78c3b78b19807c54283e08b5f2ef5")
	key, err := DefaultCodec().ParsePKCS8(der)
	if err != nil {
		t.Fatal(err)
	}
	gk, ok := key.(*gost.PrivateKey)
	if !ok || !gk.Curve().SameGroup(gost.CurveCryptoProA()) {
		t.Fatalf("key %T", key)
	}
	if got := hex.EncodeToString(gk.Bytes()); got != "02359c08ced1d2da24f0bc756b583ecc90f78c3b78b19807c54283e08b5f2ef5" {
		t.Errorf("key bytes %s", got)
	}
}
