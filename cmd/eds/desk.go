package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
)

func cmdDesk(ctx context.Context, a *app, args []string) error {
	return subcommands(ctx, a, "desk", `The registration-centre operator's desk. Every subcommand signs in with the operator's
AUTH key file (--key, with its issued certificate; password as for keygen) and then acts.`,
		deskCommands(), args)
}

// deskCommands is the table of "eds desk" subcommands.
func deskCommands() []command {
	return []command{
		{"list", "list applications (filters: --state, --iin, --number)", deskList},
		{"show", "show an application beside the registry data, its checklist and history", deskShow},
		{"accept", "accept an application with the documents presented; prints the receipt", deskAccept},
		{"refuse-documents", "refuse an incomplete document set; prints the receipt with the missing documents", deskRefuseDocuments},
		{"receipt", "write a receipt given by accept or refuse-documents to a PDF file", deskReceipt},
		{"form", "write the printable application form to a PDF file", deskForm},
		{"approve", "approve an accepted application: issues the certificates", deskApprove},
		{"refuse", "give a motivated refusal (under_16, false_information, court_decision)", deskRefuse},
		{"revoke", "revoke a certificate by serial", deskRevoke},
	}
}

// refusalReasons are the --reason values of "eds desk refuse".
func refusalReasons() []string {
	return []string{string(core.RefusalUnder16), string(core.RefusalFalseInfo), string(core.RefusalCourtDecision), string(core.RefusalRegistryMismatch)}
}

// revocationReasons are the --reason values of "eds desk revoke".
func revocationReasons() []string {
	return []string{"owner_request", "owner_death", "false_information", "dismissal", "key_compromise"}
}

func deskList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("desk list", "eds desk list --server URL --key FILE [--state S] [--iin IIN] [--number N] [--json]",
		`Lists applications. Output: a header line "NUMBER  STATE  TEMPLATE  IIN  CREATED  NAME"
and one line per application, columns separated by two or more spaces (NAME last).`)
	var s signInFlags
	s.register(fs)
	var f client.DeskFilter
	fs.StringVar(&f.State, "state", "", "only applications in this `state`")
	fs.StringVar(&f.IIN, "iin", "", "only applications of this `IIN`")
	fs.StringVar(&f.Number, "number", "", "only the application with this `number`")
	asJSON := fs.Bool("json", false, "print the API's DeskList as JSON")
	cl, _, err := a.parseAndSignIn(ctx, fs, &s, args)
	if err != nil {
		return err
	}
	list, err := cl.DeskList(ctx, f)
	if err != nil {
		return serverError("cannot list applications", err)
	}
	if *asJSON {
		return printJSON(a.stdout, list)
	}
	return printList(a.stdout, list)
}

