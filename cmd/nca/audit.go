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
	"strings"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// auditCmd runs "nca audit verify": it reads the whole audit log of the authority's
// database (the data folder's SQLite file, or --database-url) page by page and checks
// its hash chain (audit.VerifyLog), and every anchor given (--anchor SEQ:HASH, as
// often as needed, and --anchors FILE, one per line): the record at SEQ must still
// have HASH, which also shows that no record was cut off before it. It prints the
// number of records and an anchor of the last record to keep elsewhere; a broken
// chain or an anchor not held is an error (exit 1). It opens the database read-only
// and as it is: nothing is migrated or written (store.OpenSQLiteReadOnly,
// store.OpenPostgresReadOnly), so a restored backup is checked as restored.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: nca audit verify [--data DIR | --database-url URL | --config FILE] [--anchor SEQ:HASH]… [--anchors FILE]")
		return errUsage
	}
	fs, c := serveFlags(getenv)
	fs.SetOutput(stderr)
	var anchors []audit.Anchor
	fs.Func("anchor", "SEQ:HASH of a record seen earlier (a line printed by an earlier run); repeat for several", func(v string) error {
		a, err := audit.ParseAnchor(v)
		if err == nil {
			anchors = append(anchors, a)
		}
		return err
	})
	var anchorFile string
	fs.StringVar(&anchorFile, "anchors", "", "file of anchors, one SEQ:HASH per line (blank lines and lines starting with # are skipped)")
	if err := parseServeFlags(fs, c, args[1:], getenv); err != nil {
		return err
	}
	if anchorFile != "" {
		more, err := readAnchors(anchorFile)
		if err != nil {
			return err
		}
		anchors = append(anchors, more...)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var st store.Store
	if c.databaseURL != "" {
		pg, err := store.OpenPostgresReadOnly(ctx, c.databaseURL, log)
		if err != nil {
			return err
		}
		st = pg
	} else {
		path := filepath.Join(c.data, "nca.db")
		// Never create an empty database to verify.
		if _, err := os.Stat(path); errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("no database in %s (give --data, or --database-url)", c.data)
		}
		lite, err := store.OpenSQLiteReadOnly(ctx, path, log)
		if err != nil {
			return err
		}
		st = lite
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
	n, last, err := audit.VerifyLog(ctx, page, 1000, anchors...)
	if ce := (*audit.ChainError)(nil); errors.As(err, &ce) {
		return fmt.Errorf("the audit log is broken at seq %d: %s (the %d records before it verify)", ce.Seq, ce.Reason, n)
	}
	if ae := (*audit.AnchorError)(nil); errors.As(err, &ae) {
		if ae.Found == "" {
			return fmt.Errorf("the audit log ends at seq %d, before the anchor %s: records were removed from its end (its %d records chain correctly)", ae.Last, ae.Anchor, n)
		}
		return fmt.Errorf("the audit log does not hold the anchor %s: seq %d has hash %s; the records up to it were replaced by another chain", ae.Anchor, ae.Anchor.Seq, ae.Found)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(stdout, "nca: the audit log is empty")
		return nil
	}
	held := ""
	if len(anchors) > 0 {
		held = fmt.Sprintf(" and holds the %d anchors given", len(anchors))
	}
	fmt.Fprintf(stdout, "nca: the audit log verifies%s: %d records; the last is seq %d at %s, hash %s\n",
		held, n, last.Seq, last.At.UTC().Format(time.RFC3339), last.Hash)
	fmt.Fprintf(stdout, "anchor: %s\n", audit.Anchor{Seq: last.Seq, Hash: last.Hash})
	return nil
}

// readAnchors reads a file of anchors, one SEQ:HASH per line; blank lines and lines
// starting with # are skipped, and a line "anchor: SEQ:HASH" (as nca audit verify
// prints it) is read as its anchor.
func readAnchors(path string) ([]audit.Anchor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("anchors: %w", err)
	}
	var out []audit.Anchor
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := audit.ParseAnchor(strings.TrimSpace(strings.TrimPrefix(line, "anchor:")))
		if err != nil {
			return nil, fmt.Errorf("anchors: %s line %d: %w", path, i+1, err)
		}
		out = append(out, a)
	}
	return out, nil
}
