package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
)

// Lint selection (Boulder's lint-before-sign habit). Every to-be-signed certificate
// is first signed with a throwaway key under a mirror of its issuer and run through
// zlint; any Error or Fatal result that is not waived below refuses the issuance.
//
// Sources never run, for any certificate:
//   - CABF_SMIME_BR: the S/MIME Baseline Requirements govern publicly-trusted S/MIME
//     certificates; national SIGN certificates carry emailProtection only because the
//     national profile marks signing keys with it, and carry none of the S/MIME BR
//     policy OIDs the lints key on.
//   - CABF_CS_BR: no code-signing certificates are issued.
//   - CABF_EV: no EV certificates are issued.
//   - ETSI_ESI: the authority does not issue EU qualified certificates (no QC
//     statements).
//
// Sources run only for TLS server certificates (EKU serverAuth) and CA certificates:
// CABF_BR, Mozilla, Apple, Chrome. They govern publicly-trusted TLS; for the national
// SIGN/AUTH/staff certificates (not TLS, not in browser root programs) they do not
// apply. For TLS and CA certificates they are run as good hygiene, with the waivers
// below where they contradict the national profile.
//
// Everything else runs: RFC 5280, RFC 3279, RFC 5480, RFC 5891, RFC 6960, RFC 6962,
// RFC 8813 and the community lints.
var (
	excludedSources = lint.SourceList{lint.CABFSMIMEBaselineRequirements, lint.CABFCSBaselineRequirements,
		lint.CABFEVGuidelines, lint.EtsiEsi}
	tlsOnlySources = lint.SourceList{lint.CABFBaselineRequirements, lint.MozillaRootStorePolicy,
		lint.AppleRootStorePolicy, lint.ChromeRootStorePolicy}
	// excludedLints never run. e_cert_issued_by_compromised_emudhra_ca verifies
	// every certificate's signature against the key of one compromised foreign CA
	// (P-384): 4–5 ms per ECDSA-signed certificate, and meaningless here, where the
	// signature is made by our own CA key (checked against its certificate at Open).
	//
	// e_rsa_fermat_factorization is not run by zlint but by linter.lintDER with the
	// same test, rounds and verdict at a hundredth of the cost (lint_fermat.go).
	excludedLints = []string{"e_cert_issued_by_compromised_emudhra_ca", fermatLint}
)

// waiver turns one lint's Error/Fatal result into a pass for the certificates it
// applies to. Each names its reason.
type waiver struct {
	lint    string
	applies func(c *zx509.Certificate) bool
	reason  string
}

// waivers is the read-only table of lint results the national profile overrides.
var waivers = []waiver{
	{
		lint:    "e_key_usage_and_extended_key_usage_inconsistent",
		applies: isClientAuth,
		reason: "national AUTH (and staff) profile: keyUsage digitalSignature+keyEncipherment with EKU " +
			"clientAuth (PROFILE.md: relying parties classify AUTH by KU bits 0 and 2); RFC 5280 §4.2.1.12 " +
			"lists the bits that 'may be consistent' in an informative comment, not as a requirement",
	},
	{
		lint:    "e_invalid_subject_rdn_order",
		applies: isServerAuth,
		reason:  "national subject order CN, SURNAME, SERIALNUMBER, C, [L, S], [O, OU], … (PROFILE.md) instead of CA/B BR §7.1.4.2's",
	},
	{
		lint:    "e_organizational_unit_name_prohibited",
		applies: isServerAuth,
		reason:  "national relying parties read the organisation's BIN from OU=BIN… (PROFILE.md)",
	},
	{
		lint:    "e_server_cert_valid_time_longer_than_200_days",
		applies: isServerAuth,
		reason: "SPEC §2: all certificates are valid 1 year; the national CA is not in browser root " +
			"programs, so CA/B ballot SC-081's 200-day limit does not bind it (revisit if it ever is)",
	},
	{
		lint:    "e_invalid_ca_certificate_policies",
		applies: func(c *zx509.Certificate) bool { return c.IsCA },
		reason:  "national CA policy OIDs (1.2.398.3.3.2…) instead of CA/B reserved OIDs: not a publicly-trusted TLS CA",
	},
}

func hasEKU(c *zx509.Certificate, u zx509.ExtKeyUsage) bool { return slices.Contains(c.ExtKeyUsage, u) }

func isServerAuth(c *zx509.Certificate) bool { return hasEKU(c, zx509.ExtKeyUsageServerAuth) }

