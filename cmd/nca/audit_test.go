package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// appendRecords appends n audit records to st, half of them inside a Pipeline (on
// PostgreSQL chained by the database).
func appendRecords(t *testing.T, st store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := st.Tx(ctx, func(tx store.Tx) error {
			r := &core.AuditRecord{At: time.Date(2026, 12, 5, 10, 0, i, 1000*i, time.UTC), Actor: "staff:800101300016",
				Action: "application.accept", Object: fmt.Sprintf("A-%d", i), Detail: "қабылданды"}
			if i%2 == 0 {
				return tx.Pipeline(ctx, func() error { return tx.AppendAudit(ctx, r) })
			}
			return tx.AppendAudit(ctx, r)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditVerify: nca audit verify reports an intact log with its last record, and
// a log altered in the database as broken at the altered record (exit 1), on SQLite
// and, when one is configured, on PostgreSQL; it refuses to run without a database.
func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name   string
		args   []string
		tamper func(query string)
	}
	var targets []target

	data := t.TempDir()
	path := filepath.Join(data, "nca.db")
	lite, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendRecords(t, lite, 5)
	if err := lite.Close(); err != nil {
		t.Fatal(err)
	}
	targets = append(targets, target{"sqlite", []string{"--data", data}, func(q string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}})
	if u := storetest.DatabaseURL(); u != "" {
		dsn := storetest.PostgresSchema(t, u)
		pg := storetest.OpenPostgres(t, dsn)
		appendRecords(t, pg, 5)
		targets = append(targets, target{"postgres", []string{"--database-url", dsn}, func(q string) {
			if _, err := pg.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}})
	}
	none := func(string) string { return "" }
	for _, tg := range targets {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"audit", "verify"}, tg.args...), &out, &errb, none)
		if code != 0 || !strings.Contains(out.String(), "verifies: 5 records; the last is seq 5") {
			t.Fatalf("%s: intact log: exit %d, %q %q", tg.name, code, out.String(), errb.String())
		}
		tg.tamper(`UPDATE audit SET detail = 'accepted' WHERE seq = 3`)
		out.Reset()
		errb.Reset()
		code = run(ctx, append([]string{"audit", "verify"}, tg.args...), &out, &errb, none)
		if code != 1 || !strings.Contains(errb.String(), "broken at seq 3") || !strings.Contains(errb.String(), "the 2 records before it verify") {
			t.Fatalf("%s: altered log: exit %d, %q %q", tg.name, code, out.String(), errb.String())
		}
	}

	var out, errb bytes.Buffer
	if code := run(ctx, []string{"audit", "verify", "--data", t.TempDir()}, &out, &errb, none); code != 1 || !strings.Contains(errb.String(), "no database") {
		t.Fatalf("no database: exit %d, %q", code, errb.String())
	}
	if code := run(ctx, []string{"audit"}, &out, &errb, none); code != 2 {
		t.Fatalf("nca audit without verify: exit %d", code)
	}
}
