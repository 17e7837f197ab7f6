package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
	"github.com/opennca/nca/core"
)

func cmdHead(ctx context.Context, a *app, args []string) error {
	return subcommands(ctx, a, "head", `An organisation's first head confirms (or rejects) employees' applications before they
go to a registration centre. Every subcommand signs in with the head's AUTH key file
(--key, with its issued certificate; password as for keygen).`,
		headCommands(), args)
}

// headCommands is the table of "eds head" subcommands.
func headCommands() []command {
	return []command{
		{"list", "list the employees' applications awaiting your confirmation", headList},
		{"confirm", "confirm an employee's application", headConfirm},
		{"reject", "reject an employee's application", headReject},
	}
}

func headList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("head list", "eds head list --server URL --key FILE [--json]",
		`Lists the applications awaiting your confirmation, in the format of 'eds desk list'.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's DeskList as JSON")
	cl, _, err := a.parseAndSignIn(ctx, fs, &s, args)
	if err != nil {
		return err
	}
	list, err := cl.HeadList(ctx)
	if err != nil {
		return serverError("cannot list applications", err)
	}
	if *asJSON {
		return printJSON(a.stdout, list)
	}
	return printList(a.stdout, list)
}

// headDecide signs the head's decision on application number with the SIGN key of the
// pair: the payload carries the digest of the application as the head list shows it.
func (a *app) headDecide(ctx context.Context, s *signInFlags, cmd, number string, confirm bool, reason string) (*wire.Status, error) {
	o, err := a.owner(ctx, cmd, s, true)
	if err != nil {
		return nil, err
	}
	list, err := o.cl.HeadList(ctx)
	if err != nil {
		return nil, serverError("cannot list applications", err)
	}
	var app *core.Application
	for i := range list.Applications {
		if strings.EqualFold(strings.ReplaceAll(list.Applications[i].Number, "-", ""), strings.ReplaceAll(number, "-", "")) {
			app = &list.Applications[i]
		}
	}
	if app == nil {
		return nil, fmt.Errorf("application %s is not among those awaiting your confirmation ('eds head list')", number)
	}
	req, err := a.signRequest(o, client.HeadDecision(app, confirm, reason))
	if err != nil {
		return nil, err
	}
	var st *wire.Status
	if confirm {
		st, err = o.cl.HeadConfirm(ctx, app.Number, req)
	} else {
		st, err = o.cl.HeadReject(ctx, app.Number, req)
	}
	if err != nil {
		return nil, serverError("the server refused", err)
	}
	return st, nil
}

func headConfirm(ctx context.Context, a *app, args []string) error {
	fs := a.flags("head confirm", "eds head confirm --server URL --key FILE [--json] NUMBER",
		`Confirms an employee's application by signing its content with your SIGN key (the
pair of --key: RSA256_<id>.p12 beside AUTH_RSA256_<id>.p12, one password). The signed
confirmation is kept by the authority as evidence. Output: the application's status as
'eds status' prints it.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's Status as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	st, err := a.headDecide(ctx, &s, fs.cmd, pos[0], true, "")
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	return nil
}

func headReject(ctx context.Context, a *app, args []string) error {
	fs := a.flags("head reject", "eds head reject --server URL --key FILE NUMBER --reason REASON [--detail TEXT]",
		`Rejects an employee's application by a request signed with your SIGN key. REASON is a
refusal ground such as false_information; the detail tells the employee why. Output:
the application's status as 'eds status' prints it.`)
	var s signInFlags
	s.register(fs)
	reason := fs.String("reason", "", "ground of the rejection (e.g. "+strings.Join(refusalReasons(), ", ")+")")
	detail := fs.String("detail", "", "free text: why")
	asJSON := fs.Bool("json", false, "print the API's Status as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, "NUMBER"); err != nil {
		return err
	}
	if *reason == "" {
		return usagef(fs.cmd, "--reason is required")
	}
	text := strings.TrimSpace(*reason + " " + strings.ReplaceAll(*detail, "\n", " "))
	text = strings.Join(strings.Fields(text), " ")
	st, err := a.headDecide(ctx, &s, fs.cmd, pos[0], false, text)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	return nil
}
