package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// auditCmd runs "nca audit verify": it reads the whole audit log of the authority's
// database (the data folder's SQLite file, or --database-url) page by page and checks
// its hash chain (audit.VerifyLog). It prints the number of records and the last one's
// sequence number, time and hash (to compare with an anchor kept elsewhere: a chain
// cut off at its end still verifies); a broken chain is an error naming the first
// broken record. It opens the database as nca serve does, migrations included.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: nca audit verify [--data DIR | --database-url URL | --config FILE]")
		return errUsage
	}
	fs, c := serveFlags(getenv)
	fs.SetOutput(stderr)
	if err := parseServeFlags(fs, c, args[1:], getenv); err != nil {
		return err
	}
	if c.databaseURL == "" {
		// Never create an empty database to verify.
		if _, err := os.Stat(filepath.Join(c.data, "nca.db")); errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("no database in %s (give --data, or --database-url)", c.data)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, c, log, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	page := func(ctx context.Context, after int64, limit int) ([]core.AuditRecord, error) {
		var out []core.AuditRecord
		err := st.Read(ctx, func(tx store.Tx) error {
			var err error
			out, err = tx.AuditLog(ctx, after, limit)
			return err
		})
		return out, err
	}
	n, last, err := audit.VerifyLog(ctx, page, 1000)
	if ce := (*audit.ChainError)(nil); errors.As(err, &ce) {
		return fmt.Errorf("the audit log is broken at seq %d: %s (the %d records before it verify)", ce.Seq, ce.Reason, n)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(stdout, "nca: the audit log is empty")
		return nil
	}
	fmt.Fprintf(stdout, "nca: the audit log verifies: %d records; the last is seq %d at %s, hash %s\n",
		n, last.Seq, last.At.UTC().Format(time.RFC3339), last.Hash)
	return nil
}
