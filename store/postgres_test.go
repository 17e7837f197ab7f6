package store_test

import (
	"testing"

	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

// postgresURL returns the test database URL or skips: .ci/run sets it whenever a
// PostgreSQL server is reachable and fails if it was expected and is not.
func postgresURL(t *testing.T) string {
	t.Helper()
	u := storetest.DatabaseURL()
	if u == "" {
		t.Skip(storetest.DatabaseURLEnv + " is not set: no PostgreSQL to test against")
	}
	return u
}

func TestPostgres(t *testing.T) {
	u := postgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return storetest.OpenPostgres(t, storetest.PostgresSchema(t, u))
	})
}

// TestPostgresNodes runs the multi-node checks on three handles of one schema, as
// three `nca serve` processes on one database.
func TestPostgresNodes(t *testing.T) {
	u := postgresURL(t)
	storetest.RunNodes(t, func(t *testing.T) []store.Store {
		dsn := storetest.PostgresSchema(t, u)
		return []store.Store{storetest.OpenPostgres(t, dsn), storetest.OpenPostgres(t, dsn), storetest.OpenPostgres(t, dsn)}
	})
}
