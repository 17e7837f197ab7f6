package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/webkeys"
)

func cmdKeygen(ctx context.Context, a *app, args []string) error {
	fs := a.flags("keygen", "eds keygen --dir KEYS [--alg rsa2048|gost2015|gost2004 | --template T] [--password-file FILE]",
		`Makes a signing and an authentication key pair on this machine and writes each,
without a certificate yet, into its own password-protected PKCS#12 file in KEYS:
RSA256_<id>.p12 (RSA signing key) or GOSTKNCA_<id>.p12 (GOST signing key: gost2015 =
GOST 34.10-2015 512-bit, the national default for legal entities; gost2004 = GOST
34.310-2004), and AUTH_RSA256_<id>.p12 (authentication, RSA: RSA-2048 with the GOST
algorithms), where <id> is the first 16 hex digits of the SHA-256 of the signing key's
SubjectPublicKeyInfo. Without --alg the signing key is RSA-2048, or GOST 2015-512 when
--template names a legal-entity template (legal_entity, treasury, nonresident_legal):
the national default for legal entities' signing keys.
Files are created with mode 0600, the directory with 0700; existing files are never
overwritten. The private keys never leave these files.

Output (stdout): "id: <id>", "sign: <path>", "auth: <path>", one per line.`)
	dir := fs.String("dir", "", "`directory` for the key files (created if missing)")
	alg := fs.String("alg", "rsa2048", "signing key algorithm: rsa2048, rsa3072, rsa4096, gost2015 or gost2004")
	template := fs.String("template", "", "the template the keys are for; legal-entity templates default --alg to gost2015")
	pwFile := fs.String("password-file", "", "read the password from the first line of `FILE` (else $EDS_PASSWORD, else the terminal)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("keygen", "--dir KEYS is required")
	}
	algSet := false
	fs.Visit(func(f *flag.Flag) { algSet = algSet || f.Name == "alg" })
	if *template != "" {
		t, ok := profile.Lookup(*template)
		if !ok || t.SSL {
			return usagef("keygen", "--template %q is not a template with key files (SSL keys come from a CSR)", *template)
		}
		if t.Legal && !algSet {
			*alg = "gost2015"
		}
	}
	if !webkeys.KnownAlgorithm(*alg) {
		return usagef("keygen", "unknown --alg %q (rsa2048, rsa3072, rsa4096, gost2015 or gost2004)", *alg)
	}
	password, err := a.password(*pwFile, true)
	if err != nil {
		return err
	}
	if len([]rune(password)) < 8 {
		fmt.Fprintln(a.stderr, "eds keygen: warning: a password of fewer than 8 characters is easy to guess")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("creating the key directory: %w", err)
	}
	if st, err := os.Stat(*dir); err == nil && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(a.stderr, "eds keygen: warning: %s is readable by other users (mode %o); consider chmod 700\n", *dir, st.Mode().Perm())
	}

	pair, err := webkeys.GenerateKeyPair(a.rand, *alg)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	id := pair.ID
	signPath, authPath := newKeyPaths(*dir, id, pair.GOST)
	files, err := a.keys().Files(pair, password)
	if err != nil {
		return err
	}
	signData, authData := files[0].Data, files[1].Data
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := writeNewFile(signPath, signData); err != nil {
		return fmt.Errorf("writing the signing key file: %w", err)
	}
	if err := writeNewFile(authPath, authData); err != nil {
		return errors.Join(fmt.Errorf("writing the authentication key file: %w", err), os.Remove(signPath))
	}
	fmt.Fprintf(a.stdout, "id: %s\nsign: %s\nauth: %s\n", id, signPath, authPath)
	fmt.Fprintf(a.stderr, "Keep the password: nobody, the authority included, can recover it.\nNext: eds apply --dir %s --template individual … --agree\n", *dir)
	return nil
}
