package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
)

// stmtCache keeps statements prepared on one *sql.DB, by query text, so that a
// transaction runs a query it has run before without compiling it again: SQLite
// compiles every statement it is given, and for the short statements of the
// workflow the compilation costs as much as running them. database/sql prepares a
// cached statement once per connection of the pool and a transaction uses it through
// Tx.StmtContext; closing the transaction's copy leaves the cached one prepared.
//
// A query not in the cache runs as before and is prepared in the background after
// its transaction (the pool may have only the connection that transaction holds, so
// preparing it while the transaction is open could wait for itself). At most limit
// queries are kept: the store's queries are constants, and a query built with a
// varying number of parameters stops being added once the cache is full.
//
// PostgreSQL needs none of this: pgx keeps its own cache of prepared statements.
type stmtCache struct {
	db    *sql.DB
	limit int
	log   *slog.Logger

	mu        sync.Mutex
	stmts     map[string]*sql.Stmt
	preparing map[string]bool
	closed    bool
	// ctx ends when the cache is closed: background preparations stop waiting for
	// a connection.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// stmtCacheLimit is how many queries a store's cache keeps per pool.
const stmtCacheLimit = 256

func newStmtCache(db *sql.DB, limit int, log *slog.Logger) *stmtCache {
	ctx, cancel := context.WithCancel(context.Background())
	return &stmtCache{db: db, limit: limit, log: log, stmts: map[string]*sql.Stmt{}, preparing: map[string]bool{}, ctx: ctx, cancel: cancel}
}

// get returns the prepared statement of query, or nil when it is not prepared yet.
// A nil cache has none.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// prepare prepares, in the background, those of queries the cache does not hold
// yet and has room for. Errors are logged and the query stays uncached: it still
// runs, compiled each time.
func (c *stmtCache) prepare(queries []string) {
	if c == nil || len(queries) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var todo []string
	for _, q := range queries {
		if c.closed || len(c.stmts)+len(c.preparing) >= c.limit {
			break
		}
		if c.stmts[q] != nil || c.preparing[q] {
			continue
		}
		c.preparing[q] = true
		todo = append(todo, q)
	}
	if len(todo) == 0 {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for _, q := range todo {
			st, err := c.db.PrepareContext(c.ctx, q)
			c.mu.Lock()
			delete(c.preparing, q)
			if err == nil && c.closed {
				err = st.Close()
				st = nil
			}
			if st != nil && err == nil {
				c.stmts[q] = st
			}
			c.mu.Unlock()
			if err != nil && !errors.Is(err, context.Canceled) {
				c.log.Debug("store: statement not cached", "error", err)
			}
		}
	}()
}

// close stops the background preparations and closes the cached statements. The
// cache hands out nothing after it; close it before its database.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}
