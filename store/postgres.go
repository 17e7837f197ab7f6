package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/opennca/nca/core"
)

// Postgres is the Store on a PostgreSQL server, for deployments with several
// authority nodes on one database. It shares the portable SQL (sqlTx) and the
// migrations with SQLite; it speaks to the server with pgx through database/sql.
//
// Write transactions are SERIALIZABLE: two nodes approving the same application, taking
// CRL numbers of the same issuer or appending to the audit chain at once cannot both
// commit a result that depends on a state the other changed. The loser fails with a
// serialization failure (SQLSTATE 40001) or a deadlock (40P01), and Tx runs its
// function again on a fresh snapshot, a bounded number of times. Read transactions are
// REPEATABLE READ READ ONLY: one consistent snapshot, never a serialization failure.
//
// Text columns compare with the database's collation; the store's keys (hex serials,
// fixed-width UTC times) order the same under "C" and the usual UTF-8 collations.
type Postgres struct {
	db     *sql.DB
	eng    *engine
	logger *slog.Logger
	// attempts is how many times Tx runs a transaction that fails with a
	// serialization failure or a deadlock; backoff is the pause before the first
	// retry (doubling, at most 200 ms).
	attempts int
	backoff  time.Duration
}

var _ Store = (*Postgres)(nil)

// Defaults of OpenPostgres.
const (
	postgresAttempts = 20
	postgresBackoff  = 2 * time.Millisecond
	postgresMaxConns = 16
)

// PostgreSQL error codes the store classifies.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// OpenPostgres connects to the PostgreSQL database named by dsn (a URL such as
// postgres://nca@db.example:5432/nca?sslmode=verify-full, or key=value pairs; a
// search_path parameter selects a schema) and applies the schema migrations. Several
// processes may open the same database at once: migrations are serialised by an
// advisory lock per schema. logger may be nil. Close the store when done.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (*Postgres, error) {
	return openPostgres(ctx, dsn, logger, false)
}

// OpenPostgresReadOnly connects to the PostgreSQL database named by dsn (as
// OpenPostgres) to read it as it is, for tools that inspect a database without
// changing it (nca audit verify on a restored backup): no migration runs, every
// transaction of the session is read-only (default_transaction_read_only), so Tx,
// TxNoSync and Claim fail without writing, and the schema must be the authority's (a
// schema_migrations table) at a version this build knows.
func OpenPostgresReadOnly(ctx context.Context, dsn string, logger *slog.Logger) (*Postgres, error) {
	return openPostgres(ctx, dsn, logger, true)
}

func openPostgres(ctx context.Context, dsn string, logger *slog.Logger, readOnly bool) (*Postgres, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: keep only the kind.
		return nil, errors.New("store: postgres: the database URL cannot be parsed")
	}
	if readOnly {
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Postgres{
		db:       db,
		logger:   logger,
		attempts: postgresAttempts,
		backoff:  postgresBackoff,
		eng: &engine{
			dialect:      PostgresDialect(),
			isUnique:     pgCode(pgUniqueViolation),
			isForeignKey: pgCode(pgForeignKeyViolation),
			lostRace:     pgAuditRace,
			pipe:         pgPipe,
			pipeRow:      pgPipeRow,
			begin:        pgBegin,
			idle:         pgIdle,
			auditLock:    `LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE`,
			guard:        pgGuard,
			guardFailed:  pgGuardFailed,
			auditAppend:  pgAuditAppend(),
		},
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres %s: %w", where, err)
	}
	check := s.migrate
	if readOnly {
		check = func(ctx context.Context) error { return checkSchema(ctx, db) }
	}
	if err := check(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres %s: %w", where, err)
	}
	return s, nil
}

// migrate runs Migrate while holding an advisory lock named after the current schema,
// so that nodes starting together do not race on CREATE TABLE.
func (s *Postgres) migrate(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('nca-migrate:' || current_schema()))`); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even if ctx ended.
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('nca-migrate:' || current_schema()))`)
	}()
	_, err = Migrate(ctx, s.db, s.eng.dialect, s.logger)
	return err
}

