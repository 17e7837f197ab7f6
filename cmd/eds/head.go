package main

import (
	"context"
	"strings"

	"github.com/opennca/nca/api/wire"
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

func headConfirm(ctx context.Context, a *app, args []string) error {
	fs := a.flags("head confirm", "eds head confirm --server URL --key FILE [--json] NUMBER",
		`Confirms an employee's application, signed in with your own signature. Output: the
application's status as 'eds status' prints it.`)
	var s signInFlags
	s.register(fs)
	asJSON := fs.Bool("json", false, "print the API's Status as JSON")
	cl, pos, err := a.parseAndSignIn(ctx, fs, &s, args, "NUMBER")
	if err != nil {
		return err
	}
	st, err := cl.HeadConfirm(ctx, pos[0])
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	return nil
}

func headReject(ctx context.Context, a *app, args []string) error {
	fs := a.flags("head reject", "eds head reject --server URL --key FILE NUMBER --reason REASON [--detail TEXT]",
		`Rejects an employee's application. REASON is a refusal ground such as
false_information; the detail tells the employee why. Output: the application's status
as 'eds status' prints it.`)
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
	cl, err := a.signIn(ctx, fs.cmd, &s)
	if err != nil {
		return err
	}
	st, err := cl.HeadReject(ctx, pos[0], &wire.DecisionRequest{Reason: core.RefusalReason(*reason), Detail: *detail})
	if err != nil {
		return serverError("the server refused", err)
	}
	if *asJSON {
		return printJSON(a.stdout, st)
	}
	printStatus(a.stdout, st)
	return nil
}
