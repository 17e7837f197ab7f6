// Command nca runs the national certification authority.
//
//	nca serve [--listen ADDR] [--data DIR] [--registry FILE] [--base-url URL]
//
// On first start `serve` creates, in the data folder, the embedded database, the root
// and issuing CAs, a demo state registry and a registration-centre operator credential,
// and prints what it created. Later starts reuse all of it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	// The decision day (age 16) is counted in the registration centres' time zone,
	// Asia/Almaty; embed the zone database so hosts without one agree.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, getenv)
	case "staff":
		err = staff(ctx, args[1:], stdout, stderr, getenv)
	case "init":
		err = initCeremony(ctx, args[1:], stdout, stderr, getenv, time.Now)
	case "audit":
		err = auditCmd(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "nca: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "nca %s: %v\n", args[0], err)
	return 1
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `nca — the national certification authority

Usage:
  nca serve [flags]    run the authority (HTTP API, CA and CRL publication)
  nca staff add …      enrol another operator, manager or administrator (writes a PKCS#12 file)
  nca init --config F  the key ceremony: CA keys (HSM or key files), CA certificates, a record
  nca audit verify     check the hash chain of the whole audit log, read-only, and anchors kept
                       elsewhere (--data or --database-url; --anchor SEQ:HASH, --anchors FILE)
  nca help             this text

Run "nca serve -h" for the flags. Every flag can also be set by an NCA_* environment
variable (e.g. NCA_LISTEN, NCA_DATA).
`)
}
