package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/webkeys"
)

// infoOut is the --json output of eds info.
type infoOut struct {
	File string `json:"file"`
	// Kind is "certificate" or "pkcs12".
	Kind string `json:"kind"`
	// Key is the private key of a PKCS#12 file.
	Key         *keyOut    `json:"key,omitempty"`
	Certificate *certOut   `json:"certificate,omitempty"`
	Chain       []chainOut `json:"chain,omitempty"`
	Warnings    []string   `json:"warnings,omitempty"`
}

// keyOut is a key's algorithm and size.
type keyOut = webkeys.KeyDescription

type roleOut struct {
	OID  string `json:"oid"`
	Name string `json:"name,omitempty"`
}

type certOut struct {
	Type         string    `json:"type"`
	Subject      string    `json:"subject"`
	CommonName   string    `json:"common_name,omitempty"`
	Surname      string    `json:"surname,omitempty"`
	Name         string    `json:"name,omitempty"`
	Patronymic   string    `json:"patronymic,omitempty"`
	IIN          string    `json:"iin,omitempty"`
	IINValid     bool      `json:"iin_valid"`
	BIN          string    `json:"bin,omitempty"`
	BINValid     bool      `json:"bin_valid"`
	Organization string    `json:"organization,omitempty"`
	Email        string    `json:"email,omitempty"`
	Country      string    `json:"country,omitempty"`
	Locality     string    `json:"locality,omitempty"`
	Region       string    `json:"region,omitempty"`
	Roles        []roleOut `json:"roles,omitempty"`
	Policies     []string  `json:"policies,omitempty"`
	Template     string    `json:"template,omitempty"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	Key          keyOut    `json:"key"`
	// Signature is the certificate's signature algorithm: a name and the OID (every
	// GOST OID of gost.LookupOID — Kazakh, Russian, legacy vendor arc — is named).
	Signature string `json:"signature_algorithm,omitempty"`
}

type chainOut struct {
	Subject string `json:"subject"`
	Serial  string `json:"serial"`
}

func cmdInfo(ctx context.Context, a *app, args []string) error {
	fs := a.flags("info", "eds info [--password-file FILE] [--json] FILE",
		`Shows what FILE holds. FILE is a PKCS#12 key file (.p12; its password is asked as for
keygen) or a certificate (DER or PEM): the subject (IIN, BIN, names, organisation,
e-mail), the type (SIGN, AUTH or SSL), the roles (name and OID), policies, validity,
issuer, serial (hex) and key algorithm and size. For a key file without a certificate
yet: "certificate: none installed yet" and the key algorithm. An IIN or BIN whose check
digit fails is reported as a warning on stderr.

