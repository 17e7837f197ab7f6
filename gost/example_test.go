package gost_test

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"log"

	"github.com/opennca/nca/gost"
)

// Sign a message with a GOST 2015 512-bit key the way the Kazakh national CA does:
// Streebog-512 digest, tc26-512-A curve, signature value r_LE ‖ s_LE.
func Example() {
	key, err := gost.GenerateKey(gost.Curve512A(), nil) // nil: crypto/rand
	if err != nil {
		log.Fatal(err)
	}
	digest := gost.SumStreebog512([]byte("test123"))
	sig, err := key.SignDigest(nil, digest[:], gost.LayoutKazakh)
	if err != nil {
		log.Fatal(err)
	}

	// A relying party has the public key as x_LE ‖ y_LE (from the certificate) and
	// learns the layout from the signature algorithm OID.
	pub, err := gost.ParsePublicKey(gost.Curve512A(), key.PublicKey().Bytes())
	if err != nil {
		log.Fatal(err)
	}
	info, _ := gost.LookupOID(gost.OIDKZGost2015Signature512)
	fmt.Println(info.Name, info.Hash, info.Layout)
	fmt.Println("valid:", pub.Verify(digest[:], sig, info.Layout) == nil)
	// Output:
	// kz-gost2015-512-with-streebog512 streebog512 kazakh
	// valid: true
}

// Compute a digest by name, as the CLI does, and an HMAC through crypto/hmac.
func ExampleNewHashByName() {
	h, err := gost.NewHashByName("gost34311")
	if err != nil {
		log.Fatal(err)
	}
	h.Write([]byte("abc"))
	fmt.Println(hex.EncodeToString(h.Sum(nil)))

	mac := hmac.New(gost.NewStreebog256, []byte("key"))
	mac.Write([]byte("message"))
	fmt.Println(len(mac.Sum(nil)))
	// Output:
	// f3134348c44fb1b2a277729e2285ebb5cb5e0f29c975bc753b70497c06a4d51d
	// 32
}

// Convert between the Kazakh and the RFC 4491 signature layouts.
func ExampleConvertSignature() {
	kz := []byte{1, 2, 3, 4} // r_LE ‖ s_LE on a (toy) 2-byte curve
	rfc, _ := gost.ConvertSignature(kz, gost.LayoutKazakh, gost.LayoutRFC4491)
	fmt.Println(hex.EncodeToString(rfc)) // s_BE ‖ r_BE
	// Output: 04030201
}
