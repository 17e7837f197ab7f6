package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up

	"github.com/opennca/nca/store"
)

// DatabaseURLEnv names the environment variable that points the tests at a PostgreSQL
// database (e.g. postgres://postgres@127.0.0.1:5432/test). When it is set, New returns
// PostgreSQL stores, each in a schema of its own; .ci/run sets it when a server is
// reachable and runs the whole suite a second time.
const DatabaseURLEnv = "NCA_TEST_DATABASE_URL"

// DatabaseURL returns the PostgreSQL test database URL, "" when tests use SQLite.
func DatabaseURL() string { return os.Getenv(DatabaseURLEnv) }

// New returns a new, empty, migrated store for a test of another package and closes
// it when the test ends. Tests of the workflow, the API and the servers use it rather
// than opening a store themselves, so the whole suite can run against every engine:
// a SQLite file in t.TempDir(), or, when NCA_TEST_DATABASE_URL is set, a PostgreSQL
// store in a fresh schema that is dropped when the test ends.
func New(t testing.TB) store.Store {
	t.Helper()
	if u := DatabaseURL(); u != "" {
		return OpenPostgres(t, PostgresSchema(t, u))
	}
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "nca.db"), nil)
	if err != nil {
		t.Fatalf("storetest: open SQLite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// OpenPostgres opens a PostgreSQL store on dsn and closes it when the test ends. Call
// it several times with one PostgresSchema DSN to get several handles (as several
// authority nodes have) on one database.
func OpenPostgres(t testing.TB, dsn string) *store.Postgres {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("storetest: open PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// PostgresSchema creates an empty schema in the PostgreSQL database at baseURL, drops
// it (with everything in it) when the test ends, and returns baseURL with its
// search_path set to the schema. It fails the test if the server cannot be reached.
func PostgresSchema(t testing.TB, baseURL string) string {
	t.Helper()
	ctx := context.Background()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("storetest: schema name: %v", err)
	}
	schema := "nca_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		t.Fatalf("storetest: %s: %v", DatabaseURLEnv, err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema in the database of %s: %v", DatabaseURLEnv, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, baseURL, schema)
}

// withSearchPath sets the search_path run-time parameter of a URL or key=value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL: %v", DatabaseURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewNodes returns n store handles on one new, empty database, as n authority nodes
// (or processes) have: handles of one SQLite file, or n PostgreSQL stores on one
// fresh schema when NCA_TEST_DATABASE_URL is set. They are closed when the test ends.
func NewNodes(t testing.TB, n int) []store.Store {
	t.Helper()
	var nodes []store.Store
	if u := DatabaseURL(); u != "" {
		dsn := PostgresSchema(t, u)
		for i := 0; i < n; i++ {
			nodes = append(nodes, OpenPostgres(t, dsn))
		}
		return nodes
	}
	path := filepath.Join(t.TempDir(), "nca.db")
	for i := 0; i < n; i++ {
		s, err := store.OpenSQLite(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("storetest: open SQLite: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("storetest: close: %v", err)
			}
		})
		nodes = append(nodes, s)
	}
	return nodes
}
