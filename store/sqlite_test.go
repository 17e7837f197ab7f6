package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/store/storetest"
)

func openFile(t *testing.T) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "nca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestSQLiteFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openFile(t) })
}

func TestSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenSQLite(context.Background(), ":memory:", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestOpenSQLiteBadPath(t *testing.T) {
	for _, p := range []string{"", "nca.db?mode=ro", filepath.Join(t.TempDir(), "missing-dir", "nca.db")} {
		if s, err := store.OpenSQLite(context.Background(), p, nil); err == nil {
			s.Close()
			t.Errorf("OpenSQLite(%q) succeeded", p)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nca.db")
	s, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &core.Application{Number: "A-1", Template: "individual", State: core.StateAwaitingIdentification,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Migrations are idempotent at start-up.
	s, err = store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.Read(ctx, func(tx store.Tx) error {
		_, err := tx.GetApplication(ctx, "A-1")
		return err
	}); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

// A busy database (another process holding the write lock) is waited for and the
// transaction retried; domain errors are not retried.
func TestTxRetriesWhenBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nca.db")
	holder, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	other, err := store.OpenSQLiteForTest(ctx, path, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	locked, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- holder.Tx(ctx, func(tx store.Tx) error {
			if _, err := tx.NextCRLNumber(ctx, "NCA"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	// Reads are not blocked by the writer.
	if err := other.Read(ctx, func(tx store.Tx) error {
		_, err := tx.AuditLog(ctx, 0, 1)
		return err
	}); err != nil {
		t.Fatalf("read while another process writes: %v", err)
	}
	time.AfterFunc(60*time.Millisecond, func() { close(release) })
	runs := 0
	var n int64
	err = other.Tx(ctx, func(tx store.Tx) (err error) {
		runs++
		n, err = tx.NextCRLNumber(ctx, "NCA")
		return err
	})
	if err != nil {
		t.Fatalf("Tx on a busy database: %v", err)
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("CRL number %d, want 2", n)
	}
	t.Logf("fn ran %d time(s)", runs)

	// A lock held longer than all attempts is reported, not waited for forever.
	locked, release = make(chan struct{}), make(chan struct{})
	go func() {
		held <- holder.Tx(ctx, func(tx store.Tx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	err = other.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.NextCRLNumber(ctx, "NCA")
		return err
	})
	close(release)
	if err == nil {
		t.Fatal("Tx succeeded while another process held the lock")
	}
	t.Logf("busy: %v", err)
	if err := <-held; err != nil {
		t.Fatal(err)
	}

	runs = 0
	fail := core.Errorf(core.KindConflict, "domain")
	if err := other.Tx(ctx, func(store.Tx) error { runs++; return fail }); !errors.Is(err, fail) || runs != 1 {
		t.Fatalf("domain error: %v after %d runs, want it once", err, runs)
	}
}

func TestPutChallengeDropsExpired(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := store.Challenge{ID: "old", Nonce: []byte{1}, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	fresh := store.Challenge{ID: "new", Nonce: []byte{2}, CreatedAt: t0.Add(2 * time.Minute), ExpiresAt: t0.Add(3 * time.Minute)}
	for _, c := range []store.Challenge{old, fresh} {
		if err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutChallenge(ctx, c) }); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.TakeChallenge(ctx, "old")
		return err
	})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("expired challenge kept: %v", err)
	}
}

func TestTimeOutOfRange(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	a := &core.Application{Number: "A-1", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, a) })
	if core.KindOf(err) != core.KindInvalid {
		t.Fatalf("year 10000: %v", err)
	}
}

// TestSQLiteNodes runs the multi-node checks on three handles of one database file.
func TestSQLiteNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) []store.Store {
		path := filepath.Join(t.TempDir(), "nca.db")
		var nodes []store.Store
		for i := 0; i < 3; i++ {
			s, err := store.OpenSQLite(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			nodes = append(nodes, s)
		}
		return nodes
	})
}

// TestSQLiteReadOnly: OpenSQLiteReadOnly reads a database as it is and writes
// nothing (storetest.RunReadOnly); it creates no database where there is none and
// refuses a file that is not the authority's.
func TestSQLiteReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nca.db")
	rw, err := store.OpenSQLite(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.RunReadOnly(t, rw, db, func(t *testing.T) (store.Store, error) { return store.OpenSQLiteReadOnly(ctx, path, nil) })

	missing := filepath.Join(t.TempDir(), "none.db")
	if s, err := store.OpenSQLiteReadOnly(ctx, missing, nil); err == nil {
		s.Close()
		t.Fatal("a missing database opened read-only")
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the read-only open of a missing database left a file: %v", err)
	}
	foreign := filepath.Join(t.TempDir(), "other.db")
	other, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, `CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if s, err := store.OpenSQLiteReadOnly(ctx, foreign, nil); err == nil || !strings.Contains(err.Error(), "not a database of the authority") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("another application's database: %v", err)
	}
}
