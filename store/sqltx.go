package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
)

// engine is what the portable transaction code needs from one SQL engine besides its
// dialect: how to recognise the driver's constraint errors.
type engine struct {
	dialect Dialect
	// isUnique reports a unique or primary key violation.
	isUnique func(error) bool
	// isForeignKey reports a foreign key violation.
	isForeignKey func(error) bool
	// lostRace, when set, reports a constraint violation that means the transaction
	// lost a race (and is run again by the engine's Tx) rather than a duplicate.
	lostRace func(error) bool
	// pipe sends several statements in one round trip (nil: the engine has no
	// round trips to save, and writes run at once).
	pipe pipeFunc
	// pipeRow, set with pipe, sends stmts and then query in one round trip and
	// scans the query's one row into dest (sql.ErrNoRows when it returns none).
	// affected and failed are pipe's, failed == len(stmts) for the query's own error.
	pipeRow pipeRowFunc
	// begin, when set, returns the statement that begins a transaction with opts.
	// The engine's transactions then begin with that statement, sent together with
	// their first statement (a round trip fewer than database/sql's BeginTx), and
	// end with COMMIT or ROLLBACK statements; idle then reports whether a
	// connection has no transaction open. Such an engine has a pipe and a pipeRow.
	begin func(opts *sql.TxOptions) string
	idle  func(conn *sql.Conn) bool
	// auditLock, when set, is the statement that locks the audit chain against
	// other appenders until the transaction ends (see auditHead).
	auditLock string
	// guard, when set (with a pipe and begin), wraps a held-back write that must
	// change exactly one row (sqlTx.writeOne), written with "?" parameters, so that
	// the database refuses it when it changes any other number: the wrapped
	// statement takes one more parameter, the write's description, and fails with
	// an error guardFailed reports (migration 0008). Such writes need no judging
	// after they ran, so the commit can go out with them.
	guard       func(query string) string
	guardFailed func(error) bool
	// auditAppend, when set (with auditLock), is an INSERT of an audit record
	// that computes its Seq, PrevHash and Hash in the database from the chain's
	// head, as audit.Hash does, taking the parameters at (stored form), at
	// (audit.Hash's RFC 3339 form), actor, action, object, address, detail and
	// audit.Genesis. Appends held back in a Pipeline use it, so that no read of the
	// head has to go before them: BEGIN, the audit lock, the writes and COMMIT go out
	// in one round trip.
	auditAppend string
}

// pipeRowFunc is the type of engine.pipeRow.
type pipeRowFunc func(ctx context.Context, conn *sql.Conn, stmts []pendingStmt, query string, args, dest []any) (affected []int64, failed int, err error)

// querier runs statements: a database/sql transaction, or a connection whose
// transaction was begun by statement (engine.begin).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is one row of a query: *sql.Row, or a row sent with pending statements.
type rowScanner interface {
	Scan(dest ...any) error
}

// engine's pipe, when set (PostgreSQL), sends stmts to the database on conn in one
// round trip, in order, inside the transaction open on conn. It returns the number of
// rows each statement affected, or the index of the first statement that failed with
// its error (the statements after it are not run).
type pipeFunc func(ctx context.Context, conn *sql.Conn, stmts []pendingStmt) (affected []int64, failed int, err error)

// pendingStmt is a write held back to be sent with others (see Tx.Pipeline).
type pendingStmt struct {
	what  string
	query string // rebound for the engine
	args  []any
	// check judges the rows the statement affected (nil: any number).
	check func(n int64) error
	// setting marks a statement that changes only the transaction's settings (SET
	// LOCAL): reads need not wait for it.
	setting bool
	// guarded marks a write wrapped by engine.guard: the database judged it, and
	// its failure there is check(0)'s error.
	guarded bool
}

// sqlTx implements Tx over database/sql with portable SQL; engines differ only in
// their engine value.
type sqlTx struct {
	tx   *sql.Tx // nil when the engine begins by statement (engine.begin)
	q    querier // tx, or conn when the engine begins by statement
	conn *sql.Conn
	// begun is false while the BEGIN of an engine that begins by statement is
	// still pending (nothing of the transaction has reached the database).
	begun    bool
	eng      *engine
	readOnly bool
	// auditHead is the last audit record this transaction appended (valid when
	// auditKnown): the next AppendAudit of the same transaction chains to it without
	// reading the table again. Nothing else can append inside this transaction's
	// snapshot, so it is what the read would return.
	auditKnown bool
	auditSeq   int64
	auditHash  string
	// pipelining is set inside Pipeline; pending holds the writes not sent yet
	// (only when eng.pipe is set), failed the first error of a sent batch.
	pipelining bool
	pending    []pendingStmt
	failed     error
	// fresh is set until the transaction's first statement reaches the database.
	fresh bool
	// auditLocked is set once the audit lock is held or sent (engine.auditLock).
	auditLocked bool
	// readCommitted: every statement sees what was committed before it.
	readCommitted bool
	// stmts, when set, holds statements prepared on the pool (see stmtCache);
	// missed collects the queries run here that it did not hold.
	stmts  *stmtCache
	missed []string
	// single marks a read of one query outside any transaction (Store.ReadOne):
	// q is the pool itself; queries counts the queries run.
	single  bool
	queries int
}

var _ Tx = (*sqlTx)(nil)

// errReadOnly is returned by a write attempted inside Store.Read.
var errReadOnly = errors.New("write attempted in a read-only transaction")

// txConfig says how runTx begins and ends one transaction.
type txConfig struct {
	opts     *sql.TxOptions
	readOnly bool
	// before and after run on the transaction's connection before BEGIN and after
	// its end (SQLite's synchronous level, which cannot change inside a
	// transaction). When after fails the connection is discarded.
	before, after string
	// settings run first inside the transaction; with a pipe they are sent with the
	// first write.
	settings []string
	// stmts, when set, is the cache of prepared statements of db (engines whose
	// transactions run through database/sql's Tx only).
	stmts *stmtCache
	// single: no transaction at all; fn runs one query on the pool (Store.ReadOne).
	single bool
	// held: fn's writes are held back from the start, as inside Tx.Pipeline but
	// without reading the audit chain's head (Store.Claim).
	held bool
}