Output (stdout): "key: value" lines ("file", "kind", "type", "subject", "common name",
"surname", "name", "patronymic", "iin", "bin", "organization", "email", "country",
"locality", "region", "role: <name> (<oid>)", "policy", "template", "issuer", "serial",
"not before", "not after", "key: <algorithm> <bits>", "signature: <algorithm> (<oid>)",
"chain: <subject> (<serial>)"); GOST keys and signature algorithms are named for every
GOST OID (Kazakh, Russian and the legacy vendor arc);
empty fields are left out. With --json: one JSON object (see docs/eds.md).`)
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	pwFlag := fs.String("password", "", "the key file password (other users can see it in the process list: prefer --password-file or EDS_PASSWORD)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "FILE"); err != nil {
		return err
	}
	path := pos[0]
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out := &infoOut{File: path}
	if cert := parseCertificate(data); cert != nil {
		out.Kind = "certificate"
		out.Certificate = describeCert(cert)
	} else {
		out.Kind = "pkcs12"
		password := *pwFlag
		if password == "" {
			if password, err = a.password(*pwFile, false); err != nil {
				return err
			}
		}
		c, err := keyfile.Decode(data, password)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if c.Key != nil {
			k := describeKey(c.Key.Public(), nil)
			out.Key = &k
		}
		if leaf := c.Leaf(); leaf != nil {
			out.Certificate = describeCert(leaf)
		}
		for _, cc := range c.Chain() {
			out.Chain = append(out.Chain, chainOut{Subject: profile.DN(cc.RawSubject), Serial: cc.SerialNumber.Text(16)})
		}
	}
	if co := out.Certificate; co != nil {
		if co.IIN != "" && !co.IINValid {
			out.Warnings = append(out.Warnings, fmt.Sprintf("IIN %s fails the check digit", co.IIN))
		}
		if co.BIN != "" && !co.BINValid {
			out.Warnings = append(out.Warnings, fmt.Sprintf("BIN %s fails the check digit", co.BIN))
		}
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(a.stderr, "eds info: warning: %s\n", w)
	}
	if *asJSON {
		return printJSON(a.stdout, out)
	}
	printInfo(a.stdout, out)
	return nil
}

// parseCertificate returns the certificate in data (PEM or DER), or nil.
func parseCertificate(data []byte) *x509.Certificate {
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "CERTIFICATE" && b.Type != "X509 CERTIFICATE" {
			return nil
		}
		data = b.Bytes
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil
	}
	return c
}

func describeCert(cert *x509.Certificate) *certOut {
	co := &certOut{
		Subject:   profile.DN(cert.RawSubject),
		Issuer:    profile.DN(cert.RawIssuer),
		Serial:    cert.SerialNumber.Text(16),
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
		Key:       describeKey(cert.PublicKey, cert.RawSubjectPublicKeyInfo),
		Signature: describeSignatureAlgorithm(cert),
	}
	id, err := profile.Parse(cert)
	if err != nil {
		return co
	}
	co.Type = string(id.Type)
	co.CommonName, co.Surname, co.Name, co.Patronymic = id.CommonName, id.Surname, id.Name, id.Patronymic
	co.IIN, co.IINValid, co.BIN, co.BINValid = id.IIN, id.IINValid, id.BIN, id.BINValid
	co.Organization, co.Email = id.Organization, id.Email
	co.Country, co.Locality, co.Region = id.Country, id.Locality, id.Region
	for _, r := range id.Roles {
		co.Roles = append(co.Roles, roleOut{OID: r.OID, Name: r.Name})
	}
	co.Policies = id.Policies
	co.Template = id.Template
	return co
}

// describeKey names a public key's algorithm and size (webkeys.DescribeKey).
func describeKey(pub crypto.PublicKey, spki []byte) keyOut {
	return webkeys.DescribeKey(pub, spki)
}

// describeSignatureAlgorithm names a certificate's signature algorithm and its OID.
func describeSignatureAlgorithm(cert *x509.Certificate) string {
	_, alg, _, err := pki.SplitSigned(cert.Raw)
	if err != nil {
		return ""
	}
	if info, ok := gost.LookupOID(alg.Algorithm); ok {
		return fmt.Sprintf("%s (%s)", info.Name, alg.Algorithm)
	}
	if cert.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		return fmt.Sprintf("%s (%s)", cert.SignatureAlgorithm, alg.Algorithm)
	}
	return alg.Algorithm.String()
}

func printInfo(w io.Writer, out *infoOut) {
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	line("file", out.File)
	line("kind", out.Kind)
	if co := out.Certificate; co != nil {
		typ := co.Type
		if typ == "" {
			typ = "other"
		}
		line("type", typ)
		line("subject", co.Subject)
		line("common name", co.CommonName)
		line("surname", co.Surname)
		line("name", co.Name)
		line("patronymic", co.Patronymic)
		line("iin", co.IIN)
		line("bin", co.BIN)
		line("organization", co.Organization)
		line("email", co.Email)
		line("country", co.Country)
		line("locality", co.Locality)
		line("region", co.Region)
		for _, r := range co.Roles {
			name := r.Name
			if name == "" {
				name = "unknown"
			}
			fmt.Fprintf(w, "role: %s (%s)\n", name, r.OID)
		}
		for _, p := range co.Policies {
			line("policy", p)
		}
		line("template", co.Template)
		line("issuer", co.Issuer)
		line("serial", co.Serial)
		line("not before", fmtTime(co.NotBefore))
		line("not after", fmtTime(co.NotAfter))
		if out.Key == nil {
			line("key", co.Key.String())
		}
		line("signature", co.Signature)
	} else if out.Kind == "pkcs12" {
		line("certificate", "none installed yet")
	}
	if out.Key != nil {
		line("key", out.Key.String())
	}
	for _, c := range out.Chain {
		fmt.Fprintf(w, "chain: %s (%s)\n", c.Subject, c.Serial)
	}
}
