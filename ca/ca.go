// Package ca is the signer of the authority and the only holder of CA private keys.
// It keeps a root CA and an issuing CA (created on first use), signs to-be-signed
// certificates built by package profile after linting them (zlint, Boulder's
// lint-before-sign habit), and signs CRLs. It never decides policy: it signs what the
// registration workflow (package ra) approved.
//
// Keys sit behind a KeyStore (FileKeyStore: PKCS#8 PEM files of mode 0600). Key
// material never appears in logs or errors. Time and randomness come from Options.
package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// CA names (URL- and file-safe).
const (
	RootRSA    = "root-rsa"
	IssuingRSA = "nca-rsa"
)

// Common names of the CAs; O is Options.Org.
const (
	RootRSACommonName    = "NCA Root (RSA)"
	IssuingRSACommonName = "NCA (RSA)"
)

// Options configure an Authority.
type Options struct {
	// Dir holds the CA files: per CA "<name>.cer" (DER) and, with the default key
	// store, "<name>.key" (PKCS#8 PEM, mode 0600). It is created with mode 0700.
	Dir string
	// Keys is the key store; nil means FileKeyStore{Dir: Dir}.
	Keys KeyStore
	// Org is the CA organisation (O=), required.
	Org string
	// BaseURL is the public base URL (http or https), required. Certificates point to
	// BaseURL+"/crl/<name>.crl", BaseURL+"/ca/<name>.cer", BaseURL+"/ocsp/<name>" and
	// the CPS BaseURL+"/repository/cps".
	BaseURL string
	// Rand is the source of serial numbers and signatures; nil = crypto/rand.Reader.
	Rand io.Reader
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Logger receives issuance and start-up events; nil = discard. Key material is
	// never logged.
	Logger *slog.Logger
	// RSABits is the size of new CA keys; 0 = 4096. Tests use 2048.
	RSABits int
	// KeySpec, when its Algorithm is set, is the kind of new CA keys (e.g. ECDSA P-384)
	// instead of RSA of RSABits.
	KeySpec KeySpec
	// NoNewKeys makes Open fail instead of generating a missing CA key: keys in an
	// HSM or a key store chosen by an operator are made by the key ceremony only.
	NoNewKeys bool
}

// Issuer is one CA of the authority. It is shared: callers must not modify it.
type Issuer struct {
	Name string
	Cert *x509.Certificate
	// Chain holds Cert first, then its parents up to the root.
	Chain []*x509.Certificate
	Root  bool
	// Endpoints is what the certificates this CA issues point to: its CRL, its
	// certificate, its OCSP responder and the CPS.
	Endpoints profile.Endpoints
}

// Authority holds the CAs and their keys. It is safe for concurrent use.
type Authority struct {
	opts    Options
	issuers []*issuer // stable order: root first
	lint    *linter
}

// issuer is an Issuer with its signer.
type issuer struct {
	Issuer
	signer crypto.Signer
}

