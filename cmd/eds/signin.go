package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/client"
)

// signInFlags are the flags of the commands that act as a signed-in person (desk,
// head): the server and the AUTH key file with its issued certificate.
type signInFlags struct {
	serverFlags
	key    string
	pwFile string
}

func (s *signInFlags) register(fs *flagSet) {
	s.serverFlags.register(fs)
	fs.StringVar(&s.key, "key", fs.a.env("EDS_KEY"), "the AUTH key `FILE` (.p12 with its issued certificate) to sign in with (default $EDS_KEY)")
	fs.StringVar(&s.pwFile, "password-file", "", "read the key file password from the first line of `FILE`")
}

// signIn checks the flags, opens the key file and signs in (challenge → signature →
// token). The returned client sends the token.
func (a *app) signIn(ctx context.Context, cmd string, s *signInFlags) (*client.Client, error) {
	if err := s.check(cmd); err != nil {
		return nil, err
	}
	if s.key == "" {
		return nil, usagef(cmd, "--key FILE is required: the AUTH key file to sign in with")
	}
	password, err := a.password(s.pwFile, false)
	if err != nil {
		return nil, err
	}
	c, err := readKeyFile(s.key, password)
	if err != nil {
		return nil, err
	}
	if c.Key == nil {
		return nil, fmt.Errorf("%s holds no private key", s.key)
	}
	leaf := c.Leaf()
	if leaf == nil {
		return nil, fmt.Errorf("%s has no certificate installed: signing in needs an issued AUTH certificate (run 'eds fetch' first)", s.key)
	}
	cl, err := client.New(s.server, a.http(s.timeout))
	if err != nil {
		return nil, usagef(cmd, "%v", err)
	}
	if _, err := cl.Login(ctx, c.Key, leaf); err != nil {
		return nil, serverError("sign-in refused", err)
	}
	return cl, nil
}

// subcommands dispatches "eds GROUP SUB …" over a table of subcommands.
func subcommands(ctx context.Context, a *app, group, about string, table []command, args []string) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: eds %s SUBCOMMAND [flags] [arguments]\n\n%s\n\nsubcommands:\n", group, about)
		for _, c := range table {
			fmt.Fprintf(w, "  %-17s %s\n", c.name, c.synopsis)
		}
		fmt.Fprintf(w, "\nRun 'eds %s SUBCOMMAND -h' for its flags.\n", group)
	}
	if len(args) == 0 {
		usage(a.stderr)
		return usagef(group, "missing subcommand")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(a.stdout)
		return errHelpShown
	}
	for _, c := range table {
		if c.name == args[0] {
			if err := c.run(ctx, a, args[1:]); err != nil {
				return &namedError{cmd: group + " " + c.name, err: err}
			}
			return nil
		}
	}
	return usagef(group, "unknown subcommand %q (%s)", args[0], names(table))
}

func names(table []command) string {
	var n []string
	for _, c := range table {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

// printList prints applications as a table: a header line, then one line per
// application with NUMBER, STATE, TEMPLATE, IIN, CREATED and NAME (last, as it holds
// spaces), columns separated by at least two spaces.
func printList(w io.Writer, list *wire.DeskList) error {
	rows := [][]string{{"NUMBER", "STATE", "TEMPLATE", "IIN", "CREATED", "NAME"}}
	for _, app := range list.Applications {
		name := strings.TrimSpace(app.Applicant.Surname + " " + app.Applicant.Name + " " + app.Applicant.Patronymic)
		rows = append(rows, []string{app.Number, string(app.State), app.Template, dash(app.Applicant.IIN), fmtTime(app.CreatedAt), dash(name)})
	}
	writeTable(w, rows)
	return nil
}

// parseAndSignIn parses the arguments of a signed-in command whose positional
// arguments are names, signs in, and returns the client and the positional arguments.
func (a *app) parseAndSignIn(ctx context.Context, fs *flagSet, s *signInFlags, args []string, names ...string) (*client.Client, []string, error) {
	pos, err := fs.parse(args)
	if err != nil {
		return nil, nil, err
	}
	if err := fs.positional(pos, names...); err != nil {
		return nil, nil, err
	}
	cl, err := a.signIn(ctx, fs.cmd, s)
	if err != nil {
		return nil, nil, err
	}
	return cl, pos, nil
}
