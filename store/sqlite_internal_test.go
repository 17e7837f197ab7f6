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
