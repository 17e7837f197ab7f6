package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/keyfile"
	"github.com/opennca/nca/webkeys"
)

func cmdFetch(ctx context.Context, a *app, args []string) error {
	fs := a.flags("fetch", "eds fetch --server URL --dir KEYS [--password-file FILE] NUMBER",
		`Downloads the certificates issued for application NUMBER and installs each into the
key file in KEYS whose private key it certifies: the PKCS#12 file is rewritten with the
certificate and its chain, under the same password (asked as for keygen). Certificates
without a key file there (SSL certificates, whose key stays with the web server) are
written as KEYS/<serial>.pem with the chain. Refuses while the application is not issued.

Output (stdout), one line per certificate: "installed: <serial> <type> <path>",
"unchanged: <serial> <type> <path>" (already installed), "written: <serial> <type> <path>"
(PEM) or "skipped: <serial> <type> <status>" (revoked).`)
	var sf serverFlags
	sf.register(fs)
	dir := fs.String("dir", "", "`directory` of the key files (and of the PEM files written)")
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	if err := sf.check("fetch"); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("fetch", "--dir KEYS is required")
	}
	number := pos[0]
	cl, err := client.New(sf.server, a.http(sf.timeout))
	if err != nil {
		return usagef("fetch", "%v", err)
	}
	st, err := cl.Status(ctx, number)
	if err != nil {
		return serverError("cannot get the status of application "+number, err)
	}
	if st.State != core.StateIssued {
		msg := fmt.Sprintf("application %s is not issued (state: %s)", number, st.State)
		if st.RefusalReason != "" {
			msg += fmt.Sprintf("; refusal reason: %s", st.RefusalReason)
		}
		if st.RefusalDetail != "" {
			msg += ": " + oneLine(st.RefusalDetail)
		}
		if !st.State.Terminal() {
			msg += "; try again later, 'eds status' shows the progress"
		}
		return errors.New(msg)
	}
	resp, err := cl.Certificates(ctx, number)
	if err != nil {
		return serverError("cannot download the certificates of application "+number, err)
	}
	if len(resp.Certificates) == 0 {
		return fmt.Errorf("the server lists no certificates for application %s", number)
	}

	var items []*webkeys.Issued
	needKeys := false
	for _, ic := range resp.Certificates {
		it, err := webkeys.ParseIssued(ic)
		if err != nil {
			return err
		}
		items = append(items, it)
		if ic.Type != core.CertSSL && ic.Status != core.CertRevoked {
			needKeys = true
		}
	}

	var files *keyFiles
	if needKeys {
		password, err := a.password(*pwFile, false)
		if err != nil {
			return err
		}
		files = &keyFiles{dir: *dir, password: password}
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		ic := it.Wire
		if ic.Status == core.CertRevoked {
			fmt.Fprintf(a.stdout, "skipped: %s %s %s\n", ic.Serial, ic.Type, ic.Status)
			continue
		}
		if ic.Type != core.CertSSL {
			path, changed, err := a.install(files, it.Leaf, it.Chain)
			if err != nil {
				return err
			}
			if path != "" {
				word := "installed"
				if !changed {
					word = "unchanged"
				}
				fmt.Fprintf(a.stdout, "%s: %s %s %s\n", word, ic.Serial, ic.Type, path)
				continue
			}
			fmt.Fprintf(a.stderr, "eds fetch: warning: no key file in %s holds the private key of %s certificate %s; writing it as PEM\n", *dir, ic.Type, ic.Serial)
		}
		path := filepath.Join(*dir, safeName(ic.Serial)+".pem")
		var buf bytes.Buffer
		for _, c := range append([]*x509.Certificate{it.Leaf}, it.Chain...) {
			_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
		if err := replaceFile(path, buf.Bytes()); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		fmt.Fprintf(a.stdout, "written: %s %s %s\n", ic.Serial, ic.Type, path)
	}
	return nil
}

// install writes leaf and its chain into the key file of files whose key leaf
// certifies, unless they are there already (changed false). path is "" when no key
// file holds that key.
func (a *app) install(files *keyFiles, leaf *x509.Certificate, chain []*x509.Certificate) (path string, changed bool, err error) {
	path, c, err := files.find(leaf)
	if err != nil || c == nil {
		return "", false, err
	}
	if webkeys.Installed(c, leaf, len(chain)) {
		return path, false, nil
	}
	data, err := a.keys().Reencode(c, leaf, chain, files.password)
	if err != nil {
		return "", false, fmt.Errorf("encoding %s: %w", path, err)
	}
	if err := replaceFile(path, data); err != nil {
		return "", false, fmt.Errorf("writing %s: %w", path, err)
	}
	return path, true, nil
}

// keyFiles finds the key file holding the private key of a certificate, decoding the
// .p12 files of a directory once each.
type keyFiles struct {
	dir      string
	password string
	loaded   bool
	paths    []string
	decoded  map[string]*keyfile.Container
	failed   map[string]error
}

func (k *keyFiles) load() error {
	if k.loaded {
		return nil
	}
	k.loaded = true
	k.decoded, k.failed = map[string]*keyfile.Container{}, map[string]error{}
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return fmt.Errorf("reading the key directory: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(strings.ToLower(e.Name()), webkeys.FileSuffix) {
			continue
		}
		k.paths = append(k.paths, filepath.Join(k.dir, e.Name()))
	}
	// The national names first, then any other .p12.
	sort.SliceStable(k.paths, func(i, j int) bool {
		mi, mj := isKeyFileName(filepath.Base(k.paths[i])), isKeyFileName(filepath.Base(k.paths[j]))
		return mi && !mj
	})
	return nil
}

// find returns the path and container of the key file whose key cert certifies, or
// ("", nil, nil) when there is none.
func (k *keyFiles) find(cert *x509.Certificate) (string, *keyfile.Container, error) {
	if err := k.load(); err != nil {
		return "", nil, err
	}
	for _, p := range k.paths {
		c, ok := k.decoded[p]
		if !ok {
			if _, failed := k.failed[p]; failed {
				continue
			}
			var err error
			if c, err = readKeyFile(p, k.password); err != nil {
				k.failed[p] = err
				continue
			}
			k.decoded[p] = c
		}
		if c.Key == nil {
			continue
		}
		if webkeys.Certifies(c.Key, cert) {
			return p, c, nil
		}
	}
	if len(k.failed) > 0 {
		var msgs []string
		for _, p := range k.paths {
			if err := k.failed[p]; err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		return "", nil, fmt.Errorf("no readable key file matches certificate %s; some key files could not be opened: %s", cert.SerialNumber.Text(16), strings.Join(msgs, "; "))
	}
	return "", nil, nil
}
