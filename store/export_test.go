package store

import (
	"context"
	"time"
)

// OpenSQLiteForTest opens a store with a short busy timeout.
func OpenSQLiteForTest(ctx context.Context, path string, busy time.Duration) (*SQLite, error) {
	return openSQLite(ctx, path, nil, busy)
}

func base() time.Time { return time.Date(2026, 3, 2, 10, 30, 15, 1, time.FixedZone("+05", 5*3600)) }
