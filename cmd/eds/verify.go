package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/opennca/nca/client"
	"github.com/opennca/nca/cms"
	"github.com/opennca/nca/gost"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/tsp"
)

// The authority's CAs whose certificates eds verify downloads from --server: the two
// roots are the trust anchors, the issuing CAs help build chains (names as in package
// ca: root-rsa, nca-rsa, root-gost, nca-gost).
var (
	authorityRoots   = []string{"root-rsa", "root-gost"}
	authorityIssuers = []string{"nca-rsa", "nca-gost"}
)

func cmdVerify(ctx context.Context, a *app, args []string) error {
	fs := a.flags("verify", "eds verify [--content IN] [--trust CERT …] [--server URL] [--at TIME] [--crl FILE …] [--no-revocation] SIG.p7s",
		`Verifies a CMS SignedData (DER, PEM or Base64; attached, or detached with --content IN)
with any number of RSA and GOST signers (every GOST OID: Kazakh, Russian, legacy vendor
arc). For each signer: the signature over the signed attributes and the message digest
of the content; the chain of the signer's certificate to a trusted CA as of --at (RFC
3339; default now); revocation by CRL (the CRL of the certificate's CRL distribution
point URL, or one given with --crl FILE; its signature is verified with the issuer's
key, RSA or GOST); and the signer's identity (IIN, BIN, names, organisation, roles,
SIGN/AUTH). An IIN or BIN failing its check digit is shown with a warning.

A signature time stamp (CAdES-T, eds sign --tsa) is verified: the token over the
signature value, its TSA's chain to a trusted CA and, unless --no-revocation, that
the TSA certificate was not revoked before the stamp. Without --at, the signer's chain
and revocation are then checked as of the time stamp: a certificate that expired, or
was revoked, after it still vouches for the signature. A time stamp that does not
verify makes the signer invalid.

Trusted CAs: this authority's roots (downloaded from --server, default $EDS_SERVER,
when set) and every --trust CERT (DER or PEM; repeatable; an issuing CA may be trusted
directly).

Output (stdout): per signer "signer N: valid" or "signer N: INVALID", then indented
"key: value" lines ("signature", "algorithm", "signing time", "time stamp", "chain", "revocation",
then the identity as in eds info). Exit status 0 only when every signer is valid.`)
	var trust, crlFiles stringList
	fs.Var(&trust, "trust", "trust the CA certificate in `CERT` (repeatable)")
	fs.Var(&crlFiles, "crl", "use the CRL in `FILE` (DER or PEM) for revocation checking (repeatable)")
	contentFile := fs.String("content", "", "the signed content `IN` of a detached signature")
	atFlag := fs.String("at", "", "check certificate validity and revocation as of `TIME` (RFC 3339)")
	noRevocation := fs.Bool("no-revocation", false, "do not check revocation")
	server := fs.String("server", a.env("EDS_SERVER"), "base `URL` of the authority whose roots are trusted (default $EDS_SERVER)")
	timeout := fs.Duration("timeout", 60*time.Second, "timeout of each download")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "SIG.p7s"); err != nil {
		return err
	}
	at := a.now()
	if *atFlag != "" {
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			return usagef("verify", "--at %q is not an RFC 3339 time (e.g. 2026-11-23T10:00:00Z)", *atFlag)
		}
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	der, err := decodeCMS(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	var content []byte
	if *contentFile != "" {
		if content, err = os.ReadFile(*contentFile); err != nil {
			return fmt.Errorf("reading the content: %w", err)
		}
		if sd.Content != nil && !bytes.Equal(content, sd.Content) {
			return fmt.Errorf("%s carries its content, and it differs from %s", pos[0], *contentFile)
		}
	}

	var anchors, intermediates []*x509.Certificate
	for _, path := range trust {
		certs, err := readCertificates(path)
		if err != nil {
			return err
		}
		anchors = append(anchors, certs...)
	}
	httpClient := a.http(*timeout)
	if *server != "" {
		cl, err := client.New(*server, httpClient)
		if err != nil {
			return usagef("verify", "%v", err)
		}
		for _, names := range [][]string{authorityRoots, authorityIssuers} {
			for _, name := range names {
				b, err := cl.CACertificate(ctx, name)
				if err != nil {
					// An authority without this CA (an older one without GOST CAs)
					// still vouches with the others.
					fmt.Fprintf(a.stderr, "eds verify: warning: cannot download the certificate of CA %s: %v\n", name, err)
					continue
				}
				c, err := x509.ParseCertificate(b)
				if err != nil {
					return fmt.Errorf("the certificate of CA %s from the server does not parse: %w", name, err)
				}
				if names[0] == authorityRoots[0] {
					anchors = append(anchors, c)
				} else {
					intermediates = append(intermediates, c)
				}
			}
		}
	}
	if len(anchors) == 0 {
		return usagef("verify", "no trusted CA: give --server URL (or EDS_SERVER) and/or --trust CERT")
	}
	var crls [][]byte
	for _, path := range crlFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if blk, _ := pem.Decode(b); blk != nil {
			b = blk.Bytes
		}
		crls = append(crls, b)
	}

	sigErrs := sd.Verify(content)
	invalid := 0
	for i, si := range sd.Signers {
		ok := true
		w := a.stdout
		var lines [][2]string
		add := func(k, v string) { lines = append(lines, [2]string{k, v}) }
		if sigErrs[i] != nil {
			ok = false
			add("signature", "FAILED: "+sigErrs[i].Error())
		} else {
			add("signature", "OK")
		}
		add("algorithm", algorithmName(si.SignatureAlgorithm.Algorithm.String()))
		if !si.SigningTime.IsZero() {
			add("signing time", fmtTime(si.SigningTime))
		}
		if si.Cert == nil {
			invalid++
			fmt.Fprintf(w, "signer %d: INVALID\n", i+1)
			for _, l := range lines {
				fmt.Fprintf(w, "  %s: %s\n", l[0], l[1])
			}
			continue
		}
		// A signature time stamp (CAdES-T) from a trusted TSA proves the signature
		// existed at its time: without --at, the certificates are checked as of it.
		checkAt, stamped := at, false
		if len(si.TimeStampTokens) > 0 {
			line, stampAt, err := checkSignatureTimeStamp(ctx, httpClient, si, si.TimeStampTokens[0], intermediates, anchors, crls, !*noRevocation)
			if err != nil {
				ok = false
				add("time stamp", "FAILED: "+err.Error())
			} else {
				add("time stamp", line)
				if *atFlag == "" {
					checkAt, stamped = stampAt, true
					add("checked as of", "the time stamp")
				}
			}
		}
		chain, err := pki.VerifyChain(si.Cert, append(append([]*x509.Certificate{}, sd.Certificates...), intermediates...), anchors, checkAt)
		if err != nil {
			ok = false
			add("chain", "FAILED: "+err.Error())
		} else {
			var names []string
			for _, c := range chain {
				names = append(names, c.Subject.CommonName)
			}
			add("chain", strings.Join(names, " → ")+" (trusted)")
		}
		switch {
		case *noRevocation:
			add("revocation", "not checked (--no-revocation)")
		case len(chain) < 2:
			ok = false
			add("revocation", "unknown: no issuer to check a CRL with")
		default:
			st := signerRevocation(ctx, httpClient, si.Cert, chain[1], crls, checkAt, *atFlag == "" && len(crls) == 0)
			switch {
			case stamped && st.Revoked && st.RevokedAt.After(checkAt):
				add("revocation", "good at the time stamp; "+st.String()+", after it")
			default:
				add("revocation", st.String())
				if st.Revoked || st.Err != nil {
					ok = false
				}
			}
		}
		co := describeCert(si.Cert)
		typ := co.Type
		if typ == "" {
			typ = "other"
		}
		add("type", typ)
		if err := signingUsage(si.Cert); err != nil {
			ok = false
			add("usage", "FAILED: "+err.Error())
		}
		add("subject", co.Subject)
		add("iin", co.IIN)
		if co.IIN != "" && !co.IINValid {
			fmt.Fprintf(a.stderr, "eds verify: warning: signer %d: IIN %s fails the check digit\n", i+1, co.IIN)
			add("iin warning", "fails the check digit")
		}
		add("bin", co.BIN)
		if co.BIN != "" && !co.BINValid {
			fmt.Fprintf(a.stderr, "eds verify: warning: signer %d: BIN %s fails the check digit\n", i+1, co.BIN)
			add("bin warning", "fails the check digit")
		}
		add("surname", co.Surname)
		add("name", co.Name)
		add("patronymic", co.Patronymic)
		add("organization", co.Organization)
		for _, r := range co.Roles {
			name := r.Name
			if name == "" {
				name = "unknown"
			}
			add("role", fmt.Sprintf("%s (%s)", name, r.OID))
		}
		add("issuer", co.Issuer)
		add("serial", co.Serial)
		add("key", co.Key.String())
		if ok {
			fmt.Fprintf(w, "signer %d: valid\n", i+1)
		} else {
			invalid++
			fmt.Fprintf(w, "signer %d: INVALID\n", i+1)
		}
		for _, l := range lines {
			if l[1] != "" {
				fmt.Fprintf(w, "  %s: %s\n", l[0], l[1])
			}
		}
	}
	if invalid > 0 {
		return fmt.Errorf("%d of %d signers are not valid", invalid, len(sd.Signers))
	}
	return nil
}

