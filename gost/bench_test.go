package gost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"testing"
	"time"
)

// Benchmarks. The *VsStdlib benchmarks time the GOST operation and the standard
// library's ECDSA operation in the same run (b.N iterations of each) and report
// gost-ns/op, ecdsa-ns/op and their ratio (the targets: 256-bit ≤ 3× P-256,
// 512-bit ≤ 1.5× P-521). ns/op is the sum of both.

func benchPair(b *testing.B, gostOp, stdOp func()) {
	gostOp() // warm up (the fixed-base table is built on first use)
	stdOp()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		gostOp()
	}
	g := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		stdOp()
	}
	s := time.Since(start)
	b.ReportMetric(float64(g.Nanoseconds())/float64(b.N), "gost-ns/op")
	b.ReportMetric(float64(s.Nanoseconds())/float64(b.N), "ecdsa-ns/op")
	b.ReportMetric(float64(g)/float64(s), "ratio")
}

type stdCase struct {
	name  string
	gost  *Curve
	std   elliptic.Curve
	stdHd []byte
}

func stdCases() []stdCase {
	h256 := sha256.Sum256([]byte("benchmark"))
	h512 := sha512.Sum512([]byte("benchmark"))
	return []stdCase{
		{"gost256-CryptoProA-vs-P256", CurveCryptoProA(), elliptic.P256(), h256[:]},
		{"gost256-tc26A-vs-P256", Curve256A(), elliptic.P256(), h256[:]},
		{"gost512-tc26A-vs-P521", Curve512A(), elliptic.P521(), h512[:]},
		{"gost512-tc26C-vs-P521", Curve512C(), elliptic.P521(), h512[:]},
	}
}

func BenchmarkSignVsStdlib(b *testing.B) {
	for _, tc := range stdCases() {
		b.Run(tc.name, func(b *testing.B) {
			key, _ := GenerateKey(tc.gost, nil)
			digest := make([]byte, tc.gost.Size())
			copy(digest, tc.stdHd)
			skey, _ := ecdsa.GenerateKey(tc.std, rand.Reader)
			benchPair(b, func() {
				if _, err := key.SignDigest(rand.Reader, digest, LayoutKazakh); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if _, err := ecdsa.SignASN1(rand.Reader, skey, tc.stdHd); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkVerifyVsStdlib(b *testing.B) {
	for _, tc := range stdCases() {
		b.Run(tc.name, func(b *testing.B) {
			key, _ := GenerateKey(tc.gost, nil)
			digest := make([]byte, tc.gost.Size())
			copy(digest, tc.stdHd)
			sig, _ := key.SignDigest(nil, digest, LayoutKazakh)
			pub := key.PublicKey()
			skey, _ := ecdsa.GenerateKey(tc.std, rand.Reader)
			ssig, _ := ecdsa.SignASN1(rand.Reader, skey, tc.stdHd)
			benchPair(b, func() {
				if err := pub.Verify(digest, sig, LayoutKazakh); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if !ecdsa.VerifyASN1(&skey.PublicKey, tc.stdHd, ssig) {
					b.Fatal("ecdsa verify failed")
				}
			})
		})
	}
}

func BenchmarkGenerateKey(b *testing.B) {
	for _, c := range []*Curve{CurveCryptoProA(), Curve512A()} {
		b.Run(c.Name(), func(b *testing.B) {
			GenerateKey(c, nil)
			for i := 0; i < b.N; i++ {
				if _, err := GenerateKey(c, rand.Reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchHash(b *testing.B, name string) {
	h, _ := NewHashByName(name)
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		h.Write(buf)
	}
	h.Sum(nil)
}

func BenchmarkStreebog512(b *testing.B) { benchHash(b, "streebog512") }
func BenchmarkStreebog256(b *testing.B) { benchHash(b, "streebog256") }
func BenchmarkGOST34311(b *testing.B)   { benchHash(b, "gost34311") }