func deskShow(ctx context.Context, a *app, args []string) error {
	fs := a.flags("desk show", "eds desk show --server URL --key FILE [--json] NUMBER",
		`Shows an application as the operator checks it: the form beside the state registry's
data (lines whose values differ end with "<-- MISMATCH", the server's findings follow as
"mismatch: …" lines), the document checklist with the ids to pass to accept, the key
requests and the history.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's DeskApplication as JSON")
	cl, pos, err := a.parseAndSignIn(ctx, fs, &s, args, "NUMBER")
	if err != nil {
		return err
	}
	d, err := cl.DeskApplication(ctx, pos[0])
	if err != nil {
		return serverError("cannot show application "+pos[0], err)
	}
	if *asJSON {
		return printJSON(a.stdout, d)
	}
	return printDeskApplication(a.stdout, d)
}

func printDeskApplication(w io.Writer, d *wire.DeskApplication) error {
	app := d.Application
	ap := app.Applicant
	fmt.Fprintf(w, "number: %s\n", app.Number)
	fmt.Fprintf(w, "template: %s\n", app.Template)
	fmt.Fprintf(w, "state: %s\n", app.State)
	fmt.Fprintf(w, "created: %s\n", fmtTime(app.CreatedAt))
	fmt.Fprintf(w, "deadline: %s\n", fmtTime(app.Deadline))
	fmt.Fprintf(w, "age: %d\n", d.Age)
	if app.ReceiptNumber != "" {
		fmt.Fprintf(w, "receipt: %s\n", app.ReceiptNumber)
	}
	if app.RefusalReason != "" {
		fmt.Fprintf(w, "refusal reason: %s\n", app.RefusalReason)
	}
	if app.RefusalDetail != "" {
		fmt.Fprintf(w, "refusal detail: %s\n", oneLine(app.RefusalDetail))
	}
	if app.HeadConfirmedBy != "" {
		fmt.Fprintf(w, "head confirmed by: %s\n", app.HeadConfirmedBy)
	}

	fmt.Fprintln(w, "form and registry:")
	rows := [][]string{{"  FIELD", "FORM", "REGISTRY", ""}}
	row := func(field, form, reg string, compare bool) {
		if form == "" && reg == "" {
			return
		}
		mark := ""
		if compare && !strings.EqualFold(strings.TrimSpace(form), strings.TrimSpace(reg)) {
			mark = "<-- MISMATCH"
		}
		rows = append(rows, []string{"  " + field, dash(form), dash(reg), mark})
	}
	p, o := d.Registry.Person, d.Registry.Organization
	if p != nil {
		row("iin", ap.IIN, p.IIN, true)
		row("surname", ap.Surname, p.Surname, true)
		row("name", ap.Name, p.Name, true)
		row("patronymic", ap.Patronymic, p.Patronymic, true)
		row("birth date", "", p.BirthDate, false)
		if p.Deceased {
			rows = append(rows, []string{"  deceased", "-", "yes", "<-- MISMATCH"})
		}
	} else {
		row("iin", ap.IIN, "(not in the registry)", ap.IIN != "")
		row("surname", ap.Surname, "", false)
		row("name", ap.Name, "", false)
		row("patronymic", ap.Patronymic, "", false)
	}
	if o != nil {
		row("bin", ap.BIN, o.BIN, true)
		row("organization", ap.Organization, o.Name, true)
		row("role", ap.Role, o.Role, o.Role != "")
		row("head iin", "", o.HeadIIN, false)
	} else if ap.BIN != "" {
		row("bin", ap.BIN, "(not in the registry)", true)
		row("organization", ap.Organization, "", false)
		row("role", ap.Role, "", false)
	}
	for _, f := range [][2]string{
		{"region", ap.Region}, {"city", ap.City}, {"email", ap.Email}, {"phone", ap.Phone},
		{"language", ap.Language}, {"domain", ap.Domain}, {"extra domains", strings.Join(ap.ExtraDomains, ", ")},
		{"state body code", ap.StateBodyCode}, {"rnn", ap.RNN}, {"system role", ap.SystemRole},
		{"residence document", ap.ResidenceDocument},
	} {
		row(f[0], f[1], "", false)
	}
	writeTable(w, rows)
	for _, m := range d.Registry.Mismatches {
		fmt.Fprintf(w, "mismatch: %s\n", oneLine(m))
	}
	var types []string
	for _, r := range app.Requests {
		types = append(types, string(r.Type))
	}
	fmt.Fprintf(w, "requests: %s\n", strings.Join(types, ", "))
	printDocuments(w, "checklist", d.Checklist)
	if len(app.DocumentsPresented) > 0 {
		fmt.Fprintf(w, "documents presented: %s\n", strings.Join(app.DocumentsPresented, ", "))
	}
	if len(app.MissingDocuments) > 0 {
		fmt.Fprintf(w, "missing documents: %s\n", strings.Join(app.MissingDocuments, ", "))
	}
	printHistory(w, wire.Events(d.History))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// deskDocs is the shared body of accept and refuse-documents.
func deskDocs(ctx context.Context, a *app, args []string, name, about string,
	call func(*client.Client, context.Context, string, *wire.AcceptRequest) (*wire.Receipt, error)) error {
	fs := a.flags("desk "+name, "eds desk "+name+" --server URL --key FILE NUMBER --doc ID [--doc ID ...] [--representative NAME --representative-phone PHONE]", about)
	var s signInFlags
	s.register(fs)
	var docs stringList
	fs.Var(&docs, "doc", "`id` of a checklist document presented (repeatable; ids as 'eds desk show' lists them)")
	var req wire.AcceptRequest
	fs.StringVar(&req.Representative, "representative", "", "`name` of the representative who came instead of the applicant")
	fs.StringVar(&req.RepresentativePhone, "representative-phone", "", "the representative's `phone`")
	asJSON := fs.Bool("json", false, "print the API's Receipt as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	if name == "accept" && len(docs) == 0 {
		return usagef(fs.cmd, "give the documents presented with --doc ID (see 'eds desk show')")
	}
	req.Presented = append([]string{}, docs...)
	cl, err := a.signIn(ctx, fs.cmd, &s)
	if err != nil {
		return err
	}
	r, err := call(cl, ctx, pos[0], &req)
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, r)
	}
	printReceipt(a.stdout, r)
	return nil
}

func deskAccept(ctx context.Context, a *app, args []string) error {
	return deskDocs(ctx, a, args, "accept", `Records the documents presented and accepts the application. Output: the receipt as
"key: value" lines ("receipt", "application", "refused: false", "date", "service",
"documents: N" with "  - <document>" items, "result date" and "result place" (not for refusals), "operator",
"applicant", "representative"). An incomplete set is refused by the server with the
missing documents listed (exit 1).`, (*client.Client).Accept)
}

func deskRefuseDocuments(ctx context.Context, a *app, args []string) error {
	return deskDocs(ctx, a, args, "refuse-documents", `Refuses an incomplete document set: the receipt lists what is missing ("refused: true",
"missing: N" with "  - <document>" items).`, (*client.Client).RefuseDocuments)
}

func deskApprove(ctx context.Context, a *app, args []string) error {
	fs := a.flags("desk approve", "eds desk approve --server URL --key FILE [--json] NUMBER",
		`Approves an accepted application. Output: "state: issued" and one
"certificate: <serial> <type> <status> <not after>" line per certificate, or
"state: refused" with "refusal reason: …" and "refusal detail: …" when a rule checked
at decision time refused it.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's ApproveResponse as JSON")
	cl, pos, err := a.parseAndSignIn(ctx, fs, &s, args, "NUMBER")
	if err != nil {
		return err
	}
	r, err := cl.Approve(ctx, pos[0])
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, r)
	}
	fmt.Fprintf(a.stdout, "state: %s\n", r.Status.State)
	if r.Status.RefusalReason != "" {
		fmt.Fprintf(a.stdout, "refusal reason: %s\n", r.Status.RefusalReason)
	}
	if r.Status.RefusalDetail != "" {
		fmt.Fprintf(a.stdout, "refusal detail: %s\n", oneLine(r.Status.RefusalDetail))
	}
	printIssued(a.stdout, r.Certificates)
	return nil
}

