package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the embedded Store: one database file, opened with modernc.org/sqlite
// (pure Go). The file is in WAL mode with synchronous=FULL (an issued certificate is
// on disk once Tx returns), foreign keys on and a busy timeout.
//
// Writes go through a pool of one connection whose transactions begin IMMEDIATE, so
// write transactions of this process queue in Go and those of other processes wait
// on the file lock instead of failing half-way. Reads use a separate pool of
// query-only connections and run concurrently with each other and with the writer
// (WAL snapshots). A ":memory:" database uses one connection for both.
type SQLite struct {
	memory bool // ":memory:": no disk, one connection
	write  *sql.DB
	read   *sql.DB // the same as write for an in-memory database
	eng    *engine
	logger *slog.Logger
	// writeStmts and readStmts cache the prepared statements of each pool (the
	// same cache for an in-memory database).
	writeStmts, readStmts *stmtCache
	// attempts is how many times Tx runs a transaction that fails with SQLITE_BUSY
	// or SQLITE_LOCKED; backoff is the pause before the first retry (doubling).
	attempts int
	backoff  time.Duration
}

var _ Store = (*SQLite)(nil)

// Defaults of OpenSQLite.
const (
	sqliteBusyTimeout = 5 * time.Second
	sqliteAttempts    = 5
	sqliteBackoff     = 10 * time.Millisecond
)

// OpenSQLite opens (creating if needed) the SQLite database at path and applies the
// schema migrations. path is a file name (it must not contain '?') or ":memory:" for
// a private in-memory database. logger may be nil. Close the store when done.
func OpenSQLite(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	return openSQLite(ctx, path, logger, sqliteBusyTimeout)
}

// OpenSQLiteReadOnly opens the existing SQLite database at path as it is, for tools
// that inspect a database without changing it (nca audit verify on a restored
// backup): no migration runs, no database is created (a missing file is an error),
// its journal mode is left as it is, and every connection is query-only, so reads
// work as with OpenSQLite and Tx, TxNoSync and Claim fail without writing. SQLite may
// still create the -wal and -shm files beside a WAL database to read it. The file
// must hold the authority's schema (a schema_migrations table).
func OpenSQLiteReadOnly(ctx context.Context, path string, logger *slog.Logger) (*SQLite, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("store: sqlite path %q: must be the name of an existing file without '?'", path)
	}
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("store: open %s read-only: not a regular file", path)
	}
	db, err := sql.Open("sqlite", path+"?_busy_timeout="+strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10)+"&_query_only=1")
	if err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := checkSchema(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	stmts := newStmtCache(db, stmtCacheLimit, logger)
	return &SQLite{write: db, read: db, writeStmts: stmts, readStmts: stmts, logger: logger,
		attempts: sqliteAttempts, backoff: sqliteBackoff,
		eng: &engine{
			dialect:      SQLiteDialect(),
			isUnique:     sqliteCode(sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY),
			isForeignKey: sqliteCode(sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY),
		}}, nil
}

func openSQLite(ctx context.Context, path string, logger *slog.Logger, busy time.Duration) (*SQLite, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("store: sqlite path %q: must be a file name without '?' or \":memory:\"", path)
	}
	memory := path == ":memory:"
	common := "_busy_timeout=" + strconv.FormatInt(busy.Milliseconds(), 10) + "&_foreign_keys=1"
	writeDSN := path + "?" + common + "&_txlock=immediate"
	if !memory {
		writeDSN += "&_journal_mode=WAL&_synchronous=FULL"
	}
	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	s := &SQLite{
		memory:   memory,
		write:    write,
		read:     write,
		logger:   logger,
		attempts: sqliteAttempts,
		backoff:  sqliteBackoff,
		eng: &engine{
			dialect:      SQLiteDialect(),
			isUnique:     sqliteCode(sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY),
			isForeignKey: sqliteCode(sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY),
		},
	}
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.writeStmts = newStmtCache(write, stmtCacheLimit, logger)
	s.readStmts = s.writeStmts
	if _, err := Migrate(ctx, write, s.eng.dialect, logger); err != nil {
		write.Close()
		return nil, err
	}
	if !memory {
		read, err := sql.Open("sqlite", path+"?"+common+"")
		if err != nil {
			write.Close()
			return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
		}
		n := max(4, runtime.GOMAXPROCS(0))
		read.SetMaxOpenConns(n)
		read.SetMaxIdleConns(n)
		if err := read.PingContext(ctx); err != nil {
			read.Close()
			write.Close()
			return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
		}
		s.read = read
		s.readStmts = newStmtCache(read, stmtCacheLimit, logger)
	}
	return s, nil
}

