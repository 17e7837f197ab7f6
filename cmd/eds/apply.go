package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/pki"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/webkeys"
)

func cmdApply(ctx context.Context, a *app, args []string) error {
	fs := a.flags("apply", `eds apply --server URL --dir KEYS [--id ID] --template T --iin IIN --surname S --name N
       [--patronymic P] --region R --city C --email E --phone PH [--lang kk|ru|en]
       [--bin BIN --org NAME --role ROLE] [--state-body-code C --rnn RNN --system-role R]
       [--residence-document DOC] [--password-file FILE] --agree
       eds apply --server URL --template ssl_individual|ssl_legal --csr FILE.pem --domain D
       [--extra-domain D2 ...] [--dir DIR] ... --agree`,
		`Sends an application for certificates. For the key templates it signs a PKCS#10
request with each key of the pair in KEYS (RSA256_<id>.p12 or GOSTKNCA_<id>.p12 → SIGN, AUTH_RSA256_<id>.p12 →
AUTH: proof of possession); the password is asked as for keygen. For ssl_* templates it
sends the one request of --csr (PEM or DER, made e.g. with openssl) and needs no key files.
--agree confirms that you read the certificate policy and the user agreement and consent to
the processing of personal data and to e-mail notifications; without it nothing is sent.

Output (stdout): the application number alone on the first line, then "state: …",
"deadline: …", "next steps: …", "documents:" with one "  - <id>: <title> (required|optional)"
per item, and "saved: <path>" for the copy of the answer kept as application-<number>.json.`)
	var sf serverFlags
	sf.register(fs)
	dir := fs.String("dir", "", "`directory` of the key files (and where the answer is saved)")
	id := fs.String("id", "", "key pair `id` when KEYS holds several")
	template := fs.String("template", "", "applicant template: "+strings.Join(templateIDs(), ", "))
	var ap core.Applicant
	fs.StringVar(&ap.IIN, "iin", "", "applicant's IIN (12 digits)")
	fs.StringVar(&ap.Surname, "surname", "", "surname")
	fs.StringVar(&ap.Name, "name", "", "given name")
	fs.StringVar(&ap.Patronymic, "patronymic", "", "patronymic")
	fs.StringVar(&ap.Region, "region", "", "region")
	fs.StringVar(&ap.City, "city", "", "city")
	fs.StringVar(&ap.Email, "email", "", "e-mail address for notifications")
	fs.StringVar(&ap.Phone, "phone", "", "phone number")
	fs.StringVar(&ap.Language, "lang", "", "language of notifications: kk, ru or en")
	fs.StringVar(&ap.BIN, "bin", "", "organisation's BIN (legal templates)")
	fs.StringVar(&ap.Organization, "org", "", "organisation's name (legal templates)")
	fs.StringVar(&ap.Role, "role", "", "role in the organisation: "+strings.Join(profile.LegalRoles(), ", "))
	fs.StringVar(&ap.Domain, "domain", "", "domain name (SSL templates)")
	var extra stringList
	fs.Var(&extra, "extra-domain", "additional domain name (SSL templates; repeatable)")
	csrFile := fs.String("csr", "", "PKCS#10 request `FILE` (PEM or DER) for SSL templates")
	fs.StringVar(&ap.StateBodyCode, "state-body-code", "", "Treasury-Client state body code")
	fs.StringVar(&ap.RNN, "rnn", "", "Treasury-Client RNN")
	fs.StringVar(&ap.SystemRole, "system-role", "", "role in the Treasury-Client or E-Notariat system")
	fs.StringVar(&ap.ResidenceDocument, "residence-document", "", "non-residents: the document carrying the IIN/BIN")
	pwFile := fs.String("password-file", "", "read the key file password from the first line of `FILE`")
	agree := fs.Bool("agree", false, "agree to the certificate policy, the user agreement, personal data processing and e-mail notifications")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos); err != nil {
		return err
	}
	if err := sf.check("apply"); err != nil {
		return err
	}
	if *template == "" {
		return usagef("apply", "--template is required: %s", strings.Join(templateIDs(), ", "))
	}
	tmpl, ok := profile.Lookup(*template)
	if !ok {
		return usagef("apply", "unknown template %q: %s", *template, strings.Join(templateIDs(), ", "))
	}
	if ap.Language != "" && ap.Language != "kk" && ap.Language != "ru" && ap.Language != "en" {
		return usagef("apply", "--lang must be kk, ru or en")
	}
	ap.ExtraDomains = extra
	if !*agree {
		return errors.New(`nothing was sent: an application needs your agreement. Read the certificate policy and the user agreement, then run again with --agree to confirm that you:
  - read the certificate policy,
  - read the user agreement,
  - consent to the processing of your personal data,
  - consent to notifications by e-mail`)
	}

	req := &wire.SubmitRequest{
		Template:  tmpl.ID,
		Applicant: ap,
		Consents:  wire.Consents{Policy: true, Agreement: true, PersonalData: true, Notifications: true},
	}
	saveDir := *dir
	if tmpl.SSL {
		if *csrFile == "" {
			return usagef("apply", "template %s needs --csr FILE (a PKCS#10 request for the server key)", tmpl.ID)
		}
		csr, err := readCSR(*csrFile)
		if err != nil {
			return err
		}
		req.Requests = []wire.KeyRequest{{Type: core.CertSSL, CSR: csr.Raw}}
		if saveDir == "" {
			saveDir = filepath.Dir(*csrFile)
		}
	} else {
		if *csrFile != "" {
			return usagef("apply", "--csr is for the SSL templates; template %s uses the key pair in --dir", tmpl.ID)
		}
		if *dir == "" {
			return usagef("apply", "--dir KEYS is required (the directory of the key files made by eds keygen)")
		}
		if ap.Surname == "" || ap.Name == "" || ap.IIN == "" {
			return usagef("apply", "--iin, --surname and --name are required")
		}
		pair, err := pickPair(*dir, *id)
		if err != nil {
			return err
		}
		password, err := a.password(*pwFile, false)
		if err != nil {
			return err
		}
		signPath, authPath := keyPaths(*dir, pair)
		subject := &x509.CertificateRequest{Subject: webkeys.CSRSubject(ap)}
		for _, k := range []struct {
			typ  core.CertType
			path string
		}{{core.CertSign, signPath}, {core.CertAuth, authPath}} {
			c, err := readKeyFile(k.path, password)
			if err != nil {
				return err
			}
			if c.Key == nil {
				return fmt.Errorf("%s holds no private key", k.path)
			}
			der, err := webkeys.MakeCSR(a.rand, c.Key, subject)
			if err != nil {
				return fmt.Errorf("making the %s certificate request: %w", k.typ, err)
			}
			req.Requests = append(req.Requests, wire.KeyRequest{Type: k.typ, CSR: der})
		}
	}

	cl, err := client.New(sf.server, a.http(sf.timeout))
	if err != nil {
		return usagef("apply", "%v", err)
	}
	resp, err := cl.Submit(ctx, req)
	if err != nil {
		return serverError("the server refused the application", err)
	}

	w := a.stdout
	fmt.Fprintln(w, resp.Number)
	fmt.Fprintf(w, "state: %s\n", resp.State)
	fmt.Fprintf(w, "deadline: %s\n", fmtTime(resp.Deadline))
	if resp.NextSteps != "" {
		fmt.Fprintf(w, "next steps: %s\n", oneLine(resp.NextSteps))
	}
	printDocuments(w, "documents", resp.Documents)
	if saveDir != "" {
		path := filepath.Join(saveDir, "application-"+safeName(resp.Number)+".json")
		data, err := json.MarshalIndent(resp, "", "  ")
		if err == nil {
			err = replaceFile(path, append(data, '\n'))
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "eds apply: warning: could not save the answer to %s: %v\n", path, err)
		} else {
			fmt.Fprintf(w, "saved: %s\n", path)
		}
	}
	return nil
}

// serverError words an error of a server call: "<what>: <detail>" for a problem
// answer (with the missing items), the transport error otherwise.
func serverError(what string, err error) error {
	if p, ok := client.AsProblem(err); ok {
		msg := p.Detail
		if msg == "" {
			msg = p.Title
		}
		if len(p.Missing) > 0 {
			msg += "; missing: " + strings.Join(p.Missing, ", ")
		}
		return fmt.Errorf("%s: %s (HTTP %d)", what, msg, p.StatusCode)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("cannot reach the server: %w", err)
}

func templateIDs() []string {
	var ids []string
	for _, t := range profile.Templates() {
		ids = append(ids, t.ID)
	}
	return ids
}

// readCSR reads a PKCS#10 request (PEM "CERTIFICATE REQUEST" or DER) and checks its
// signature.
func readCSR(path string) (*x509.CertificateRequest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the certificate request: %w", err)
	}
	csr, _, err := pki.DecodeCertificateRequest(data)
	if errors.Is(err, pki.ErrBadSignature) {
		return nil, fmt.Errorf("%s: the request's signature does not verify: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a PKCS#10 certificate request with a supported key: %w", path, err)
	}
	return csr, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// safeName makes an application number safe as part of a file name.
func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}
