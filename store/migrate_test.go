package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrationsExpandForEveryDialect(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 {
		t.Fatalf("migrations: %+v", ms)
	}
	for i, m := range ms {
		if m.Version != int64(i+1) {
			t.Errorf("migration %s: version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
		for _, d := range []Dialect{SQLiteDialect(), PostgresDialect()} {
			out, err := d.expand(m.SQL)
			if err != nil {
				t.Errorf("%s for %s: %v", m.Name, d.Name, err)
			}
			if strings.Contains(out, "{{") {
				t.Errorf("%s for %s: token left: %s", m.Name, d.Name, out)
			}
		}
	}
	if _, err := SQLiteDialect().expand("x {{NOPE}}"); err == nil {
		t.Error("unknown token accepted")
	}
}

func TestRebind(t *testing.T) {
	q := "SELECT a FROM t WHERE b = ? AND c IN (?, ?)"
	if got := SQLiteDialect().Rebind(q); got != q {
		t.Errorf("sqlite: %s", got)
	}
	if got, want := PostgresDialect().Rebind(q), "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"; got != want {
		t.Errorf("postgres: %s, want %s", got, want)
	}
}

func TestMigrateIdempotentAndRefusesNewer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nca.db")
	s, err := OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := Migrate(ctx, s.write, SQLiteDialect(), nil)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v", applied, err)
	}
	var n int
	if err := s.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, _ := Migrations()
	if n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	var created string
	if _, err := s.write.ExecContext(ctx, `INSERT INTO applications (number, template, state, created_at, updated_at, data)
VALUES ('x', 't', 's', ?, ?, '{}')`, formatTime(base()), formatTime(base())); err != nil {
		t.Fatal(err)
	}
	if err := s.write.QueryRowContext(ctx, `SELECT created_at FROM applications`).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if created != "2026-03-02T05:30:15.000000001Z" {
		t.Fatalf("stored time %q is not fixed-width UTC", created)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := OpenSQLite(ctx, path, nil); err == nil {
		s.Close()
		t.Fatal("opened a database migrated by a newer program")
	}
}
