package webkeys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// Decode opens a key file, telling a wrong password (ErrWrongPassword) from a file
// that is no key file (ErrNotKeyFile).
func Decode(data []byte, password string) (*keyfile.Container, error) {
	c, err := keyfile.Decode(data, password)
	if errors.Is(err, keyfile.ErrWrongPassword) {
		return nil, ErrWrongPassword
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotKeyFile, err)
	}
	return c, nil
}

// KeyDescription names a key's algorithm and, where it has one, its size.
type KeyDescription struct {
	Algorithm string `json:"algorithm"`
	Bits      int    `json:"bits,omitempty"`
}

// String is "<algorithm> <bits>", or the algorithm alone.
func (k KeyDescription) String() string {
	if k.Bits > 0 {
		return fmt.Sprintf("%s %d", k.Algorithm, k.Bits)
	}
	return k.Algorithm
}

// nationalKeyAlgorithm names the public key algorithm OIDs of the national profile
// that crypto/x509 does not parse.
func nationalKeyAlgorithm(oid string) string {
	switch oid {
	case "1.2.398.3.10.1.1.1.1":
		return "GOST 34.310-2004"
	case "1.2.398.3.10.1.1.2.2":
		return "GOST 34.10-2015 512-bit"
	case "1.2.398.3.10.1.1.2.1":
		return "GOST 34.10-2015 256-bit"
	}
	return ""
}

// DescribeKey names a public key's algorithm and size. spki, when given, names keys
// crypto/x509 cannot parse (GOST) by their algorithm OID.
func DescribeKey(pub crypto.PublicKey, spki []byte) KeyDescription {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return KeyDescription{Algorithm: "RSA", Bits: k.N.BitLen()}
	case *ecdsa.PublicKey:
		return KeyDescription{Algorithm: "ECDSA " + k.Curve.Params().Name, Bits: k.Curve.Params().BitSize}
	case ed25519.PublicKey:
		return KeyDescription{Algorithm: "Ed25519", Bits: 256}
	case *gost.PublicKey:
		return describeGOSTKey(k, nil)
	}
	if spki != nil {
		if pub, err := pki.ParsePublicKey(spki); err == nil {
			if k, ok := pub.(*gost.PublicKey); ok {
				return describeGOSTKey(k, spki)
			}
		}
		if oid, ok := spkiAlgorithm(spki); ok {
			if name := nationalKeyAlgorithm(oid.String()); name != "" {
				return KeyDescription{Algorithm: name}
			}
			return KeyDescription{Algorithm: oid.String()}
		}
	}
	return KeyDescription{Algorithm: fmt.Sprintf("%T", pub)}
}

func spkiAlgorithm(spki []byte) (asn1.ObjectIdentifier, bool) {
	s := cryptobyte.String(spki)
	var seq, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	ok := s.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1(&alg, cbasn1.SEQUENCE) && alg.ReadASN1ObjectIdentifier(&oid)
	return oid, ok
}

// describeGOSTKey names a GOST key by its national name, its curve and, when spki is
// given, the key algorithm OID it was written under.
func describeGOSTKey(k *gost.PublicKey, spki []byte) KeyDescription {
	c := k.Curve()
	name, curve := "GOST 34.10", c.Name()
	switch {
	case c.SameGroup(gost.Curve512A()):
		name, curve = "GOST 34.10-2015 512-bit", "tc26-512-paramSetA"
	case c.SameGroup(gost.CurveCryptoProA()):
		name, curve = "GOST 34.310-2004", "CryptoPro-A"
	case c.SameGroup(gost.Curve256A()):
		name, curve = "GOST 34.10-2015 256-bit", "tc26-256-paramSetA"
	}
	detail := curve
	if spki != nil {
		if oid, ok := spkiAlgorithm(spki); ok {
			if info, ok := gost.LookupOID(oid); ok {
				detail += "; " + info.Name + " " + oid.String()
			}
		}
	}
	return KeyDescription{Algorithm: name + " (" + detail + ")"}
}

// Certificate is what a subscriber sees of a certificate in a key file. The JSON
// names are those of the portal's JavaScript API (docs/portal-crypto.md).
type Certificate struct {
	Serial    string        `json:"serial"`  // lower-case hex
	Subject   string        `json:"subject"` // profile.DN
	Issuer    string        `json:"issuer"`  // profile.DN
	Type      core.CertType `json:"type"`    // SIGN, AUTH, SSL or "" when the profile does not tell
	NotBefore time.Time     `json:"notBefore"`
	NotAfter  time.Time     `json:"notAfter"`
	IIN       string        `json:"iin"`
	BIN       string        `json:"bin"`
}

