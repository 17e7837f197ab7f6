package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/opennca/nca/store"
)

// New returns a new, empty, migrated store for a test of another package and closes
// it when the test ends. Tests of the workflow, the API and the servers use it rather
// than opening a store themselves, so the whole suite can run against every engine.
// Today it opens a SQLite file in t.TempDir().
func New(t testing.TB) store.Store {
	t.Helper()
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
