package webkeys

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
)

// Signing key algorithms (the --alg values of eds keygen and the alg of the portal).
const (
	// AlgGOST2015 is GOST 34.10-2015 512-bit (tc26-512-paramSetA), the national
	// default for legal entities.
	AlgGOST2015 = "gost2015"
	// AlgGOST2004 is GOST 34.310-2004 (CryptoPro-A).
	AlgGOST2004 = "gost2004"
	AlgRSA2048  = "rsa2048"
	AlgRSA3072  = "rsa3072"
	AlgRSA4096  = "rsa4096"
)

// Errors a user meets; the messages are sentences for them.
var (
	ErrUnknownAlgorithm = errors.New("unknown key algorithm: choose gost2015, gost2004 or rsa2048")
	ErrWrongPassword    = errors.New("the password does not open this key file")
	ErrNotKeyFile       = errors.New("this is not a key file (PKCS#12, .p12)")
	ErrNoKey            = errors.New("this key file holds no private key")
	ErrNoCertificate    = errors.New("this key file has no certificate yet: install the issued certificates first")
	ErrNoMatch          = errors.New("none of the certificates belongs to the key in this file")
	ErrRevoked          = errors.New("the certificate of the key in this file is revoked")
	ErrEmptyPassword    = errors.New("a key file needs a password")
	ErrApplicant        = errors.New("the applicant's IIN, surname and name are required")
	ErrWrongCertificate = errors.New("this key file holds a different certificate")
	ErrNeedAuthFile     = errors.New("this is a signing key file: sign in with the authentication key file (AUTH_RSA256_….p12)")
	ErrNeedSignFile     = errors.New("this is an authentication key file: sign with the signing key file (RSA256_….p12 or GOSTKNCA_….p12)")
)

// codes are the stable names of the user errors, for user interfaces that say them
// in the user's language (the portal's i18n keys crypto.<code>).
var codes = []struct {
	err  error
	code string
}{
	{ErrUnknownAlgorithm, "unknown_algorithm"},
	{ErrWrongPassword, "wrong_password"},
	{ErrNotKeyFile, "not_key_file"},
	{ErrNoKey, "no_key"},
	{ErrNoCertificate, "no_certificate"},
	{ErrNoMatch, "no_matching_certificate"},
	{ErrRevoked, "certificate_revoked"},
	{ErrEmptyPassword, "empty_password"},
	{ErrApplicant, "applicant_missing"},
	{ErrWrongCertificate, "wrong_certificate"},
	{ErrNeedAuthFile, "need_auth_file"},
	{ErrNeedSignFile, "need_sign_file"},
}

// Code returns the stable code of err when it is (or wraps) one of the user errors
// above, and "" otherwise. The codes never change; ErrorCodes lists them.
func Code(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}

// ErrorCodes returns every code Code can return.
func ErrorCodes() []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.code
	}
	return out
}

// Env is what the operations take from their surroundings.
type Env struct {
	// Rand is the source of randomness for keys, salts, nonces and signatures
	// (crypto/rand.Reader outside tests); required.
	Rand io.Reader
	// Now is the signing time of owner requests.
	Now time.Time
	// Iterations is the PBKDF2 and MAC iteration count of the files written; 0 means
	// keyfile.DefaultIterations. Tests use small values to run fast.
	Iterations int
}

func (e *Env) rand() (io.Reader, error) {
	if e == nil || e.Rand == nil {
		return nil, errors.New("webkeys: no source of randomness")
	}
	return e.Rand, nil
}

// gostCurve maps an algorithm to the curve of a GOST signing key.
func gostCurve(alg string) (*gost.Curve, bool) {
	switch alg {
	case AlgGOST2015:
		return gost.Curve512A(), true
	case AlgGOST2004:
		return gost.CurveCryptoProA(), true
	}
	return nil, false
}

// RSABits maps an RSA algorithm to its modulus size.
func RSABits(alg string) (int, bool) {
	switch alg {
	case AlgRSA2048:
		return 2048, true
	case AlgRSA3072:
		return 3072, true
	case AlgRSA4096:
		return 4096, true
	}
	return 0, false
}

// KnownAlgorithm reports whether alg names a signing key algorithm.
func KnownAlgorithm(alg string) bool {
	_, r := RSABits(alg)
	_, g := gostCurve(alg)
	return r || g
}

// KeyPair is a new signing and authentication key pair. The authentication key is
// RSA: of the same size as an RSA signing key, RSA-2048 beside a GOST one.
type KeyPair struct {
	ID   string
	GOST bool
	Sign crypto.Signer
	Auth crypto.Signer
}

