package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ownersig"
	"github.com/opennca/nca/webkeys"
)

// The owner's commands: login, cabinet, revoke, renew. They sign in with the AUTH key
// of a key pair and sign requests with the pair's SIGN key (docs/owner.md); --key
// names either file of the pair, the other is found by name beside it
// (RSA256_<id>.p12 and AUTH_RSA256_<id>.p12).

// pairPaths returns the signing and authentication files of the pair path belongs to.
func pairPaths(path string) (sign, auth string, err error) {
	dir, base := filepath.Split(path)
	_, id, ok := webkeys.ParseFileName(base)
	if !ok {
		return "", "", fmt.Errorf("%s is not named like a key file of a pair (RSA256_<id>.p12 or AUTH_RSA256_<id>.p12)", path)
	}
	sign, auth = keyPaths(filepath.Clean(dir+"."), id)
	return sign, auth, nil
}

// ownerSession is a signed-in owner with the signing key at hand.
type ownerSession struct {
	cl        *client.Client
	principal wire.Principal
	signKey   crypto.Signer
	signCert  *x509.Certificate
	password  string
	signPath  string
}

// owner opens the key pair of s.key (one password for both files), signs in with the
// AUTH key and returns the session. needSign requires the SIGN file too.
func (a *app) owner(ctx context.Context, cmd string, s *signInFlags, needSign bool) (*ownerSession, error) {
	if err := s.check(cmd); err != nil {
		return nil, err
	}
	if s.key == "" {
		return nil, usagef(cmd, "--key FILE is required: a key file of your pair (RSA256_<id>.p12 or AUTH_RSA256_<id>.p12)")
	}
	signPath, authPath, err := pairPaths(s.key)
	if err != nil {
		return nil, usagef(cmd, "%v", err)
	}
	password, err := a.password(s.pwFile, false)
	if err != nil {
		return nil, err
	}
	authFile, err := readKeyFile(authPath, password)
	if err != nil {
		return nil, err
	}
	if authFile.Key == nil || authFile.Leaf() == nil {
		return nil, fmt.Errorf("%s has no key with an issued certificate: run 'eds fetch' first", authPath)
	}
	o := &ownerSession{password: password, signPath: signPath}
	if needSign {
		signFile, err := readKeyFile(signPath, password)
		if err != nil {
			return nil, err
		}
		if signFile.Key == nil || signFile.Leaf() == nil {
			return nil, fmt.Errorf("%s has no key with an issued certificate: run 'eds fetch' first", signPath)
		}
		o.signKey, o.signCert = signFile.Key, signFile.Leaf()
	}
	if o.cl, err = client.New(s.server, a.http(s.timeout)); err != nil {
		return nil, usagef(cmd, "%v", err)
	}
	tok, err := o.cl.Login(ctx, authFile.Key, authFile.Leaf())
	if err != nil {
		return nil, serverError("sign-in refused", err)
	}
	o.principal = tok.Principal
	return o, nil
}

// sign signs r with the session's SIGN key.
func (a *app) signRequest(o *ownerSession, r ownersig.Request) (*wire.SignedRequest, error) {
	return webkeys.Sign(o.signKey, o.signCert, a.rand, a.now(), r)
}

func cmdLogin(ctx context.Context, a *app, args []string) error {
	fs := a.flags("login", "eds login --server URL --key AUTH_RSA256_<id>.p12 [--print-token]",
		`Signs in with the AUTH certificate: the server's one-time challenge is signed with the
AUTH key and exchanged for a short-lived token. Prints who the token speaks for; with
--print-token also the token (for scripts: Authorization: Bearer <token>). The other
commands sign in by themselves.

Output: "iin: …", "bin: …", "name: …", "roles: …", "certificate: <issuer>/<serial>",
"expires: …" (and "token: …").`)
	var s signInFlags
	s.register(fs)
	printToken := fs.Bool("print-token", false, "print the bearer token too")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	o, err := a.owner(ctx, "login", &s, false)
	if err != nil {
		return err
	}
	p := o.principal
	w := a.stdout
	fmt.Fprintf(w, "iin: %s\n", p.IIN)
	if p.BIN != "" {
		fmt.Fprintf(w, "bin: %s\n", p.BIN)
	}
	fmt.Fprintf(w, "name: %s\nroles: %s\ncertificate: %s/%s\n", p.Name, dash(strings.Join(p.Roles, ", ")), p.Issuer, p.Serial)
	if *printToken {
		fmt.Fprintf(w, "token: %s\n", o.cl.Token())
	}
	return nil
}

