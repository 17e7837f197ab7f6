package main

import (
	"context"
	"fmt"

	"github.com/opennca/nca/client"
)

func cmdStatus(ctx context.Context, a *app, args []string) error {
	fs := a.flags("status", "eds status --server URL [--json] NUMBER",
		`Shows the status of an application: state, deadline, the refusal reason and detail
when refused, missing documents after a desk visit, the issued certificates' serials
and the history.

Output (stdout): "number: …", "template: …", "state: …", "created: …", "deadline: …",
["refusal reason: …", "refusal detail: …", "missing documents: a, b"], one
"certificate: <serial>" per issued certificate, then "history:" with one line per event
"  <time> <action> <from> -> <to> by <actor>[: <detail>]". With --json: the API's
Status document. With --revocation, each issued certificate's revocation status is
checked where relying parties check it (OCSP, then the CRLs) and printed as
"revocation: <serial> good|revoked [<time> <reason>] (<source>)".`)
	var sf serverFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	revocation := fs.Bool("revocation", false, "check each issued certificate by OCSP, with CRL fallback")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	if err := sf.check("status"); err != nil {
		return err
	}
	cl, err := client.New(sf.server, a.http(sf.timeout))
	if err != nil {
		return usagef("status", "%v", err)
	}
	st, err := cl.Status(ctx, pos[0])
	if err != nil {
		return serverError("cannot get the status of application "+pos[0], err)
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	if *revocation && len(st.Certificates) > 0 {
		certs, err := cl.Certificates(ctx, pos[0])
		if err != nil {
			return serverError("cannot get the certificates of application "+pos[0], err)
		}
		var ders, issuers [][]byte
		for _, c := range certs.Certificates {
			ders = append(ders, c.DER)
			var issuer []byte
			if len(c.Chain) > 0 {
				issuer = c.Chain[0]
			}
			issuers = append(issuers, issuer)
		}
		for _, line := range revocationLines(ctx, a.http(sf.timeout), ders, issuers, a.now()) {
			fmt.Fprintln(a.stdout, line)
		}
	}
	return nil
}
