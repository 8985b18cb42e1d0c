package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Tx is one transaction of one service method. It carries the instant the
// method runs at, so every record it stamps shares one time, and the
// principal it acts for.
type Tx struct {
	*sql.Tx
	db   *DB
	pool *sql.DB
	now  time.Time
	who  *vigil.Principal
	// pending are access-log entries to append before commit; denied are
	// refusals to log in a transaction of their own if the work fails.
	pending, denied []vigil.AccessEntry
	origin          vigil.Origin
	// glass says a decision in this transaction let the principal in only
	// through a break-glass opening: its access-log entries are marked so.
	glass bool
	// scanning says the language checker is rechecking stored text: no
	// writer is present to give a reason for flagged wording.
	scanning bool
	// author and written, during a rescan, are who wrote the text being
	// rechecked, and when.
	author  int64
	written *time.Time
}

// Now is the instant the transaction's work is stamped with.
func (tx *Tx) Now() time.Time { return tx.now }

// UserID is the acting user's id, or 0.
func (tx *Tx) UserID() int64 { return tx.who.UserID() }

// writeTx runs fn in a transaction that may change data, and commits it
// when fn returns nil. On SQLite the transaction takes the write lock at
// BEGIN, so two writers never deadlock on an upgrade.
func (db *DB) writeTx(ctx context.Context, fn func(*Tx) error) error {
	return db.runTx(ctx, db.write, nil, fn)
}

// readTx runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) readTx(ctx context.Context, fn func(*Tx) error) error {
	return db.runTx(ctx, db.read, &sql.TxOptions{ReadOnly: true}, fn)
}

func (db *DB) runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return db.mapErr(err)
	}
	tx := &Tx{Tx: sqlTx, db: db, pool: pool, now: vigil.Millis(db.clock.Now()), who: vigil.PrincipalFrom(ctx),
		origin: vigil.OriginFrom(ctx)}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		if len(tx.denied) > 0 {
			if lerr := db.logAlone(ctx, tx.denied); lerr != nil {
				return db.mapErr(errors.Join(err, lerr))
			}
		}
		return db.mapErr(err)
	}
	if tx.glass {
		for i := range tx.pending {
			tx.pending[i].BreakGlass = true
		}
	}
	if len(tx.pending) > 0 && !db.noAccessLog {
		if opts != nil && opts.ReadOnly {
			_ = sqlTx.Rollback()
			return fmt.Errorf("sqlstore: a read-only transaction tried to write the access log")
		}
		if err := tx.appendLog(ctx, tx.pending); err != nil {
			_ = sqlTx.Rollback()
			return db.mapErr(err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return db.mapErr(err)
	}
	return nil
}

// mapErr turns driver errors into domain errors with codes, so that the
// web layer never sees an engine's own error type. Anything unexpected
// becomes EINTERNAL, with the cause kept for the logs.
func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ve *vigil.Error
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			if r, ok := ruleBySQLiteMessage(se.Error()); ok {
				return r.broken(err)
			}
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &vigil.Error{Code: vigil.ECONFLICT, Message: "A record with those details already exists", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &vigil.Error{Code: vigil.EINVALID, Message: "A linked record does not exist", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &vigil.Error{Code: vigil.EINVALID, Message: "A value is not allowed", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &vigil.Error{Code: vigil.EUNAVAILABLE, Message: "The database is busy; try again", Err: err}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return &vigil.Error{Code: vigil.EUNAVAILABLE, Message: "The database cannot be written to", Err: err}
		}
		return &vigil.Error{Code: vigil.EINTERNAL, Message: "database error", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23P01", "23514":
			if r, ok := ruleByConstraint(pe.ConstraintName); ok {
				return r.broken(err)
			}
		}
		switch pe.Code {
		case "22021", "22P05":
			// A NUL character, or bytes that are not UTF-8, which text in
			// PostgreSQL cannot hold (the web edge refuses both first).
			return &vigil.Error{Code: vigil.EINVALID, Message: "A value holds a character that cannot be stored (a NUL character, or bytes that are not UTF-8 text)", Err: err}
		case "23505", "23P01":
			return &vigil.Error{Code: vigil.ECONFLICT, Message: "A record with those details already exists", Err: err}
		case "23503":
			return &vigil.Error{Code: vigil.EINVALID, Message: "A linked record does not exist", Err: err}
		case "23514", "23502", "22P02", "22007", "22008":
			return &vigil.Error{Code: vigil.EINVALID, Message: "A value is not allowed", Err: err}
		case "40001", "40P01":
			return &vigil.Error{Code: vigil.ECONFLICT, Message: "Someone else changed this at the same moment; try again", Err: err}
		case "57P01", "57P02", "57P03", "53300":
			return &vigil.Error{Code: vigil.EUNAVAILABLE, Message: "The database cannot be reached", Err: err}
		}
		return &vigil.Error{Code: vigil.EINTERNAL, Message: "database error", Err: err}
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, sql.ErrConnDone) {
		return &vigil.Error{Code: vigil.EUNAVAILABLE, Message: "The database cannot be reached", Err: err}
	}
	return &vigil.Error{Code: vigil.EINTERNAL, Message: "database error", Err: fmt.Errorf("%w", err)}
}

// notFound is the error for a record that does not exist or that the
// caller may not know exists.
func notFound(what string) error {
	return vigil.Errorf(vigil.ENOTFOUND, "%s not found", what)
}

// staleVersion is the error for an update based on an old version.
func staleVersion(what string) error {
	return vigil.Errorf(vigil.ECONFLICT, "This %s has been changed by someone else since you opened it. Reload it to see their changes, then make yours again.", what)
}