func cmdCabinet(ctx context.Context, a *app, args []string) error {
	fs := a.flags("cabinet", "eds cabinet --server URL --key FILE [--json]",
		`The personal cabinet: your certificates (serial, type, template, organisation BIN,
validity, status), your applications with their status history, and the revocation
and renewal requests you made or that concern you. A first head also sees the
certificates of the organisation's employees.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's Cabinet as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	o, err := a.owner(ctx, "cabinet", &s, false)
	if err != nil {
		return err
	}
	cab, err := o.cl.Cabinet(ctx)
	if err != nil {
		return serverError("cannot read the cabinet", err)
	}
	if *asJSON {
		return printJSON(a.stdout, cab)
	}
	printCabinet(a.stdout, cab)
	return nil
}

func certRows(cs []wire.CabinetCertificate, withIIN bool) [][]string {
	head := []string{"SERIAL", "TYPE", "TEMPLATE", "BIN", "VALID FROM", "VALID TO", "STATUS"}
	if withIIN {
		head = append(head, "IIN")
	}
	rows := [][]string{head}
	for _, c := range cs {
		st := string(c.Status)
		if c.RevokedAt != nil {
			st += " " + fmtTime(*c.RevokedAt)
		}
		r := []string{c.Serial, string(c.Type), dash(c.Template), dash(c.BIN), fmtTime(c.NotBefore), fmtTime(c.NotAfter), st}
		if withIIN {
			r = append(r, c.IIN)
		}
		rows = append(rows, r)
	}
	return rows
}

// printCabinet prints the cabinet in sections: "certificates:", a table; "employees'
// certificates:" (heads); "applications:", each as 'eds status' prints it; "requests:",
// a table.
func printCabinet(w io.Writer, c *wire.Cabinet) {
	fmt.Fprintf(w, "iin: %s\n\ncertificates:\n", c.IIN)
	writeTable(w, certRows(c.Certificates, false))
	if len(c.Employees) > 0 {
		fmt.Fprintf(w, "\nemployees' certificates:\n")
		writeTable(w, certRows(c.Employees, true))
	}
	fmt.Fprintf(w, "\napplications:\n")
	for i := range c.Applications {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printStatus(w, &c.Applications[i])
	}
	fmt.Fprintf(w, "\nrequests:\n")
	rows := [][]string{{"AT", "ACTION", "OBJECT", "SIGNED BY", "RESULT"}}
	for _, r := range c.Requests {
		rows = append(rows, []string{fmtTime(r.At), r.Action, r.Object, r.SignerIIN, r.Result})
	}
	writeTable(w, rows)
}

func cmdRevoke(ctx context.Context, a *app, args []string) error {
	fs := a.flags("revoke", "eds revoke --server URL --key RSA256_<id>.p12 --reason REASON SERIAL...",
		`Revokes certificates online, at once (the CRL is republished before the answer), by a
request signed with your valid SIGN key. You may revoke your own certificates
(reasons owner_request, key_compromise); an organisation's first head may also revoke
an employee's (reason dismissal too). The requests are kept in the cabinet.

Output: "revoked: <serial> <type> <time>" per certificate.`)
	var s signInFlags
	s.register(fs)
	reason := fs.String("reason", "", "owner_request, key_compromise or (first head, for an employee) dismissal")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("revoke", "missing SERIAL")
	}
	if *reason == "" {
		return usagef("revoke", "--reason is required (owner_request, key_compromise or dismissal)")
	}
	o, err := a.owner(ctx, "revoke", &s, true)
	if err != nil {
		return err
	}
	for _, serial := range pos {
		n := strings.TrimLeft(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(serial, "0x"), ":", "")), "0")
		req, err := a.signRequest(o, client.RevokeRequest(n, *reason))
		if err != nil {
			return err
		}
		resp, err := o.cl.OwnerRevoke(ctx, n, req)
		if err != nil {
			return serverError("certificate "+serial+" was not revoked", err)
		}
		c := resp.Certificate
		at := ""
		if c.RevokedAt != nil {
			at = fmtTime(*c.RevokedAt)
		}
		fmt.Fprintf(a.stdout, "revoked: %s %s %s\n", c.Serial, c.Type, at)
	}
	return nil
}

func cmdRenew(ctx context.Context, a *app, args []string) error {
	fs := a.flags("renew", "eds renew --server URL --key RSA256_<id>.p12 [--dir KEYS] [--alg rsa2048] [--revoke-old]",
		`Renews your certificates without a visit ("simplified re-issue"): makes new signing
and authentication key pairs here (as keygen, same password), sends their requests
signed with your current, valid SIGN key, and installs the new certificates into the
new key files. By default the old certificates stay valid until they expire (as the
national CA does); --revoke-old revokes them once the new ones are issued. Refused for
Treasury-Client participants and for expired or revoked certificates. An employee's
renewal waits for the first head's confirmation: then run 'eds fetch NUMBER'.

Output: the new application number, "state: …", "sign: <path>", "auth: <path>", then
"installed: <serial> <type> <path>" per certificate when issued.`)
	var s signInFlags
	s.register(fs)
	dir := fs.String("dir", "", "`directory` for the new key files (default: the directory of --key)")
	alg := fs.String("alg", "rsa2048", "key algorithm: rsa2048, rsa3072 or rsa4096")
	revokeOld := fs.Bool("revoke-old", false, "revoke the old certificates once the new ones are issued")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	if _, ok := webkeys.RSABits(*alg); !ok {
		return usagef("renew", "unknown --alg %q (rsa2048, rsa3072 or rsa4096)", *alg)
	}
	o, err := a.owner(ctx, "renew", &s, true)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = filepath.Dir(o.signPath)
	}
	rn, err := a.keys().RenewWith(o.signKey, o.signCert, *alg, o.password, *revokeOld)
	if err != nil {
		return err
	}
	paths := map[core.CertType]string{}
	files := map[core.CertType]*webkeys.File{}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("creating the key directory: %w", err)
	}
	for i := range rn.Files {
		f := &rn.Files[i]
		paths[f.Type], files[f.Type] = filepath.Join(*dir, f.Name), f
		if err := writeNewFile(paths[f.Type], f.Data); err != nil {
			return fmt.Errorf("writing the %s key file: %w", f.Type, err)
		}
	}
	resp, err := o.cl.Renew(ctx, rn.Body)
	if err != nil {
		for _, p := range paths {
			_ = os.Remove(p)
		}
		return serverError("the server refused the renewal", err)
	}
	w := a.stdout
	fmt.Fprintln(w, resp.Status.Number)
	fmt.Fprintf(w, "state: %s\nsign: %s\nauth: %s\n", resp.Status.State, paths[core.CertSign], paths[core.CertAuth])
	env := a.keys()
	for _, ic := range resp.Certificates {
		f := files[ic.Type]
		if f == nil {
			continue
		}
		data, _, err := env.Install(f.Data, o.password, []wire.IssuedCertificate{ic})
		if err != nil {
			return fmt.Errorf("installing certificate %s into %s: %w", ic.Serial, paths[ic.Type], err)
		}
		if err := replaceFile(paths[ic.Type], data); err != nil {
			return fmt.Errorf("writing %s: %w", paths[ic.Type], err)
		}
		fmt.Fprintf(w, "installed: %s %s %s\n", ic.Serial, ic.Type, paths[ic.Type])
	}
	if resp.Status.State == core.StateAwaitingHead {
		fmt.Fprintf(w, "next steps: the first head of your organisation must confirm the renewal; then run: eds fetch --dir %s %s\n", *dir, resp.Status.Number)
	}
	return nil
}