func isClientAuth(c *zx509.Certificate) bool {
	return hasEKU(c, zx509.ExtKeyUsageClientAuth) && !isServerAuth(c)
}

// Waivers returns the lint names the authority waives, each with its reason, for
// documentation and operator reports.
func Waivers() map[string]string {
	m := make(map[string]string, len(waivers))
	for _, w := range waivers {
		m[w.lint] = w.reason
	}
	return m
}

// linter holds the zlint registries and the throwaway keys of one Authority.
type linter struct {
	all, nonTLS lint.Registry
	keys        map[string]crypto.Signer // throwaway lint keys by keyClass
	// mirrors are cheaper throwaway keys for the mirror issuer of certificates that
	// are not self-signed (RSA 1024: its signature is never read, only the
	// algorithm identifier, which is the same); self-signed lints use keys, whose
	// public key is in the linted certificate and must pass the key-size lints.
	mirrors map[string]crypto.Signer
}

func newLinter() (*linter, error) {
	all, err := lint.GlobalRegistry().Filter(lint.FilterOptions{ExcludeSources: excludedSources, ExcludeNames: excludedLints})
	if err != nil {
		return nil, fmt.Errorf("ca: lint registry: %w", err)
	}
	nonTLS, err := lint.GlobalRegistry().Filter(lint.FilterOptions{
		ExcludeSources: slices.Concat(excludedSources, tlsOnlySources), ExcludeNames: excludedLints})
	if err != nil {
		return nil, fmt.Errorf("ca: lint registry: %w", err)
	}
	return &linter{all: namedOnce(all), nonTLS: namedOnce(nonTLS), keys: map[string]crypto.Signer{}, mirrors: map[string]crypto.Signer{}}, nil
}

// sortedNames is a lint registry whose Names are listed and sorted once: zlint asks
// a registry for them on every certificate it lints (to size its result map) and
// the registry lists and sorts its few hundred names anew each time, about a tenth
// of a certificate's lint. A filtered registry never changes, so neither do its
// names. The slice is shared: callers must not modify it (zlint reads its length).
type sortedNames struct {
	lint.Registry
	names []string
}

func namedOnce(r lint.Registry) lint.Registry { return sortedNames{Registry: r, names: r.Names()} }

func (r sortedNames) Names() []string { return r.names }

// addKey makes sure a throwaway key of the same algorithm as an issuer's key exists.
// The throwaway keys come from crypto/rand: they sign nothing that leaves the process.
func (l *linter) addKey(pub crypto.PublicKey) error {
	var gen func() (crypto.Signer, error)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		gen = func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }
	case *ecdsa.PublicKey:
		gen = func() (crypto.Signer, error) { return ecdsa.GenerateKey(k.Curve, rand.Reader) }
	case *gost.PublicKey:
		// zlint knows no GOST: see gostLintStandIn.
		gen = func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }
	default:
		return fmt.Errorf("ca: lint: no throwaway key for %T issuers", pub)
	}
	alg := keyClass(pub)
	if _, ok := l.keys[alg]; ok {
		return nil
	}
	k, err := gen()
	if err != nil {
		return fmt.Errorf("ca: lint: throwaway key: %w", err)
	}
	l.keys[alg] = k
	if _, ok := pub.(*rsa.PublicKey); ok {
		m, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			return fmt.Errorf("ca: lint: throwaway key: %w", err)
		}
		l.mirrors[alg] = m
	}
	return nil
}

// check signs tmpl (subject key pub) with the throwaway key under a mirror of parent
// (same subject and key identifier, throwaway key) and lints the result. A
// self-signed tmpl (parent == nil) is linted as a self-signed certificate of the
// throwaway key. It returns a KindInternal *core.Error naming the failed lints.
func (l *linter) check(rnd io.Reader, tmpl, parent *x509.Certificate, pub, parentPub crypto.PublicKey) error {
	key, ok := l.keys[keyClass(parentPub)]
	if !ok {
		return core.Errorf(core.KindInternal, "lint: no throwaway key for the issuer's algorithm")
	}
	t := *tmpl
	if _, isGOST := pub.(*gost.PublicKey); isGOST {
		pub = l.keys[gostLintStandIn].Public()
		t.PublicKey = pub
	}
	var mirror *x509.Certificate
	if parent == nil { // self-signed: the mirror is the certificate itself
		pub = key.Public()
		t.PublicKey = pub
		mirror = &t
	} else {
		if m, ok := l.mirrors[keyClass(parentPub)]; ok {
			key = m
		}
		mirror = &x509.Certificate{
			RawSubject:   parent.RawSubject,
			SubjectKeyId: parent.SubjectKeyId,
			PublicKey:    key.Public(),
		}
	}
	der, err := x509.CreateCertificate(rnd, &t, mirror, pub, key)
	if err != nil {
		return core.Wrap(core.KindInternal, err, "lint: cannot encode the certificate")
	}
	return l.lintDER(der)
}