// DB returns the underlying database handle, for bulk loading and maintenance tools.
func (s *Postgres) DB() *sql.DB { return s.db }

// Close implements Store.
func (s *Postgres) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Tx implements Store. fn runs in a SERIALIZABLE transaction and may run more than
// once (after a serialization failure or a deadlock, at most 20 times with a doubling
// pause): it must not have effects outside the transaction that a retry would repeat.
// Other errors of fn are returned at once and the transaction is rolled back.
func (s *Postgres) Tx(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "write", func() error {
		return runTx(ctx, s.db, s.eng, txConfig{opts: &sql.TxOptions{Isolation: sql.LevelSerializable}}, fn)
	})
}

// TxNoSync implements Store: a READ COMMITTED transaction with synchronous_commit off
// (SET LOCAL, sent with its first write): the commit does not wait for the
// write-ahead log to reach the disk; the next durable commit flushes the log up to
// and including it. READ COMMITTED, because what such a transaction records is
// guarded by constraints and by the guarded writes of the store (UpdateApplication's
// state check, ON CONFLICT, the claim checks; audit appends lock the chain), and a
// SERIALIZABLE claim fails on the index pages it shares with other approvals'
// storing transactions (false read/write dependencies) and runs again.
func (s *Postgres) TxNoSync(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "write", func() error { return runTx(ctx, s.db, s.eng, pgNoSync(), fn) })
}

// pgNoSync is the configuration of a TxNoSync transaction.
func pgNoSync() txConfig {
	return txConfig{opts: &sql.TxOptions{Isolation: sql.LevelReadCommitted},
		settings: []string{`SET LOCAL synchronous_commit = off`}}
}

// Claim implements Store: BEGIN, SET LOCAL synchronous_commit, the claim's INSERT and
// COMMIT in one round trip. The INSERT runs on its generic plan: PostgreSQL otherwise
// plans it anew at every execution (its custom plans look cheaper to it), a third of
// the statement's time on the server (docs/performance.md).
func (s *Postgres) Claim(ctx context.Context, c *IssuanceClaim) error {
	cfg := pgNoSync()
	cfg.settings = append(cfg.settings, `SET LOCAL plan_cache_mode = force_generic_plan`)
	cfg.held = true
	return s.retry(ctx, "write", func() error {
		return runTx(ctx, s.db, s.eng, cfg, func(tx Tx) error { return tx.ClaimIssuance(ctx, c) })
	})
}

// Read implements Store: a REPEATABLE READ, READ ONLY transaction.
func (s *Postgres) Read(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "read", func() error {
		return runTx(ctx, s.db, s.eng, txConfig{opts: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, readOnly: true}, fn)
	})
}

// ReadOne implements Store: fn's one query is sent on its own (one round trip).
func (s *Postgres) ReadOne(ctx context.Context, fn func(Tx) error) error {
	return s.retry(ctx, "read", func() error {
		return runTx(ctx, s.db, s.eng, txConfig{readOnly: true, single: true}, fn)
	})
}

