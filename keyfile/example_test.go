package keyfile_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/opennca/nca/keyfile"
)

func Example() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	// A key-only file, as eds keygen writes before the certificate is issued.
	data, err := keyfile.Encode(rand.Reader, key, nil, "correct horse")
	if err != nil {
		panic(err)
	}

	c, err := keyfile.Decode(data, "correct horse")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Key.Public().(*ecdsa.PublicKey).Equal(key.Public()), len(c.Certs), c.Leaf() == nil)

	_, err = keyfile.Decode(data, "wrong")
	fmt.Println(errors.Is(err, keyfile.ErrWrongPassword))
	// Output:
	// true 0 true
	// true
}

func BenchmarkDecodeDefault(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	data, err := keyfile.Encode(rand.Reader, key, nil, "pw")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := keyfile.Decode(data, "pw"); err != nil {
			b.Fatal(err)
		}
	}
}