// GenerateKeyPair makes the keys of a pair with signing algorithm alg.
func GenerateKeyPair(random io.Reader, alg string) (*KeyPair, error) {
	bits, isRSA := RSABits(alg)
	curve, isGOST := gostCurve(alg)
	if !isRSA && !isGOST {
		return nil, ErrUnknownAlgorithm
	}
	if isGOST {
		bits = 2048 // the RSA authentication key beside a GOST signing key
	}
	p := &KeyPair{GOST: isGOST}
	var err error
	if isGOST {
		p.Sign, err = gost.GenerateKey(curve, random)
	} else {
		p.Sign, err = rsa.GenerateKey(random, bits)
	}
	if err != nil {
		return nil, fmt.Errorf("generating the signing key: %w", err)
	}
	if p.Auth, err = rsa.GenerateKey(random, bits); err != nil {
		return nil, fmt.Errorf("generating the authentication key: %w", err)
	}
	if p.ID, err = KeyID(p.Sign.Public()); err != nil {
		return nil, err
	}
	return p, nil
}

// File is a key file: its national name, the certificate type its key is for, and the
// PKCS#12 bytes.
type File struct {
	Name string
	Type core.CertType
	Data []byte
}

// Files encodes the pair's keys, without certificates, into its two files (SIGN
// first), both under password.
func (e *Env) Files(p *KeyPair, password string) ([]File, error) {
	random, err := e.rand()
	if err != nil {
		return nil, err
	}
	signName, authName := FileNames(p.ID, p.GOST)
	opts := &keyfile.Options{Iterations: e.Iterations}
	files := []File{{Name: signName, Type: core.CertSign}, {Name: authName, Type: core.CertAuth}}
	for i, key := range []crypto.Signer{p.Sign, p.Auth} {
		if files[i].Data, err = opts.Encode(random, key, nil, password); err != nil {
			return nil, fmt.Errorf("encoding the %s key file: %w", files[i].Type, err)
		}
	}
	return files, nil
}

// Requests makes the pair's PKCS#10 requests (SIGN, then AUTH) with the subject of
// template (Subject or RawSubject), each signed by its key: the proof of possession
// the server checks.
func (p *KeyPair) Requests(random io.Reader, template *x509.CertificateRequest) ([]wire.KeyRequest, error) {
	var reqs []wire.KeyRequest
	for _, k := range []struct {
		typ core.CertType
		key crypto.Signer
	}{{core.CertSign, p.Sign}, {core.CertAuth, p.Auth}} {
		der, err := MakeCSR(random, k.key, template)
		if err != nil {
			return nil, fmt.Errorf("making the %s certificate request: %w", k.typ, err)
		}
		reqs = append(reqs, wire.KeyRequest{Type: k.typ, CSR: der})
	}
	return reqs, nil
}

// Subject attribute types of the request (the server builds the real subject).
var (
	oidSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSerial     = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCountry    = asn1.ObjectIdentifier{2, 5, 4, 6}
)

// CSRSubject is the subject of the requests: CN=SURNAME NAME, SURNAME,
// SERIALNUMBER=IIN…, C=KZ, G=patronymic, in the national order.
func CSRSubject(ap core.Applicant) pkix.Name {
	names := []pkix.AttributeTypeAndValue{
		{Type: oidCommonName, Value: strings.ToUpper(ap.Surname + " " + ap.Name)},
		{Type: oidSurname, Value: strings.ToUpper(ap.Surname)},
		{Type: oidSerial, Value: "IIN" + ap.IIN},
		{Type: oidCountry, Value: "KZ"},
	}
	if ap.Patronymic != "" {
		names = append(names, pkix.AttributeTypeAndValue{Type: oidGivenName, Value: strings.ToUpper(ap.Patronymic)})
	}
	return pkix.Name{ExtraNames: names}
}

// MakeCSR makes a PKCS#10 request signed by key (pki.CreateCertificateRequest:
// SHA256withRSA for RSA keys, the national GOST algorithm for GOST keys).
func MakeCSR(random io.Reader, key crypto.Signer, template *x509.CertificateRequest) ([]byte, error) {
	s, err := pki.NewSigner(key, random)
	if err != nil {
		return nil, err
	}
	return pki.CreateCertificateRequest(random, template, s)
}

// Generated is a new key pair as the subscriber keeps it and as the server gets it.
type Generated struct {
	ID string
	// Files are the SIGN and AUTH key files, without certificates.
	Files []File
	// Requests are the PKCS#10 requests for SubmitRequest.Requests.
	Requests []wire.KeyRequest
}

// Generate makes a key pair with signing algorithm alg (AlgGOST2015, AlgGOST2004 or an
// RSA size), its two key files under password and its requests for applicant ap, as
// eds keygen and eds apply make them.
func (e *Env) Generate(alg, password string, ap core.Applicant) (*Generated, error) {
	random, err := e.rand()
	if err != nil {
		return nil, err
	}
	if !KnownAlgorithm(alg) {
		return nil, ErrUnknownAlgorithm
	}
	if password == "" {
		return nil, ErrEmptyPassword
	}
	if ap.IIN == "" || ap.Surname == "" || ap.Name == "" {
		return nil, ErrApplicant
	}
	p, err := GenerateKeyPair(random, alg)
	if err != nil {
		return nil, err
	}
	files, err := e.Files(p, password)
	if err != nil {
		return nil, err
	}
	reqs, err := p.Requests(random, &x509.CertificateRequest{Subject: CSRSubject(ap)})
	if err != nil {
		return nil, err
	}
	return &Generated{ID: p.ID, Files: files, Requests: reqs}, nil
}