func (s *Postgres) retry(ctx context.Context, kind string, once func() error) error {
	pause := s.backoff
	for attempt := 1; ; attempt++ {
		err := once()
		if err == nil || !isPgRetryable(err) || attempt >= s.attempts {
			return err
		}
		s.logger.DebugContext(ctx, "store: transaction lost a race, retrying", "tx", kind, "attempt", attempt, "err", err)
		if attempt == 1 {
			// The first retry is immediate: the transaction that won the race has
			// committed (that is how this one lost), so the race is usually over.
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: %w (after %v)", ctx.Err(), err)
		case <-time.After(pause/2 + rand.N(pause/2+1)):
			// Jitter: transactions that lost the same race retry at different
			// moments instead of colliding again in lockstep.
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// pgCode returns a predicate matching PostgreSQL errors with one of the SQLSTATE codes.
func pgCode(codes ...string) func(error) bool {
	return func(err error) bool {
		var e *pgconn.PgError
		if !errors.As(err, &e) {
			return false
		}
		for _, c := range codes {
			if e.Code == c {
				return true
			}
		}
		return false
	}
}

// isPgRetryable reports a serialization failure, a deadlock or a lost race for the
// audit chain's head anywhere in err's chain: the transaction lost a race and may run
// again.
func isPgRetryable(err error) bool { return isPgConflict(err) || pgAuditRace(err) }

// isPgConflict reports a serialization failure or a deadlock anywhere in err's chain.
var isPgConflict = pgCode(pgSerializationFailure, pgDeadlockDetected)

// pgAuditRace reports a duplicate audit sequence number: the transaction read the
// chain's head before another appender committed the next record (a SERIALIZABLE
// transaction whose snapshot came before it took the audit lock, see
// pgLockAuditHead), which PostgreSQL reports as a unique violation rather than a
// serialization failure when the other transaction had already committed. Run again,
// the transaction reads the new head.
func pgAuditRace(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == pgUniqueViolation && e.ConstraintName == "audit_pkey"
}

// CopyCertificates stores many certificates at once with COPY, for imports from
// another system and for filling test databases. It checks nothing beyond the
// table's constraints (a duplicate fails the whole COPY) and writes no audit records:
// it is not a path of the workflow.
func (s *Postgres) CopyCertificates(ctx context.Context, certs []*core.Certificate) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: copy certificates: %w", err)
	}
	defer conn.Close()
	cols := []string{"issuer", "serial", "application", "template", "type", "iin", "bin", "subject", "not_before", "not_after",
		"key_hash", "der", "status", "revoked_at", "reason", "invalidity_date"}
	err = withPgx(conn, func(pc *pgx.Conn) error {
		i := 0
		_, err := pc.CopyFrom(ctx, pgx.Identifier{"certificates"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(certs) {
				return nil, nil
			}
			c := certs[i]
			i++
			status := c.Status
			if status == "" {
				status = core.CertGood
			}
			der := c.DER
			if der == nil {
				der = []byte{}
			}
			return []any{c.Issuer, c.Serial, nullString(c.Application), c.Template, string(c.Type), nullString(c.IIN),
				nullString(c.BIN), c.Subject, formatTime(c.NotBefore), formatTime(c.NotAfter), c.KeyHash, der,
				string(status), nullTime(c.RevokedAt), int64(c.Reason), nullTime(c.InvalidityDate)}, nil
		}))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: copy certificates: %w", err)
	}
	return nil
}

// withPgx runs fn with conn's pgx connection (the driver's, under database/sql).
func withPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: driver connection %T is not pgx's", dc)
		}
		return fn(pc.Conn())
	})
}

// pgPipe sends stmts on conn's pgx connection as one batch (the extended protocol's
// pipeline: one round trip), inside the transaction open on conn.
func pgPipe(ctx context.Context, conn *sql.Conn, stmts []pendingStmt) (affected []int64, failed int, err error) {
	return pgBatch(ctx, conn, stmts, "", nil, nil)
}

// pgPipeRow sends stmts and then query on conn's pgx connection as one batch (one
// round trip) and scans the query's row into dest (sql.ErrNoRows when it has none).
//
// The audit chain's lock (engine.auditLock, LOCK TABLE audit IN SHARE ROW EXCLUSIVE
// MODE: readers go on, appenders queue) goes out this way with the read of the
// chain's head: LOCK TABLE takes no snapshot, so that read, the transaction's first
// snapshot when the lock comes first, sees the head as the previous appender
// committed it, and SERIALIZABLE appenders wait for each other instead of failing on
// the same sequence number and running again.
func pgPipeRow(ctx context.Context, conn *sql.Conn, stmts []pendingStmt, query string, args, dest []any) (affected []int64, failed int, err error) {
	return pgBatch(ctx, conn, stmts, query, args, dest)
}