// checkSignatureTimeStamp verifies token, a signature time-stamp token of si
// (tsp.VerifySignatureTimeStamp), the chain of its TSA certificate to anchors as of
// the token's time and, with revocation, that the TSA certificate was not revoked
// at that time (OCSP or CRL, as for signers). It returns the report line and the
// token's time.
func checkSignatureTimeStamp(ctx context.Context, hc *http.Client, si *cms.SignerInfo, token []byte, intermediates, anchors []*x509.Certificate, crls [][]byte, revocation bool) (string, time.Time, error) {
	tok, tsaCert, err := tsp.VerifySignatureTimeStamp(si, token)
	if err != nil {
		return "", time.Time{}, err
	}
	at := tok.Info.GenTime
	pool := append(append([]*x509.Certificate{}, tok.SignedData.Certificates...), intermediates...)
	chain, err := pki.VerifyChain(tsaCert, pool, anchors, at)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("the TSA %q is not trusted: %w", tsaCert.Subject.CommonName, err)
	}
	status := "revocation not checked"
	if revocation && len(chain) > 1 {
		st := signerRevocation(ctx, hc, tsaCert, chain[1], crls, at, len(crls) == 0)
		switch {
		case st.Err != nil:
			return "", time.Time{}, fmt.Errorf("the TSA certificate's revocation status: %w", st.Err)
		case st.Revoked && !st.RevokedAt.After(at):
			return "", time.Time{}, fmt.Errorf("the TSA certificate was revoked at %s, before the time stamp", fmtTime(st.RevokedAt))
		case st.Revoked:
			status = "TSA revoked after the time stamp, at " + fmtTime(st.RevokedAt)
		default:
			status = "TSA certificate good"
		}
	}
	return fmt.Sprintf("%s (TSA %s, policy %s, serial %s; trusted, %s)", fmtTime(at), tsaCert.Subject.CommonName,
		tsp.PolicyName(tok.Info.Policy), tok.Info.SerialNumber.Text(16), status), at, nil
}

