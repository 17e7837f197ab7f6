package ca

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3/lint"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// closePrimes returns an RSA public key whose two 1024-bit primes differ by about
// 2^gapBits (the next prime above p + 2^gapBits + a random offset).
func closePrimes(t *testing.T, gapBits int) *rsa.PublicKey {
	t.Helper()
	p, err := rand.Prime(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	off, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(gapBits)))
	if err != nil {
		t.Fatal(err)
	}
	q := new(big.Int).Add(p, new(big.Int).Lsh(big.NewInt(1), uint(gapBits)))
	q.Add(q, off)
	q.SetBit(q, 0, 1)
	for !q.ProbablyPrime(20) {
		q.Add(q, big.NewInt(2))
	}
	return &rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}
}

// TestFermatLintAgreesWithZlint runs the authority's Fermat check and zlint's
// e_rsa_fermat_factorization on the same certificates, with moduli whose factors lie
// below, around and beyond the 100 rounds' reach, and ordinary keys: the verdicts
// must be the same.
func TestFermatLintAgreesWithZlint(t *testing.T) {
	zl := lint.GlobalRegistry().CertificateLints().ByName(fermatLint)
	if zl == nil {
		t.Fatal("zlint has no " + fermatLint)
	}
	a := sharedAuthority(t)
	is, _ := a.issuer(IssuingRSA)
	rk, _ := subjectKeys(t)
	keys := []*rsa.PublicKey{&rk.PublicKey}
	for _, gap := range []int{8, 100, 400, 500, 512, 514, 515, 516, 517, 518, 520, 530} {
		keys = append(keys, closePrimes(t, gap))
	}
	caught := 0
	for i, k := range keys {
		tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertAuth,
			Applicant: profile.Sample(profile.Individual), PublicKey: k, Now: testNow, IdentifiedInPerson: true}, is.Endpoints)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = big.NewInt(int64(1000 + i))
		der, err := createLintCert(tmpl, is)
		if err != nil {
			t.Fatal(err)
		}
		zc, err := zx509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		want := zl.Execute(zc, lint.NewEmptyConfig()).Status == lint.Error
		p, q := fermatFactors(k.N, fermatRounds)
		if got := p != nil; got != want {
			t.Errorf("key %d: ours says factored=%v, zlint's %v", i, got, want)
		}
		if p != nil {
			caught++
			if new(big.Int).Mul(p, q).Cmp(k.N) != 0 {
				t.Errorf("key %d: wrong factors", i)
			}
		}
	}
	if caught == 0 || caught == len(keys) {
		t.Errorf("%d of %d keys factored: the test keys do not straddle the rounds' reach", caught, len(keys))
	}
}

// TestIssueRefusesFermatKey proves that the Fermat check still refuses, through Issue
// (lint before sign), a certificate for a key whose primes are close.
func TestIssueRefusesFermatKey(t *testing.T) {
	a := sharedAuthority(t)
	sub, _ := a.Issuer(IssuingRSA)
	tmpl, err := profile.EndEntity(profile.Request{Template: profile.Individual, Type: core.CertSign,
		Applicant: profile.Sample(profile.Individual), PublicKey: closePrimes(t, 100), Now: testNow, IdentifiedInPerson: true}, sub.Endpoints)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Issue(context.Background(), IssuingRSA, tmpl)
	if core.KindOf(err) != core.KindInternal || !strings.Contains(err.Error(), fermatLint) {
		t.Fatalf("Issue = %v; want a refusal by %s", err, fermatLint)
	}
}

// createLintCert signs tmpl as is's key would (the Fermat lint reads only the key).
func createLintCert(tmpl *x509.Certificate, is *issuer) ([]byte, error) {
	ps, err := pki.NewSigner(is.signer, rand.Reader)
	if err != nil {
		return nil, err
	}
	tbs, err := pki.TBSCertificate(rand.Reader, tmpl, is.Cert, tmpl.PublicKey, ps)
	if err != nil {
		return nil, err
	}
	return pki.SignCertificate(tbs, ps)
}
