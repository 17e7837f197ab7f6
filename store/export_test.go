package store

import (
	"context"
	"database/sql"
	"time"
)

// OpenSQLiteForTest opens a store with a short busy timeout.
func OpenSQLiteForTest(ctx context.Context, path string, busy time.Duration) (*SQLite, error) {
	return openSQLite(ctx, path, nil, busy)
}

func base() time.Time { return time.Date(2026, 3, 2, 10, 30, 15, 1, time.FixedZone("+05", 5*3600)) }

// QueryRowIn runs a one-row query inside tx (a transaction of this package's
// stores) the way the store's own reads run, and scans it into dest.
func QueryRowIn(ctx context.Context, tx Tx, query string, dest ...any) error {
	return tx.(*sqlTx).queryRow(ctx, query).Scan(dest...)
}

// PostgresConnIdle takes a connection from s's pool and reports whether its session
// has no transaction open.
func PostgresConnIdle(ctx context.Context, s *Postgres) (bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	return pgIdle(conn), nil
}

// The CRL queries, for their query plans.
const (
	RevokedEntriesQuery = revokedEntriesQuery
	RevokedSinceQuery   = revokedSinceQuery
)

// SQLiteDB is s's write connection pool.
func SQLiteDB(s *SQLite) *sql.DB { return s.write }