// algorithmName names a signature algorithm OID.
func algorithmName(oid string) string {
	switch oid {
	case pki.OIDSHA256WithRSA.String():
		return "sha256WithRSAEncryption (" + oid + ")"
	case pki.OIDSHA384WithRSA.String():
		return "sha384WithRSAEncryption (" + oid + ")"
	case pki.OIDSHA512WithRSA.String():
		return "sha512WithRSAEncryption (" + oid + ")"
	}
	for _, info := range gost.KnownOIDs() {
		if info.OID.String() == oid {
			return info.Name + " (" + oid + ")"
		}
	}
	return oid
}

// decodeCMS accepts DER, PEM (any type) or Base64 text.
func decodeCMS(b []byte) ([]byte, error) {
	if len(b) > 0 && b[0] == 0x30 {
		return b, nil
	}
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes, nil
	}
	text := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, string(b))
	if der, err := base64.StdEncoding.DecodeString(text); err == nil && len(der) > 0 && der[0] == 0x30 {
		return der, nil
	}
	return nil, errors.New("not a CMS signature (DER, PEM or Base64)")
}

// readCertificates reads one DER certificate or any number of PEM certificates.
func readCertificates(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("%s is not a certificate (DER or PEM): %w", path, err)
	}
	return []*x509.Certificate{c}, nil
}

