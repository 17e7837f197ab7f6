package client

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
)

// SignChallenge signs with a GOST key under the key's national algorithm, which is how
// the server (auth, through pki) verifies it.
func TestSignChallengeGOST(t *testing.T) {
	for _, c := range []*gost.Curve{gost.Curve512A(), gost.CurveCryptoProA()} {
		k, _ := gost.GenerateKey(c, rand.Reader)
		challenge := []byte("nca sign-in challenge")
		sig, err := SignChallenge(k, challenge)
		if err != nil {
			t.Fatal(err)
		}
		alg, err := pki.SignatureAlgorithm(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		if err := pki.VerifySignature(k.Public(), alg, challenge, sig); err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		if err := pki.VerifySignature(k.Public(), alg, []byte("other"), sig); !errors.Is(err, pki.ErrBadSignature) {
			t.Fatalf("%s: other challenge: %v", c.Name(), err)
		}
	}
}