// errSecondQuery is returned by the second query of a Store.ReadOne.
var errSecondQuery = errors.New("store: a second query in a one-query read (use Read)")

// runTx runs fn in one transaction on a connection of db, begun with cfg: committed if
// fn returns nil, else rolled back. A read-only transaction is always rolled back.
// Writes fn left pending (Tx.Pipeline) are sent before the commit, or with it when
// the database judges them (commitCarries); the first error of a pipelined write is
// what runTx returns. Every engine's transactions go through it.
func runTx(ctx context.Context, db *sql.DB, eng *engine, cfg txConfig, fn func(Tx) error) (err error) {
	if cfg.single {
		// One statement sees one consistent snapshot by itself: no BEGIN, no end,
		// no connection held (the pool lends one to the query).
		t := &sqlTx{q: db, eng: eng, readOnly: true, begun: true, stmts: cfg.stmts, single: true}
		defer func() { cfg.stmts.prepare(t.missed) }()
		return fn(t)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: connection: %w", err)
	}
	var t *sqlTx
	// Runs after the connection is back in the pool: the queries the cache did not
	// hold are prepared for the next transactions.
	defer func() {
		if t != nil {
			cfg.stmts.prepare(t.missed)
		}
	}()
	defer conn.Close()
	if cfg.before != "" {
		if _, err := conn.ExecContext(ctx, cfg.before); err != nil {
			return fmt.Errorf("store: prepare the connection: %w", err)
		}
	}
	if cfg.after != "" {
		defer func() {
			if _, aerr := conn.ExecContext(context.WithoutCancel(ctx), cfg.after); aerr != nil {
				// Never hand a connection with the transaction's settings to the next
				// transaction: discard it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	t = &sqlTx{conn: conn, eng: eng, readOnly: cfg.readOnly, fresh: true,
		readCommitted: cfg.opts != nil && cfg.opts.Isolation == sql.LevelReadCommitted,
		pipelining:    cfg.held}
	if eng.begin != nil {
		// BEGIN goes out with the transaction's first statement.
		t.q = conn
		t.pending = []pendingStmt{{what: "begin", query: eng.begin(cfg.opts), setting: true}}
	} else {
		tx, err := conn.BeginTx(ctx, cfg.opts)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		t.tx, t.q, t.begun, t.stmts = tx, tx, true, cfg.stmts
	}
	done := false
	defer func() {
		if !done {
			_ = t.end(ctx, false) // fn panicked
		}
	}()
	for _, q := range cfg.settings {
		if err := t.write(ctx, "transaction settings", q, nil, nil, true); err != nil {
			done = true
			_ = t.end(ctx, false)
			return err
		}
	}
	err = fn(t)
	if err == nil && !cfg.readOnly && t.failed == nil && t.readPending() && t.commitCarries() {
		done = true
		return t.commitWith(ctx)
	}
	if err == nil && !cfg.readOnly {
		if !t.begun && !t.readPending() {
			t.pending = nil // nothing but BEGIN and settings: nothing to send
		}
		err = t.flush(ctx)
	}
	if t.failed != nil {
		err = t.failed // the cause: later errors of the transaction follow from it
	}
	done = true
	if err != nil || cfg.readOnly {
		if rbErr := t.end(ctx, false); rbErr != nil && err == nil {
			return fmt.Errorf("store: end read: %w", rbErr)
		}
		return err
	}
	if err := t.end(ctx, true); err != nil {
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			err = ctx.Err() // database/sql rolled back when ctx ended
		}
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// end commits (commit) or rolls back the transaction. A transaction begun by
// statement that never reached the database has nothing to end; one whose end fails,
// or that leaves its connection inside a transaction, gives up its connection (the
// next user of the pool gets a new one, never an open transaction).
func (t *sqlTx) end(ctx context.Context, commit bool) error {
	if t.tx != nil {
		if commit {
			return t.tx.Commit()
		}
		if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			return err
		}
		return nil
	}
	if !t.begun {
		return nil
	}
	stmt := "COMMIT"
	if !commit {
		stmt = "ROLLBACK"
		// A rollback after ctx ended (a cancelled request) still ends the
		// transaction, if the connection is still there to end it on.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), endTimeout)
		defer cancel()
	}
	_, err := t.conn.ExecContext(ctx, stmt)
	if err != nil || !t.eng.idle(t.conn) {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// commitCarries reports whether the commit can go out with the pending statements:
// the engine begins and ends transactions by statement, and the database judges
// every pending write that has a check (see engine.guard).
func (t *sqlTx) commitCarries() bool {
	if t.eng.begin == nil || t.eng.guard == nil {
		return false
	}
	for _, p := range t.pending {
		if p.check != nil && !p.guarded {
			return false
		}
	}
	return true
}

// commitWith sends the pending statements and COMMIT in one round trip (see
// commitCarries). A statement that fails stops the ones after it, COMMIT included:
// the transaction, aborted, is rolled back, and the error is the statement's (a
// guarded write's own, see engine.guard).
func (t *sqlTx) commitWith(ctx context.Context) error {
	stmts := append(t.pending, pendingStmt{what: "commit", query: "COMMIT"})
	t.pending = nil
	t.begun = true
	_, failed, err := t.eng.pipe(ctx, t.conn, stmts)
	if err != nil {
		ferr := t.failedAt(stmts, failed, err)
		if failed == len(stmts)-1 {
			ferr = fmt.Errorf("store: commit: %w", err)
		}
		_ = t.end(ctx, false)
		return ferr
	}
	if !t.eng.idle(t.conn) {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return nil
}

// endTimeout bounds a rollback made after the caller's context ended.
const endTimeout = 5 * time.Second

// Pipeline implements Tx.
func (t *sqlTx) Pipeline(ctx context.Context, fn func() error) error {
	if t.readOnly {
		return fn()
	}
	switch {
	case t.eng.pipe != nil && t.eng.auditAppend != "" && !t.auditKnown:
		// Audit records appended in fn are chained by the database
		// (engine.auditAppend): only the lock goes first, with fn's writes, where
		// it comes before the transaction's snapshot (see auditHead).
		if t.fresh || t.readCommitted {
			t.lockAudit()
		}
	case t.eng.pipe != nil && !t.auditKnown:
		// Read the audit chain's head now, so that audit records appended in fn
		// need no read (which would send the writes before it). At the start of a
		// transaction an engine that can locks the chain first (see
		// engine.auditLock): appenders queue instead of racing for the head.
		if err := t.auditHead(ctx); err != nil {
			return err
		}
	}
	was := t.pipelining
	t.pipelining = true
	err := fn()
	t.pipelining = was
	if err == nil && t.commitCarries() {
		// Left for the next statement or, when fn's writes are the
		// transaction's last, for the commit: one round trip fewer.
		return t.failed
	}
	if ferr := t.flush(ctx); err == nil {
		err = ferr
	}
	if t.failed != nil {
		return t.failed
	}
	return err
}

// deferring reports whether writes are held back (inside Pipeline, with a pipe).
func (t *sqlTx) deferring() bool { return t.pipelining && t.eng.pipe != nil }

// write runs a write whose result is only an error: at once, or, inside Pipeline on
// an engine with a pipe (and always for a setting there), held back to be sent with
// the next statements. check judges the rows affected (nil: any); its error and the
// statement's (mapped by writeErr) come from this call when the write runs at once,
// else from the call that sends it, from Pipeline or from the commit.
func (t *sqlTx) write(ctx context.Context, what, query string, args []any, check func(int64) error, setting bool) error {
	if t.readOnly {
		return fmt.Errorf("store: %s: %w", what, errReadOnly)
	}
	if t.failed != nil {
		return t.failed
	}
	if t.deferring() || (setting && t.eng.pipe != nil) {
		t.pending = append(t.pending, pendingStmt{what: what, query: t.eng.dialect.Rebind(query), args: args, check: check, setting: setting})
		return nil
	}
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return t.writeErr(what, err)
	}
	if check == nil {
		return nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return check(n)
}

// writeOne is write for a write that must change exactly one row: check passes a
// count of 1 and refuses any other. Held back on an engine with a guard, it is sent
// wrapped so that the database judges it (engine.guard).
func (t *sqlTx) writeOne(ctx context.Context, what, query string, args []any, check func(int64) error) error {
	if t.deferring() && t.eng.guard != nil && !t.readOnly && t.failed == nil {
		t.pending = append(t.pending, pendingStmt{what: what, query: t.eng.dialect.Rebind(t.eng.guard(query)),
			args: append(args[:len(args):len(args)], what), check: check, guarded: true})
		return nil
	}
	return t.write(ctx, what, query, args, check, false)
}

// flush sends the pending writes (one round trip) and judges their results; the first
// error is kept in t.failed and returned.
func (t *sqlTx) flush(ctx context.Context) error {
	if t.failed != nil || len(t.pending) == 0 {
		return t.failed
	}
	stmts := t.pending
	t.pending = nil
	t.fresh = false
	return t.send(ctx, stmts)
}

// send sends stmts through the engine's pipe and judges their results.
func (t *sqlTx) send(ctx context.Context, stmts []pendingStmt) error {
	t.begun = true
	affected, failed, err := t.eng.pipe(ctx, t.conn, stmts)
	if err != nil {
		return t.failedAt(stmts, failed, err)
	}
	return t.judge(stmts, affected)
}

// judge runs the checks of sent statements on the rows they affected; the first
// error is kept in t.failed and returned.
func (t *sqlTx) judge(stmts []pendingStmt, affected []int64) error {
	for i, p := range stmts {
		if p.check == nil || p.guarded {
			continue
		}
		if err := p.check(affected[i]); err != nil {
			t.failed = err
			return err
		}
	}
	return nil
}

// mustSend reports whether a read must wait for pending statements to be sent: the
// transaction's BEGIN or writes.
func (t *sqlTx) mustSend() bool { return !t.begun || t.readPending() }

// readPending reports whether pending statements other than settings wait.
func (t *sqlTx) readPending() bool {
	for _, p := range t.pending {
		if !p.setting {
			return true
		}
	}
	return false
}

func (t *sqlTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if t.failed != nil {
		return nil, t.failed
	}
	t.fresh = false
	if len(t.pending) > 0 {
		// The pending writes and this one in one round trip.
		stmts := append(t.pending, pendingStmt{what: "write", query: t.eng.dialect.Rebind(query), args: args})
		t.pending = nil
		last := len(stmts) - 1
		t.begun = true
		affected, failed, err := t.eng.pipe(ctx, t.conn, stmts)
		switch {
		case err != nil && failed == last:
			return nil, err // this statement's own error, for the caller to map
		case err != nil:
			return nil, t.failedAt(stmts, failed, err)
		}
		if err := t.judge(stmts[:last], affected); err != nil {
			return nil, err
		}
		return driver.RowsAffected(affected[last]), nil
	}
	q := t.eng.dialect.Rebind(query)
	if st := t.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.q.ExecContext(ctx, q, args...)
}

// prepared returns this transaction's use of the cached prepared statement of query
// q, or nil when the transaction has no cache or the cache does not hold q yet (q is
// then noted, to be prepared after the transaction).
func (t *sqlTx) prepared(ctx context.Context, q string) *sql.Stmt {
	if t.stmts == nil || (t.tx == nil && !t.single) {
		return nil
	}
	if st := t.stmts.get(q); st != nil {
		if t.single {
			return st // on the pool, like the query itself
		}
		return t.tx.StmtContext(ctx, st)
	}
	t.missed = append(t.missed, q)
	return nil
}

// failedAt records and returns the error of pending statement i of stmts.
func (t *sqlTx) failedAt(stmts []pendingStmt, i int, err error) error {
	switch {
	case i >= 0 && i < len(stmts) && stmts[i].guarded && t.eng.guardFailed(err):
		t.failed = stmts[i].check(0)
	case i >= 0 && i < len(stmts):
		t.failed = t.writeErr(stmts[i].what, err)
	default:
		t.failed = fmt.Errorf("store: send writes: %w", err)
	}
	return t.failed
}

func (t *sqlTx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.countQuery(); err != nil {
		return nil, err
	}
	t.fresh = false
	if t.mustSend() {
		if err := t.flush(ctx); err != nil {
			return nil, err
		}
	}
	q := t.eng.dialect.Rebind(query)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, q, args...)
}

// queryRow is QueryRowContext after the pending statements: sent in the same round
// trip where the engine can (pipeRow), else before it. When sending them fails, the
// row's Scan returns the cause, which is kept in t.failed and is what the
// transaction returns.
func (t *sqlTx) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if err := t.countQuery(); err != nil {
		return failedRow{err}
	}
	t.fresh = false
	q := t.eng.dialect.Rebind(query)
	if t.mustSend() {
		if t.failed != nil {
			return failedRow{t.failed}
		}
		if t.eng.pipeRow != nil {
			stmts := t.pending
			t.pending = nil
			return &pipedRow{t: t, ctx: ctx, stmts: stmts, query: q, args: args}
		}
		if err := t.flush(ctx); err != nil {
			return failedRow{err}
		}
	}
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.q.QueryRowContext(ctx, q, args...)
}

// countQuery counts a query of a one-query read and refuses the second.
func (t *sqlTx) countQuery() error {
	if !t.single {
		return nil
	}
	if t.queries++; t.queries > 1 {
		return errSecondQuery
	}
	return nil
}

// pipedRow is a query's row sent, when it is scanned, after the statements that were
// pending (engine.pipeRow).
type pipedRow struct {
	t     *sqlTx
	ctx   context.Context
	stmts []pendingStmt
	query string
	args  []any
}

func (r *pipedRow) Scan(dest ...any) error {
	t := r.t
	if len(r.stmts) > 0 {
		t.begun = true
	}
	affected, failed, err := t.eng.pipeRow(r.ctx, t.conn, r.stmts, r.query, r.args, dest)
	if err != nil && failed != len(r.stmts) {
		return t.failedAt(r.stmts, failed, err)
	}
	if jerr := t.judge(r.stmts, affected); jerr != nil {
		return jerr
	}
	return err // the query's own: sql.ErrNoRows, for one
}

// failedRow is the row of a query that was not sent: the transaction had failed.
type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// writeErr maps a failed write's error: constraint violations become the core
// sentinels, with the driver's message kept as text.
func (t *sqlTx) writeErr(what string, err error) error {
	switch {
	case t.eng.lostRace != nil && t.eng.lostRace(err):
		return fmt.Errorf("store: %s: %w", what, err) // the engine's Tx runs it again
	case t.eng.isUnique(err):
		return fmt.Errorf("store: %s: %w: %v", what, core.ErrDuplicate, err)
	case t.eng.isForeignKey(err):
		return fmt.Errorf("store: %s: %w: %v", what, core.ErrNotFound, err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// notFound wraps core.ErrNotFound with what was looked for.
func notFound(what string) error {
	return fmt.Errorf("store: %s: %w", what, core.ErrNotFound)
}

// ---- times ----

// timeLayout is how every time is stored: UTC, fixed width, nanoseconds, so that text
// order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// checkTimes rejects times that the fixed-width text form cannot hold.
func checkTimes(what string, ts ...time.Time) error {
	for _, t := range ts {
		if y := t.UTC().Year(); y < 1 || y > 9999 {
			return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "time %s is outside years 1-9999", t))
		}
	}
	return nil
}

// nullTime is the stored form of an optional time: NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// timeScanner scans a stored time into *T.
type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(v any) error {
	str, err := scanText(v)
	if err != nil {
		return err
	}
	tt, err := parseStoredTime(str)
	if err != nil {
		return fmt.Errorf("stored time %q: %w", str, err)
	}
	*s.t = tt
	return nil
}

// parseStoredTime parses timeLayout without the generality of time.Parse: CRLs and
// status polls read millions of stored times.
func parseStoredTime(s string) (time.Time, error) {
	if len(s) != len(timeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29] != 'Z' {
		return time.Parse(timeLayout, s)
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	se, ok6 := num(17, 19)
	ns, ok7 := num(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 {
		return time.Parse(timeLayout, s)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC)
	if t.Day() != d { // 31 February and the like
		return time.Parse(timeLayout, s)
	}
	return t, nil
}

// nullTimeScanner scans an optional stored time: NULL gives nil.
type nullTimeScanner struct{ t **time.Time }

func (s nullTimeScanner) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var tt time.Time
	if err := (timeScanner{&tt}).Scan(v); err != nil {
		return err
	}
	*s.t = &tt
	return nil
}

func scanText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", fmt.Errorf("stored time has type %T, want text", v)
}

// nullString stores "" as NULL, for optional columns.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- applications ----

// applicationJSON encodes a with its times in UTC.
func applicationJSON(a *core.Application) (string, error) {
	c := *a
	c.CreatedAt, c.UpdatedAt, c.Deadline = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), c.Deadline.UTC()
	b, err := json.Marshal(&c)
	return string(b), err
}

// deadlineValue is the stored deadline: NULL when there is none (zero time).
func deadlineValue(a *core.Application) any {
	if a.Deadline.IsZero() {
		return nil
	}
	return formatTime(a.Deadline)
}

// InsertApplication implements Tx.
func (t *sqlTx) InsertApplication(ctx context.Context, a *core.Application) error {
	what := "insert application " + a.Number
	if a.Number == "" {
		return fmt.Errorf("store: insert application: %w", core.Errorf(core.KindInvalid, "application number is empty"))
	}
	if err := checkTimes(what, a.CreatedAt, a.UpdatedAt, a.Deadline); err != nil {
		return err
	}
	data, err := applicationJSON(a)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	res, err := t.exec(ctx, `INSERT INTO applications (number, template, state, iin, bin, deadline, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.Number, a.Template, string(a.State), nullString(a.Applicant.IIN), nullString(a.Applicant.BIN),
		deadlineValue(a), formatTime(a.CreatedAt), formatTime(a.UpdatedAt), data)
	return t.insertErr(what, "application number "+a.Number, res, err)
}

// insertErr maps the outcome of an INSERT … ON CONFLICT DO NOTHING: no row inserted
// is a duplicate. A conflict is not a failed statement, so the transaction stays
// usable (PostgreSQL aborts a transaction at its first failed statement) and the
// caller may try another number or serial in the same transaction.
func (t *sqlTx) insertErr(what, key string, res sql.Result, err error) error {
	if err != nil {
		return t.writeErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return insertedOne(what, key)(n)
}

// insertedOne is the check of an INSERT … ON CONFLICT DO NOTHING of one row: no row
// inserted is core.ErrDuplicate on key.
func insertedOne(what, key string) func(int64) error {
	return func(n int64) error {
		if n == 0 {
			return fmt.Errorf("store: %s: %w: %s is already taken", what, core.ErrDuplicate, key)
		}
		return nil
	}
}

// GetApplication implements Tx.
func (t *sqlTx) GetApplication(ctx context.Context, number string) (*core.Application, error) {
	var data string
	err := t.queryRow(ctx, `SELECT data FROM applications WHERE number = ?`, number).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("application " + number)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get application %s: %w", number, err)
	}
	return decodeApplication(data)
}

func decodeApplication(data string) (*core.Application, error) {
	var a core.Application
	if err := json.Unmarshal([]byte(data), &a); err != nil {
		return nil, fmt.Errorf("store: decode application: %w", err)
	}
	return &a, nil
}

// UpdateApplication implements Tx.
func (t *sqlTx) UpdateApplication(ctx context.Context, a *core.Application, from core.State) error {
	what := "update application " + a.Number
	if err := checkTimes(what, a.CreatedAt, a.UpdatedAt, a.Deadline); err != nil {
		return err
	}
	data, err := applicationJSON(a)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	query := `UPDATE applications
SET template = ?, state = ?, iin = ?, bin = ?, deadline = ?, created_at = ?, updated_at = ?, data = ?
WHERE number = ? AND state = ?`
	args := []any{a.Template, string(a.State), nullString(a.Applicant.IIN), nullString(a.Applicant.BIN),
		deadlineValue(a), formatTime(a.CreatedAt), formatTime(a.UpdatedAt), data,
		a.Number, string(from)}
	if t.deferring() {
		// Held back with other writes: no second look at the stored state.
		return t.writeOne(ctx, what, query, args, func(n int64) error {
			if n == 1 {
				return nil
			}
			return fmt.Errorf("store: %s: %w", what,
				core.Errorf(core.KindConflict, "application %s is no longer %s (or is gone): it was changed meanwhile", a.Number, from))
		})
	}
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return t.writeErr(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	} else if n == 1 {
		return nil
	}
	var state string
	err = t.queryRow(ctx, `SELECT state FROM applications WHERE number = ?`, a.Number).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("application " + a.Number)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return fmt.Errorf("store: %s: %w", what,
		core.Errorf(core.KindConflict, "application %s is %s, not %s: it was changed meanwhile", a.Number, state, from))
}

// ListApplications implements Tx.
func (t *sqlTx) ListApplications(ctx context.Context, f ApplicationFilter) ([]*core.Application, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	if f.IIN != "" {
		where, args = append(where, "iin = ?"), append(args, f.IIN)
	}
	if f.BIN != "" {
		where, args = append(where, "bin = ?"), append(args, f.BIN)
	}
	if f.Number != "" {
		where, args = append(where, "number = ?"), append(args, f.Number)
	}
	if !f.DeadlineBefore.IsZero() {
		if err := checkTimes("list applications", f.DeadlineBefore); err != nil {
			return nil, err
		}
		where, args = append(where, "deadline < ?"), append(args, formatTime(f.DeadlineBefore))
	}
	q := "SELECT data FROM applications"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY created_at, number LIMIT ?"
	args = append(args, limit)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list applications: %w", err)
	}
	defer rows.Close()
	var out []*core.Application
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("store: list applications: %w", err)
		}
		a, err := decodeApplication(data)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list applications: %w", err)
	}
	return out, nil
}

// ---- events ----

// AddEvent implements Tx. An event of an unknown application is a not-found error.
func (t *sqlTx) AddEvent(ctx context.Context, e core.Event) error {
	what := "add event to application " + e.Number
	if err := checkTimes(what, e.At); err != nil {
		return err
	}
	var facts any // NULL: no facts recorded
	if e.Facts != nil {
		b, err := json.Marshal(e.Facts)
		if err != nil {
			return fmt.Errorf("store: %s: facts: %w", what, err)
		}
		facts = string(b)
	}
	return t.write(ctx, what, `INSERT INTO application_events (number, at, from_state, to_state, action, actor, detail, facts)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		[]any{e.Number, formatTime(e.At), string(e.From), string(e.To), e.Action, e.Actor, e.Detail, facts}, nil, false)
}

// Events implements Tx. An application without events (or unknown) has none: the
// result is empty, not an error. Events with the same time keep insertion order.
func (t *sqlTx) Events(ctx context.Context, number string) ([]core.Event, error) {
	rows, err := t.query(ctx, `SELECT at, from_state, to_state, action, actor, detail, facts
FROM application_events WHERE number = ? ORDER BY at, id`, number)
	if err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", number, err)
	}
	defer rows.Close()
	var out []core.Event
	for rows.Next() {
		e := core.Event{Number: number}
		var from, to string
		var facts sql.NullString
		if err := rows.Scan(timeScanner{&e.At}, &from, &to, &e.Action, &e.Actor, &e.Detail, &facts); err != nil {
			return nil, fmt.Errorf("store: events of %s: %w", number, err)
		}
		e.From, e.To = core.State(from), core.State(to)
		if facts.Valid {
			e.Facts = new(core.EventFacts)
			if err := json.Unmarshal([]byte(facts.String), e.Facts); err != nil {
				return nil, fmt.Errorf("store: events of %s: facts of the event at %s: %w", number, e.At.Format(time.RFC3339Nano), err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", number, err)
	}
	return out, nil
}

// ---- certificates ----

const certColumns = `issuer, serial, application, template, type, iin, bin, subject, not_before, not_after,
key_hash, der, status, revoked_at, reason, invalidity_date`

// InsertCertificate implements Tx. Issuer, Serial and KeyHash must be set; an empty
// Status is stored as good.
func (t *sqlTx) InsertCertificate(ctx context.Context, c *core.Certificate) error {
	what := fmt.Sprintf("insert certificate %s/%s", c.Issuer, c.Serial)
	if c.Issuer == "" || c.Serial == "" || c.KeyHash == "" {
		return fmt.Errorf("store: %s: %w", what, core.Errorf(core.KindInvalid, "certificate issuer, serial and key hash are required"))
	}
	ts := []time.Time{c.NotBefore, c.NotAfter}
	if c.RevokedAt != nil {
		ts = append(ts, *c.RevokedAt)
	}
	if c.InvalidityDate != nil {
		ts = append(ts, *c.InvalidityDate)
	}
	if err := checkTimes(what, ts...); err != nil {
		return err
	}
	status := c.Status
	if status == "" {
		status = core.CertGood
	}
	der := c.DER
	if der == nil {
		der = []byte{}
	}
	return t.writeOne(ctx, what, `INSERT INTO certificates (`+certColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		[]any{c.Issuer, c.Serial, nullString(c.Application), c.Template, string(c.Type), nullString(c.IIN), nullString(c.BIN),
			c.Subject, formatTime(c.NotBefore), formatTime(c.NotAfter), c.KeyHash, der, string(status),
			nullTime(c.RevokedAt), int64(c.Reason), nullTime(c.InvalidityDate)},
		insertedOne(what, "serial "+c.Serial+" or key hash "+c.KeyHash))
}

// scanCertificate scans one row of certColumns.
func scanCertificate(row interface{ Scan(...any) error }) (*core.Certificate, error) {
	var c core.Certificate
	var app, iin, bin sql.NullString
	var typ, status string
	var reason int64
	err := row.Scan(&c.Issuer, &c.Serial, &app, &c.Template, &typ, &iin, &bin, &c.Subject,
		timeScanner{&c.NotBefore}, timeScanner{&c.NotAfter}, &c.KeyHash, &c.DER, &status,
		nullTimeScanner{&c.RevokedAt}, &reason, nullTimeScanner{&c.InvalidityDate})
	if err != nil {
		return nil, err
	}
	c.Application, c.IIN, c.BIN = app.String, iin.String, bin.String
	c.Type, c.Status, c.Reason = core.CertType(typ), core.CertStatus(status), core.RevocationReason(reason)
	if len(c.DER) == 0 {
		c.DER = nil
	}
	return &c, nil
}

// GetCertificate implements Tx.
func (t *sqlTx) GetCertificate(ctx context.Context, issuer, serial string) (*core.Certificate, error) {
	c, err := scanCertificate(t.queryRow(ctx, `SELECT `+certColumns+` FROM certificates WHERE issuer = ? AND serial = ?`, issuer, serial))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("certificate %s/%s", issuer, serial))
	}
	if err != nil {
		return nil, fmt.Errorf("store: get certificate %s/%s: %w", issuer, serial, err)
	}
	return c, nil
}

// certificates runs a query selecting certColumns.
func (t *sqlTx) certificates(ctx context.Context, what, query string, args ...any) ([]*core.Certificate, error) {
	rows, err := t.query(ctx, `SELECT `+certColumns+` FROM certificates `+query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*core.Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// CertificatesBySerial implements Tx; the result is ordered by issuer and empty when
// no certificate has the serial.
func (t *sqlTx) CertificatesBySerial(ctx context.Context, serial string) ([]*core.Certificate, error) {
	return t.certificates(ctx, "certificates by serial "+serial, `WHERE serial = ? ORDER BY issuer`, serial)
}

// CertificatesByApplication implements Tx; the result is ordered by NotBefore, issuer
// and serial.
func (t *sqlTx) CertificatesByApplication(ctx context.Context, number string) ([]*core.Certificate, error) {
	return t.certificates(ctx, "certificates of application "+number,
		`WHERE application = ? ORDER BY not_before, issuer, serial`, number)
}

// CertificatesByIIN implements Tx (newest NotBefore first).
func (t *sqlTx) CertificatesByIIN(ctx context.Context, iin string) ([]*core.Certificate, error) {
	return t.certificates(ctx, "certificates of IIN "+iin,
		`WHERE iin = ? ORDER BY not_before DESC, issuer, serial`, iin)
}

// CertificateByKeyHash implements Tx; no certificate is a not-found error.
func (t *sqlTx) CertificateByKeyHash(ctx context.Context, keyHash string) (*core.Certificate, error) {
	c, err := scanCertificate(t.queryRow(ctx, `SELECT `+certColumns+` FROM certificates WHERE key_hash = ?`, keyHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("certificate with key hash " + keyHash)
	}
	if err != nil {
		return nil, fmt.Errorf("store: certificate by key hash %s: %w", keyHash, err)
	}
	return c, nil
}

// CertifiedKeyHashes implements Tx.
func (t *sqlTx) CertifiedKeyHashes(ctx context.Context, keyHashes []string) ([]string, error) {
	if len(keyHashes) == 0 {
		return nil, nil
	}
	args := make([]any, len(keyHashes))
	for i, h := range keyHashes {
		args[i] = h
	}
	rows, err := t.query(ctx, `SELECT key_hash FROM certificates WHERE key_hash IN (?`+strings.Repeat(`, ?`, len(keyHashes)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: certified key hashes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: certified key hashes: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: certified key hashes: %w", err)
	}
	return out, nil
}

// RevokeCertificate implements Tx.
func (t *sqlTx) RevokeCertificate(ctx context.Context, issuer, serial string, reason core.RevocationReason, at time.Time, invalidity *time.Time) error {
	what := fmt.Sprintf("revoke certificate %s/%s", issuer, serial)
	ts := []time.Time{at}
	if invalidity != nil {
		ts = append(ts, *invalidity)
	}
	if err := checkTimes(what, ts...); err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE certificates SET status = ?, revoked_at = ?, reason = ?, invalidity_date = ?
WHERE issuer = ? AND serial = ? AND status = ?`,
		string(core.CertRevoked), formatTime(at), int64(reason), nullTime(invalidity),
		issuer, serial, string(core.CertGood))
	if err != nil {
		return t.writeErr(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	} else if n == 1 {
		return nil
	}
	var status string
	err = t.queryRow(ctx, `SELECT status FROM certificates WHERE issuer = ? AND serial = ?`, issuer, serial).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(fmt.Sprintf("certificate %s/%s", issuer, serial))
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return fmt.Errorf("store: %s: %w", what,
		core.Errorf(core.KindConflict, "certificate %s is already %s", serial, status))
}

// The CRL queries name status = 'revoked' as a literal: the partial indexes
// certificates_crl_entries and certificates_revoked_at (migration 0006) serve only
// queries that state their condition (TestRevocationQueryPlans).
const (
	revokedEntriesQuery = `SELECT serial, revoked_at, reason, invalidity_date, not_after
FROM certificates WHERE issuer = ? AND status = 'revoked' AND not_after > ? ORDER BY serial`
	revokedSinceQuery = `SELECT serial, revoked_at, reason, invalidity_date, not_after
FROM certificates WHERE issuer = ? AND status = 'revoked' AND revoked_at >= ? AND not_after > ? ORDER BY revoked_at, serial`
)

// RevokedEntries implements Tx. Serial order is the text order of the hex serials.
// fn's error stops the iteration and is returned as is.
func (t *sqlTx) RevokedEntries(ctx context.Context, issuer string, notAfterAfter time.Time, fn func(core.RevokedEntry) error) error {
	what := "revoked entries of " + issuer
	if err := checkTimes(what, notAfterAfter); err != nil {
		return err
	}
	rows, err := t.query(ctx, revokedEntriesQuery, issuer, formatTime(notAfterAfter))
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return scanRevoked(rows, what, fn)
}

// RevokedSince implements Tx. fn's error stops the iteration and is returned as is.
func (t *sqlTx) RevokedSince(ctx context.Context, issuer string, since, notAfterAfter time.Time, fn func(core.RevokedEntry) error) error {
	what := "revoked entries of " + issuer + " since " + since.UTC().Format(time.RFC3339)
	if err := checkTimes(what, since, notAfterAfter); err != nil {
		return err
	}
	rows, err := t.query(ctx, revokedSinceQuery, issuer, formatTime(since), formatTime(notAfterAfter))
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return scanRevoked(rows, what, fn)
}

// scanRevoked calls fn for each row of rows (serial, revoked_at, reason,
// invalidity_date, not_after) and closes rows. fn's error stops the iteration and is
// returned as is.
func scanRevoked(rows *sql.Rows, what string, fn func(core.RevokedEntry) error) error {
	defer rows.Close()
	for rows.Next() {
		var e core.RevokedEntry
		var reason int64
		if err := rows.Scan(&e.Serial, timeScanner{&e.RevokedAt}, &reason, nullTimeScanner{&e.InvalidityDate}, timeScanner{&e.NotAfter}); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		e.Reason = core.RevocationReason(reason)
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// CertificateStatus implements Tx; an unknown certificate is a not-found error.
func (t *sqlTx) CertificateStatus(ctx context.Context, issuer, serial string) (CertStatus, error) {
	var st CertStatus
	var status string
	var reason int64
	err := t.queryRow(ctx, `SELECT status, not_before, not_after, revoked_at, reason, invalidity_date
FROM certificates WHERE issuer = ? AND serial = ?`, issuer, serial).
		Scan(&status, timeScanner{&st.NotBefore}, timeScanner{&st.NotAfter}, nullTimeScanner{&st.RevokedAt}, &reason, nullTimeScanner{&st.InvalidityDate})
	if errors.Is(err, sql.ErrNoRows) {
		return CertStatus{}, notFound(fmt.Sprintf("certificate %s/%s", issuer, serial))
	}
	if err != nil {
		return CertStatus{}, fmt.Errorf("store: status of certificate %s/%s: %w", issuer, serial, err)
	}
	st.Status, st.Reason = core.CertStatus(status), core.RevocationReason(reason)
	return st, nil
}

// ---- CRL numbers ----

// NextCRLNumber implements Tx.
func (t *sqlTx) NextCRLNumber(ctx context.Context, issuer string) (int64, error) {
	if t.readOnly {
		return 0, fmt.Errorf("store: next CRL number of %s: %w", issuer, errReadOnly)
	}
	var n int64
	err := t.queryRow(ctx, `INSERT INTO crl_numbers (issuer, last) VALUES (?, 1)
ON CONFLICT (issuer) DO UPDATE SET last = crl_numbers.last + 1
RETURNING last`, issuer).Scan(&n)
	if err != nil {
		return 0, t.writeErr("next CRL number of "+issuer, err)
	}
	return n, nil
}

// ---- challenges ----

// PutChallenge implements Tx. It also deletes the challenges that expired before
// c.CreatedAt, so that unused challenges do not accumulate.
func (t *sqlTx) PutChallenge(ctx context.Context, c Challenge) error {
	what := "put challenge " + c.ID
	if c.ID == "" {
		return fmt.Errorf("store: put challenge: %w", core.Errorf(core.KindInvalid, "challenge id is empty"))
	}
	if err := checkTimes(what, c.CreatedAt, c.ExpiresAt); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM challenges WHERE expires_at < ?`, formatTime(c.CreatedAt)); err != nil {
		return t.writeErr(what, err)
	}
	nonce := c.Nonce
	if nonce == nil {
		nonce = []byte{}
	}
	_, err := t.exec(ctx, `INSERT INTO challenges (id, nonce, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		c.ID, nonce, formatTime(c.CreatedAt), formatTime(c.ExpiresAt))
	if err != nil {
		return t.writeErr(what, err)
	}
	return nil
}

// TakeChallenge implements Tx. It does not check expiry: the caller compares
// ExpiresAt with its clock.
func (t *sqlTx) TakeChallenge(ctx context.Context, id string) (Challenge, error) {
	if t.readOnly {
		return Challenge{}, fmt.Errorf("store: take challenge %s: %w", id, errReadOnly)
	}
	c := Challenge{ID: id}
	err := t.queryRow(ctx, `DELETE FROM challenges WHERE id = ? RETURNING nonce, created_at, expires_at`, id).
		Scan(&c.Nonce, timeScanner{&c.CreatedAt}, timeScanner{&c.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Challenge{}, notFound("challenge " + id)
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("store: take challenge %s: %w", id, err)
	}
	if len(c.Nonce) == 0 {
		c.Nonce = nil
	}
	return c, nil
}

// ---- audit ----

// AppendAudit implements Tx. r.At is stored (and hashed) in UTC; Seq is the last
// record's Seq + 1 (1 for the first) and PrevHash the last record's Hash (audit.Genesis
// for the first).
func (t *sqlTx) AppendAudit(ctx context.Context, r *core.AuditRecord) error {
	what := "append audit record"
	if t.readOnly {
		return fmt.Errorf("store: %s: %w", what, errReadOnly)
	}
	if err := checkTimes(what, r.At); err != nil {
		return err
	}
	if !t.auditKnown && t.deferring() && t.eng.auditAppend != "" {
		// Chained by the database, sent with the other held-back writes.
		at := r.At.UTC()
		return t.write(ctx, what, t.eng.auditAppend, []any{formatTime(at), at.Format(time.RFC3339Nano),
			r.Actor, r.Action, r.Object, r.Address, r.Detail, audit.Genesis}, nil, false)
	}
	if !t.auditKnown {
		if err := t.auditHead(ctx); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	rec := *r
	rec.Seq, rec.At, rec.PrevHash = t.auditSeq+1, r.At.UTC(), t.auditHash
	rec.Hash = audit.Hash(rec.PrevHash, rec)
	err := t.write(ctx, what, `INSERT INTO audit (seq, at, actor, action, object, address, detail, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]any{rec.Seq, formatTime(rec.At), rec.Actor, rec.Action, rec.Object, rec.Address, rec.Detail, rec.PrevHash, rec.Hash}, nil, false)
	if err != nil {
		t.auditKnown = false
		return err
	}
	t.auditSeq, t.auditHash = rec.Seq, rec.Hash
	*r = rec
	return nil
}

// auditHead reads the last record of the audit chain into t (Genesis and 0 for an
// empty chain). Where the engine can lock the chain (engine.auditLock) and the
// read would see the latest head — at the transaction's start, or in any statement of
// a READ COMMITTED transaction — it locks the chain first, so that appenders queue
// instead of racing for the same sequence number.
func (t *sqlTx) auditHead(ctx context.Context) error {
	if t.fresh || t.readCommitted {
		t.lockAudit()
	}
	var last int64
	prev := audit.Genesis
	err := t.queryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the audit chain's last record: %w", err)
	}
	t.auditKnown, t.auditSeq, t.auditHash = true, last, prev
	return nil
}

// lockAudit holds back the engine's audit lock (engine.auditLock), once per
// transaction: sent with what follows it (and with BEGIN, at the start).
func (t *sqlTx) lockAudit() {
	if t.eng.auditLock == "" || (t.auditLocked && !t.readCommitted) {
		return
	}
	t.auditLocked = true
	t.pending = append(t.pending, pendingStmt{what: "lock the audit chain", query: t.eng.auditLock})
}

// AuditLog implements Tx; limit <= 0 means 100.
func (t *sqlTx) AuditLog(ctx context.Context, after int64, limit int) ([]core.AuditRecord, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.query(ctx, `SELECT seq, at, actor, action, object, address, detail, prev_hash, hash
FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []core.AuditRecord
	for rows.Next() {
		var r core.AuditRecord
		if err := rows.Scan(&r.Seq, timeScanner{&r.At}, &r.Actor, &r.Action, &r.Object, &r.Address, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}
