package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
)

// pemBlock returns the bytes of the first PEM block of type typ in data, or nil.
func pemBlock(data []byte, typ string) []byte {
	if b, _ := pem.Decode(data); b != nil && b.Type == typ {
		return b.Bytes
	}
	return nil
}

// readCertFile reads a certificate file (PEM or DER).
func readCertFile(cmd, path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	c := parseCertificate(data)
	if c == nil {
		return nil, usagef(cmd, "%s is not a certificate (PEM or DER)", path)
	}
	return c, nil
}

// issuerOf returns the issuer certificate of cert: from the file, else from the
// certificate's AIA caIssuers URL.
func issuerOf(ctx context.Context, hc *http.Client, cmd string, cert *x509.Certificate, file string) (*x509.Certificate, error) {
	if file != "" {
		return readCertFile(cmd, file)
	}
	for _, u := range cert.IssuingCertificateURL {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			continue
		}
		body, err := fetchBody(hc, req)
		if err != nil {
			continue
		}
		if c := parseCertificate(body); c != nil && cert.CheckSignatureFrom(c) == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%s: cannot get the issuer certificate from the certificate's AIA; give it with --issuer", cmd)
}

func printRevocation(w io.Writer, r *Revocation) {
	fmt.Fprintf(w, "status: %s\n", r.Status)
	if r.Source != "" {
		fmt.Fprintf(w, "source: %s\n", r.Source)
	}
	if r.Status == "revoked" {
		fmt.Fprintf(w, "revoked: %s\n", fmtTime(r.RevokedAt))
		if r.Reason != "" {
			fmt.Fprintf(w, "reason: %s\n", r.Reason)
		}
	}
	if !r.ThisUpdate.IsZero() {
		fmt.Fprintf(w, "this update: %s\n", fmtTime(r.ThisUpdate))
	}
	if !r.NextUpdate.IsZero() {
		fmt.Fprintf(w, "next update: %s\n", fmtTime(r.NextUpdate))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "tried: %s\n", oneLine(e))
	}
}

func cmdOCSP(ctx context.Context, a *app, args []string) error {
	fs := a.flags("ocsp", "eds ocsp [--issuer FILE] [--crl-fallback] CERT",
		`Asks the OCSP responder named in the certificate (AIA) about it: a SHA-256 CertID
with a nonce, the answer's signature checked against the issuer (or its delegated
responder) and the nonce compared. The issuer comes from --issuer or the
certificate's AIA caIssuers URL. With --crl-fallback, the CRLs are read when no OCSP
answer can be used.

Output (stdout): "status: good|revoked|unknown", "source: OCSP <url>",
["revoked: <time>", "reason: <name>"], "this update: …", "next update: …", and a
"tried: …" line per source that failed first. Exit status 1 when no answer.`)
	issuerFile := fs.String("issuer", "", "issuer certificate file (default: from the certificate's AIA)")
	fallback := fs.Bool("crl-fallback", false, "read the CRLs when OCSP gives no usable answer")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each request")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "CERT"); err != nil {
		return err
	}
	cert, err := readCertFile("ocsp", pos[0])
	if err != nil {
		return err
	}
	hc := a.http(*timeout)
	issuer, err := issuerOf(ctx, hc, "ocsp", cert, *issuerFile)
	if err != nil {
		return err
	}
	check := *cert
	if !*fallback {
		check.CRLDistributionPoints = nil
	}
	r, err := CheckRevocation(ctx, hc, &check, issuer, a.now())
	printRevocation(a.stdout, r)
	if err != nil {
		return fmt.Errorf("ocsp: no answer for %s", cert.SerialNumber.Text(16))
	}
	return nil
}