// Close implements Store.
func (s *SQLite) Close() error {
	var errs []error
	if s.read != s.write {
		errs = append(errs, s.readStmts.close(), s.read.Close())
	}
	errs = append(errs, s.writeStmts.close())
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Tx implements Store. fn may run more than once (after SQLITE_BUSY or
// SQLITE_LOCKED, at most 5 times with a doubling pause): it must not have effects
// outside the transaction that a retry would repeat. Errors of fn other than those
// are returned at once, and the transaction is rolled back. fn must not call Tx (or,
// on a ":memory:" store, Read): write transactions queue for the one connection.
func (s *SQLite) Tx(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "write", func() error {
		return runTx(ctx, s.write, s.eng, txConfig{opts: &sql.TxOptions{}, stmts: s.writeStmts}, fn)
	})
}

// TxNoSync implements Store: Tx with the write connection at synchronous=NORMAL for
// the transaction (WAL mode: the commit appends to the log without waiting for the
// disk; the next Tx's commit syncs the log, this transaction included) and back to
// FULL after it. An in-memory store has no disk to wait for.
func (s *SQLite) TxNoSync(ctx context.Context, fn func(Tx) error) error {
	cfg := s.noSync()
	return s.retry(ctx, "write", func() error { return runTx(ctx, s.write, s.eng, cfg, fn) })
}

// noSync is the configuration of a TxNoSync transaction.
func (s *SQLite) noSync() txConfig {
	cfg := txConfig{opts: &sql.TxOptions{}, stmts: s.writeStmts}
	if !s.memory {
		cfg.before, cfg.after = "PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"
	}
	return cfg
}

// Claim implements Store: ClaimIssuance in a TxNoSync transaction of its own.
func (s *SQLite) Claim(ctx context.Context, c *IssuanceClaim) error {
	cfg := s.noSync()
	cfg.held = true
	return s.retry(ctx, "write", func() error {
		return runTx(ctx, s.write, s.eng, cfg, func(tx Tx) error { return tx.ClaimIssuance(ctx, c) })
	})
}

// Read implements Store. fn sees one consistent snapshot; a write attempted in it
// fails. It is retried like Tx.
func (s *SQLite) Read(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "read", func() error {
		return runTx(ctx, s.read, s.eng, txConfig{opts: &sql.TxOptions{ReadOnly: true}, readOnly: true, stmts: s.readStmts}, fn)
	})
}

// ReadOne implements Store: fn's one query runs on the read pool in autocommit.
func (s *SQLite) ReadOne(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "read", func() error {
		return runTx(ctx, s.read, s.eng, txConfig{readOnly: true, single: true, stmts: s.readStmts}, fn)
	})
}

func (s *SQLite) retry(ctx context.Context, kind string, once func() error) error {
	pause := s.backoff
	for attempt := 1; ; attempt++ {
		err := once()
		if err == nil || !isBusy(err) || attempt >= s.attempts {
			return err
		}
		s.logger.DebugContext(ctx, "store: database busy, retrying", "tx", kind, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: %w (after %v)", ctx.Err(), err)
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// sqliteCode returns a predicate matching SQLite errors with one of the extended
// result codes.
func sqliteCode(codes ...int) func(error) bool {
	return func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		for _, c := range codes {
			if e.Code() == c {
				return true
			}
		}
		return false
	}
}

// isBusy reports whether err (anywhere in its chain) is SQLITE_BUSY or SQLITE_LOCKED,
// extended codes included: the transaction lost a race for the database and may be
// retried.
func isBusy(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