// revocationStatus is what one revocation check found.
type revocationStatus struct {
	Revoked   bool
	RevokedAt time.Time
	Reason    int
	// Source names the CRL used (URL or "--crl FILE") and its number.
	Source string
	// Err is set when the status could not be established.
	Err error
}

func (s revocationStatus) String() string {
	switch {
	case s.Err != nil:
		return "UNKNOWN: " + s.Err.Error()
	case s.Revoked:
		return fmt.Sprintf("REVOKED at %s (reason %d; %s)", fmtTime(s.RevokedAt), s.Reason, s.Source)
	}
	return "good (" + s.Source + ")"
}

// signingUsage refuses a signer certificate whose purpose is not signing documents:
// a CA certificate, one whose key usage has neither digitalSignature nor
// nonRepudiation, or one whose extended key usage is only for OCSP responses, time
// stamps or TLS servers. SIGN certificates (nonRepudiation) and AUTH certificates
// (digitalSignature; printed as type AUTH) pass.
func signingUsage(c *x509.Certificate) error {
	if c.IsCA {
		return errors.New("a CA certificate does not sign documents")
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return errors.New("the key usage allows neither digitalSignature nor nonRepudiation")
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) > 0 {
		return nil // national purposes only (e.g. the IIN/BIN policy OIDs)
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageOCSPSigning, x509.ExtKeyUsageTimeStamping, x509.ExtKeyUsageServerAuth:
		default:
			return nil // some purpose that includes signing by a person
		}
	}
	if len(c.ExtKeyUsage) > 0 {
		return errors.New("the extended key usage is only for OCSP responses, time stamps or TLS servers")
	}
	return nil
}

// signerRevocation establishes the revocation status of a signer's certificate cert,
// issued by issuer. With useOCSP (verification as of now, no --crl) it asks the
// certificate's OCSP responders first and takes the first answer that verifies
// (signature by the issuer or its delegated responder, nonce echoed); answers it
// cannot read (GOST-signed ones) or responders that fail fall through to the CRL and
// its delta (checkRevocationByCRL), which also serves --at and --crl, since an OCSP
// answer speaks only of now.
func signerRevocation(ctx context.Context, hc *http.Client, cert, issuer *x509.Certificate, crls [][]byte, at time.Time, useOCSP bool) revocationStatus {
	if useOCSP {
		for _, u := range cert.OCSPServer {
			r, err := checkOCSP(ctx, hc, u, cert, issuer)
			if err != nil {
				continue
			}
			st := revocationStatus{Source: r.Source + ", this update " + fmtTime(r.ThisUpdate)}
			if r.Status == "revoked" {
				st.Revoked, st.RevokedAt, st.Reason = true, r.RevokedAt, reasonCode(r.Reason)
			}
			return st
		}
	}
	return checkRevocationByCRL(ctx, hc, cert, issuer, crls, at)
}

// reasonCode is the RFC 5280 CRLReason code of a reason name of reasonNames (0,
// unspecified, for an empty or unknown name).
func reasonCode(name string) int {
	for code, n := range reasonNames {
		if n == name {
			return code
		}
	}
	return 0
}

// maxCRLSize bounds a downloaded CRL.
const maxCRLSize = 64 << 20