func cmdCRL(ctx context.Context, a *app, args []string) error {
	fs := a.flags("crl", "eds crl [--issuer FILE] [--entries] URL|FILE",
		`Reads a CRL (full or delta; DER or PEM; from a URL or a file) and prints what it
says. With --issuer, its signature is checked.

Output (stdout): "issuer: <DN>", "kind: full|delta", "number: N", ["delta of: N"],
"this update: …", "next update: …", ["freshest CRL: <url>" per URL], "entries: N",
["signature: ok"], and with --entries one line per entry "<serial hex> <time>
[<reason>]".`)
	issuerFile := fs.String("issuer", "", "issuer certificate: check the CRL's signature")
	entries := fs.Bool("entries", false, "list every entry")
	timeout := fs.Duration("timeout", 60*time.Second, "timeout of the download")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "URL|FILE"); err != nil {
		return err
	}
	l, err := loadCRL(ctx, a.http(*timeout), pos[0])
	if err != nil {
		return fmt.Errorf("crl: %s: %w", pos[0], err)
	}
	info := crlExtensions(l)
	w := a.stdout
	fmt.Fprintf(w, "issuer: %s\n", profile.DN(l.RawIssuer))
	if info.deltaBase != nil {
		fmt.Fprintln(w, "kind: delta")
	} else {
		fmt.Fprintln(w, "kind: full")
	}
	if l.Number != nil {
		fmt.Fprintf(w, "number: %s\n", l.Number)
	}
	if info.deltaBase != nil {
		fmt.Fprintf(w, "delta of: %s\n", info.deltaBase)
	}
	fmt.Fprintf(w, "this update: %s\n", fmtTime(l.ThisUpdate))
	fmt.Fprintf(w, "next update: %s\n", fmtTime(l.NextUpdate))
	for _, u := range info.freshest {
		fmt.Fprintf(w, "freshest CRL: %s\n", u)
	}
	fmt.Fprintf(w, "entries: %d\n", len(l.RevokedCertificateEntries))
	if *issuerFile != "" {
		issuer, err := readCertFile("crl", *issuerFile)
		if err != nil {
			return err
		}
		key, err := pki.PublicKeyOf(issuer)
		if err != nil {
			return fmt.Errorf("crl: issuer key: %w", err)
		}
		if _, err := pki.VerifySigned(l.Raw, key); err != nil {
			fmt.Fprintln(w, "signature: BAD")
			return fmt.Errorf("crl: signature: %w", err)
		}
		fmt.Fprintln(w, "signature: ok")
	}
	if *entries {
		for _, e := range l.RevokedCertificateEntries {
			line := e.SerialNumber.Text(16) + " " + fmtTime(e.RevocationTime)
			if e.ReasonCode != 0 {
				line += " " + reasonNames[e.ReasonCode]
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

// revocationLines checks every certificate of an application (from the server)
// and returns one "revocation: <serial> <status> (<source>)" line per certificate.
func revocationLines(ctx context.Context, hc *http.Client, certs [][]byte, chains [][]byte, now time.Time) []string {
	var out []string
	for i, der := range certs {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		var issuer *x509.Certificate
		if i < len(chains) && chains[i] != nil {
			issuer, _ = x509.ParseCertificate(chains[i])
		}
		if issuer == nil {
			issuer, err = issuerOf(ctx, hc, "status", c, "")
			if err != nil {
				out = append(out, fmt.Sprintf("revocation: %s unknown (%v)", c.SerialNumber.Text(16), err))
				continue
			}
		}
		r, err := CheckRevocation(ctx, hc, c, issuer, now)
		if err != nil {
			out = append(out, fmt.Sprintf("revocation: %s unknown (%s)", c.SerialNumber.Text(16), oneLine(strings.Join(r.Errors, "; "))))
			continue
		}
		line := fmt.Sprintf("revocation: %s %s", c.SerialNumber.Text(16), r.Status)
		if r.Status == "revoked" {
			line += " " + fmtTime(r.RevokedAt)
			if r.Reason != "" {
				line += " " + r.Reason
			}
		}
		out = append(out, line+" ("+r.Source+")")
	}
	return out
}
