package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"testing"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]crypto.Signer{"rsa": rsaKey}
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[c.Params().Name] = k
	}
	msg := []byte("to be signed")
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			s, err := NewSigner(key, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := s.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			spki, err := x509.MarshalPKIXPublicKey(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			pub, err := ParsePublicKey(spki)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifySignature(pub, s.AlgorithmIdentifier(), msg, sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if err := VerifySignature(pub, s.AlgorithmIdentifier(), []byte("other"), sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("verify of other bytes: %v, want ErrBadSignature", err)
			}
		})
	}
	// A key of one family under the other family's algorithm is refused.
	rs, _ := NewSigner(rsaKey, rand.Reader)
	ek := keys["P-256"].Public()
	if err := VerifySignature(ek, rs.AlgorithmIdentifier(), msg, []byte{1}); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("ECDSA key under RSA algorithm: %v", err)
	}
}
