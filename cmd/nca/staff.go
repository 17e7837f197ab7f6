package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/ra"
)

// writeStaffCredential enrols a member of staff: it generates an RSA-2048 key, has the
// workflow issue and store a staff AUTH certificate for it, and writes key, certificate
// and chain to a new PKCS#12 file at path (mode 0600) protected by a random password,
// which it returns to be shown once; the password is stored nowhere. The key exists
// only in that file.
func writeStaffCredential(ctx context.Context, svc *ra.Service, auth *ca.Authority, actor ra.Actor, role string, person core.Applicant, path string) (password string, err error) {
	// Claim the file first, so that no certificate is issued for a key that could not
	// be written.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("staff credential: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("staff credential: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("staff key: %w", err)
	}
	cert, err := svc.IssueStaff(ctx, actor, role, person, &key.PublicKey)
	if err != nil {
		return "", fmt.Errorf("staff certificate: %w", err)
	}
	iss, err := auth.Issuer(ca.IssuingRSA)
	if err != nil {
		return "", err
	}
	pw := make([]byte, 15)
	if _, err := rand.Read(pw); err != nil {
		return "", fmt.Errorf("staff password: %w", err)
	}
	password = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(pw))
	p12, err := keyfile.Encode(rand.Reader, key, append([]*x509.Certificate{cert}, iss.Chain...), password)
	if err != nil {
		return "", fmt.Errorf("staff credential: %w", err)
	}
	if _, err := f.Write(p12); err != nil {
		return "", fmt.Errorf("staff credential: %w", err)
	}
	return password, nil
}

// writeStaffCertificate enrols a member of staff whose key pair was made on their own
// machine: it reads their PKCS#10 request (PEM or DER) from csrPath, checks its
// signature (proof of possession), has the workflow issue and store a staff AUTH
// certificate for its key, and writes the certificate and its chain as PEM to a new
// file at path. No private key passes through the authority's machine.
func writeStaffCertificate(ctx context.Context, svc *ra.Service, auth *ca.Authority, actor ra.Actor, role string, person core.Applicant, csrPath, path string) (err error) {
	data, err := os.ReadFile(csrPath)
	if err != nil {
		return fmt.Errorf("staff request: %w", err)
	}
	_, pub, err := pki.DecodeCertificateRequest(data)
	if err != nil {
		return fmt.Errorf("staff request %s: not a PKCS#10 request whose signature verifies with a supported key: %w", csrPath, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("staff certificate: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("staff certificate: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	cert, err := svc.IssueStaff(ctx, actor, role, person, pub)
	if err != nil {
		return fmt.Errorf("staff certificate: %w", err)
	}
	iss, err := auth.Issuer(ca.IssuingRSA)
	if err != nil {
		return err
	}
	for _, c := range append([]*x509.Certificate{cert}, iss.Chain...) {
		if err := pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}); err != nil {
			return fmt.Errorf("staff certificate: %w", err)
		}
	}
	return nil
}

// staff runs "nca staff add": it enrols another operator, manager or administrator
// of an existing authority (its data folder), on the authority's machine. It may run
// while the server runs (the database is shared safely).
func staff(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: nca staff add --role operator|manager|administrator --iin IIN --surname S --name N [--patronymic P] [--csr FILE] [--out FILE] [serve flags: --data, --base-url, --config …]")
		return errUsage
	}
	fs, c := serveFlags(getenv)
	fs.SetOutput(stderr)
	role := fs.String("role", "operator", "staff role: operator, manager or administrator")
	var person core.Applicant
	fs.StringVar(&person.IIN, "iin", "", "the staff member's IIN")
	fs.StringVar(&person.Surname, "surname", "", "surname")
	fs.StringVar(&person.Name, "name", "", "given name")
	fs.StringVar(&person.Patronymic, "patronymic", "", "patronymic")
	fs.StringVar(&person.City, "city", "", "city of the registration centre")
	fs.StringVar(&person.Email, "email", "", "e-mail")
	csr := fs.String("csr", "", "PKCS#10 request (PEM or DER) of a key pair the staff member made on their own machine (eds keygen, eds csr): the certificate is written as PEM for eds install, and no key is made here")
	out := fs.String("out", "", "file to write, which must not exist: the PKCS#12 credential (default <data>/staff-<role>-<iin>.p12), or with --csr the PEM certificate and chain (default <data>/staff-<role>-<iin>.pem)")
	if err := parseServeFlags(fs, c, args[1:], getenv); err != nil {
		return err
	}
	if person.IIN == "" || person.Surname == "" || person.Name == "" {
		fmt.Fprintln(stderr, "nca staff add: --iin, --surname and --name are required")
		return errUsage
	}
	caDir := filepath.Join(c.data, "ca")
	if _, err := os.Stat(caDir); errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("no authority in %s: run nca serve first", c.data)
	}
	if c.baseURL == "" {
		c.baseURL = "http://" + c.listen
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, c, log, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	auth, _, keys, err := openAuthority(c, log)
	if err != nil {
		return err
	}
	defer keys.close()
	svc := ra.New(ra.Config{Store: st, Signer: auth, Logger: log})
	path := *out
	if *csr != "" {
		if path == "" {
			path = filepath.Join(c.data, "staff-"+*role+"-"+person.IIN+".pem")
		}
		if err := writeStaffCertificate(ctx, svc, auth, ra.SystemActor(), *role, person, *csr, path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "nca: %s certificate %s; on the staff member's machine: eds install --dir KEYS %s\n", *role, path, filepath.Base(path))
		return nil
	}
	if path == "" {
		path = filepath.Join(c.data, "staff-"+*role+"-"+person.IIN+".p12")
	}
	password, err := writeStaffCredential(ctx, svc, auth, ra.SystemActor(), *role, person, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nca: %s credential %s, password (shown once, stored nowhere): %s\n", *role, path, password)
	return nil
}