// pgBatch sends stmts, and query when it is not "", as one pgx batch, and scans
// query's row into dest. failed is the index of the statement that failed
// (len(stmts) for query), -1 when none did or sending failed.
func pgBatch(ctx context.Context, conn *sql.Conn, stmts []pendingStmt, query string, args, dest []any) (affected []int64, failed int, err error) {
	failed = -1
	err = withPgx(conn, func(pc *pgx.Conn) error {
		b := &pgx.Batch{}
		for _, st := range stmts {
			b.Queue(st.query, st.args...)
		}
		if query != "" {
			b.Queue(query, args...)
		}
		br := pc.SendBatch(ctx, b)
		affected = make([]int64, 0, len(stmts))
		for i := range stmts {
			tag, err := br.Exec()
			if err != nil {
				failed = i
				_ = br.Close()
				return err
			}
			affected = append(affected, tag.RowsAffected())
		}
		if query != "" {
			if err := br.QueryRow().Scan(dest...); err != nil {
				failed = len(stmts)
				_ = br.Close()
				if errors.Is(err, pgx.ErrNoRows) {
					return sql.ErrNoRows
				}
				return err
			}
		}
		return br.Close()
	})
	return affected, failed, err
}

// pgAuditAppend appends an audit record chained by the database (engine.auditAppend):
// Seq is the head's + 1, PrevHash the head's Hash (0 and the last parameter,
// audit.Genesis, for an empty chain), and Hash the hex SHA-256 of audit.Hash's
// encoding: each field as its 8-byte big-endian length in bytes and its UTF-8 bytes,
// in the order prev, seq (decimal), at (RFC 3339), actor, action, object, address,
// detail.
func pgAuditAppend() string {
	field := func(x string) string {
		return `int8send(octet_length(convert_to(` + x + `, 'UTF8'))::bigint) || convert_to(` + x + `, 'UTF8')`
	}
	fields := []string{field("h.hash"), field("(h.seq + 1)::text")}
	for _, c := range []string{"v.at_text", "v.actor", "v.action", "v.object", "v.address", "v.detail"} {
		fields = append(fields, field(c))
	}
	return `WITH v (at, at_text, actor, action, object, address, detail) AS (
    VALUES (?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text)),
h AS ((SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) UNION ALL (SELECT 0::bigint, ?::text) ORDER BY seq DESC LIMIT 1)
INSERT INTO audit (seq, at, actor, action, object, address, detail, prev_hash, hash)
SELECT h.seq + 1, v.at, v.actor, v.action, v.object, v.address, v.detail, h.hash,
    encode(sha256(` + strings.Join(fields, "\n        || ") + `), 'hex')
FROM v, h`
}

// pgGuard wraps a write that must change exactly one row (engine.guard): the write
// runs in a data-modifying WITH, and when it changed any other number of rows a row
// naming it (the last parameter) goes into write_guards, whose CHECK refuses it.
func pgGuard(query string) string {
	return `WITH w AS (` + query + ` RETURNING 1)
INSERT INTO write_guards (statement) SELECT ? WHERE (SELECT count(*) FROM w) <> 1`
}

// pgGuardFailed reports the failure of a write wrapped by pgGuard.
func pgGuardFailed(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == pgCheckViolation && e.ConstraintName == "write_guard_failed"
}

// pgBegin is the BEGIN statement of a transaction with opts (nil: the server's
// default isolation, read-write), as pgx's BeginTx would send it.
func pgBegin(opts *sql.TxOptions) string {
	b := "BEGIN"
	if opts == nil {
		return b
	}
	switch opts.Isolation {
	case sql.LevelSerializable:
		b += " ISOLATION LEVEL SERIALIZABLE"
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		b += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelReadCommitted:
		b += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelReadUncommitted:
		b += " ISOLATION LEVEL READ UNCOMMITTED"
	}
	if opts.ReadOnly {
		b += " READ ONLY"
	}
	return b
}

// pgIdle reports whether conn's session has no transaction open (the server said so
// in its last ReadyForQuery).
func pgIdle(conn *sql.Conn) bool {
	idle := false
	_ = withPgx(conn, func(pc *pgx.Conn) error {
		idle = pc.PgConn().TxStatus() == 'I'
		return nil
	})
	return idle
}
