package sqlstore

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"modernc.org/sqlite"
)

// Reading the record index for a check, on each engine in its fastest
// way: tens of millions of rows cost about a microsecond each through
// database/sql on SQLite, so there they are summed inside the query by an
// aggregate function written in Go; PostgreSQL streams them over pgx's
// own interface.

// indexReader reads the index in a snapshot of its own, each engine in
// its fastest way.
type indexReader interface {
	// mark is the index mark in the reader's snapshot.
	mark(ctx context.Context) (int64, error)
	// nextKind is the first kind of record in the index after after.
	nextKind(ctx context.Context, after string) (string, bool, error)
	// addKind adds every index row of one kind to sc.
	addKind(ctx context.Context, sc *indexScan, kind string) error
	close()
}

// indexReader opens a reader of the index in a snapshot taken now.
func (db *DB) indexReader(ctx context.Context) (indexReader, error) {
	if db.engine == Postgres {
		tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return nil, err
		}
		return pgIndexReader{tx}, nil
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return sqliteIndexReader{tx}, nil
}

const (
	indexMarkSQL = "SELECT seq FROM access_log_index_head WHERE id = 1"
	nextKindSQL  = "SELECT MIN(record_kind) FROM access_log_records WHERE record_kind > $1"
)

// sqliteIndexReader sums each kind's rows inside SQLite, with the
// aggregate function vigil_index_sums: reading tens of millions of rows
// out through database/sql costs several times more.
type sqliteIndexReader struct{ tx *sql.Tx }

func (r sqliteIndexReader) mark(ctx context.Context) (int64, error) {
	var m int64
	err := r.tx.QueryRowContext(ctx, indexMarkSQL).Scan(&m)
	return m, err
}

func (r sqliteIndexReader) nextKind(ctx context.Context, after string) (string, bool, error) {
	var next sql.NullString
	err := r.tx.QueryRowContext(ctx, nextKindSQL, after).Scan(&next)
	return next.String, next.Valid, err
}

func (r sqliteIndexReader) addKind(ctx context.Context, sc *indexScan, kind string) error {
	run := indexRuns.add(&indexRun{scan: sc, block: sc.sums.key.forKind(kind)})
	defer indexRuns.remove(run)
	var n int64
	return r.tx.QueryRowContext(ctx, "SELECT vigil_index_sums($1, record_id, seq) FROM access_log_records WHERE record_kind = $2",
		run, kind).Scan(&n)
}

func (r sqliteIndexReader) close() { _ = r.tx.Rollback() }

// pgIndexReader streams each kind's rows over pgx's own interface, which
// costs a fraction of database/sql's for each row.
type pgIndexReader struct{ tx pgx.Tx }

func (r pgIndexReader) mark(ctx context.Context) (int64, error) {
	var m int64
	err := r.tx.QueryRow(ctx, indexMarkSQL).Scan(&m)
	return m, err
}

func (r pgIndexReader) nextKind(ctx context.Context, after string) (string, bool, error) {
	var next *string
	if err := r.tx.QueryRow(ctx, nextKindSQL, after).Scan(&next); err != nil || next == nil {
		return "", false, err
	}
	return *next, true, nil
}

func (r pgIndexReader) addKind(ctx context.Context, sc *indexScan, kind string) error {
	b := sc.sums.key.forKind(kind)
	rows, err := r.tx.Query(ctx, "SELECT record_id, seq FROM access_log_records WHERE record_kind = $1", kind)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, seq int64
	for rows.Next() {
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		sc.addRow(b, id, seq)
	}
	return rows.Err()
}

func (r pgIndexReader) close() { _ = r.tx.Rollback(context.Background()) }

// indexRuns holds the scans that vigil_index_sums is feeding, by a number
// the query passes as its first argument (an aggregate function has no
// other way to reach its caller's state).
var indexRuns = &indexRunTable{runs: map[int64]*indexRun{}}

type indexRunTable struct {
	mu   sync.Mutex
	next int64
	runs map[int64]*indexRun
}

// indexRun is one kind's rows being added to a scan.
type indexRun struct {
	scan  *indexScan
	block cipher.Block
}

func (t *indexRunTable) add(r *indexRun) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	t.runs[t.next] = r
	return t.next
}

func (t *indexRunTable) remove(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.runs, n)
}

func (t *indexRunTable) get(n int64) *indexRun {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runs[n]
}

// indexSumsAggregate is vigil_index_sums(run, record_id, seq): it adds each
// row to the run's scan and returns the number of rows it saw.
type indexSumsAggregate struct {
	run *indexRun
	n   int64
}

func init() {
	sqlite.MustRegisterFunction("vigil_index_sums", &sqlite.FunctionImpl{NArgs: 3,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &indexSumsAggregate{}, nil }})
}

// Step implements sqlite.AggregateFunction.
func (a *indexSumsAggregate) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	run, id, seq, ok := a.run, args[1], args[2], true
	if run == nil {
		n, _ := args[0].(int64)
		if run = indexRuns.get(n); run == nil {
			return errors.New("vigil_index_sums: no such run")
		}
		a.run = run
	}
	i, ok1 := id.(int64)
	s, ok2 := seq.(int64)
	if ok = ok1 && ok2; !ok {
		return fmt.Errorf("vigil_index_sums: an index row holds %T %v for entry %v, not integers", id, id, seq)
	}
	run.scan.addRow(run.block, i, s)
	a.n++
	return nil
}

// WindowInverse implements sqlite.AggregateFunction; the function is not
// used as a window function.
func (a *indexSumsAggregate) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New("vigil_index_sums is not a window function")
}

// WindowValue implements sqlite.AggregateFunction: the rows seen.
func (a *indexSumsAggregate) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	return a.n, nil
}

// Final implements sqlite.AggregateFunction.
func (a *indexSumsAggregate) Final(*sqlite.FunctionContext) {}
