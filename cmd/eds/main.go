// Command eds is the subscriber's client of the national certification authority:
// it makes key pairs on the user's machine (keygen), applies for certificates (apply),
// follows the application (status), installs the issued certificates into the key
// files (fetch), shows what a key file or certificate holds (info), and gives the
// registration-centre operator (desk) and an organisation's first head (head) their
// work from the command line.
//
// Run "eds help" for the list of commands and "eds CMD -h" for one command's flags.
// docs/eds.md describes the commands, their output formats and the key file format.
//
// Exit codes: 0 success, 1 error, 2 wrong usage.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one eds command line and returns the exit code. It is main without
// the process: tests call it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	return newApp(stdin, stdout, stderr, env).main(ctx, args)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// app carries the process's edges: standard streams, environment, randomness, clock,
// HTTP client and the password prompt. Tests replace the fields.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string
	rand           io.Reader
	now            func() time.Time
	// httpClient, when nil, is made per command with the --timeout flag.
	httpClient *http.Client
	// iterations is the PKCS#12 iteration count for written key files; 0 means the
	// keyfile default.
	iterations int
	// readPassword reads a password from the terminal without echo, after printing
	// prompt to stderr. It fails when there is no terminal.
	readPassword func(prompt string) (string, error)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, env func(string) string) *app {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, env: env, rand: rand.Reader, now: time.Now}
	a.readPassword = a.terminalPassword
	return a
}

// command is one entry of the command table.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, a *app, args []string) error
}

// commands is the command table. A new command is a new file with its run function
// and one line here.
func commands() []command {
	return []command{
		{"keygen", "make a signing and an authentication key pair in password-protected files", cmdKeygen},
		{"apply", "apply for certificates (sends the public keys as PKCS#10 requests)", cmdApply},
		{"status", "show the status of an application", cmdStatus},
		{"fetch", "download the issued certificates and install them into the key files", cmdFetch},
		{"csr", "write a PKCS#10 request for the key of a key file (staff enrolment)", cmdCSR},
		{"install", "install certificates from files into the key files they certify", cmdInstall},
		{"info", "show what a key file or a certificate holds", cmdInfo},
		{"desk", "registration-centre operator's desk: list, show, accept, approve, refuse, revoke", cmdDesk},
		{"head", "organisation first head: list, confirm or reject employees' applications", cmdHead},
		{"digest", "print GOST digests of files (Streebog-256/512, GOST 34.311-95), like sha256sum", cmdDigest},
		{"ocsp", "ask the OCSP responder about a certificate (optionally falling back to the CRLs)", cmdOCSP},
		{"crl", "read a full or delta CRL from a URL or a file and print what it says", cmdCRL},
		{"sign", "sign a file: CMS SignedData (CAdES-BES) with RSA or GOST keys", cmdSign},
		{"verify", "verify a CMS signature: signers, chains to trusted CAs, revocation, identities", cmdVerify},
		{"login", "sign in with the AUTH certificate and show who you are", cmdLogin},
		{"cabinet", "your certificates, applications and requests (personal cabinet)", cmdCabinet},
		{"revoke", "revoke certificates online by a request signed with your SIGN key", cmdRevoke},
		{"renew", "renew certificates without a visit: new keys, request signed with the current key", cmdRenew},
	}
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			c, ok := lookupCommand(args[1])
			if !ok {
				fmt.Fprintf(a.stderr, "eds help: unknown command %q\n", args[1])
				a.usage(a.stderr)
				return exitUsage
			}
			return a.exit(c.name, c.run(ctx, a, append([]string{"-h"}, args[2:]...)))
		}
		a.usage(a.stdout)
		return exitOK
	}
	c, ok := lookupCommand(name)
	if !ok {
		fmt.Fprintf(a.stderr, "eds: unknown command %q\n", name)
		a.usage(a.stderr)
		return exitUsage
	}
	return a.exit(c.name, c.run(ctx, a, args[1:]))
}

// exit prints err for command name and maps it to an exit code.
func (a *app) exit(name string, err error) int {
	var ue *usageError
	var ne *namedError
	if errors.As(err, &ne) {
		name = ne.cmd
	}
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "eds %s: %v\nRun 'eds %s -h' for usage.\n", ue.cmd, ue.err, ue.cmd)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(a.stderr, "eds %s: interrupted\n", name)
		return exitError
	default:
		fmt.Fprintf(a.stderr, "eds %s: %v\n", name, err)
		return exitError
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "eds: the subscriber's client of the national certification authority")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: eds COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'eds help COMMAND' or 'eds COMMAND -h' for a command's flags.")
	fmt.Fprintln(w, "Passwords come from --password-file FILE, else $EDS_PASSWORD, else a terminal prompt.")
	fmt.Fprintln(w, "The server defaults to $EDS_SERVER when --server is not given.")
}

// usageError is wrong usage of a command: exit code 2.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// namedError carries the full name of the (sub)command that failed ("desk accept").
type namedError struct {
	cmd string
	err error
}

func (e *namedError) Error() string { return e.err.Error() }
func (e *namedError) Unwrap() error { return e.err }

// errHelpShown reports that -h printed the usage: exit code 0.
var errHelpShown = errors.New("help shown")

// flagSet is a command's flags with its usage text.
type flagSet struct {
	*flag.FlagSet
	cmd   string // "apply", "desk accept"
	usage string // "eds apply [flags]" line(s)
	about string
	a     *app
}

func (a *app) flags(cmd, usage, about string) *flagSet {
	fs := flag.NewFlagSet("eds "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: cmd, usage: usage, about: about, a: a}
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n", fs.usage)
	if fs.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(fs.about, "\n"))
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// parse parses args, allowing positional arguments between flags ("eds desk accept
// N1 --doc id"); "--" ends the flags. It returns the positional arguments. -h prints
// the usage to stdout and returns errHelpShown.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printUsage(fs.a.stdout)
				return nil, errHelpShown
			}
			return nil, &usageError{cmd: fs.cmd, err: err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// positional checks the number of positional arguments.
func (fs *flagSet) positional(pos []string, names ...string) error {
	if len(pos) < len(names) {
		return usagef(fs.cmd, "missing %s", strings.Join(names[len(pos):], " "))
	}
	if len(pos) > len(names) {
		return usagef(fs.cmd, "unexpected argument %q", pos[len(names)])
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// serverFlags are the flags of every command that talks to the server.
type serverFlags struct {
	server  string
	timeout time.Duration
}

func (s *serverFlags) register(fs *flagSet) {
	fs.StringVar(&s.server, "server", fs.a.env("EDS_SERVER"), "base `URL` of the authority (default $EDS_SERVER)")
	fs.DurationVar(&s.timeout, "timeout", 60*time.Second, "timeout of each request to the server")
}

func (s *serverFlags) check(cmd string) error {
	if s.server == "" {
		return usagef(cmd, "--server URL is required (or set EDS_SERVER)")
	}
	if s.timeout <= 0 {
		return usagef(cmd, "--timeout must be positive")
	}
	return nil
}

// http returns the HTTP client for a command: the injected one, or one with the
// command's timeouts.
func (a *app) http(timeout time.Duration) *http.Client {
	if a.httpClient != nil {
		return a.httpClient
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 15 * time.Second
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{Timeout: timeout, Transport: tr}
}
