package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/opennca/nca/webkeys"
)

// cmdCSR writes a PKCS#10 request for the key of an existing key file: the way a key
// made on this machine gets a certificate that is not applied for through the
// workflow (a member of the authority's staff, enrolled with nca staff add --csr).
func cmdCSR(ctx context.Context, a *app, args []string) error {
	fs := a.flags("csr", "eds csr --key FILE [--out FILE] [--password-file FILE]",
		`Writes a PKCS#10 certificate request (PEM) for the private key of the key file FILE,
signed by that key (proof of possession). The key never leaves the file; the request
carries only the public key. The authority's staff are enrolled this way: make the keys
with "eds keygen", send the request of the AUTH file to the authority's administrator
(nca staff add --csr), install the certificate that comes back with "eds install".

Output (stdout): "request: <path>".`)
	keyPath := fs.String("key", "", "the key `FILE` (.p12) whose key is certified")
	out := fs.String("out", "", "request `FILE` to write (default: the key file's name with .csr); it must not exist")
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	if *keyPath == "" {
		return usagef("csr", "--key FILE is required")
	}
	password, err := a.password(*pwFile, false)
	if err != nil {
		return err
	}
	c, err := readKeyFile(*keyPath, password)
	if err != nil {
		return err
	}
	if c.Key == nil {
		return fmt.Errorf("%s holds no private key", *keyPath)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	der, err := webkeys.MakeCSR(a.rand, c.Key, &x509.CertificateRequest{})
	if err != nil {
		return fmt.Errorf("making the request: %w", err)
	}
	path := *out
	if path == "" {
		path = strings.TrimSuffix(*keyPath, filepath.Ext(*keyPath)) + ".csr"
	}
	if err := writeNewFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "request: %s\n", path)
	return nil
}

// cmdInstall installs certificates received as files into the key files they
// certify.
func cmdInstall(ctx context.Context, a *app, args []string) error {
	fs := a.flags("install", "eds install --dir KEYS [--password-file FILE] CERT...",
		`Installs the certificate of each file CERT (PEM or DER: the certificate first, then
its chain) into the key file in KEYS whose private key it certifies, as "eds fetch"
does for certificates downloaded from the authority: the PKCS#12 file is rewritten
with the certificate and its chain, under the same password.

Output (stdout), one line per file: "installed: <serial> <path>" or "unchanged: <serial>
<path>" (already installed).`)
	dir := fs.String("dir", "", "`directory` of the key files")
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("install", "name at least one certificate file")
	}
	if *dir == "" {
		return usagef("install", "--dir KEYS is required")
	}
	password, err := a.password(*pwFile, false)
	if err != nil {
		return err
	}
	files := &keyFiles{dir: *dir, password: password}
	for _, p := range pos {
		if err := ctx.Err(); err != nil {
			return err
		}
		certs, err := readCertificates(p)
		if err != nil {
			return err
		}
		leaf := certs[0]
		path, changed, err := a.install(files, leaf, certs[1:])
		if err != nil {
			return err
		}
		if path == "" {
			return fmt.Errorf("no key file in %s holds the private key of the certificate in %s (serial %s)", *dir, p, leaf.SerialNumber.Text(16))
		}
		word := "installed"
		if !changed {
			word = "unchanged"
		}
		fmt.Fprintf(a.stdout, "%s: %s %s\n", word, leaf.SerialNumber.Text(16), path)
	}
	return nil
}