// checkTBS lints tbs, the TBSCertificate the CA key is about to sign, itself: it is
// wrapped as a certificate with its signature algorithm algID and a signature value of
// sigLen zero bytes. zlint reads no signature value (the one lint that verified
// signatures is excluded above), so every lint judges exactly the bytes that get
// signed: the real issuer name and key identifier, the real subject key. Only RSA and
// ECDSA issuers and subject keys can be linted so (zcrypto knows no GOST); GOST
// certificates go through check. It returns the linted stand-in when the lint passed.
func (l *linter) checkTBS(tbs, algID []byte, sigLen int) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddBytes(algID)
		b.AddASN1BitString(make([]byte, sigLen))
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "lint: cannot wrap the TBSCertificate")
	}
	if err := l.lintDER(der); err != nil {
		return nil, err
	}
	return der, nil
}

// lintDER runs the lints that apply to the DER certificate der (the TLS and CA
// sources only for TLS server and CA certificates) and returns a KindInternal
// *core.Error naming the failed lints that are not waived.
func (l *linter) lintDER(der []byte) error {
	zc, err := zx509.ParseCertificate(der)
	if err != nil {
		return core.Wrap(core.KindInternal, err, "lint: cannot parse the certificate")
	}
	reg := l.nonTLS
	if zc.IsCA || isServerAuth(zc) {
		reg = l.all
	}
	var failed []string
	for name, r := range zlint.LintCertificateEx(zc, reg).Results {
		if r.Status != lint.Error && r.Status != lint.Fatal {
			continue
		}
		if waived(name, zc) {
			continue
		}
		msg := name
		if r.Details != "" {
			msg += " (" + r.Details + ")"
		}
		failed = append(failed, msg)
	}
	if k, ok := fermatApplies(zc); ok {
		if p, _ := fermatFactors(k.N, fermatRounds); p != nil {
			// The factors are the subscriber's private key: they are not told.
			failed = append(failed, fmt.Sprintf("%s (the RSA key's prime factors are close enough for Fermat's method to find them in %d rounds)", fermatLint, fermatRounds))
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return core.Errorf(core.KindInternal, "certificate refused by lint: %s", strings.Join(failed, "; "))
	}
	return nil
}

// gostLintStandIn is the key class that stands in for GOST keys when linting. zlint
// (zcrypto) knows neither the GOST key nor the GOST signature algorithms, so for a
// GOST issuer the mirror is signed with the throwaway RSA key, and a GOST subject key
// is replaced by the throwaway RSA public key: zlint then judges everything it can —
// names, validity, extensions, key usage, policies, the AKI/SKI links — and nothing
// about the GOST algorithms. Their encoding (OIDs, explicit NULL parameters, r_LE‖s_LE)
// is fixed by package pki and proved by its tests and by the independent gost-engine
// check.
const gostLintStandIn = "RSA"

func waived(name string, c *zx509.Certificate) bool {
	for _, w := range waivers {
		if w.lint == name && w.applies(c) {
			return true
		}
	}
	return false
}

// keyClass names the algorithm (and curve) of a key: the throwaway lint key of an
// issuer has the same class, so the mirror's signature algorithm is the real one's.
func keyClass(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA-" + k.Curve.Params().Name
	case *gost.PublicKey:
		return gostLintStandIn
	}
	return fmt.Sprintf("%T", pub)
}

// checkCRL lints a signed CRL with the RFC and community CRL lints. The CA/B BR CRL
// lints are not run: BR §7.2.2 forbids certificateHold, which the national CA uses
// (PROFILE.md), and the CRLs are not those of a publicly-trusted TLS CA.
func (l *linter) checkCRL(der []byte) error {
	crl, err := zx509.ParseRevocationList(der)
	if err != nil {
		return core.Wrap(core.KindInternal, err, "lint: cannot parse the CRL")
	}
	var failed []string
	for name, r := range zlint.LintRevocationListEx(crl, l.nonTLS).Results {
		if r.Status == lint.Error || r.Status == lint.Fatal {
			failed = append(failed, name+" ("+r.Details+")")
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return core.Errorf(core.KindInternal, "CRL refused by lint: %s", strings.Join(failed, "; "))
	}
	return nil
}
