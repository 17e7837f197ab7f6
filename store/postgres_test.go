package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"

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

// TestPostgresBeginByStatement: the store's PostgreSQL transactions begin with a
// BEGIN sent with their first statement. Each kind runs at its isolation level with
// its settings from that first statement on, and whatever way a transaction ends
// (commit, error, failed write, cancelled context, panic, nothing done) the pool's
// connection is handed back with no transaction open.
func TestPostgresBeginByStatement(t *testing.T) {
	s := storetest.OpenPostgres(t, storetest.PostgresSchema(t, postgresURL(t)))
	s.DB().SetMaxOpenConns(1) // every transaction on the one connection
	ctx := context.Background()
	settings := `SELECT current_setting('transaction_isolation'), current_setting('synchronous_commit'), current_setting('transaction_read_only')`
	for _, k := range []struct {
		name string
		run  func(context.Context, func(store.Tx) error) error
		want [3]string
	}{
		{"Tx", s.Tx, [3]string{"serializable", "on", "off"}},
		{"TxNoSync", s.TxNoSync, [3]string{"read committed", "off", "off"}},
		{"Read", s.Read, [3]string{"repeatable read", "on", "on"}},
	} {
		var got [3]string
		err := k.run(ctx, func(tx store.Tx) error {
			return store.QueryRowIn(ctx, tx, settings, &got[0], &got[1], &got[2])
		})
		if err != nil || got != k.want {
			t.Errorf("%s: first statement saw isolation, synchronous_commit, read only = %q (%v), want %q", k.name, got, err, k.want)
		}
	}

	// The driver would discard a connection left inside a transaction; the store
	// ends its transactions itself, so the one connection (one server process)
	// serves them all, except where a cancelled context may have closed it.
	pid := func() int {
		t.Helper()
		var p int
		if err := s.Read(ctx, func(tx store.Tx) error { return store.QueryRowIn(ctx, tx, `SELECT pg_backend_pid()`, &p) }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := pid()
	check := func(after string, sameConn bool) {
		t.Helper()
		ok, err := store.PostgresConnIdle(ctx, s)
		if err != nil || !ok {
			t.Fatalf("after %s: connection idle = %v (%v), want no transaction open", after, ok, err)
		}
		if p := pid(); sameConn && p != first {
			t.Fatalf("after %s: server process %d, want %d: the connection was discarded, not ended", after, p, first)
		}
	}
	idle := func(after string) { t.Helper(); check(after, true) }
	one := `SELECT 1`
	var n int
	boom := errors.New("boom")
	if err := s.Tx(ctx, func(tx store.Tx) error {
		if err := store.QueryRowIn(ctx, tx, one, &n); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Tx returning an error = %v", err)
	}
	idle("an error after a read")

	c := &core.Certificate{Serial: "0a", Issuer: "NCA RSA", Type: core.CertSign, Subject: "CN=a", KeyHash: "k-begin",
		NotBefore: time.Now().UTC(), NotAfter: time.Now().UTC().Add(time.Hour), DER: []byte{0x30}}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertCertificate(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.Pipeline(ctx, func() error { return tx.InsertCertificate(ctx, c) })
	})
	if !errors.Is(err, core.ErrDuplicate) {
		t.Fatalf("duplicate certificate in a pipeline = %v, want ErrDuplicate", err)
	}
	idle("a failed pipelined write")

	// Store.Claim sends BEGIN, its INSERT and COMMIT together: stored, refused
	// (nothing inserted, committed) or failed (the COMMIT not run), the
	// connection comes back with no transaction open.
	app := &core.Application{Number: "A-pg", Template: "individual", State: core.StateAccepted,
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, app) }); err != nil {
		t.Fatal(err)
	}
	claim := &store.IssuanceClaim{Application: "A-pg", Actor: "staff:1", ClaimedAt: time.Now().UTC(), Serials: []string{"nca-rsa/0b"}}
	if err := s.Claim(ctx, claim); err != nil {
		t.Fatalf("Claim = %v", err)
	}
	idle("a claim")
	if err := s.Claim(ctx, claim); !errors.Is(err, core.ErrDuplicate) {
		t.Fatalf("second Claim = %v, want ErrDuplicate", err)
	}
	idle("a refused claim")
	if err := s.Claim(ctx, &store.IssuanceClaim{Application: "A-none", Actor: "staff:1", ClaimedAt: time.Now().UTC(), Serials: []string{"nca-rsa/0c"}}); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Claim of an unknown application = %v, want ErrNotFound", err)
	}
	idle("a failed claim")

	cctx, cancel := context.WithCancel(ctx)
	err = s.Tx(cctx, func(tx store.Tx) error {
		if err := store.QueryRowIn(cctx, tx, one, &n); err != nil {
			return err
		}
		cancel()
		return store.QueryRowIn(cctx, tx, `SELECT pg_sleep(0.05)::text`, new(string))
	})
	if err == nil {
		t.Fatal("Tx whose context was cancelled succeeded")
	}
	check("a cancelled context", false)
	first = pid()

	func() {
		defer func() { _ = recover() }()
		_ = s.Tx(ctx, func(tx store.Tx) error {
			if err := store.QueryRowIn(ctx, tx, one, &n); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	idle("a panic")

	if err := s.Tx(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Fatalf("empty Tx = %v", err)
	}
	idle("an empty transaction")

	var got *core.Certificate
	if err := s.Read(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.GetCertificate(ctx, c.Issuer, c.Serial)
		return err
	}); err != nil || got.KeyHash != c.KeyHash {
		t.Fatalf("the committed certificate read back = %+v, %v", got, err)
	}
	idle("a read")
}

// TestPostgresReadOnly: OpenPostgresReadOnly reads a schema as it is and writes
// nothing (storetest.RunReadOnly).
func TestPostgresReadOnly(t *testing.T) {
	dsn := storetest.PostgresSchema(t, postgresURL(t))
	rw := storetest.OpenPostgres(t, dsn)
	storetest.RunReadOnly(t, rw, rw.DB(), func(t *testing.T) (store.Store, error) {
		return store.OpenPostgresReadOnly(context.Background(), dsn, nil)
	})
}