// checkRevocationByCRL establishes the revocation status of cert, issued by issuer,
// as of at, from a CRL: one of crls (DER, given with --crl) issued by cert's issuer,
// else the CRL downloaded from the first http(s) URL of cert's CRL distribution
// points. The CRL's signature is verified with issuer's key (pki: RSA, ECDSA, GOST),
// its issuer must be cert's issuer, and at must not be after its nextUpdate. cert is
// revoked when the CRL lists its serial with a revocation date not after at.
func checkRevocationByCRL(ctx context.Context, hc *http.Client, cert, issuer *x509.Certificate, crls [][]byte, at time.Time) revocationStatus {
	issuerKey, err := pki.PublicKeyOf(issuer)
	if err != nil {
		return revocationStatus{Err: fmt.Errorf("issuer key: %w", err)}
	}
	var der []byte
	source := ""
	for _, c := range crls {
		if rl, err := x509.ParseRevocationList(c); err == nil && bytes.Equal(rl.RawIssuer, cert.RawIssuer) {
			der, source = c, "--crl"
			break
		}
	}
	if der == nil {
		for _, u := range cert.CRLDistributionPoints {
			pu, err := url.Parse(u)
			if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
				continue
			}
			der, err = download(ctx, hc, u)
			if err != nil {
				return revocationStatus{Err: fmt.Errorf("CRL %s: %w", u, err)}
			}
			source = u
			break
		}
	}
	if der == nil {
		return revocationStatus{Err: errors.New("no CRL: the certificate names no http(s) CRL distribution point and no --crl matches its issuer")}
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return revocationStatus{Err: fmt.Errorf("CRL %s does not parse: %w", source, err)}
	}
	if !bytes.Equal(rl.RawIssuer, cert.RawIssuer) {
		return revocationStatus{Err: fmt.Errorf("CRL %s is not issued by the certificate's issuer", source)}
	}
	if _, err := pki.VerifySigned(der, issuerKey); err != nil {
		return revocationStatus{Err: fmt.Errorf("CRL %s: signature: %w", source, err)}
	}
	if !rl.NextUpdate.IsZero() && at.After(rl.NextUpdate) {
		return revocationStatus{Err: fmt.Errorf("CRL %s is out of date (next update %s)", source, fmtTime(rl.NextUpdate))}
	}
	if rl.Number != nil {
		source += ", CRL number " + rl.Number.String()
	}
	source += ", this update " + fmtTime(rl.ThisUpdate)
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(at) {
			return revocationStatus{Revoked: true, RevokedAt: e.RevocationTime, Reason: e.ReasonCode, Source: source}
		}
	}
	// The delta CRL named by the full CRL's Freshest CRL extension lists what was
	// revoked since (RFC 5280 §5.2.4); it is used when it verifies and fits the base.
	if source != "--crl" {
		if d := deltaFor(ctx, hc, rl, issuerKey, at); d != nil {
			dsrc := "delta CRL number " + d.Number.String()
			for _, e := range d.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(at) && e.ReasonCode != 8 {
					return revocationStatus{Revoked: true, RevokedAt: e.RevocationTime, Reason: e.ReasonCode, Source: source + ", " + dsrc}
				}
			}
			source += ", " + dsrc
		}
	}
	return revocationStatus{Source: source}
}

// deltaFor downloads the delta CRL of full (Freshest CRL) and returns it when it is
// signed by issuerKey, current at at, and a delta of full (its base ≤ full's number,
// its number above it); else nil.
func deltaFor(ctx context.Context, hc *http.Client, full *x509.RevocationList, issuerKey crypto.PublicKey, at time.Time) *x509.RevocationList {
	for _, u := range crlExtensions(full).freshest {
		der, err := download(ctx, hc, u)
		if err != nil {
			continue
		}
		d, err := x509.ParseRevocationList(der)
		if err != nil || !bytes.Equal(d.RawIssuer, full.RawIssuer) {
			continue
		}
		if _, err := pki.VerifySigned(der, issuerKey); err != nil {
			continue
		}
		base := crlExtensions(d).deltaBase
		if base == nil || full.Number == nil || d.Number == nil || base.Cmp(full.Number) > 0 || d.Number.Cmp(full.Number) <= 0 {
			continue
		}
		if !d.NextUpdate.IsZero() && at.After(d.NextUpdate) {
			continue
		}
		return d
	}
	return nil
}

func download(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCRLSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCRLSize {
		return nil, errors.New("larger than 64 MiB")
	}
	return b, nil
}