// Describe summarises cert.
func Describe(cert *x509.Certificate) Certificate {
	c := Certificate{
		Serial:    cert.SerialNumber.Text(16),
		Subject:   profile.DN(cert.RawSubject),
		Issuer:    profile.DN(cert.RawIssuer),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
	}
	if id, err := profile.Parse(cert); err == nil {
		c.Type, c.IIN, c.BIN = id.Type, id.IIN, id.BIN
	}
	return c
}

// Opened is the content of a key file.
type Opened struct {
	// KeyAlgorithm describes the private key ("RSA 2048", "GOST 34.10-2015 512-bit
	// (tc26-512-paramSetA)"), empty without a key.
	KeyAlgorithm string `json:"keyAlgorithm"`
	HasKey       bool   `json:"hasKey"`
	// Certificates are the key's certificate first (when installed), then the chain.
	Certificates []Certificate `json:"certificates"`
}

// Open decodes a key file and describes it.
func Open(data []byte, password string) (*Opened, error) {
	c, err := Decode(data, password)
	if err != nil {
		return nil, err
	}
	o := &Opened{HasKey: c.Key != nil, Certificates: []Certificate{}}
	if c.Key != nil {
		o.KeyAlgorithm = DescribeKey(c.Key.Public(), nil).String()
	}
	if leaf := c.Leaf(); leaf != nil {
		o.Certificates = append(o.Certificates, Describe(leaf))
	}
	for _, cc := range c.Chain() {
		o.Certificates = append(o.Certificates, Describe(cc))
	}
	return o, nil
}

// Certifies reports whether cert certifies the public half of key.
func Certifies(key crypto.Signer, cert *x509.Certificate) bool {
	if key == nil || cert == nil {
		return false
	}
	probe := &keyfile.Container{Key: key, Certs: []*x509.Certificate{cert}}
	return probe.Leaf() != nil
}

// Installed reports whether c already holds leaf with a chain of n certificates.
func Installed(c *keyfile.Container, leaf *x509.Certificate, n int) bool {
	old := c.Leaf()
	return old != nil && old.Equal(leaf) && len(c.Certs) == 1+n
}

// Reencode writes c's key with leaf and its chain (issuer first, up to the root)
// under password, keeping c's friendly name.
func (e *Env) Reencode(c *keyfile.Container, leaf *x509.Certificate, chain []*x509.Certificate, password string) ([]byte, error) {
	random, err := e.rand()
	if err != nil {
		return nil, err
	}
	if c.Key == nil {
		return nil, ErrNoKey
	}
	opts := &keyfile.Options{Iterations: e.Iterations, FriendlyName: c.FriendlyName}
	return opts.Encode(random, c.Key, append([]*x509.Certificate{leaf}, chain...), password)
}

// Issued is an issued certificate parsed from its wire form.
type Issued struct {
	Wire  wire.IssuedCertificate
	Leaf  *x509.Certificate
	Chain []*x509.Certificate
}

// ParseIssued parses the DER of an issued certificate and of its chain.
func ParseIssued(ic wire.IssuedCertificate) (*Issued, error) {
	leaf, err := x509.ParseCertificate(ic.DER)
	if err != nil {
		return nil, fmt.Errorf("certificate %s from the server does not parse: %w", ic.Serial, err)
	}
	it := &Issued{Wire: ic, Leaf: leaf}
	for i, der := range ic.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("chain certificate %d of %s does not parse: %w", i+1, ic.Serial, err)
		}
		it.Chain = append(it.Chain, c)
	}
	return it, nil
}

// Install puts into the key file data the certificate of certs that certifies its
// key, with that certificate's chain, re-encoded under the same password. It returns
// the new file and the serials installed (one); ErrRevoked when the only certificates
// for this key are revoked, ErrNoMatch when none is for it. A file already holding that certificate and chain is
// returned unchanged.
func (e *Env) Install(data []byte, password string, certs []wire.IssuedCertificate) ([]byte, []string, error) {
	c, err := Decode(data, password)
	if err != nil {
		return nil, nil, err
	}
	if c.Key == nil {
		return nil, nil, ErrNoKey
	}
	var bad []string
	revoked := false
	for _, ic := range certs {
		it, err := ParseIssued(ic)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if !Certifies(c.Key, it.Leaf) {
			continue
		}
		if ic.Status == core.CertRevoked {
			revoked = true
			continue
		}
		serial := it.Leaf.SerialNumber.Text(16)
		if Installed(c, it.Leaf, len(it.Chain)) {
			return data, []string{serial}, nil
		}
		out, err := e.Reencode(c, it.Leaf, it.Chain, password)
		if err != nil {
			return nil, nil, fmt.Errorf("encoding the key file: %w", err)
		}
		return out, []string{serial}, nil
	}
	if revoked {
		return nil, nil, ErrRevoked
	}
	if len(bad) > 0 {
		return nil, nil, fmt.Errorf("%w (%s)", ErrNoMatch, strings.Join(bad, "; "))
	}
	return nil, nil, ErrNoMatch
}
