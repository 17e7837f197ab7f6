package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/opennca/nca/cms"
	"github.com/opennca/nca/tsp"
)

func cmdSign(ctx context.Context, a *app, args []string) error {
	fs := a.flags("sign", "eds sign --key FILE.p12 [--key FILE2.p12 …] [--detached] [--tsa URL] [--out OUT.p7s] [--password-file FILE] IN",
		`Signs the file IN (- for standard input) and writes a CMS SignedData (DER) in the
CAdES-BES profile: the attributes content-type, signing-time (now), message-digest and
signing-certificate-v2 are signed. Each --key is a PKCS#12 key file with its installed
certificate (eds fetch); several --key options make one signer each (one password for
all). RSA keys sign with SHA-256; GOST keys in the national layout (GOST 34.10-2015
512-bit with Streebog-512, or GOST 34.310-2004 with GOST 34.311-95, r_LE‖s_LE). The
signer's certificate and the chain from the key file are included.

With --tsa URL (an RFC 3161 time-stamping service, e.g. the authority's
https://…/tsp), each signature is time-stamped (CAdES-T): a token over the signature
value, GOST-hashed under the GOST policy for a GOST signer and SHA-256 under the
SHA-256 policy otherwise, is checked and added as the signer's unsigned
signature-time-stamp attribute. eds verify shows its time and checks the
certificates as of it.

Output: the CMS to OUT (created, never overwritten) or to stdout.`)
	var keys stringList
	fs.Var(&keys, "key", "PKCS#12 key `FILE` of a signer (repeatable)")
	detached := fs.Bool("detached", false, "leave the content out of the signature (a detached signature)")
	out := fs.String("out", "", "write the signature to `FILE` (default stdout)")
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	tsa := fs.String("tsa", a.env("EDS_TSA"), "time-stamp each signature at the RFC 3161 service `URL` (default $EDS_TSA)")
	timeout := fs.Duration("timeout", 60*time.Second, "timeout of the time-stamp request")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "IN"); err != nil {
		return err
	}
	if len(keys) == 0 {
		return usagef("sign", "--key FILE.p12 is required")
	}
	var content []byte
	if pos[0] == "-" {
		content, err = io.ReadAll(a.stdin)
	} else {
		content, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return fmt.Errorf("reading the content: %w", err)
	}
	password, err := a.password(*pwFile, false)
	if err != nil {
		return err
	}
	var signers []cms.Signer
	for _, path := range keys {
		c, err := readKeyFile(path, password)
		if err != nil {
			return err
		}
		leaf := c.Leaf()
		if c.Key == nil || leaf == nil {
			return fmt.Errorf("%s holds no key with its certificate: run 'eds fetch' first", path)
		}
		signers = append(signers, cms.Signer{Key: c.Key, Cert: leaf, Chain: c.Chain()})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	der, err := cms.Sign(content, signers, cms.Options{Detached: *detached, Time: a.now(), Rand: a.rand})
	if err != nil {
		return err
	}
	if *tsa != "" {
		if der, err = tsp.StampSignatures(ctx, a.http(*timeout), *tsa, der, a.rand); err != nil {
			return fmt.Errorf("time stamp: %w", err)
		}
	}
	if *out == "" {
		_, err = a.stdout.Write(der)
		return err
	}
	return writeNewFile(*out, der)
}
