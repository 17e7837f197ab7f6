package store_test

import (
	"context"
	"strings"
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

// TestPostgresConcurrentStart opens four stores on one empty schema at once, as nodes
// starting together: the advisory lock lets one migrate while the others wait, and
// every one opens.
func TestPostgresConcurrentStart(t *testing.T) {
	dsn := storetest.PostgresSchema(t, postgresURL(t))
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			s, err := store.OpenPostgres(context.Background(), dsn, nil)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Errorf("concurrent start: %v", err)
		}
	}
}

func TestOpenPostgresBadURL(t *testing.T) {
	_, err := store.OpenPostgres(context.Background(), "postgres://nca:s3cret-pw@[::1", nil)
	if err == nil {
		t.Fatal("a malformed URL was accepted")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("the error quotes the password: %v", err)
	}
}
