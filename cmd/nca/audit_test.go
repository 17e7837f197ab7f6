package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
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
		count  func(query string) int
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
	}, func(q string) (n int) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}})
	if u := storetest.DatabaseURL(); u != "" {
		dsn := storetest.PostgresSchema(t, u)
		pg := storetest.OpenPostgres(t, dsn)
		appendRecords(t, pg, 5)
		targets = append(targets, target{"postgres", []string{"--database-url", dsn}, func(q string) {
			if _, err := pg.DB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}, func(q string) (n int) {
			if err := pg.DB().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}})
	}
	none := func(string) string { return "" }
	for _, tg := range targets {
		verify := func(extra ...string) (code int, stdout, stderr string) {
			var out, errb bytes.Buffer
			code = run(ctx, append(append([]string{"audit", "verify"}, tg.args...), extra...), &out, &errb, none)
			return code, out.String(), errb.String()
		}
		// A database restored from an older build is read as it is: pretend one.
		tg.tamper(`DELETE FROM schema_migrations WHERE version > 1`)
		code, out, errs := verify()
		if code != 0 || !strings.Contains(out, "verifies: 5 records; the last is seq 5") {
			t.Fatalf("%s: intact log: exit %d, %q %q", tg.name, code, out, errs)
		}
		if n := tg.count(`SELECT COUNT(*) FROM schema_migrations`); n != 1 {
			t.Fatalf("%s: nca audit verify migrated the database (%d migrations recorded, 1 before)", tg.name, n)
		}
		_, anchorLine, ok := strings.Cut(out, "anchor: ")
		anchor := strings.TrimSpace(anchorLine)
		if !ok || !strings.HasPrefix(anchor, "5:") {
			t.Fatalf("%s: no anchor of the last record printed: %q", tg.name, out)
		}
		if code, out, errs := verify("--anchor", anchor); code != 0 || !strings.Contains(out, "holds the 1 anchors given") {
			t.Fatalf("%s: intact log with its anchor: exit %d, %q %q", tg.name, code, out, errs)
		}
		// The last record cut off: the chain still verifies; the anchor does not.
		tg.tamper(`DELETE FROM audit WHERE seq = 5`)
		if code, out, errs := verify(); code != 0 || !strings.Contains(out, "verifies: 4 records") {
			t.Fatalf("%s: truncated log without anchors: exit %d, %q %q", tg.name, code, out, errs)
		}
		anchors := filepath.Join(t.TempDir(), "anchors")
		if err := os.WriteFile(anchors, []byte("# kept by the auditor\n\nanchor: "+anchor+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, extra := range [][]string{{"--anchor", anchor}, {"--anchors", anchors}} {
			if code, out, errs := verify(extra...); code != 1 || !strings.Contains(errs, "ends at seq 4, before the anchor "+anchor) {
				t.Fatalf("%s: truncated log with %v: exit %d, %q %q", tg.name, extra, code, out, errs)
			}
		}
		if code, _, errs := verify("--anchor", "5:not-a-hash"); code != 2 || !strings.Contains(errs, "64 hex digits") {
			t.Fatalf("%s: a malformed anchor: exit %d, %q", tg.name, code, errs)
		}
		tg.tamper(`UPDATE audit SET detail = 'accepted' WHERE seq = 3`)
		if code, out, errs := verify("--anchor", anchor); code != 1 || !strings.Contains(errs, "broken at seq 3") || !strings.Contains(errs, "the 2 records before it verify") {
			t.Fatalf("%s: altered log: exit %d, %q %q", tg.name, code, out, errs)
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
