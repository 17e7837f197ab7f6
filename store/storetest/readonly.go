package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// RunReadOnly checks a store opened read-only (store.OpenSQLiteReadOnly,
// store.OpenPostgresReadOnly) on the database of rw: open opens it, and db is a plain
// handle on the same database, with which the test pretends an older or a newer
// schema (it rewrites schema_migrations).
// The read-only store reads what rw wrote; its write transactions fail and leave
// nothing; it opens a database with an older schema without migrating it, and
// refuses one newer than the build's.
func RunReadOnly(t *testing.T, rw store.Store, db *sql.DB, open func(t *testing.T) (store.Store, error)) {
	ctx := context.Background()
	rec := &core.AuditRecord{At: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC), Actor: "staff:800101300016", Action: "application.accept", Object: "A-1"}
	write(t, rw, func(tx store.Tx) error { return tx.AppendAudit(ctx, rec) })

	ro, err := open(t)
	if err != nil {
		t.Fatalf("open read-only: %v", err)
	}
	var log []core.AuditRecord
	read(t, ro, func(tx store.Tx) error {
		log, err = tx.AuditLog(ctx, 0, 10)
		return err
	})
	if len(log) != 1 || log[0].Hash != rec.Hash || log[0].Object != "A-1" {
		t.Fatalf("read-only store read %+v, want the record written", log)
	}
	more := &core.AuditRecord{At: rec.At.Add(time.Second), Actor: "staff:800101300016", Action: "application.approve", Object: "A-1"}
	if err := ro.Tx(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, more) }); err == nil {
		t.Fatal("a write transaction of the read-only store succeeded")
	}
	if err := ro.TxNoSync(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, more) }); err == nil {
		t.Fatal("a TxNoSync of the read-only store succeeded")
	}
	read(t, rw, func(tx store.Tx) error {
		log, err = tx.AuditLog(ctx, 0, 10)
		return err
	})
	if len(log) != 1 {
		t.Fatalf("the refused writes left %d records", len(log))
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	migrations, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	newest := migrations[len(migrations)-1].Version
	// An older schema opens as it is: nothing is migrated.
	sqlExec(t, db, `DELETE FROM schema_migrations WHERE version > 1`)
	ro, err = open(t)
	if err != nil {
		t.Fatalf("open read-only at schema version 1: %v", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Fatalf("after a read-only open of a version-1 schema, %d migrations are recorded: it was migrated", versions)
	}
	// A newer schema than the build's is refused.
	sqlExec(t, db, fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'from a newer build', '2027-01-01T00:00:00Z')`, newest+1))
	if ro, err := open(t); err == nil {
		ro.Close()
		t.Fatalf("a schema at version %d opened read-only with a build that knows %d", newest+1, newest)
	}
}

// sqlExec runs query on db.
func sqlExec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