func deskRefuse(ctx context.Context, a *app, args []string) error {
	fs := a.flags("desk refuse", "eds desk refuse --server URL --key FILE NUMBER --reason "+strings.Join(refusalReasons(), "|")+" [--detail TEXT]",
		`Gives a motivated refusal. Output: the application's status as 'eds status' prints it.`)
	var s signInFlags
	s.register(fs)
	var req wire.DecisionRequest
	reason := fs.String("reason", "", "ground of the refusal: "+strings.Join(refusalReasons(), ", "))
	fs.StringVar(&req.Detail, "detail", "", "free text of the motivated refusal")
	asJSON := fs.Bool("json", false, "print the API's Status as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	if !slices.Contains(refusalReasons(), *reason) {
		return usagef(fs.cmd, "--reason must be one of %s", strings.Join(refusalReasons(), ", "))
	}
	req.Reason = core.RefusalReason(*reason)
	cl, err := a.signIn(ctx, fs.cmd, &s)
	if err != nil {
		return err
	}
	st, err := cl.Refuse(ctx, pos[0], &req)
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	return nil
}

func deskRevoke(ctx context.Context, a *app, args []string) error {
	fs := a.flags("desk revoke", "eds desk revoke --server URL --key FILE SERIAL --reason "+strings.Join(revocationReasons(), "|")+" [--detail TEXT]",
		`Revokes the certificate with serial number SERIAL (hex). Output: "serial: …",
"status: …", "revoked at: …", "reason: <RFC 5280 code>", "type: …", "subject: …".`)
	var s signInFlags
	s.register(fs)
	var req wire.RevokeRequest
	fs.StringVar(&req.Reason, "reason", "", "ground of the revocation: "+strings.Join(revocationReasons(), ", "))
	fs.StringVar(&req.Detail, "detail", "", "free text (e.g. the order number)")
	asJSON := fs.Bool("json", false, "print the API's RevokeResponse as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "SERIAL"); err != nil {
		return err
	}
	if !slices.Contains(revocationReasons(), req.Reason) {
		return usagef(fs.cmd, "--reason must be one of %s", strings.Join(revocationReasons(), ", "))
	}
	cl, err := a.signIn(ctx, fs.cmd, &s)
	if err != nil {
		return err
	}
	r, err := cl.Revoke(ctx, strings.ToLower(pos[0]), &req)
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, r)
	}
	c := r.Certificate
	fmt.Fprintf(a.stdout, "serial: %s\n", c.Serial)
	fmt.Fprintf(a.stdout, "status: %s\n", c.Status)
	if c.RevokedAt != nil {
		fmt.Fprintf(a.stdout, "revoked at: %s\n", fmtTime(*c.RevokedAt))
	}
	fmt.Fprintf(a.stdout, "reason: %d\n", c.Reason)
	fmt.Fprintf(a.stdout, "type: %s\n", c.Type)
	fmt.Fprintf(a.stdout, "subject: %s\n", c.Subject)
	return nil
}