// Open loads the CAs from opts.Dir, creating on first use two hierarchies, each a root
// CA (self-signed) and an issuing CA (signed by its root): RSA (root-rsa, nca-rsa; new
// RSA keys of opts.RSABits) and GOST (root-gost, nca-gost; new GOST 34.10-2015
// 512-bit keys, certificates signed with Streebog-512 under the Kazakh OIDs, see
// gost.go).
// created lists the names of the CAs created by this call, in creation order (empty
// when all existed). Loading checks that each key matches its certificate, that each
// certificate is a CA and that the issuing CA's certificate is signed by the root.
// Errors are *core.Error of kind KindInvalid for bad options, else plain errors with
// context; none carries key material.
func Open(opts Options) (a *Authority, created []string, err error) {
	if err := opts.defaults(); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("ca: open: %w", err)
	}
	if fi, err := os.Stat(opts.Dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		opts.Logger.Warn("CA directory is accessible by group or others", "dir", opts.Dir, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	l, err := newLinter()
	if err != nil {
		return nil, nil, err
	}
	a = &Authority{opts: opts, lint: l}

	for _, pair := range a.hierarchies() {
		root, made, err := a.openCA(pair[0], nil)
		if err != nil {
			return nil, nil, err
		}
		if made {
			created = append(created, pair[0].name)
		}
		sub, made, err := a.openCA(pair[1], root)
		if err != nil {
			return nil, nil, err
		}
		if made {
			created = append(created, pair[1].name)
		}
		a.issuers = append(a.issuers, root, sub)
	}
	for _, is := range a.issuers {
		opts.Logger.Info("CA ready", "ca", is.Name, "subject", profile.DN(is.Cert.RawSubject),
			"serial", is.Cert.SerialNumber.Text(16), "not_after", is.Cert.NotAfter)
	}
	return a, created, nil
}

func (o *Options) defaults() error {
	if o.Dir == "" {
		return core.Errorf(core.KindInvalid, "ca: options: Dir is required")
	}
	if strings.TrimSpace(o.Org) == "" {
		return core.Errorf(core.KindInvalid, "ca: options: Org is required")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return core.Errorf(core.KindInvalid, "ca: options: BaseURL %q must be an absolute http(s) URL", o.BaseURL)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Keys == nil {
		o.Keys = FileKeyStore{Dir: o.Dir}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RSABits == 0 {
		o.RSABits = 4096
	}
	if o.RSABits < 2048 {
		return core.Errorf(core.KindInvalid, "ca: options: RSABits %d is below 2048", o.RSABits)
	}
	return nil
}

// endpoints returns what certificates issued by CA name point to.
func (a *Authority) endpoints(name string) profile.Endpoints {
	b := a.opts.BaseURL
	return profile.Endpoints{
		CRL:       []string{b + "/crl/" + name + ".crl"},
		DeltaCRL:  []string{b + "/crl/" + name + "-delta.crl"},
		OCSP:      []string{b + "/ocsp/" + name},
		CAIssuers: []string{b + "/ca/" + name + ".cer"},
		CPS:       b + "/repository/cps",
	}
}

// caSpec describes one CA of a hierarchy: its name, common name and key algorithm.
type caSpec struct {
	name, commonName string
	// algorithm names the key algorithm in logs; gen makes a new key in software.
	algorithm string
	gen       func() (crypto.Signer, error)
	// key, when set, lets a key store that generates its own keys (an HSM) make the
	// key instead of gen; GOST CAs leave it unset (no HSM speaks GOST).
	key KeySpec
}

// hierarchies returns the root and issuing CA of each hierarchy, RSA first.
func (a *Authority) hierarchies() [][2]caSpec {
	// The RSA hierarchy's keys are RSA of RSABits unless Options.KeySpec says
	// otherwise (e.g. ECDSA P-384 in an HSM).
	key := a.opts.keySpec()
	genKey := func() (crypto.Signer, error) { return key.generate(a.opts.Rand) }
	alg := strings.ToUpper(key.String())
	return [][2]caSpec{
		{{RootRSA, RootRSACommonName, alg, genKey, key}, {IssuingRSA, IssuingRSACommonName, alg, genKey, key}},
		{{RootGOST, RootGOSTCommonName, gostCAAlgorithm, a.genGOST, KeySpec{}}, {IssuingGOST, IssuingGOSTCommonName, gostCAAlgorithm, a.genGOST, KeySpec{}}},
	}
}

// openCA loads CA spec.name or creates it (self-signed when parent is nil).
func (a *Authority) openCA(spec caSpec, parent *issuer) (*issuer, bool, error) {
	name := spec.name
	certPath := filepath.Join(a.opts.Dir, name+".cer")
	signer, err := a.opts.Keys.Load(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, statErr := os.Stat(certPath); statErr == nil {
			return nil, false, fmt.Errorf("ca: %s: certificate %s exists but its key does not", name, certPath)
		}
		if a.opts.NoNewKeys {
			return nil, false, fmt.Errorf("ca: %s: no key in the key store; CA keys are made by the key ceremony (nca init)", name)
		}
		signer, err = a.newKey(name, spec)
		if err != nil {
			return nil, false, err
		}
		a.opts.Logger.Info("CA key created", "ca", name, "algorithm", spec.algorithm)
	case err != nil:
		return nil, false, err
	}
	if err := a.lint.addKey(signer.Public()); err != nil {
		return nil, false, err
	}

	is := &issuer{Issuer: Issuer{Name: name, Root: parent == nil, Endpoints: a.endpoints(name)}, signer: signer}
	made := false
	der, err := os.ReadFile(certPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		der, err = a.createCACert(spec, signer, parent)
		if err != nil {
			return nil, false, err
		}
		if err := writeFileExcl(certPath, der, 0o644); err != nil {
			return nil, false, fmt.Errorf("ca: %s: write certificate: %w", name, err)
		}
		made = true
		a.opts.Logger.Info("CA certificate created", "ca", name, "file", certPath)
	case err != nil:
		return nil, false, fmt.Errorf("ca: %s: read certificate: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, false, fmt.Errorf("ca: %s: parse certificate %s: %w", name, certPath, err)
	}
	if err := checkCA(name, cert, signer, parent); err != nil {
		return nil, false, err
	}
	is.Cert = cert
	is.Chain = []*x509.Certificate{cert}
	if parent != nil {
		is.Chain = append(is.Chain, parent.Chain...)
	}
	return is, made, nil
}

// checkCA checks a loaded CA certificate against its key and its parent.
func checkCA(name string, cert *x509.Certificate, signer crypto.Signer, parent *issuer) error {
	certKey, err := pki.PublicKeyOf(cert)
	if err != nil {
		return fmt.Errorf("ca: %s: the certificate's public key: %w", name, err)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(certKey) {
		return fmt.Errorf("ca: %s: the key does not match the certificate's public key", name)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("ca: %s: the certificate is not a CA certificate", name)
	}
	signedBy := cert
	if parent != nil {
		signedBy = parent.Cert
	}
	if err := pki.CheckCertificateSignature(cert, signedBy); err != nil {
		return fmt.Errorf("ca: %s: the certificate is not signed by %s: %w", name, signedBy.Subject.CommonName, err)
	}
	return nil
}

// createCACert builds, lints and signs the certificate of CA name.
func (a *Authority) createCACert(spec caSpec, signer crypto.Signer, parent *issuer) ([]byte, error) {
	name := spec.name
	now := a.opts.Now()
	var tmpl *x509.Certificate
	var err error
	if parent == nil {
		tmpl, err = profile.RootCA(spec.commonName, a.opts.Org, signer.Public(), now)
	} else {
		tmpl, err = profile.IssuingCA(spec.commonName, a.opts.Org, signer.Public(), now, parent.Endpoints)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: %s: certificate template: %w", name, err)
	}
	if tmpl.SerialNumber, err = a.serial(); err != nil {
		return nil, err
	}
	parentCert, parentSigner := tmpl, signer
	var lintParent *x509.Certificate
	if parent != nil {
		if tmpl.NotAfter.After(parent.Cert.NotAfter) {
			tmpl.NotAfter = parent.Cert.NotAfter
		}
		tmpl.AuthorityKeyId = parent.Cert.SubjectKeyId
		parentCert, parentSigner, lintParent = parent.Cert, parent.signer, parent.Cert
	}
	if err := a.lint.check(a.opts.Rand, tmpl, lintParent, signer.Public(), parentSigner.Public()); err != nil {
		return nil, fmt.Errorf("ca: %s: %w", name, err)
	}
	ps, err := pki.NewSigner(parentSigner, a.opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("ca: %s: %w", name, err)
	}
	if parent == nil {
		parentCert = nil // self-signed
	}
	der, err := pki.CreateCertificate(a.opts.Rand, tmpl, parentCert, signer.Public(), ps)
	if err != nil {
		return nil, fmt.Errorf("ca: %s: sign certificate: %w", name, err)
	}
	return der, nil
}

// Issuer returns the CA with the given name, or a KindNotFound *core.Error.
func (a *Authority) Issuer(name string) (*Issuer, error) {
	is, err := a.issuer(name)
	if err != nil {
		return nil, err
	}
	return &is.Issuer, nil
}

func (a *Authority) issuer(name string) (*issuer, error) {
	for _, is := range a.issuers {
		if is.Name == name {
			return is, nil
		}
	}
	return nil, core.Errorf(core.KindNotFound, "unknown CA %q", name)
}

// Issuers returns all CAs, roots included, in a stable order (root first).
func (a *Authority) Issuers() []*Issuer {
	out := make([]*Issuer, len(a.issuers))
	for i, is := range a.issuers {
		out[i] = &is.Issuer
	}
	return out
}

// serialBytes is the length of serial numbers (CA/B BR and PROFILE.md: 20 bytes).
const serialBytes = 20

// serial returns a new serial number: 20 bytes from Rand with the top bit cleared
// (positive) and the next bit set (never zero, always exactly 20 octets in DER), so
// 158 random bits.
func (a *Authority) serial() (*big.Int, error) {
	b := make([]byte, serialBytes)
	if _, err := io.ReadFull(a.opts.Rand, b); err != nil {
		return nil, fmt.Errorf("ca: serial number: %w", err)
	}
	b[0] = b[0]&0x7f | 0x40
	return new(big.Int).SetBytes(b), nil
}

// NewSerial draws a serial number for a certificate to be issued (see serial). A
// caller that must record the serial before the certificate is signed (ra's
// issuance claims) draws it here and passes it in the template to Issue.
func (a *Authority) NewSerial() (*big.Int, error) { return a.serial() }

// Issue signs tmpl (a template from package profile; tmpl.PublicKey is the subject's
// key) with the CA named issuer and returns the certificate: Prepare, then Sign.
// Errors: those of Prepare and Sign.
func (a *Authority) Issue(ctx context.Context, issuerName string, tmpl *x509.Certificate) (*x509.Certificate, error) {
	ps, err := a.Prepare(ctx, ToSign{Issuer: issuerName, Template: tmpl})
	if err != nil {
		return nil, err
	}
	return a.Sign(ctx, ps[0])
}

// ToSign names a certificate to prepare: the issuing CA and the template (from
// package profile; Template.PublicKey is the subject's key).
type ToSign struct {
	Issuer   string
	Template *x509.Certificate
}

// Prepare checks the templates of certs and starts encoding and linting their
// certificates in the background, in order, on one goroutine (see Prepared); Sign
// signs each. It works on copies of the templates: keeps a SerialNumber drawn by
// NewSerial or, when it is nil, draws one (a serial of another shape is refused),
// fills AuthorityKeyId (the issuer's SKI), and refuses root issuers, CA templates and
// validity outside the issuer's. The CA keys are not used. Either every certificate
// is prepared or none is.
// Errors: KindNotFound for an unknown issuer; KindInternal for a template the
// authority must not sign; ctx's error when it is done.
func (a *Authority) Prepare(ctx context.Context, certs ...ToSign) ([]*Prepared, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]*Prepared, 0, len(certs))
	for _, c := range certs {
		p, err := a.checkTemplate(c.Issuer, c.Template)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	run(out)
	return out, nil
}

// checkTemplate checks tmpl for the CA named issuerName (see Prepare) and returns its
// certificate to prepare.
func (a *Authority) checkTemplate(issuerName string, tmpl *x509.Certificate) (*Prepared, error) {
	is, err := a.issuer(issuerName)
	if err != nil {
		return nil, err
	}
	if is.Root {
		return nil, core.Errorf(core.KindInternal, "issue: CA %s is a root; end-entity certificates come from an issuing CA", is.Name)
	}
	if tmpl == nil || tmpl.PublicKey == nil {
		return nil, core.Errorf(core.KindInternal, "issue: template without a public key")
	}
	if tmpl.IsCA || tmpl.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return nil, core.Errorf(core.KindInternal, "issue: refusing to sign a CA template through Issue")
	}
	if tmpl.NotBefore.Before(is.Cert.NotBefore) || tmpl.NotAfter.After(is.Cert.NotAfter) || !tmpl.NotAfter.After(tmpl.NotBefore) {
		return nil, core.Errorf(core.KindInternal, "issue: validity %s – %s is not within CA %s's %s – %s",
			tmpl.NotBefore.UTC().Format(time.RFC3339), tmpl.NotAfter.UTC().Format(time.RFC3339), is.Name,
			is.Cert.NotBefore.UTC().Format(time.RFC3339), is.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	t := *tmpl
	switch {
	case t.SerialNumber == nil:
		if t.SerialNumber, err = a.serial(); err != nil {
			return nil, err
		}
	case t.SerialNumber.Sign() <= 0 || t.SerialNumber.BitLen() != 8*serialBytes-1:
		return nil, core.Errorf(core.KindInternal, "issue: serial %s was not drawn by NewSerial", t.SerialNumber.Text(16))
	}
	t.AuthorityKeyId = is.Cert.SubjectKeyId
	return a.newPrepared(&t, is)
}

// Sign signs a certificate prepared by this authority's Prepare with the issuer's key
// and returns it, only if its lint passed (see Prepared). A Prepared is signed at
// most once.
// Errors: KindInternal for a certificate the lint refused (the Detail names the
// failed lints), a failed signature or a second Sign; ctx's error when it is done.
func (a *Authority) Sign(ctx context.Context, p *Prepared) (*x509.Certificate, error) {
	if p == nil || p.a != a {
		return nil, core.Errorf(core.KindInternal, "issue: the certificate was not prepared by this authority")
	}
	der, err := p.sign(ctx)
	if err != nil {
		return nil, err
	}
	cert, err := p.parsedWith(der)
	if err != nil {
		return nil, core.Wrap(core.KindInternal, err, "issue: cannot parse the signed certificate")
	}
	is := p.is
	a.opts.Logger.Info("certificate issued", "ca", is.Name, "serial", cert.SerialNumber.Text(16),
		"subject", profile.DN(cert.RawSubject), "not_before", cert.NotBefore, "not_after", cert.NotAfter,
		"dns_names", cert.DNSNames)
	return cert, nil
}
