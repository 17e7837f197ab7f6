package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// TestSQLiteTxNoSyncLevel: a TxNoSync transaction runs at synchronous=NORMAL (1) and
// the write connection is back at FULL (2) for the next transaction, also after a
// failed one.
func TestSQLiteTxNoSyncLevel(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "nca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	level := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var v int
		if err := q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, fail := range []bool{false, true} {
		err := s.TxNoSync(ctx, func(tx Tx) error {
			if got := level(tx.(*sqlTx).tx); got != 1 {
				t.Errorf("inside TxNoSync: synchronous=%d, want 1 (NORMAL)", got)
			}
			if fail {
				return errors.New("fail")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("TxNoSync = %v", err)
		}
		if err := s.Tx(ctx, func(tx Tx) error {
			if got := level(tx.(*sqlTx).tx); got != 2 {
				t.Errorf("Tx after TxNoSync (failed: %v): synchronous=%d, want 2 (FULL)", fail, got)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSQLiteStatementCache: a query a transaction ran is prepared after it, the next
// transactions run it prepared (reads and writes alike), a prepared write still
// belongs to its transaction (rolled back with it), and the cache keeps no more
// than its limit.
func TestSQLiteStatementCache(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "nca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE cache_probe (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const (
		insert = `INSERT INTO cache_probe (n) VALUES (?)`
		count  = `SELECT COUNT(*), COALESCE(SUM(n), 0) FROM cache_probe`
	)
	// insertTx inserts n; it reports whether the insert ran prepared; fail rolls back.
	insertTx := func(n int, fail bool) (cached bool) {
		err := s.Tx(ctx, func(tx Tx) error {
			st := tx.(*sqlTx)
			if _, err := st.exec(ctx, insert, n); err != nil {
				return err
			}
			cached = len(st.missed) == 0
			if fail {
				return errors.New("roll back")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("insert %d (fail=%v): %v", n, fail, err)
		}
		return cached
	}
	// counted returns the rows and their sum, and whether the query ran prepared.
	counted := func() (rows, sum int, cached bool) {
		err := s.Read(ctx, func(tx Tx) error {
			st := tx.(*sqlTx)
			err := st.queryRow(ctx, count).Scan(&rows, &sum)
			cached = len(st.missed) == 0
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows, sum, cached
	}
	settle := func() { s.writeStmts.wg.Wait(); s.readStmts.wg.Wait() }

	if insertTx(1, false) {
		t.Error("the first insert ran prepared: nothing was cached yet")
	}
	if _, _, cached := counted(); cached {
		t.Error("the first count ran prepared")
	}
	settle()
	if s.writeStmts.get(insert) == nil || s.readStmts.get(count) == nil {
		t.Fatal("the queries were not prepared after their transactions")
	}
	if !insertTx(2, false) {
		t.Error("the second insert did not run prepared")
	}
	if !insertTx(100, true) {
		t.Error("the rolled-back insert did not run prepared")
	}
	rows, sum, cached := counted()
	if !cached {
		t.Error("the second count did not run prepared")
	}
	if rows != 2 || sum != 3 {
		t.Errorf("rows %d, sum %d; want 2 rows summing to 3 (the rolled-back insert must not count)", rows, sum)
	}

	small := newStmtCache(s.read, 1, s.logger)
	small.prepare([]string{count, `SELECT 1`})
	small.wg.Wait()
	if n := len(small.stmts); n != 1 {
		t.Errorf("a cache of limit 1 holds %d statements", n)
	}
	if err := small.close(); err != nil {
		t.Fatal(err)
	}
	if small.get(count) != nil {
		t.Error("a closed cache still hands out statements")
	}
}
