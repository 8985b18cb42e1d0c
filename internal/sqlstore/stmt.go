package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite parses every statement afresh unless it is prepared, and parsing
// costs more than running the short queries Vigil mostly makes. So on
// SQLite each distinct query is prepared once per pool, and database/sql
// keeps it prepared on each connection that runs it. (pgx caches prepared
// statements itself, so PostgreSQL needs none of this.)

// maxCachedStatements bounds the cache: queries built from filters come in
// a bounded number of shapes, but a bound keeps a bug from becoming a leak.
const maxCachedStatements = 1000

type stmtCache struct {
	mu       sync.Mutex
	closed   bool
	pools    map[*sql.DB]map[string]*sql.Stmt
	pending  map[*sql.DB]map[string]bool
	inFlight sync.WaitGroup
}

// get returns the pool's prepared statement for query, or nil on a miss.
// A miss starts the preparation in the background and never waits for it:
// preparing needs a free connection, and the caller is holding one (on
// SQLite's writer, the only one), so waiting could deadlock.
func (c *stmtCache) get(pool *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if s, ok := c.pools[pool][query]; ok {
		return s
	}
	if c.pending[pool][query] || len(c.pools[pool])+len(c.pending[pool]) >= maxCachedStatements {
		return nil
	}
	if c.pools == nil {
		c.pools = map[*sql.DB]map[string]*sql.Stmt{}
		c.pending = map[*sql.DB]map[string]bool{}
	}
	if c.pending[pool] == nil {
		c.pending[pool] = map[string]bool{}
		c.pools[pool] = map[string]*sql.Stmt{}
	}
	c.pending[pool][query] = true
	c.inFlight.Add(1)
	go func() {
		defer c.inFlight.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := pool.PrepareContext(ctx, query)
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending[pool], query)
		if err != nil {
			return // the query runs unprepared and reports its own error
		}
		if c.closed {
			s.Close()
			return
		}
		c.pools[pool][query] = s
	}()
	return nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	for _, m := range c.pools {
		for _, s := range m {
			s.Close()
		}
	}
	c.pools = nil
	c.mu.Unlock()
	c.inFlight.Wait()
}

// stmt returns the transaction's handle on the cached prepared statement
// for query, or nil when there is none (PostgreSQL, or a full cache).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.db.engine != SQLite {
		return nil
	}
	s := tx.db.stmts.get(tx.pool, query)
	if s == nil {
		return nil
	}
	return tx.Tx.StmtContext(ctx, s)
}

// QueryContext runs a query in the transaction, prepared once on SQLite.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row in the transaction, prepared
// once on SQLite.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// ExecContext runs a statement in the transaction, prepared once on SQLite.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}
