package ca

import (
	"math/big"

	zrsa "github.com/zmap/zcrypto/rsa"
	zx509 "github.com/zmap/zcrypto/x509"
)

// fermatLint is the authority's own run of zlint's community lint
// e_rsa_fermat_factorization (RSA moduli whose prime factors are so close that
// Fermat's method factors them): the same test on the same keys, with the same
// number of rounds and the same verdict, but about a hundred times cheaper. zlint's
// version takes a 2048–4096-bit integer square root in each of its 100 rounds, which
// made it more than half of the lint time of an end-entity certificate; this one
// takes the square root only of the candidates that pass cheap quadratic-residue
// tests modulo 64, 63, 65 and 11 (a perfect square always passes them, so no square
// is missed; about 1 candidate in 150 that is not a square gets through). zlint's is
// excluded from the registries (excludedLints) and linter.lintDER runs this one.
const fermatLint = "e_rsa_fermat_factorization"

// fermatRounds is zlint's default number of rounds for e_rsa_fermat_factorization.
const fermatRounds = 100

// fermatApplies reports what zlint's CheckApplies does: an RSA subject key.
func fermatApplies(c *zx509.Certificate) (*zrsa.PublicKey, bool) {
	k, ok := c.PublicKey.(*zrsa.PublicKey)
	return k, ok && k.N != nil && c.PublicKeyAlgorithm == zx509.RSA
}

// squareResidues[m] marks the squares modulo m for the moduli of the filter.
var squareResidues = func() map[uint][]bool {
	out := map[uint][]bool{}
	for _, m := range []uint{64, 63, 65, 11} {
		r := make([]bool, m)
		for i := uint(0); i < m; i++ {
			r[i*i%m] = true
		}
		out[m] = r
	}
	return out
}()

// maybeSquare reports false when x is certainly not a perfect square.
func maybeSquare(x *big.Int) bool {
	if x.Sign() < 0 {
		return false
	}
	if w := x.Bits(); len(w) > 0 && !squareResidues[64][uint(w[0])&63] {
		return false
	}
	// One remainder modulo 63·65·11 = 45045 serves the three other tests.
	r := new(big.Int).Mod(x, big.NewInt(45045)).Uint64()
	return squareResidues[63][r%63] && squareResidues[65][r%65] && squareResidues[11][r%11]
}

// fermatFactors runs rounds rounds of Fermat's method on n, starting (as zlint does)
// at a = floor(sqrt(n)) + 1 and testing whether a² − n is a perfect square. It
// returns the factors found, or nil.
func fermatFactors(n *big.Int, rounds int) (p, q *big.Int) {
	one := big.NewInt(1)
	a := new(big.Int).Sqrt(n)
	a.Add(a, one)
	b2 := new(big.Int).Mul(a, a)
	b2.Sub(b2, n)
	step := new(big.Int)
	b := new(big.Int)
	for i := 0; i < rounds; i++ {
		if maybeSquare(b2) {
			b.Sqrt(b2)
			if new(big.Int).Mul(b, b).Cmp(b2) == 0 {
				return new(big.Int).Add(a, b), new(big.Int).Sub(a, b)
			}
		}
		// (a+1)² − n = a² − n + 2a + 1
		step.Lsh(a, 1).Add(step, one)
		b2.Add(b2, step)
		a.Add(a, one)
	}
	return nil, nil
}
