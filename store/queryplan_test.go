package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// TestRevocationQueryPlans: the full and the delta CRL queries are served by the
// partial indexes of revoked certificates on both engines (a query that did not name
// status = 'revoked' as the indexes do would read the whole table instead).
func TestRevocationQueryPlans(t *testing.T) {
	ctx := context.Background()
	queries := []struct {
		name, query, index string
		args               []any
	}{
		{"full CRL", store.RevokedEntriesQuery, "certificates_crl_entries", []any{"nca-rsa", "2026-01-01"}},
		{"delta CRL", store.RevokedSinceQuery, "certificates_revoked_at", []any{"nca-rsa", "2026-01-01", "2026-01-01"}},
	}
	t.Run("SQLite", func(t *testing.T) {
		s, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "nca.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		db := store.SQLiteDB(s)
		for _, q := range queries {
			plan := explain(t, db, nil, "EXPLAIN QUERY PLAN "+q.query, q.args)
			if !strings.Contains(plan, "INDEX "+q.index) {
				t.Errorf("%s: plan %q does not use %s", q.name, plan, q.index)
			}
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		s := storetest.OpenPostgres(t, storetest.PostgresSchema(t, postgresURL(t)))
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// An empty table is cheapest to scan whole: ask for the plan the planner
		// would choose if a scan were not an option, and for the generic plan a
		// prepared statement (pgx caches them) comes to use, made without the
		// parameters' values.
		for _, set := range []string{`SET enable_seqscan = off`, `SET plan_cache_mode = force_generic_plan`} {
			if _, err := conn.ExecContext(ctx, set); err != nil {
				t.Fatal(err)
			}
		}
		defer conn.ExecContext(ctx, `RESET ALL`) //nolint:errcheck
		for i, q := range queries {
			// EXPLAIN of a query with parameters plans it with their values; a
			// prepared statement's generic plan is what EXPLAIN EXECUTE shows.
			name := fmt.Sprintf("crl_plan_%d", i)
			if _, err := conn.ExecContext(ctx, "PREPARE "+name+" AS "+store.PostgresDialect().Rebind(q.query)); err != nil {
				t.Fatal(err)
			}
			lits := make([]string, len(q.args))
			for j, a := range q.args {
				lits[j] = fmt.Sprintf("'%v'", a)
			}
			plan := explain(t, nil, conn, "EXPLAIN EXECUTE "+name+"("+strings.Join(lits, ", ")+")", nil)
			if !strings.Contains(plan, q.index) {
				t.Errorf("%s: generic plan %q does not use %s", q.name, plan, q.index)
			}
		}
	})
}

// explain runs an EXPLAIN statement on db or conn and returns its rows' text.
func explain(t *testing.T, db *sql.DB, conn *sql.Conn, query string, args []any) string {
	t.Helper()
	var rows *sql.Rows
	var err error
	if conn != nil {
		rows, err = conn.QueryContext(context.Background(), query, args...)
	} else {
		rows, err = db.QueryContext(context.Background(), query, args...)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch x := v.(type) {
			case []byte:
				b.Write(x)
			case string:
				b.WriteString(x)
			}
			b.WriteString(" ")
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
